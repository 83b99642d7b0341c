"""The resume ring: the latest N events, packed a command's run at a time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibo.core import event_to_dict
from cibo.core.events import TrackChanged
from cibo.rooms.ring import EventRing


def _event(n: int) -> dict[str, object]:
    return event_to_dict(TrackChanged(track="moves", value=n, delta=1, cause="action:x"))


@given(
    size=st.integers(0, 12),
    batches=st.lists(st.integers(0, 6), max_size=30),
    singles=st.lists(st.booleans(), max_size=30),
    since=st.integers(-3, 200),
)
@settings(max_examples=200, deadline=None)
def test_the_ring_holds_exactly_the_latest_events(
    size: int, batches: list[int], singles: list[bool], since: int
) -> None:
    ring = EventRing(size)
    every: list[int] = []
    seq = 0
    for i, count in enumerate(batches):
        items = [(seq + k + 1, _event(seq + k + 1)) for k in range(count)]
        seq += count
        if i < len(singles) and singles[i]:
            for item in items:
                ring.append(*item)
        else:
            ring.extend(items)
        every.extend(n for n, _ in items)
    kept = every[-size:] if size else []
    assert len(ring) == len(kept)
    assert ring.oldest == (kept[0] if kept else None)
    assert ring.newest == (kept[-1] if kept else None)
    after = list(ring.after(since))
    assert [n for n, _ in after] == [n for n in kept if n > since]
    assert all(event_to_dict(e) == _event(n) for n, e in after)
    assert [n for n, _ in ring.newest_first()] == kept[::-1]


def test_an_event_that_cannot_be_packed_keeps_none_of_its_run() -> None:
    ring = EventRing(10)
    ring.extend([(1, _event(1))])
    with pytest.raises(TypeError):
        ring.extend([(2, _event(2)), (3, {"bad": object()})])
    assert [n for n, _ in ring.after(0)] == [1] and len(ring) == 1
