"""A room's queues and its "closed" flag, kept small: :class:`Mailbox` and :class:`Latch`.

Every room holds two queues (its inbox and the batches waiting for the disk) and a flag. With
``asyncio.Queue`` and ``asyncio.Event`` that is eleven ``collections.deque`` of ~620 bytes
each even when empty: ~2 MiB for 400 rooms, most of them idle between two commands. These
hold plain lists (56 bytes empty) and create a waiter only while somebody waits.

Both are for one event loop, as their asyncio counterparts.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

__all__ = ["Latch", "Mailbox"]

T = TypeVar("T")


def _wake(waiters: list[asyncio.Future[None]]) -> None:
    """Wake the first waiter that is still waiting."""
    while waiters:
        waiter = waiters.pop(0)
        if not waiter.done():
            waiter.set_result(None)
            return


class Mailbox(Generic[T]):
    """A bounded first-in first-out queue for one reader and any number of writers.

    :meth:`put` waits while ``size`` items are waiting (writers are woken in the order they
    came, one per free place, as ``asyncio.Queue`` does); :meth:`take` waits for at least one
    item and returns up to ``most`` of them at once, oldest first. A cancelled :meth:`put`
    added nothing, a cancelled :meth:`take` took nothing.
    """

    __slots__ = ("_items", "_reader", "_size", "_writers")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a mailbox holds at least one item")
        self._items: list[T] = []
        self._size = size
        self._reader: asyncio.Future[None] | None = None
        self._writers: list[asyncio.Future[None]] = []

    def __len__(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return len(self._items) >= self._size

    async def put(self, item: T) -> None:
        """Add ``item`` once there is room for it."""
        while self.full():
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._writers.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._writers:
                    self._writers.remove(waiter)
                elif not self.full():
                    _wake(self._writers)  # it was woken for a free place: pass the place on
                raise
        self.put_nowait(item)

    def put_nowait(self, item: T) -> None:
        """Add ``item`` now, even past ``size`` (the room's own end-of-run marker)."""
        self._items.append(item)
        reader = self._reader
        if reader is not None and not reader.done():
            reader.set_result(None)

    async def take(self, most: int) -> list[T]:
        """The oldest ``most`` items (at least one: waits until there is one)."""
        while not self._items:
            reader: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._reader = reader
            try:
                await reader
            finally:
                self._reader = None
        return self.take_nowait(most)

    def take_nowait(self, most: int) -> list[T]:
        """The oldest ``most`` items, or fewer (none when it is empty)."""
        taken = self._items[:most]
        del self._items[:most]
        for _ in range(len(taken)):
            if not self._writers:
                break
            _wake(self._writers)
        return taken


class Latch:
    """A flag that is set once and never cleared: :meth:`wait` returns once it is set."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future[None]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self) -> None:
        if self._set:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
