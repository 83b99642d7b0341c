"""Factory Raid's difficulty rules the balance rests on. The inspection shift: the audit that
ends a raid behind the inspectors' schedule.

From round ``@scaling.audit_from`` the terminal may be at most one part short for each round
left before round ``@scaling.audit_done``; behind that, the game is lost (``audited``) as the
round starts. Only the hard difficulty (``audit = 1``) audits. And the night shift's
concession: a raid swarmed that far behind is offered the end sooner on easy only.
"""

from __future__ import annotations

import pytest
from attrs import evolve

from cibo.core.effects import Ctx
from cibo.core.state import GameState, UnitState
from cibo.core.teach import goal_progress
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.simulation import game_seed, play_game, setup_game

RULESET = load_ruleset(find_ruleset("factory-raid")).ruleset
AUDIT = next(c for c in RULESET.end.defeat if c.id == "audited")


def _at(difficulty: str, heroes: int, round_no: int, device: int) -> GameState:
    state = setup_game(RULESET, seed=b"inspection", players=heroes, difficulty=difficulty)
    return evolve(state, round=round_no, tracks={**state.tracks, "device": device})


def _audited(state: GameState) -> bool:
    return Ctx(state).truth(AUDIT.when, {})


@pytest.mark.parametrize(
    ("heroes", "round_no", "device", "lost"),
    [
        (2, 4, 0, False),  # no audit before round 5
        (2, 5, 3, False),  # 4 parts to print: one short at round 5 is on schedule
        (2, 5, 2, True),   # two short is not
        (2, 6, 3, True),   # at round 6 the terminal must be done
        (2, 6, 4, False),
        (2, 9, 4, False),  # done stays done
        (4, 5, 5, False),  # 6 parts to print
        (4, 5, 4, True),
        (5, 3, 0, False),  # five heroes: one audit, at round 4, for all 5 parts
        (5, 4, 4, True),
        (5, 4, 5, False),
    ],
)
def test_the_audit_follows_the_schedule_on_the_inspection_shift(
    heroes: int, round_no: int, device: int, lost: bool
) -> None:
    assert _audited(_at("hard", heroes, round_no, device)) is lost


@pytest.mark.parametrize("difficulty", ["easy", "normal"])
def test_the_other_shifts_are_never_audited(difficulty: str) -> None:
    assert not _audited(_at(difficulty, 2, 6, 0))
    assert not _audited(_at(difficulty, 5, 8, 0))


def test_an_audited_raid_ends_as_the_round_starts_and_counts_no_round_of_it() -> None:
    ends = [play_game(RULESET, seed=game_seed("inspection", i), players=2, difficulty="hard",
                      policy="greedy", index=i) for i in range(12)]
    audited = [r for r in ends if r.cause == "audited"]
    assert audited, [r.cause for r in ends]
    for r in audited:
        assert r.status == "lost"
        assert r.rounds >= 5 and r.played == r.rounds - 1


@pytest.mark.parametrize(("difficulty", "taught"), [("easy", False), ("normal", False),
                                                   ("hard", True)])
def test_the_goal_panel_teaches_the_audit_only_on_the_inspection_shift(
    difficulty: str, taught: bool
) -> None:
    state = setup_game(RULESET, seed=b"inspection", players=4, difficulty=difficulty)
    defeats = goal_progress(state)["defeats"]
    assert ("audited" in defeats) is taught
    assert "too_late" in defeats  # the lines without a condition are always there
    if taught:
        assert defeats["audited"] == {"of": 6}


SWARMED = next(c for c in RULESET.concede if c.id == "swarmed")


@pytest.mark.parametrize(
    ("round_no", "device", "units", "night_only"),
    [
        (3, 2, 4, True),   # 4 parts to print (four heroes print 6): from round 3 on the night shift
        (7, 5, 5, True),   # one part short at round 7 with 5 units: night shift only
        (4, 4, 5, False),  # the day shift's own clause: 2 parts short, 5 units, from round 4
        (3, 2, 3, None),   # 3 units: no one is swarmed
    ],
)
def test_the_night_shift_is_offered_to_concede_a_swarmed_raid_sooner(
    round_no: int, device: int, units: int, night_only: bool | None
) -> None:
    for difficulty in ("easy", "normal"):
        state = _at(difficulty, 4, round_no, device)
        state = evolve(state, units=_units(units))
        holds = Ctx(state).truth(SWARMED.when, {})
        expected = night_only is not None and (difficulty == "easy" or not night_only)
        assert holds is expected, (difficulty, round_no, device, units)


def _units(n: int) -> tuple[UnitState, ...]:
    return tuple(UnitState(id=f"d{i}", kind="drone", zone="floor_a", hp=1) for i in range(n))
