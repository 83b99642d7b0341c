"""``bench/room_cpu.py``: a room's CPU per command without I/O, and ``--free-rules``, which plays
the same commands again with the engine's decisions and the seats' legal commands handed back
instead of worked out.

The second pass must be the same games (every command the first pass played, in order, each
given the decision the engine made for it) and must not run the engine at all; a replay that
strays from the recorded commands must stop, not time other work.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cibo.rooms.session
from cibo.core import Command, Decision, GameState, play

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import room_cpu  # noqa: E402


def test_free_rules_replays_every_decision_and_never_runs_the_engine() -> None:
    with room_cpu.recorded_rules() as rules:
        first = room_cpu.run(60, seed=3, commands_max=120)
        made, lists = len(rules.made), len(rules.lists)
        rules.mode = "engine"
        room_cpu.run(60, seed=3, commands_max=120)
        assert (len(rules.made), len(rules.lists)) == (made, lists)  # nothing more kept
        rules.real = _engine_must_not_run
        rules.mode = "replay"
        second = room_cpu.run(60, seed=3, commands_max=first["commands"])
        rules.check()
    assert first["commands"] == second["commands"] == 120
    assert made >= 120 + 5  # the lobby's picks and start go through the engine too
    assert rules.handed == made == len(rules.made)
    assert rules.copied >= 4 * 120  # each seat's legal commands after each command, not listed
    assert vars(cibo.rooms.session)["play"] is play  # put back


def test_a_replay_that_strays_from_the_recorded_commands_stops() -> None:
    with room_cpu.recorded_rules() as rules:
        room_cpu.run(60, seed=3, commands_max=40)
        rules.mode = "replay"
        room_cpu.run(60, seed=4, commands_max=40)  # the room rejects what it cannot decide
        with pytest.raises(RuntimeError, match="replay diverged at decision"):
            rules.check()
    assert vars(cibo.rooms.session)["play"] is play


def test_a_replay_that_stops_short_is_caught() -> None:
    with room_cpu.recorded_rules() as rules:
        room_cpu.run(60, seed=3, commands_max=40)
        rules.mode = "replay"
        room_cpu.run(60, seed=3, commands_max=20)
        with pytest.raises(RuntimeError, match="decisions used"):
            rules.check()


def test_the_command_line_prints_both_passes() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "room_cpu.py"), "--commands", "60", "--free-rules"],
        check=True, capture_output=True, text=True, timeout=120,
    )
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["with the rules", "rules free"]
    assert all("commands 60," in line for line in lines)


def test_free_rules_needs_a_command_count() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "room_cpu.py"), "--free-rules"],
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "--free-rules needs --commands" in done.stderr


def _engine_must_not_run(state: GameState, command: Command) -> Decision:
    raise AssertionError("the replay ran the engine")
