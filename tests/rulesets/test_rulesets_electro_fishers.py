"""Electro-Fisher Village's table-size and difficulty rules that the balance rests on: a silent
round calms the City only with three heroes or more, and Drifters (easy) are offered to concede
an outnumbered convoy from 12 units, not 8 (docs/balance.md, "What changed")."""

from __future__ import annotations

import pytest
from attrs import evolve

from cibo.core.effects import Ctx
from cibo.core.state import GameState, UnitState
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.simulation import setup_game

RULESET = load_ruleset(find_ruleset("electro-fishers")).ruleset
QUIET = next(s for p in RULESET.round for s in p.steps if s.step == "quiet")
OUTNUMBERED = next(c for c in RULESET.concede if c.id == "outnumbered")


def _game(heroes: int, difficulty: str = "normal") -> GameState:
    return setup_game(RULESET, seed=b"electro-fishers", players=heroes, difficulty=difficulty)


@pytest.mark.parametrize(("heroes", "calms"), [(2, False), (3, True), (4, True), (6, True)])
def test_a_silent_round_calms_the_city_only_with_three_heroes_or_more(
    heroes: int, calms: bool
) -> None:
    state = evolve(_game(heroes), noise={})
    assert Ctx(state).truth(QUIET.when, {}) is calms
    noisy = evolve(state, noise={"village": 1})
    assert Ctx(noisy).truth(QUIET.when, {}) is False


@pytest.mark.parametrize(
    ("difficulty", "units", "offered"),
    [("easy", 8, False), ("easy", 11, False), ("easy", 12, True),
     ("normal", 8, True), ("normal", 7, False), ("hard", 8, True)],
)
def test_drifters_are_offered_to_concede_an_outnumbered_convoy_from_twelve_units(
    difficulty: str, units: int, offered: bool
) -> None:
    state = _game(4, difficulty)
    zone = next(iter(RULESET.zones))
    state = evolve(state, round=8, units=tuple(
        UnitState(id=f"u{i}", kind="drone", zone=zone, hp=1) for i in range(units)))
    assert Ctx(state).truth(OUTNUMBERED.when, {}) is offered
