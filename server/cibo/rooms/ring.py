"""The recent events of a room, kept packed so that they cost the garbage collector nothing.

A room keeps its last N events so that a client coming back from ``last_seq`` gets exactly
what it missed. Hundreds of rooms times a thousand events as live objects would be hundreds of
thousands of containers for every full garbage collection to walk (seen as pauses of tens of
milliseconds under load); packed with msgpack they are plain bytes. Events are unpacked only
when someone resumes, checks a stale command, or listens.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import msgpack  # type: ignore[import-untyped]

from cibo.core import Event, event_from_dict

__all__ = ["EventRing"]


class EventRing:
    """The latest ``size`` events by seq (seqs increase by one).

    The events of one :meth:`extend` (a command's) are packed together, as one msgpack list:
    a room's thousand events are then a few hundred small objects, not three thousand (an
    entry per event cost ~190 bytes beside the event's own ~60-100, and ~400 rooms keep a
    thousand events each). A packed run may reach below the ``size`` latest events: what it
    holds there is never shown, and the run goes once it is wholly out.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._runs: deque[tuple[int, int, bytes]] = deque()
        """(first seq, number of events, the events packed as one list), oldest first."""
        self._held = 0
        """Events in ``_runs`` (up to one run more than ``size``)."""

    def __len__(self) -> int:
        return min(self._held, self.size)

    def append(self, seq: int, event: dict[str, Any]) -> None:
        """Keep ``event`` (as :func:`cibo.core.event_to_dict` gave it) under ``seq``."""
        self.extend(((seq, event),))

    def extend(self, items: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Keep several events, whose seqs follow on from each other and from the events kept
        already; all of them or, if one cannot be packed, none."""
        items = list(items)
        if not items:
            return
        packed = msgpack.packb([event for _, event in items], use_bin_type=True)
        if self.size <= 0:
            return
        self._runs.append((items[0][0], len(items), packed))
        self._held += len(items)
        while self._held - self._runs[0][1] >= self.size:
            self._held -= self._runs.popleft()[1]

    @property
    def oldest(self) -> int | None:
        """The seq of the oldest event kept, if any."""
        newest = self.newest
        return None if newest is None else newest - len(self) + 1

    @property
    def newest(self) -> int | None:
        if not self._runs:
            return None
        first, count, _ = self._runs[-1]
        return first + count - 1

    def after(self, seq: int) -> Iterator[tuple[int, Event]]:
        """The events with a seq above ``seq``, oldest first."""
        oldest = self.oldest
        if oldest is None:
            return
        seq = max(seq, oldest - 1)
        for first, count, packed in self._runs:
            if first + count - 1 <= seq:
                continue
            for i, data in enumerate(_unpack_run(packed)):
                if first + i > seq:
                    yield first + i, event_from_dict(data)

    def newest_first(self) -> Iterator[tuple[int, Event]]:
        """Every event kept, newest first (stops costing once the caller stops)."""
        oldest = self.oldest
        if oldest is None:
            return
        for first, count, packed in reversed(self._runs):
            events = _unpack_run(packed)
            for i in range(count - 1, -1, -1):
                if first + i < oldest:
                    return
                yield first + i, event_from_dict(events[i])


def _unpack_run(packed: bytes) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = msgpack.unpackb(packed, raw=False)
    return events
