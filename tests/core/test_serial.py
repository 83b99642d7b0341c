"""Events and commands survive a round trip through plain data (the journal's format)."""

from __future__ import annotations

import hashlib
import typing
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cibo.core import events as ev
from cibo.core.commands import COMMAND_TYPES, command_from_dict, command_to_dict
from cibo.core.events import event_from_dict, event_to_dict
from cibo.core.ruleset import Ruleset
from cibo.core.serial import DataError, _convert, from_data
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


_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)
_TYPED: dict[Any, st.SearchStrategy[Any]] = {
    str: st.text(max_size=4),
    int: st.integers(),
    bool: st.booleans(),
    float: st.floats(allow_nan=False),
}
_CLASSES = sorted(
    {*COMMAND_TYPES.values(), *ev.EVENT_TYPES.values()}, key=lambda c: c.__qualname__
)


@given(st.sampled_from(_CLASSES), st.data())
def test_reading_data_agrees_with_checking_every_field_the_long_way(
    cls: type[Any], data: st.DataObject
) -> None:
    """``from_data`` takes a value of exactly its field's class as it is: the same value, or
    the same refusal, as converting every field in turn."""
    hints = typing.get_type_hints(cls)

    def value(hint: Any) -> Any:
        options = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        typed = _TYPED.get(options[0]) if len(options) == 1 else None
        return data.draw(typed if typed is not None and data.draw(st.booleans()) else _PLAIN)

    body = {
        f.name: value(hints[f.name])
        for f in attrs.fields(cls)
        if f.default is attrs.NOTHING or data.draw(st.booleans())
    }

    def long_way() -> object:
        for f in attrs.fields(cls):
            if f.name not in body and f.default is attrs.NOTHING:
                raise DataError(f"missing field {f.name!r}")
        return cls(**{k: _convert(hints[k], v, k) for k, v in body.items()})

    try:
        expected = long_way()
    except DataError:
        with pytest.raises(DataError):
            from_data(cls, body)
        return
    assert from_data(cls, body) == expected
