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

from attrs import evolve

from cibo.core.commands import command_from_wire
from cibo.core.effects import Ctx
from cibo.core.errors import CoreError, RulesError
from cibo.core.reducer import fold
from cibo.core.rng import Rng
from cibo.core.rules import decide
from cibo.core.state import GameState

WIN = 1_000_000
"""The value of a won game; a lost one is worth ``-WIN``."""

MARGIN = 0
"""How much better than the play book's choice another action must score to replace it."""

SAMPLES = 2
"""Private rolls averaged for an action that rolls dice."""


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


def plan(
    state: GameState,
    seat: str,
    legal: list[dict[str, Any]],
    rng: Rng,
    *,
    default: dict[str, Any],
    is_move: Callable[[str], bool],
) -> dict[str, Any]:
    """The command for the first hero of ``legal``: ``default`` (the play book's choice) unless
    an action scores better one step ahead."""
    hero_id = default["hero"]
    options = [c for c in legal if c["type"] == "act" and c["hero"] == hero_id]
    seeds = [rng.word().to_bytes(8, "big") * 4 for _ in range(SAMPLES)]
    keys = ("type", "hero", "action", "target")

    def after(command: dict[str, Any], seed: bytes) -> int:
        wire = {k: command[k] for k in keys if k in command}
        trial = evolve(state, seed=seed, rng_counter=0)
        try:
            events = decide(trial, command_from_wire(seat, wire))
        except (CoreError, LookupError, ValueError):
            # refused, or not playable on a state rebuilt from a view (hidden deck order)
            return -WIN
        return value(fold(trial, events))

    def worth(command: dict[str, Any]) -> float:
        if command["type"] != "act" or is_move(command["action"]):
            return float(value(state))  # a walk changes no track; its worth is where it leads
        n = SAMPLES if command.get("roll") else 1
        return sum(after(command, seeds[i]) for i in range(n)) / n

    best = {k: default[k] for k in keys if k in default}
    best_worth = worth(default) + MARGIN
    for command in options:
        if command["action"] == default.get("action") and command.get("target") == default.get(
            "target"
        ):
            continue
        if is_move(command["action"]):
            continue
        w = worth(command)
        if w > best_worth:
            best, best_worth = {k: command[k] for k in keys}, w
    return best
