"""Electro-Fisher's purge (hard): the sweep that ends a village behind the purge's schedule.

From round ``@scaling.sweep_from`` the route may lack at most ``@scaling.sweep_pace`` stretches
for each round left before round ``@scaling.sweep_done``; when that round starts it must be
complete, and when the next one starts the convoy must have left. Behind that, the game is lost
(``swept``) as the round starts; a convoy still at home when the alert reaches the Purge band (9)
is lost too (``found``). Only the hard difficulty (``sweep = 1``) sweeps.
"""

from __future__ import annotations

import pytest
from attrs import evolve

from cibo.core.effects import Ctx
from cibo.core.state import GameState
from cibo.core.teach import goal_progress
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.simulation import game_seed, play_game, setup_game

RULESET = load_ruleset(find_ruleset("electro-fishers")).ruleset
SWEPT = next(c for c in RULESET.end.defeat if c.id == "swept")
FOUND = next(c for c in RULESET.end.defeat if c.id == "found")


def _at(difficulty: str, heroes: int, round_no: int, route: int, launched: bool = False,
        alert: int = 1) -> GameState:
    state = setup_game(RULESET, seed=b"purge", players=heroes, difficulty=difficulty)
    state = evolve(state, round=round_no,
                   tracks={**state.tracks, "route": route, "alert": alert})
    if launched:
        convoy = state.markers["convoy"]
        state = evolve(state, markers={**state.markers, "convoy": evolve(convoy, launched=True)})
    return state


def _swept(state: GameState) -> bool:
    return Ctx(state).truth(SWEPT.when, {})


def _found(state: GameState) -> bool:
    return Ctx(state).truth(FOUND.when, {})


@pytest.mark.parametrize(
    ("heroes", "round_no", "route", "lost"),
    [
        (2, 3, 0, False),   # two heroes, route 5: no sweep before round 4
        (2, 4, 3, False),   # round 4 needs 3
        (2, 4, 2, True),
        (2, 5, 4, True),    # round 5 needs the whole route
        (2, 5, 5, False),
        (2, 6, 5, True),    # round 6: the convoy must have left
        (3, 2, 0, False),   # three heroes, route 10: the first sweep is at round 3
        (3, 3, 5, False),   # 5 at round 3, one more a round
        (3, 3, 4, True),
        (3, 7, 9, False),
        (3, 7, 8, True),
        (3, 8, 10, False),
        (3, 9, 10, True),
        (4, 4, 6, False),   # four heroes, route 10: 6, 8, 10 at rounds 4, 5, 6
        (4, 4, 5, True),
        (4, 6, 10, False),
        (5, 4, 7, False),   # five heroes, route 13: 7, 10, 13
        (5, 4, 6, True),
        (5, 5, 10, False),
        (5, 5, 9, True),
        (6, 4, 9, False),   # six heroes, route 13: 9, 11, 13
        (6, 4, 8, True),
        (6, 5, 11, False),
        (6, 6, 12, True),
    ],
)
def test_the_sweep_follows_the_schedule_on_the_purge(
    heroes: int, round_no: int, route: int, lost: bool
) -> None:
    assert _swept(_at("hard", heroes, round_no, route)) is lost


def test_a_convoy_that_has_left_is_never_swept_nor_found() -> None:
    assert not _swept(_at("hard", 3, 9, 10, launched=True))
    assert not _found(_at("hard", 3, 9, 10, launched=True, alert=12))


@pytest.mark.parametrize(("alert", "lost"), [(8, False), (9, True), (12, True)])
def test_a_village_at_home_in_the_purge_band_is_found(alert: int, lost: bool) -> None:
    assert _found(_at("hard", 4, 2, 0, alert=alert)) is lost


@pytest.mark.parametrize("difficulty", ["easy", "normal"])
def test_the_other_levels_are_never_swept_nor_found(difficulty: str) -> None:
    assert not _swept(_at(difficulty, 2, 9, 0))
    assert not _swept(_at(difficulty, 6, 10, 0))
    assert not _found(_at(difficulty, 4, 5, 0, alert=12))


def test_a_swept_village_ends_as_the_round_starts_and_counts_no_round_of_it() -> None:
    ends = [play_game(RULESET, seed=game_seed("purge", i), players=4, difficulty="hard",
                      policy="greedy", index=i) for i in range(12)]
    swept = [r for r in ends if r.cause == "swept"]
    assert swept, [r.cause for r in ends]
    for r in swept:
        assert r.status == "lost"
        assert r.rounds >= 4 and r.played == r.rounds - 1


@pytest.mark.parametrize(
    ("heroes", "round_no", "lines"),
    [
        (3, 1, {"sweep": 3}),    # before the first sweep: from which round
        (3, 2, {"swept": 5}),    # the round before a sweep: what it needs
        (3, 7, {"swept": 10}),
        (3, 8, {"swept_last": 9}),
        (4, 1, {"sweep": 4}),
        (4, 3, {"swept": 6}),
        (4, 5, {"swept": 10}),
        (2, 3, {"swept": 3}),
        (6, 4, {"swept": 11}),
    ],
)
def test_the_goal_panel_says_what_the_next_sweep_needs(
    heroes: int, round_no: int, lines: dict[str, int]
) -> None:
    defeats = goal_progress(_at("hard", heroes, round_no, 0))["defeats"]
    shown = {k: v["of"] for k, v in defeats.items() if k in ("sweep", "swept", "swept_last")}
    assert shown == lines
    assert defeats["found"] == {"value": 1, "of": 9}


@pytest.mark.parametrize("difficulty", ["easy", "normal"])
def test_the_goal_panel_teaches_the_purge_only_on_the_purge(difficulty: str) -> None:
    defeats = goal_progress(_at(difficulty, 3, 2, 0))["defeats"]
    assert not {"sweep", "swept", "swept_last", "found"} & set(defeats)
    assert "village_lost" in defeats  # the lines without a condition are always there


def test_the_purge_lines_go_once_the_convoy_has_left() -> None:
    defeats = goal_progress(_at("hard", 3, 8, 10, launched=True))["defeats"]
    assert not {"sweep", "swept", "swept_last", "found"} & set(defeats)
