"""The ``plan`` bot policy: look one action ahead on the pure engine and keep the best.

For the hero about to act, every legal action is tried on a copy of the state whose secret seed
is replaced by one drawn from the bot's own stream (so the bot never sees the game's dice), and
the result is valued:

* a won game is worth more than anything, a lost one less than anything;
* otherwise the ruleset's ``[bots] score`` expression, evaluated on the state after the action
  (averaged over a few private rolls when the action rolls dice).

The play book's own choice (the ``greedy`` policy) is the default; another action replaces it
only when it scores strictly better by more than :data:`MARGIN`. A walk keeps the score where
it is, so the play book still decides where to go; the look-ahead decides what is worth doing
on the way, and which target to hit. Deterministic for a given bot stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cibo.core.commands import Act
from cibo.core.effects import Ctx
from cibo.core.errors import CoreError, RulesError
from cibo.core.rng import Rng
from cibo.core.rules import find_action, play
from cibo.core.state import GameState, replace
from cibo.core.views import legal_commands

__all__ = ["DEPTH", "SAMPLES", "WIN", "plan", "value"]

WIN = 1_000_000
"""The value of a won game; a lost one is worth ``-WIN``."""

DEPTH = 1
"""Play-book actions tried after each option (the rest of the turn, up to this many)."""

SAMPLES = 2
"""Private trials averaged for an action that rolls dice (one for the others)."""


def value(state: GameState) -> int:
    """How good ``state`` is for the heroes: terminal outcomes first, then the ruleset's score.

    Raises:
        RulesError: when the ruleset's ``[bots] score`` cannot be evaluated.
    """
    if state.status == "won":
        return WIN
    if state.status in ("lost", "aborted"):
        return -WIN
    score = state.ruleset.bots.score
    if not score:
        return 0
    result = Ctx(state).value(score, {})
    if isinstance(result, bool) or not isinstance(result, int):
        raise RulesError(f"[bots] score must be a number, got {result!r}", code="rules/expression")
    return result


Follow = Callable[[GameState, list[dict[str, Any]]], "dict[str, Any] | None"]
"""The play book: the command a hero's legal commands lead to, or None to end the turn."""


def plan(
    state: GameState,
    seat: str,
    legal: list[dict[str, Any]],
    rng: Rng,
    *,
    default: dict[str, Any],
    follow: Follow,
) -> dict[str, Any]:
    """The command for the hero of ``default`` (the play book's choice for it).

    Each distinct action the hero could take now (and ``default``) is tried, then the play book
    plays the rest of the hero's actions this turn, and the position is valued; the best start
    wins, ``default`` on ties. Trials stop before the turn would end, so no option also plays
    out the rest of the round.
    """
    hero_id = default["hero"]
    hero = state.hero(hero_id)
    assert hero is not None
    keys = ("type", "hero", "action", "target")
    options: list[dict[str, Any]] = [{k: default[k] for k in keys if k in default}]
    seen = {_signature(state, options[0])}
    for c in legal:
        if c["type"] != "act" or c["hero"] != hero_id:
            continue
        sig = _signature(state, c)
        if sig not in seen:
            seen.add(sig)
            options.append({k: c[k] for k in keys})
    if len(options) == 1:
        return options[0]
    seeds = [rng.word().to_bytes(8, "big") * 4 for _ in range(SAMPLES)]
    budget = hero.actions_left
    # The trial hero keeps spare actions in hand so that its last action does not end the turn.
    roomy = tuple(
        replace(h, actions_left=h.actions_left + 10) if h.id == hero_id else h for h in state.heroes
    )

    def trial(first: dict[str, Any], seed: bytes) -> int:
        s = replace(state, seed=seed, rng_counter=0, heroes=roomy)
        left = budget
        steps = 0
        command: dict[str, Any] | None = first
        while command is not None and command["type"] == "act":
            cost = _cost(s, command)
            # Built directly: the command comes from the engine's own list, not from a client.
            act = Act(seat, command["hero"], command["action"], command.get("target") or "")
            try:
                s = play(s, act).state  # the state after the events, as fold would give
            except (CoreError, LookupError, ValueError):
                # refused, or not playable on a state rebuilt from a view (hidden deck order)
                return -WIN if command is first else value(s)
            left -= cost
            steps += 1
            if s.over or left <= 0 or steps > DEPTH:
                break
            mine = [
                c for c in legal_commands(s, seat) if c["hero"] == hero_id and c["cost"] <= left
            ]
            command = follow(s, mine) if mine else None
        return value(s)

    best, best_worth = options[0], -float("inf")
    for option in options:
        if option["type"] != "act":
            w = float(value(state))
        else:
            n = len(seeds) if _rolls(state, option) else 1
            w = sum(trial(option, seed) for seed in seeds[:n]) / n
        if w > best_worth:
            best, best_worth = option, w
    return {k: best[k] for k in keys if k in best}


def _cost(state: GameState, command: dict[str, Any]) -> int:
    hero = state.hero(command["hero"])
    action = find_action(state, hero, command["action"]) if hero is not None else None
    return action.cost if action is not None else 1


def _rolls(state: GameState, command: dict[str, Any]) -> bool:
    hero = state.hero(command["hero"])
    action = find_action(state, hero, command["action"]) if hero is not None else None
    return action is not None and bool(action.roll or any(e.roll_table for e in action.do))


def _signature(state: GameState, c: dict[str, Any]) -> tuple[str, ...]:
    """Commands that would play the same: attacks on two like units (same kind and HP) count
    once."""
    if c["type"] != "act":
        return (c["type"],)
    unit = state.unit(c["target"]) if c.get("target") else None
    if unit is not None:
        return (c["action"], unit.kind, str(unit.hp), unit.zone)
    return (c["action"], str(c.get("target") or ""))
