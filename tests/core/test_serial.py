"""Events and commands survive a round trip through plain data (the journal's format)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cibo.core import events as ev
from cibo.core.commands import COMMAND_TYPES, command_from_dict, command_to_dict
from cibo.core.events import event_from_dict, event_to_dict
from cibo.core.ruleset import Ruleset
from cibo.core.serial import DataError
from cibo.simulation import play_game


def test_every_event_of_a_game_round_trips(any_ruleset: Ruleset) -> None:
    log: list[ev.Event] = []
    play_game(
        any_ruleset,
        seed=hashlib.sha256(b"serial").digest(),
        players=3,
        difficulty="normal",
        policy="random",
        on_event=log.append,
    )
    kinds = set()
    for event in log:
        data = event_to_dict(event)
        kinds.add(data["type"])
        assert event_from_dict(data) == event
    assert {"action_taken", "round_started", "game_ended"} <= kinds


@given(st.sampled_from(sorted(COMMAND_TYPES)), st.text(max_size=10), st.text(max_size=10))
def test_commands_round_trip(kind: str, seat: str, text: str) -> None:
    cls = COMMAND_TYPES[kind]
    names = [a.name for a in cls.__attrs_attrs__]
    command = cls(**{n: (seat if n == "seat" else text) for n in names})
    assert command_from_dict(command_to_dict(command)) == command


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "nope"},
        {"type": "seat_joined", "seat": "p1"},
        {"type": "seat_joined", "seat": "p1", "name": 3},
        {"type": "seat_joined", "seat": "p1", "name": "x", "extra": 1},
        {"type": "track_changed", "track": "a", "value": True, "delta": 1},
        [],
    ],
)
def test_malformed_event_data_is_rejected(bad: object) -> None:
    with pytest.raises(DataError):
        event_from_dict(bad)  # type: ignore[arg-type]
