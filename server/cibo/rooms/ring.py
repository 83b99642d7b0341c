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
    """The latest ``size`` events by seq (seqs increase by one)."""

    def __init__(self, size: int) -> None:
        self._items: deque[tuple[int, bytes]] = deque(maxlen=size)

    def __len__(self) -> int:
        return len(self._items)

    def append(self, seq: int, event: dict[str, Any]) -> None:
        """Keep ``event`` (as :func:`cibo.core.event_to_dict` gave it) under ``seq``."""
        self._items.append((seq, msgpack.packb(event, use_bin_type=True)))

    def extend(self, items: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Keep several events; all of them or, if one cannot be packed, none."""
        packed = [(seq, msgpack.packb(event, use_bin_type=True)) for seq, event in items]
        self._items.extend(packed)

    @property
    def oldest(self) -> int | None:
        """The seq of the oldest event kept, if any."""
        return self._items[0][0] if self._items else None

    @property
    def newest(self) -> int | None:
        return self._items[-1][0] if self._items else None

    def after(self, seq: int) -> Iterator[tuple[int, Event]]:
        """The events with a seq above ``seq``, oldest first."""
        for n, packed in self._items:
            if n > seq:
                yield n, _unpack(packed)

    def newest_first(self) -> Iterator[tuple[int, Event]]:
        """Every event kept, newest first (stops costing once the caller stops)."""
        for n, packed in reversed(self._items):
            yield n, _unpack(packed)


def _unpack(packed: bytes) -> Event:
    return event_from_dict(msgpack.unpackb(packed, raw=False))
