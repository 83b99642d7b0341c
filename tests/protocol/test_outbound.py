"""Outbound messages: an update's ``changes`` rebuild exactly the view it stands for."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cibo.protocol import outbound

KEYS = st.sampled_from(["status", "round", "heroes", "units", "tracks", "actions", "peek"])
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner,
                                                                max_size=3),
    max_leaves=8,
)
VIEWS = st.dictionaries(KEYS, VALUES, min_size=1)


@given(VIEWS, st.data())
def test_changes_applied_to_the_previous_view_give_the_new_one(
    previous: dict[str, Any], data: st.DataObject
) -> None:
    new = {k: data.draw(VALUES) if data.draw(st.booleans()) else v for k, v in previous.items()}
    message = outbound.update(7, [], new, previous=previous)
    assert "state" not in message
    changes = message["changes"]
    assert {**previous, **changes} == new
    assert all(previous[k] != v for k, v in changes.items())  # nothing unchanged is sent


@given(VIEWS, VIEWS)
def test_a_whole_state_when_the_keys_differ_or_on_reset(
    previous: dict[str, Any], new: dict[str, Any]
) -> None:
    message = outbound.update(7, [], new, previous=previous)
    if previous.keys() != new.keys():
        assert message["state"] == new and "changes" not in message
    reset = outbound.update(7, [], new, previous=previous, reset=True)
    assert reset["state"] == new and reset["reset"] is True and "changes" not in reset
    assert outbound.update(7, [], new)["state"] == new
