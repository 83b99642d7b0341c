"""Outbound messages: an update's ``changes`` rebuild exactly the view it stands for."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cibo.protocol import outbound
from cibo.protocol.client_state import merge_update

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
    assert merge_update(previous, message) == new
    changes, patch = message["changes"], message.get("patch", {})
    assert not changes.keys() & patch.keys()
    assert all(previous[k] != v for k, v in changes.items())  # nothing unchanged is sent
    for key, entries in patch.items():
        old = previous[key]
        for at, fields in entries.items():
            was = old[int(at)] if isinstance(old, list) else old[at]
            assert fields and all(was[f] != v for f, v in fields.items())  # only what changed


ENTRY = st.fixed_dictionaries({"id": st.sampled_from("abc"), "hp": st.integers(0, 3),
                               "done": st.booleans()})


@given(
    st.dictionaries(st.sampled_from(["heroes", "zones"]),
                    st.lists(ENTRY, max_size=4)
                    | st.dictionaries(st.sampled_from("xyz"), ENTRY | VALUES, max_size=3),
                    min_size=1),
    st.data(),
)
def test_maps_and_lists_of_entries_are_patched_field_by_field(
    previous: dict[str, Any], data: st.DataObject
) -> None:
    new: dict[str, Any] = {}
    for key, value in previous.items():
        if isinstance(value, list):  # some entries change fields, or their id
            new[key] = [data.draw(ENTRY) if data.draw(st.booleans()) else e for e in value]
        else:
            new[key] = {k: data.draw(ENTRY | VALUES) if data.draw(st.booleans()) else v
                        for k, v in value.items()}
    message = outbound.update(3, [], new, previous=previous)
    assert merge_update(previous, message) == new
    assert merge_update(previous, message)  # the previous view was not changed in place
    for key, value in message.get("changes", {}).items():
        assert value == new[key] and previous[key] != value


def test_a_move_sends_the_fields_that_changed() -> None:
    heroes = [{"id": f"h{i}", "zone": "z0", "done": False} for i in range(4)]
    zones = {f"z{i}": {"noise": 0, "active": True} for i in range(6)}
    moved = [*heroes[:2], {**heroes[2], "done": True}, heroes[3]]
    before = {"heroes": heroes, "zones": zones, "turn": "h2"}
    after = {"heroes": moved, "zones": {**zones, "z2": {"noise": 1, "active": True}},
             "turn": "h3"}
    message = outbound.update(9, [], after, previous=before)
    assert message["changes"] == {"turn": "h3"}
    assert message["patch"] == {"heroes": {"2": {"done": True}}, "zones": {"z2": {"noise": 1}}}
    held = merge_update(before, message)
    assert held == after and heroes[2]["done"] is False  # copies: nothing changed in place
    assert held["heroes"][0] is heroes[0]
    # What the fan-out worked out once for every audience gives the same message.
    changes, patch = outbound.changed(before, after)
    again = outbound.update(9, [], after, previous=before, shared=(changes, patch, []))
    assert again == message and again["patch"] is patch
    # A list that changed length, an entry that changed its id or its fields: sent whole.
    for other in ([*heroes, heroes[0]], [*heroes[:3], {**heroes[3], "id": "h9"}],
                  [*heroes[:3], {"id": "h3"}]):
        whole = outbound.update(9, [], {"heroes": other}, previous={"heroes": heroes})
        assert whole["changes"] == {"heroes": other} and "patch" not in whole
