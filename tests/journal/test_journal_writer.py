"""Durable appends, group commit, and what happens when the disk fails."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from journal_helpers import new_journal, play

from cibo.journal import GameStore, GroupCommit, JournalError, LoggedEvent, read_journal
from cibo.journal import writer as writer_module
from cibo.journal.writer import syncfs_available

MODES = ["syncfs", "fdatasync"] if syncfs_available() else ["fdatasync"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Every test here runs with both ways of syncing a round."""
    return str(request.param)


@pytest.fixture
def store(tmp_path: Path, mode: str) -> Iterator[GameStore]:
    group = GroupCommit(sync=mode)  # type: ignore[arg-type]
    s = GameStore(tmp_path, group=group)
    yield s
    s.close()
    group.close()


Sync = Callable[[int], None]


def interpose(monkeypatch: pytest.MonkeyPatch, mode: str, wrap: Callable[[Sync], Sync]) -> None:
    """Put ``wrap(real)`` in place of every sync call a round may make: ``os.fdatasync`` (one
    file, or ``fdatasync`` mode) and, in ``syncfs`` mode, ``syncfs`` (several files). A file
    alone in its round is then synced apart, not written with ``RWF_DSYNC``."""
    monkeypatch.setattr(writer_module, "_DSYNC", False)
    if mode == "syncfs":
        monkeypatch.setattr(writer_module, "_syncfs", wrap(writer_module._syncfs))
    monkeypatch.setattr(os, "fdatasync", wrap(os.fdatasync))


def fail_sync_of(monkeypatch: pytest.MonkeyPatch, mode: str, bad_fd: int, calls: list[int]) -> None:
    """Make syncing ``bad_fd`` fail with EIO. With ``syncfs`` the whole file system's sync
    fails, and the per-file fallback must pin the failure on ``bad_fd`` alone. A file alone in
    its round is synced apart, not written with ``RWF_DSYNC``."""
    monkeypatch.setattr(writer_module, "_DSYNC", False)
    real_fdatasync = os.fdatasync

    def fdatasync(fd: int) -> None:
        if fd == bad_fd:
            calls.append(fd)
            raise OSError(errno.EIO, "Input/output error")
        real_fdatasync(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    if mode == "syncfs":
        def syncfs(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(writer_module, "_syncfs", syncfs)


async def test_append_returns_after_the_sync(
    store: GameStore, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    journal = await new_journal(store)
    synced: list[int] = []

    def wrap(real: Sync) -> Sync:
        def spy(fd: int) -> None:
            real(fd)
            synced.append(os.fstat(journal.fd).st_size)

        return spy

    interpose(monkeypatch, mode, wrap)
    record = await journal.append_command(
        seat="s1", cmd_id="c1", command={"type": "act", "seat": "s1"}, events=[(1, {"type": "e"})]
    )
    # By the time append returned, a sync had covered the whole record.
    size = Path(journal.path).stat().st_size
    assert synced and synced[-1] == size == journal.end
    assert journal.durable_seq == journal.last_seq == 1
    assert read_journal(journal.path).records == (record,)
    await journal.aclose()


needs_dsync = pytest.mark.skipif(
    not writer_module._DSYNC, reason="pwritev with RWF_DSYNC is Linux 4.7 and later"
)


def _spy_writes(monkeypatch: pytest.MonkeyPatch, fail: int | None = None) -> list[int]:
    """Record the flags of every ``os.pwritev`` call (failing with errno ``fail`` if given)."""
    flags_seen: list[int] = []
    real = os.pwritev

    def pwritev(fd: int, buffers: list[memoryview], offset: int, flags: int = 0) -> int:
        flags_seen.append(flags)
        if fail is not None:
            raise OSError(fail, os.strerror(fail))
        return real(fd, buffers, offset, flags)

    monkeypatch.setattr(os, "pwritev", pwritev)
    return flags_seen


def _spy_syncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the file of every ``os.fdatasync`` call."""
    syncs: list[int] = []
    real = os.fdatasync

    def fdatasync(fd: int) -> None:
        syncs.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    return syncs


@needs_dsync
async def test_a_file_alone_in_its_round_is_written_and_synced_by_one_call(
    store: GameStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No separate fdatasync: the write itself is durable (RWF_DSYNC), so the writer does not
    need the interpreter back between a write and its sync."""
    journal = await new_journal(store)
    syncs = _spy_syncs(monkeypatch)
    flags_seen = _spy_writes(monkeypatch)
    await play(journal, 3)
    assert flags_seen and all(f == os.RWF_DSYNC for f in flags_seen)
    assert syncs == []
    assert store.group.stats.syncs == store.group.stats.jobs == 3
    assert read_journal(journal.path).last_seq == 6
    await journal.aclose()


@needs_dsync
async def test_a_failed_synced_write_fails_the_journal_and_cuts_it_back(
    store: GameStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = await new_journal(store)
    await play(journal, 2)
    good_end = journal.end
    _spy_writes(monkeypatch, fail=errno.EIO)
    with pytest.raises(JournalError) as info:
        await play(journal, 1)
    assert info.value.code == "journal/io" and "Input/output error" in info.value.message
    assert journal.durable_seq == 4
    monkeypatch.undo()
    with pytest.raises(JournalError):
        await play(journal, 1)  # never retried
    assert Path(journal.path).stat().st_size == good_end
    assert read_journal(journal.path).last_seq == 4
    await journal.aclose()


@needs_dsync
async def test_a_kernel_that_refuses_the_flag_gets_write_then_fdatasync(
    store: GameStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "_DSYNC", True)  # undone after the test
    journal = await new_journal(store)
    flags_seen = _spy_writes(monkeypatch, fail=errno.EOPNOTSUPP)
    syncs = _spy_syncs(monkeypatch)
    await play(journal, 2)
    assert flags_seen == [os.RWF_DSYNC]  # tried once, then never again
    assert writer_module._DSYNC is False
    assert syncs == [journal.fd, journal.fd]
    assert read_journal(journal.path).last_seq == 4 and journal.error is None
    await journal.aclose()


async def test_on_durable_is_called_in_the_turn_the_round_is_reported(
    store: GameStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Right after the round completed the journal's futures, before their own callbacks
    (which run a turn later); a callback that fails is logged and the others still run."""
    first, second = await new_journal(store, "AAAA"), await new_journal(store, "BBBB")
    seen: list[tuple[str, bool, bool]] = []
    futures: dict[str, asyncio.Future[None]] = {}
    called_back: set[str] = set()

    def note(name: str) -> None:
        future = futures[name]
        seen.append((name, future.done(), name in called_back))
        if name == "AAAA":
            raise RuntimeError("a bug in one room")

    first.on_durable(lambda: note("AAAA"))
    second.on_durable(lambda: note("BBBB"))
    for name, journal in (("AAAA", first), ("BBBB", second)):
        futures[name] = journal.submit(_cmd(1))
        futures[name].add_done_callback(lambda _, name=name: called_back.add(name))  # type: ignore[misc]
    await asyncio.gather(*futures.values())
    assert sorted(seen) == [("AAAA", True, False), ("BBBB", True, False)]
    assert "durability callback failed" in caplog.text
    for journal in (first, second):
        await journal.aclose()


async def test_group_commit_shares_rounds_between_rooms(store: GameStore, mode: str) -> None:
    group = store.group
    journals = [await new_journal(store, f"R{i}") for i in range(20)]
    await asyncio.gather(*(play(j, 10) for j in journals))
    stats = group.stats
    assert stats.records == stats.files == 200
    assert stats.jobs <= 100  # rooms share rounds (each room waits for its acknowledgement)
    if mode == "syncfs":
        assert stats.syncs == stats.jobs  # one syncfs per round, however many files
    else:
        assert stats.syncs == 200  # one fdatasync per file per round
    for j in journals:
        contents = read_journal(j.path)
        assert contents.last_seq == 20
        assert len(contents.records) == 10
        await j.aclose()


async def test_records_of_one_room_share_one_sync(store: GameStore) -> None:
    journal = await new_journal(store)
    futures = []
    for seq in range(1, 11):
        futures.append(
            journal.submit(
                _cmd(seq)  # queued in call order without waiting
            )
        )
    await asyncio.gather(*futures)
    assert store.group.stats.records == 10
    assert store.group.stats.syncs <= 2
    assert [e.seq for e in read_journal(journal.path).events()] == list(range(1, 11))
    await journal.aclose()


def _cmd(seq: int):  # type: ignore[no-untyped-def]
    from cibo.journal import CommandRecord

    return CommandRecord(
        ts=1.0,
        seat="s",
        cmd_id=f"c{seq}",
        command={"type": "x"},
        events=(LoggedEvent(seq, {"type": "e"}),),
    )


async def test_misuse_is_refused_before_writing(store: GameStore) -> None:
    journal = await new_journal(store)
    await play(journal, 1)
    size = Path(journal.path).stat().st_size
    with pytest.raises(ValueError, match="3 expected"):
        await journal.append_command(
            seat="s", cmd_id="c", command={"type": "x"}, events=[(5, {"type": "e"})]
        )
    assert Path(journal.path).stat().st_size == size and journal.last_seq == 2
    await journal.append_end("won")
    with pytest.raises(JournalError) as info:
        await journal.append_meta({"x": 1})
    assert info.value.code == "journal/closed"
    await journal.aclose()
    assert read_journal(journal.path).finished


async def test_a_cancelled_waiter_does_not_cancel_the_others(store: GameStore) -> None:
    a = await new_journal(store, "AAAA")
    b = await new_journal(store, "BBBB")
    task = asyncio.create_task(play(a, 1))
    other = asyncio.create_task(play(b, 1))
    await asyncio.sleep(0)
    task.cancel()
    await other
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await a.aclose()
    await b.aclose()
    assert read_journal(b.path).last_seq == 2
    assert read_journal(a.path).last_seq in (0, 2)  # wholly present or wholly absent


async def test_sync_failure_fails_the_journal_for_good(
    store: GameStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    journal = await new_journal(store)
    healthy = await new_journal(store, "OKOK")
    await play(journal, 2)
    good_end = journal.end
    calls: list[int] = []
    fail_sync_of(monkeypatch, mode, journal.fd, calls)
    with pytest.raises(JournalError) as info:
        await asyncio.gather(play(journal, 1), play(healthy, 1))
    assert info.value.code == "journal/io"
    assert "could not be saved" in info.value.message and "Input/output error" in info.value.message
    assert journal.durable_seq == 4 and journal.error is info.value
    assert calls and set(calls) == {journal.fd}  # syncfs mode: found by the per-file fallback
    # Never retried: later appends fail at once, without touching the disk.
    monkeypatch.undo()
    size = Path(journal.path).stat().st_size
    with pytest.raises(JournalError) as again:
        await play(journal, 1)
    assert again.value is info.value
    assert Path(journal.path).stat().st_size == size
    # The file was cut back to its last synced record; the other room went on.
    assert Path(journal.path).stat().st_size == good_end
    assert read_journal(journal.path).last_seq == 4
    await play(healthy, 1)
    assert read_journal(healthy.path).last_seq == 4
    assert "failed" in caplog.text
    await journal.aclose()
    await healthy.aclose()


async def test_enospc_mid_record_leaves_no_partial_record(
    store: GameStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = await new_journal(store)
    await play(journal, 3)
    real_pwrite = os.pwrite

    def half_then_full(fd: int, data: bytes, offset: int) -> int:
        if len(data) > 4:
            return real_pwrite(fd, bytes(data)[: len(data) // 2], offset)
        raise OSError(errno.ENOSPC, "No space left on device")

    def half_then_full_v(fd: int, buffers: list[bytes], offset: int, flags: int = 0) -> int:
        (data,) = buffers  # a synced write (RWF_DSYNC) of a file alone in its round
        return half_then_full(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", half_then_full)
    monkeypatch.setattr(os, "pwritev", half_then_full_v)
    monkeypatch.setattr(os, "ftruncate", _refuse)  # and cutting back fails too
    with pytest.raises(JournalError) as info:
        await play(journal, 1)
    assert info.value.code == "journal/io" and "the disk is full" in info.value.message
    monkeypatch.undo()
    await journal.aclose()
    contents = read_journal(journal.path)
    assert contents.last_seq == 6  # the half record is a torn tail, never a record
    assert contents.torn is not None and contents.torn.length > 0
    recovery = GameStore(store.data_dir).recover()
    (game,) = recovery.games
    assert game.last_seq == 6 and game.torn_file is not None
    await play(game.journal, 1)
    assert read_journal(game.journal.path).last_seq == 8
    await game.journal.aclose()


def _refuse(fd: int, length: int) -> None:
    raise OSError(errno.EIO, "Input/output error")


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


async def test_real_full_disk(tiny_fs: Path) -> None:
    store = GameStore(tiny_fs)
    journal = await new_journal(store)
    acked = 0
    with pytest.raises(JournalError) as info:
        for _ in range(10_000):
            await play(journal, 1, n_events=5)
            acked = journal.durable_seq
    assert info.value.code == "journal/io" and "disk is full" in info.value.message
    assert journal.durable_seq == acked
    await journal.aclose()
    contents = read_journal(journal.path)
    assert contents.last_seq == acked > 0  # every acknowledged event, and no partial one
    assert contents.torn is None or contents.torn.length > 0
    store.close()


async def test_closing_waits_for_the_writer_and_a_cancelled_waiter_stops_nothing(
    store: GameStore, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    import threading
    import time

    journal = await new_journal(store)
    started, release = threading.Event(), threading.Event()

    def wrap(real: Sync) -> Sync:
        def slow(fd: int) -> None:
            started.set()
            release.wait(5)
            real(fd)

        return slow

    interpose(monkeypatch, mode, wrap)
    append = asyncio.create_task(play(journal, 1))
    while not started.is_set():
        await asyncio.sleep(0.01)
    append.cancel()  # e.g. the room stopping: the record's fate is the writer's, not the task's
    with contextlib.suppress(asyncio.CancelledError):
        await append
    assert journal.durable_seq == 0  # not acknowledged while the sync runs
    fd = journal.fd
    closing = asyncio.create_task(journal.aclose())
    await asyncio.sleep(0.05)
    os.fstat(fd)  # still open: the writer thread is inside the sync of it
    assert not closing.done()
    release.set()
    await closing
    deadline = time.monotonic() + 5
    while True:
        try:
            os.fstat(fd)
        except OSError:
            break  # closed by the writer once its round was done
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    assert read_journal(journal.path).last_seq == 2  # durable, though never acknowledged


async def test_a_writer_bug_fails_the_round_and_acknowledges_nothing(
    store: GameStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    journal = await new_journal(store)
    await play(journal, 1)

    def broken(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(writer_module, "_write_all", broken)
    with pytest.raises(JournalError) as info:
        await play(journal, 1)
    assert info.value.code == "journal/io" and "interrupted" in info.value.message
    assert journal.durable_seq == 2 and "round failed" in caplog.text
    monkeypatch.undo()
    other = await new_journal(store, "OKOK")
    await play(other, 1)  # the writer lives on for the other rooms
    await journal.aclose()
    await other.aclose()


@pytest.mark.skipif(not syncfs_available(), reason="syncfs reports errors on Linux 5.8+ only")
async def test_a_failed_syncfs_is_pinned_on_the_file_that_failed(tmp_path: Path) -> None:
    import threading

    group = GroupCommit(sync="syncfs")
    store = GameStore(tmp_path, group=group)
    first = await new_journal(store, "FRST")
    others = [await new_journal(store, code) for code in ("AAAA", "BBBB", "CCCC")]
    bad = others[1]
    started, release = threading.Event(), threading.Event()
    syncfs_calls: list[int] = []
    real_fdatasync = os.fdatasync

    def fdatasync(fd: int) -> None:
        if fd == first.fd:  # hold the writer in a one-file round
            started.set()
            release.wait(5)
        if fd == bad.fd:
            raise OSError(errno.EIO, "Input/output error")
        real_fdatasync(fd)

    def syncfs(fd: int) -> None:
        syncfs_calls.append(fd)
        raise OSError(errno.EIO, "Input/output error")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "fdatasync", fdatasync)
        mp.setattr(writer_module, "_syncfs", syncfs)
        mp.setattr(writer_module, "_DSYNC", False)
        held = asyncio.create_task(play(first, 1))
        while not started.is_set():
            await asyncio.sleep(0.01)
        results = asyncio.gather(*(play(j, 1) for j in others), return_exceptions=True)
        await asyncio.sleep(0.05)  # all three queue up behind the held round
        release.set()
        await held
        outcomes = await results
    assert len(syncfs_calls) == 1  # the three files shared one round and one syncfs
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], JournalError) and outcomes[1].code == "journal/io"
    assert [j.durable_seq for j in others] == [2, 0, 2]
    for j in [first, *others]:
        await j.aclose()
    store.close()
    group.close()


async def _writer_idle(group: GroupCommit) -> None:
    for _ in range(200):
        if group._idle and not group._waiting:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the writer never went idle")


async def test_handover_lets_an_idle_writer_take_the_records_before_the_loop_goes_on(
    store: GameStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Woken while the loop keeps the interpreter, the writer would start on the records only
    once the loop is idle; after ``handover`` it has them already (and syncs meanwhile)."""
    monkeypatch.setattr(writer_module, "HANDOVER_WAIT", 5.0)  # never the reason it returns
    journal = await new_journal(store)
    await play(journal, 1)
    await _writer_idle(store.group)
    first, second = journal.submit(_cmd(3)), journal.submit(_cmd(4))
    journal.handover()
    assert not store.group._waiting  # both taken, in one round
    await asyncio.gather(first, second)
    assert [e.seq for e in read_journal(journal.path).events()][-2:] == [3, 4]
    await journal.aclose()


async def test_handover_does_not_wait_for_a_busy_writer(
    store: GameStore, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """A writer in the middle of a round takes new records after it: nothing to wait for."""
    monkeypatch.setattr(writer_module, "HANDOVER_WAIT", 5.0)
    journal = await new_journal(store)
    await play(journal, 1)
    await _writer_idle(store.group)

    def wrap(real: Sync) -> Sync:
        def slow(fd: int) -> None:
            time.sleep(0.3)
            real(fd)

        return slow

    interpose(monkeypatch, mode, wrap)
    first = journal.submit(_cmd(3))
    journal.handover()  # idle: taken at once, then the slow sync
    second = journal.submit(_cmd(4))
    started = time.monotonic()
    journal.handover()
    assert time.monotonic() - started < 0.2
    assert store.group._waiting  # the second waits for the next round
    await asyncio.gather(first, second)
    await journal.aclose()
