"""A room's small queue and flag (:mod:`cibo.rooms.mailbox`): order, bounds, cancellation."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibo.rooms.mailbox import Latch, Mailbox


async def _turns(n: int = 5) -> None:
    """Let the other tasks run (each waiter needs a turn or two of the loop)."""
    for _ in range(n):
        await asyncio.sleep(0)


def test_items_come_out_oldest_first_up_to_the_number_asked() -> None:
    async def go() -> None:
        box: Mailbox[str] = Mailbox(8)
        for item in "abc":
            await box.put(item)
        assert len(box) == 3
        assert await box.take(2) == ["a", "b"]
        assert await box.take(5) == ["c"]
        assert box.empty()
        assert box.take_nowait(3) == []

    asyncio.run(go())


def test_take_waits_for_the_first_item() -> None:
    async def go() -> None:
        box: Mailbox[int] = Mailbox(4)
        reader = asyncio.create_task(box.take(4))
        await _turns()
        assert not reader.done()
        box.put_nowait(1)
        box.put_nowait(2)
        assert await reader == [1, 2]

    asyncio.run(go())


def test_a_full_mailbox_lets_writers_in_one_per_free_place_in_the_order_they_came() -> None:
    async def go() -> None:
        box: Mailbox[str] = Mailbox(2)
        await box.put("a")
        await box.put("b")
        assert box.full()
        writers = [asyncio.create_task(box.put(x)) for x in "cd"]
        await _turns()
        assert not any(w.done() for w in writers)
        assert box.take_nowait(1) == ["a"]
        await _turns()
        assert [w.done() for w in writers] == [True, False]
        assert box.take_nowait(5) == ["b", "c"]
        await _turns()
        assert writers[1].done()
        assert box.take_nowait(5) == ["d"]

    asyncio.run(go())


def test_a_cancelled_writer_adds_nothing_and_passes_its_place_on() -> None:
    async def go() -> None:
        box: Mailbox[str] = Mailbox(1)
        await box.put("a")
        first = asyncio.create_task(box.put("first"))
        second = asyncio.create_task(box.put("second"))
        await _turns()
        box.take_nowait(1)  # wakes `first`...
        first.cancel()  # ...which is cancelled before it could use the place
        await _turns()
        assert first.cancelled()
        assert second.done()
        assert box.take_nowait(5) == ["second"]

    asyncio.run(go())


def test_a_cancelled_waiting_writer_is_forgotten() -> None:
    async def go() -> None:
        box: Mailbox[str] = Mailbox(1)
        await box.put("a")
        gone = asyncio.create_task(box.put("gone"))
        await _turns()
        gone.cancel()
        await _turns()
        assert box.take_nowait(5) == ["a"]
        await box.put("b")  # the place is free: no stale waiter holds it
        assert box.take_nowait(5) == ["b"]

    asyncio.run(go())


def test_a_cancelled_take_takes_nothing() -> None:
    async def go() -> None:
        box: Mailbox[str] = Mailbox(4)
        reader = asyncio.create_task(box.take(4))
        await _turns()
        reader.cancel()
        await _turns()
        box.put_nowait("x")
        assert await box.take(4) == ["x"]

    asyncio.run(go())


def test_a_mailbox_holds_at_least_one_item() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Mailbox(0)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(1, 4),
    writers=st.lists(st.lists(st.integers(0, 99), max_size=6), min_size=1, max_size=5),
    takes=st.lists(st.integers(1, 5), min_size=1, max_size=20),
    cancel=st.sets(st.integers(0, 4), max_size=2),
)
def test_every_item_put_arrives_once_in_each_writers_order(
    size: int, writers: list[list[int]], takes: list[int], cancel: set[int]
) -> None:
    async def go() -> None:
        box: Mailbox[tuple[int, int]] = Mailbox(size)
        sent: list[list[tuple[int, int]]] = [[] for _ in writers]

        async def write(w: int) -> None:
            for n, _ in enumerate(writers[w]):
                await box.put((w, n))
                sent[w].append((w, n))

        tasks = [asyncio.create_task(write(w)) for w in range(len(writers))]
        got: list[tuple[int, int]] = []
        await _turns()
        for i, most in enumerate(takes):
            if i == 1:
                for w in cancel:
                    if w < len(tasks):
                        tasks[w].cancel()
            assert len(box) <= size
            got += box.take_nowait(most)
            await _turns()
        while not all(t.done() for t in tasks) or not box.empty():
            got += await box.take(5)
            await _turns()
        # Nothing lost, nothing doubled, nothing added by a cancelled put; each writer's order.
        assert sorted(got) == sorted(x for s in sent for x in s)
        for w in range(len(writers)):
            assert [x for x in got if x[0] == w] == sent[w]

    asyncio.run(go())


def test_a_latch_wakes_every_waiter_once_set_and_stays_set() -> None:
    async def go() -> None:
        latch = Latch()
        waiters = [asyncio.create_task(latch.wait()) for _ in range(3)]
        await _turns()
        assert not latch.is_set() and not any(w.done() for w in waiters)
        waiters[0].cancel()
        latch.set()
        await _turns()
        assert waiters[0].cancelled() and all(w.done() for w in waiters[1:])
        assert latch.is_set()
        await asyncio.wait_for(latch.wait(), 1)  # set: returns at once

    asyncio.run(go())
