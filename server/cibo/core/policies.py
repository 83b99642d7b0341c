"""Bot policies: choose a seat's next command from what that seat is allowed to see.

Policies read a :class:`GameState`, but only its public parts and the seat's own: a network bot
rebuilds one from its seat view with :func:`state_from_view`, the simulator passes the real state
with a throwaway seed. Four policies:

* ``plan``: the play book's choice, unless looking one action ahead on the engine finds a
  better one by the ruleset's ``[bots] score`` (:mod:`cibo.core.planner`);
* ``random``: a uniformly random legal command (ending the turn included);
* ``idle``: always ends the turn at once (the floor);
* ``greedy``: the ruleset's ``[bots]`` play book — the first priority whose condition holds and
  whose action is possible here, or reachable by walking to a zone where it would be.

A concession on offer (``[[concede]]``) is accepted by ``plan`` and ``greedy``, answered at
random by ``random``, and turned down by ``idle``.

Bot randomness comes from its own :class:`~cibo.core.rng.Rng`, never from the game's stream.
"""

from __future__ import annotations

from typing import Any

from attrs import evolve

from cibo.core.board import distances, zone_order
from cibo.core.effects import Ctx
from cibo.core.env import reads_of
from cibo.core.errors import RulesError
from cibo.core.expr import ExprError
from cibo.core.planner import plan
from cibo.core.rng import Rng
from cibo.core.rules import (
    action_refusal,
    find_action,
    limit_reached,
    new_game,
    targets,
    zones_where,
)
from cibo.core.ruleset import Action, Ruleset
from cibo.core.state import (
    DeckState,
    GameState,
    HeroState,
    MarkerState,
    Offer,
    Seat,
    UnitState,
    replace,
)
from cibo.core.views import legal_commands

__all__ = ["POLICIES", "choose", "state_from_view"]

POLICIES = ("plan", "greedy", "random", "idle")
"""Strongest first: ``plan`` looks ahead (:mod:`cibo.core.planner`), ``greedy`` follows the play
book, ``random`` picks any legal command, ``idle`` always ends its turn at once (the floor: a
ruleset that ``idle`` can win plays itself)."""
_BOT_SEED = b"bot-lookahead-seed-not-the-game-seed"


def choose(
    state: GameState,
    seat: str,
    policy: str,
    rng: Rng,
    legal: list[dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """The wire command ``seat`` should send now, or None when it has nothing to do.

    ``legal`` is the seat's list of legal commands when the caller has it from the server (a
    network bot); otherwise it is computed from ``state``.
    """
    if legal is None:
        legal = legal_commands(state, seat)
    if not legal:
        return None
    if legal[0]["type"] in _ANSWERS:
        return _answer(policy, legal, rng)
    if policy == "idle":
        return {"type": "end_turn", "hero": legal[0]["hero"]}
    if policy == "random":
        pick = legal[rng.below(len(legal))]
        return {k: pick[k] for k in ("type", "hero", "action", "target") if k in pick}
    if policy not in POLICIES:
        raise ValueError(f"unknown bot policy {policy!r}; choose from {', '.join(POLICIES)}")
    hero_id = legal[0]["hero"]
    hero = state.hero(hero_id)
    assert hero is not None
    pick = _greedy(state, hero, legal) or {"type": "end_turn", "hero": hero_id}
    if policy == "greedy":
        return pick
    return plan(state, seat, legal, rng, default=pick, follow=_follow)


_ANSWERS = ("concede", "play_on")


def _answer(policy: str, legal: list[dict[str, Any]], rng: Rng) -> dict[str, Any]:
    """A concession on offer: ``plan`` and ``greedy`` accept it (the ruleset says the game is
    lost); ``random`` picks either; ``idle`` plays on, so that the floor is measured on whole
    games."""
    if policy not in POLICIES:
        raise ValueError(f"unknown bot policy {policy!r}; choose from {', '.join(POLICIES)}")
    if policy == "random":
        return {"type": legal[rng.below(len(legal))]["type"]}
    return {"type": "play_on" if policy == "idle" else "concede"}


def _follow(state: GameState, legal: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The play book's next command for the hero of ``legal`` (None: it would end the turn)."""
    hero = state.hero(legal[0]["hero"])
    return _greedy(state, hero, legal) if hero is not None else None


def _greedy(s: GameState, hero: HeroState, legal: list[dict[str, Any]]) -> dict[str, Any] | None:
    rs = s.ruleset
    ctx = Ctx(replace(s, seed=_BOT_SEED))
    mine = [c for c in legal if c["type"] == "act" and c["hero"] == hero.id]
    by_action: dict[str, list[dict[str, Any]]] = {}
    for c in mine:
        by_action.setdefault(c["action"], []).append(c)
    # The hero's move commands, found once: every walking line below chooses among them.
    moving = {name for name in by_action if _is_move(s, hero, name)}
    moves = [c for c in mine if c["action"] in moving]
    bindings = {"hero": hero.id, "zone": hero.zone}
    for p in rs.bots.priorities:
        try:
            if p.when and not ctx.truth(p.when, bindings):
                continue
        except RulesError:
            continue
        if _is_move(s, hero, p.do):
            # A bare "go there" line: walk towards ``go``; nothing to do once there.
            if not p.go or _zone_is(rs, hero.zone, p.go):
                continue
            step = _walk_towards_action(s, hero, p.do, p.go, moves)
            if step is not None:
                return step
            continue
        here = by_action.get(p.do, [])
        if here and not (p.go and not _zone_is(rs, hero.zone, p.go)):
            return _pick_target(s, here)
        step = _walk_towards_action(s, hero, p.do, p.go, moves)
        if step is not None:
            return step
    return None


def _zone_is(rs: Ruleset, zone: str, where: str) -> bool:
    return zone in zones_where(rs, where)


def _pick_target(s: GameState, options: list[dict[str, Any]]) -> dict[str, Any]:
    """Attack the weakest unit; aim a zone action where the most enemy hit points stand;
    otherwise the first option in file order."""
    zone_order = list(s.ruleset.zones)

    def weight(c: dict[str, Any]) -> tuple[int, int]:
        target = c["target"]
        if target in s.ruleset.zones:
            return (-sum(u.hp for u in s.units if u.zone == target), zone_order.index(target))
        unit = s.unit(target) if target else None
        return (unit.hp if unit else 0, int(unit.id[1:]) if unit else 0)

    best = min(options, key=weight)
    return {k: best[k] for k in ("type", "hero", "action", "target")}


def _walk_towards_action(
    s: GameState, hero: HeroState, name: str, go: str, moves: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """A command among ``moves`` (the hero's legal moves) towards the nearest zone where action
    ``name`` would be possible."""
    action = find_action(s, hero, name)
    if action is None or not moves:
        return None
    where = go or action.where
    if not where:
        return None
    near = distances(s.ruleset, hero.zone)
    allowed = zones_where(s.ruleset, where)
    goals = [
        z
        for z in near
        if z in allowed and z != hero.zone and _possible_at(s, hero, name, action, z)
    ]
    if not goals:
        return None
    order = zone_order(s.ruleset)
    goal = min(goals, key=lambda z: (near[z], order[z]))
    from_goal = distances(s.ruleset, goal)
    best = min(moves, key=lambda c: (from_goal.get(c["target"], 99), c["target"]))
    if from_goal.get(best["target"], 99) >= near[goal]:
        return None
    return {k: best[k] for k in ("type", "hero", "action", "target")}


def _is_move(s: GameState, hero: HeroState, name: str) -> bool:
    """True for an action that carries the acting hero to its target zone.

    A zone target alone does not make a move: Killy's beam also aims at a zone, and "walking"
    with it costs two actions and four noise without going anywhere.
    """
    action = find_action(s, hero, name)
    return action is not None and _moves_hero(action)


def _moves_hero(action: Action) -> bool:
    return action.target == "zone" and any(
        e.move == "$hero" and e.at == "$target" for e in action.do
    )


def _possible_at(s: GameState, hero: HeroState, name: str, action: Action, zone: str) -> bool:
    """Whether ``hero``, standing in ``zone`` with actions enough, could take ``action``."""
    if _reads_moved_hero(s.ruleset, action):
        moved = replace(hero, zone=zone, actions_left=max(hero.actions_left, action.cost))
        there = replace(s, heroes=tuple(moved if h.id == hero.id else h for h in s.heroes))
        try:
            if action_refusal(there, moved, name, action) is not None:
                return False
        except RulesError:
            return False
        return bool(targets(there, moved, action))
    # Nothing here reads the moved hero: answer from this state, as the general case above
    # would. The cost fits by construction and the limits do not depend on the zone; the
    # targets are the zones in reach of there, the units there, or the standing heroes there
    # (the moved hero among them unless it is down).
    if action.where and zone not in zones_where(s.ruleset, action.where):
        return False
    if limit_reached(s, hero, name, action):
        return False
    if action.needs:
        try:
            if not Ctx(s).truth(action.needs, {"hero": hero.id, "zone": zone}):
                return False
        except RulesError:
            return False
    if action.target == "none":
        return True
    if action.target == "zone":
        assert isinstance(action.range, int)
        reach = action.range or 1
        least = 0 if action.here else 1
        return any(least <= d <= reach for d in distances(s.ruleset, zone).values())
    if action.target == "unit":
        return any(u.zone == zone for u in s.units)
    return not hero.downed or any(
        h.zone == zone and not h.downed for h in s.heroes if h.id != hero.id
    )


_READS_HERO: dict[int, tuple[Action, bool]] = {}
"""By action (its id, checked against the action kept with the entry): whether deciding if
it is possible reads the heroes (see :func:`_reads_moved_hero`)."""


def _reads_moved_hero(rs: Ruleset, action: Action) -> bool:
    """Whether the action's ``needs`` or its reach could read the heroes (where they stand):
    then whether it is possible elsewhere must be worked out on a state with the hero
    moved. Actions belong to one ruleset, so they key the answer."""
    entry = _READS_HERO.get(id(action))
    if entry is not None and entry[0] is action:
        return entry[1]
    reads = action.target == "zone" and not isinstance(action.range, int)
    if action.needs and not reads:
        try:
            reads = "heroes" in reads_of(rs, [action.needs]).parts
        except ExprError:
            reads = True  # the general case reports it as it always has
    if len(_READS_HERO) >= 4096:  # rulesets are few in a server; tests build many
        _READS_HERO.clear()
    _READS_HERO[id(action)] = (action, reads)
    return reads


def state_from_view(view: dict[str, Any], rs: Ruleset) -> GameState:
    """Rebuild a state from a seat view, good enough for a policy (no seed, no deck order)."""
    base = new_game(rs, ruleset_sha256="", seed=_BOT_SEED, difficulty=view["difficulty"])
    rnd = int(view["round"])
    heroes = tuple(
        HeroState(
            id=h["id"],
            kind=h["kind"],
            seat=h["seat"],
            zone=h["zone"],
            hp=h["hp"],
            max_hp=h["max_hp"],
            actions_left=h["actions_left"],
            done=h["done"],
            downed=h["downed"],
        )
        for h in view["heroes"]
    )
    zones = view["zones"]
    return evolve(
        base,
        status=view["status"],
        seats=tuple(Seat(x["id"], x["name"]) for x in view["seats"]),
        heroes=heroes,
        units=tuple(UnitState(u["id"], u["kind"], u["zone"], u["hp"]) for u in view["units"]),
        tracks={name: t["value"] for name, t in view["tracks"].items()},
        noise={name: z["noise"] for name, z in zones.items()},
        dormant={name: rnd for name, z in zones.items() if not z["active"]},
        destroyed=frozenset(name for name, z in zones.items() if z["destroyed"]),
        markers={
            name: MarkerState(m["launched"], m["index"]) for name, m in view["markers"].items()
        },
        decks={
            name: DeckState(draw=("?",) * d["remaining"], discard=tuple(d["discard"]))
            for name, d in view["decks"].items()
        },
        round=rnd,
        phase=view["phase"]["index"] if view["phase"] else 0,
        turn=view["turn"],
        offer=_offer(view.get("concession")),
    )


def _offer(data: dict[str, Any] | None) -> Offer | None:
    if not data:
        return None
    return Offer(reason=data["reason"], round=data["round"], values=dict(data["values"]),
                 text=data["text"])
