"""What the table is told, with the numbers of the moment: no formula reaches a screen.

Rules texts and dice formulas are written with names (``@hero.move``,
``(2 + min(1, allies_here))d6cs>=4``). Players read numbers: this module works them out for a
hero in a state (:func:`hero_values`), for a hero card before the game (:func:`base_attack`) and
for the goal panel (:func:`goal_progress`). Action texts say ``{range}``, ``{roll}``, ``{cost}``
or ``{noise}`` where such a number goes (``{range|zone|zones}`` adds the word for one or for
more); the clients put in the values sent here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from cibo.core.env import PARTS, GameEnv, Reads, reads_of
from cibo.core.expr import (
    Arith,
    Dice,
    Env,
    ExprError,
    MapEnv,
    Name,
    Node,
    compile_expr,
    evaluate_bool,
    evaluate_int,
    evaluate_node_int,
)
from cibo.core.ruleset import Action, Formula, Hero, Ruleset, TeachLine
from cibo.core.state import GameState, HeroState

__all__ = [
    "ACTION_VALUES",
    "base_attack",
    "fill_values",
    "goal_progress",
    "hero_values",
    "resolve_formula",
]

ACTION_VALUES = ("range", "roll", "cost", "noise")
"""The placeholders an action's text may use."""

_MAX_NESTING = 4
_PLACEHOLDER = re.compile(r"\{(\w+)(?:\|([^|{}]*)\|([^|{}]*))?\}")


def fill_values(text: str, values: Mapping[str, int]) -> str:
    """``text`` with its ``{name}`` placeholders replaced by ``values`` (the clients' rule:
    ``{left|stretch|stretches}`` adds the word for one or for more; an unknown name is "…")."""

    def one(m: re.Match[str]) -> str:
        value = values.get(m.group(1))
        if value is None:
            return "…"
        if m.group(2) is None:
            return str(value)
        return f"{value} {m.group(2) if value == 1 else m.group(3)}"

    return _PLACEHOLDER.sub(one, text)


def resolve_formula(source: Formula, env: Env) -> str:
    """``source`` with everything but the dice worked out: ``(2 + min(1, allies_here))d6cs>=4``
    -> ``3d6cs>=4``, ``2d6 + @difficulty.spawn_mod`` -> ``2d6 + 1``, ``@hero.attack`` -> that
    hero's dice. A formula without dice gives its number.

    Raises:
        ExprError: a name ``env`` cannot resolve, or a formula the engine could not evaluate.
    """
    if isinstance(source, int):
        return str(source)
    return _spell(source, env, 0)


def _spell(source: str, env: Env, depth: int) -> str:
    if depth > _MAX_NESTING:
        raise ExprError("formulas nested too deeply", None, source)
    expr = compile_expr(source)
    return _node(expr.root, env, source, depth)


def _node(node: Node, env: Env, source: str, depth: int) -> str:
    if isinstance(node, Name):
        try:
            value = env.lookup(node.sigil, node.path)
        except KeyError:
            raise ExprError(f"unknown name {node.spelled}", None, source) from None
        if isinstance(value, str):
            return _spell(value, env, depth + 1)
        if isinstance(value, bool | int):
            return str(int(value))
        raise ExprError(f"{node.spelled} is not a number", None, source)
    if isinstance(node, Dice):
        count = evaluate_node_int(node.count, env, source)
        sides = evaluate_node_int(node.sides, env, source)
        out = f"{count}d{sides}"
        for mod in node.modifiers:
            arg = evaluate_node_int(mod.arg, env, source)
            cmp = "" if mod.kind == "r" and mod.cmp == "=" else mod.cmp
            out += f"{mod.kind}{cmp}{arg}"
        return out
    if isinstance(node, Arith) and _has_dice(node, env):
        parts = [_node(node.first, env, source, depth)]
        for op, operand, _ in node.rest:
            text = _node(operand, env, source, depth)
            if op in "+-" and text == "0":
                continue
            sign = op
            if op == "+" and text.startswith("-"):
                sign, text = "-", text[1:]
            parts.append(f"{sign} {text}")
        return " ".join(parts)
    return str(evaluate_node_int(node, env, source))


def _has_dice(node: Node, env: Env) -> bool:
    """Whether ``node`` rolls: a dice term, or a name holding a formula (looked into)."""
    if isinstance(node, Dice):
        return True
    if isinstance(node, Name):
        try:
            value = env.lookup(node.sigil, node.path)
        except KeyError:
            return False
        return isinstance(value, str) and compile_expr(value).has_dice
    if isinstance(node, Arith):
        return _has_dice(node.first, env) or any(_has_dice(o, env) for _, o, _ in node.rest)
    return False


def _try(source: Formula, env: Env) -> str:
    try:
        return resolve_formula(source, env)
    except ExprError:
        return ""


def base_attack(hero: Hero) -> str:
    """A hero's attack dice before the game, with no one beside them (``allies_here`` is 0):
    what the hero card shows. Empty when the formula needs the state of a game."""
    env = MapEnv(names={"allies_here": 0, **{f"@hero.{k}": v for k, v in hero.stats.items()},
                        "@hero.move": hero.move})
    return _try(hero.attack, env)


def _action_values(env: GameEnv, action: Action, noise_mod: int) -> dict[str, Any]:
    out: dict[str, Any] = {"cost": action.cost, "noise": max(0, action.noise + noise_mod)}
    if action.target == "zone":
        rng = _try(action.range, env) if action.range != 0 else "1"
        out["range"] = int(rng) if rng.lstrip("-").isdigit() else rng
    if action.roll:
        out["roll"] = _try(action.roll, env)
    return out


class _Memo:
    """The last result of one teaching function for one ruleset, per game and hero, with what
    its formulas read of the state then (:class:`~cibo.core.env.Reads`): equal keys give equal
    results, so a state that reads the same as the last one asked about gets that one's
    result. Views ask for every hero's values and the goal panel after every command, and
    most commands change nothing these formulas read (a constant such as ``2d6``, a stat,
    ``allies_here`` while nobody moved).

    One slot per game (its seed) and hero, not a few slots for every game: a server's rooms
    ask in turn, and slots shared between 400 rooms were overwritten before anyone asked
    again (every answer worked out afresh, after a search of all of them).

    Behind the slots, the answers for positions before chance has played (no die rolled, no
    card drawn: the lobby's picks and the opening) are also kept by hero and key alone
    (:attr:`common`), for any game: equal keys give equal results whatever the game, and
    every game of a ruleset passes through those positions alike, so a server opening many
    rooms works each of them out once instead of once per room. Later positions are the
    game's own; keeping them there too cost the play 6-10 % and 15 MiB (measured)."""

    __slots__ = ("common", "kept", "reads", "ruleset")

    SLOTS = 4096
    """Slots kept before all are dropped (games of a long simulation; a server's rooms
    hold a few each)."""

    COMMON = 64
    """Answers kept by key for any game before all are dropped."""

    def __init__(self, ruleset: Ruleset, reads: Reads) -> None:
        self.ruleset = ruleset
        self.reads = reads
        self.kept: dict[tuple[bytes, str], tuple[tuple[object, ...], Any]] = {}
        self.common: dict[Hashable, Any] = {}

    def answer(
        self, state: GameState, slot: str, key: tuple[object, ...], work: Callable[[], Any]
    ) -> Any:
        """The answer for ``key`` in ``state``'s game at ``slot`` (a hero's id, or ``""``):
        the one kept there, else (before chance has played) the one kept for any game, else
        ``work()``, kept for the next question."""
        place = (state.seed, slot)
        known = self.kept.get(place)
        if known is not None and known[0] == key:
            return known[1]
        alike = _hashable((slot, *key)) if state.rng_counter == 0 else None
        value = self.common.get(alike) if alike is not None else None
        if value is None:
            value = work()
            if alike is not None:
                if len(self.common) >= self.COMMON:
                    self.common.clear()
                self.common[alike] = value
        self._keep(place, key, value)
        return value

    def _keep(self, slot: tuple[bytes, str], key: tuple[object, ...], value: Any) -> None:
        if len(self.kept) >= self.SLOTS and slot not in self.kept:
            self.kept.clear()
        self.kept[slot] = (key, value)


def _items(value: object) -> object:
    return tuple(value.items()) if type(value) is dict else value


def _hashable(key: tuple[object, ...]) -> Hashable | None:
    """``key`` (a hero's zone and a :meth:`Reads.key`, or a key alone, each maybe behind a
    hero id) with the state's dicts in it (tracks, noise, markers) as tuples of their items,
    or None when some part of it cannot be hashed. Two keys give equal results only if they
    are equal (two equal dicts filled in another order only miss)."""
    frozen = tuple(
        [tuple([_items(v) for v in part]) if type(part) is tuple else _items(part)
         for part in key]
    )
    try:
        hash(frozen)
    except TypeError:
        return None
    return frozen


_MEMOS: dict[tuple[int, str], _Memo] = {}
"""By ruleset (its id, checked against the ruleset kept with the entry) and what is taught
(``goals``, or ``hero:<kind>``)."""


def _memo(rs: Ruleset, what: str, sources: Callable[[], Iterable[Formula]]) -> _Memo:
    memo = _MEMOS.get((id(rs), what))
    if memo is not None and memo.ruleset is rs:
        return memo
    try:
        reads = reads_of(rs, [f for f in sources() if isinstance(f, str)])
    except ExprError:
        reads = Reads(PARTS)  # working it out will leave the value empty, every time
    if len(_MEMOS) >= 256:  # rulesets loaded over a long run (a server, the tests)
        _MEMOS.clear()
    memo = _MEMOS[(id(rs), what)] = _Memo(rs, reads)
    return memo


def _hero_sources(rs: Ruleset, kind: str) -> list[Formula]:
    spec = rs.heroes[kind]
    sources: list[Formula] = [spec.attack]
    for action in {**rs.actions, **spec.actions}.values():
        sources += [action.range, action.roll]
    return sources


def hero_values(state: GameState, hero_id: str) -> dict[str, Any]:
    """The numbers of a hero's sheet now: ``attack`` (dice), ``move``, and per action the
    values its text may name (:data:`ACTION_VALUES`).

    The result may be shared with earlier calls (on states that read the same): callers must
    not change it."""
    hero = state.hero(hero_id)
    if hero is None:
        return {}
    rs = state.ruleset
    memo = _memo(rs, "hero:" + hero.kind, lambda: _hero_sources(rs, hero.kind))
    key = (hero.zone, memo.reads.key(state, hero))
    return memo.answer(state, hero.id, key, lambda: _hero_values(state, hero))  # type: ignore[no-any-return]


def _hero_values(state: GameState, hero: HeroState) -> dict[str, Any]:
    rs = state.ruleset
    spec = rs.heroes[hero.kind]
    env = GameEnv(state, {"hero": hero.id, "zone": hero.zone})
    actions = {**rs.actions, **spec.actions}
    return {
        "attack": _try(spec.attack, env),
        "move": spec.move,
        "actions": {name: _action_values(env, a, spec.noise_mod) for name, a in actions.items()},
    }


def _line(state: GameState, line: TeachLine) -> dict[str, Any]:
    rs: Ruleset = state.ruleset
    env = GameEnv(state)
    out: dict[str, Any] = {}
    if line.track:
        track = rs.tracks[line.track]
        out["value"] = state.tracks.get(line.track, track.min)
        out["of"] = track.max
    if line.of != "":
        try:
            out["of"] = line.of if isinstance(line.of, int) else evaluate_int(line.of, env)
        except (ExprError, KeyError):
            out.pop("of", None)
    return out


def _applies(line: TeachLine, env: Env) -> bool:
    if not line.when:
        return True
    try:
        return evaluate_bool(line.when, env)
    except (ExprError, KeyError):
        return True  # a line the check let through is better shown than silently lost


def _goal_sources(rs: Ruleset) -> list[Formula]:
    lines = [*rs.teach.goals.values(), *rs.teach.defeats.values()]
    # A line's track is read as a track, which the name says too.
    return [
        *(u.hp for u in rs.units.values()),
        *(line.when for line in lines),
        *(line.of for line in lines),
        *(line.track for line in lines if line.track),
    ]


def goal_progress(state: GameState) -> dict[str, dict[str, dict[str, Any]]]:
    """``{"goals": {name: {"value", "of"}}, "defeats": {...}, "units": {kind: {"hp"}}}``: the
    goal panel's numbers now, and each unit type's HP as it would enter now (a formula such as
    ``6 + 2 * heroes`` worked out). A line whose ``when`` does not hold now is left out: the
    clients show the lines listed here, in the ruleset's order.

    The result may be shared with earlier calls (on states that read the same): callers must
    not change it."""
    rs = state.ruleset
    memo = _memo(rs, "goals", lambda: _goal_sources(rs))
    key = memo.reads.key(state)
    return memo.answer(state, "", key, lambda: _goal_progress(state))  # type: ignore[no-any-return]


def _goal_progress(state: GameState) -> dict[str, dict[str, dict[str, Any]]]:
    teach = state.ruleset.teach
    env = GameEnv(state)
    units: dict[str, dict[str, Any]] = {}
    for kind, unit in state.ruleset.units.items():
        hp = _try(unit.hp, env)
        units[kind] = {"hp": int(hp)} if hp.lstrip("-").isdigit() else {}
    return {
        "goals": {
            name: _line(state, line) for name, line in teach.goals.items() if _applies(line, env)
        },
        "defeats": {
            name: _line(state, line)
            for name, line in teach.defeats.items()
            if _applies(line, env)
        },
        "units": units,
    }
