"""Durable appends: :class:`GameJournal` (one open game file) and :class:`GroupCommit`.

``await journal.append_…(…)`` returns only once the record's bytes are on disk. All file I/O
runs in one long-lived writer thread, never on the event loop.

Group commit: every journal of the server shares one :class:`GroupCommit`. Records handed to it
while the writer is busy wait for its next round; a round writes every file that has records
waiting (one ``pwrite`` per file however many records arrived), makes them all durable with
**one** ``syncfs`` per file system (Linux: a single system call flushes every file of the data
directory's file system, so 200 rooms cost one sync, not 200), and resolves all of their
waiters with one wake-up of the event loop (a round with a single file is cheaper: that file
is written with ``RWF_DSYNC``, write and sync in one system call, or else synced with its
``fdatasync``). The writer starts the next round as soon as one
ends, without waiting for the loop; :meth:`GroupCommit.handover` lets an idle writer take the
records of a turn before the loop goes on with its work. Where ``syncfs`` is missing or does
not report write-back errors (Linux before 5.8, other systems) each file gets its own
``fdatasync`` (``fsync`` where that is missing) instead: the ``sync`` argument chooses.

Failure is final: when a write or a sync of a file fails (EIO, ENOSPC, …) its journal becomes
*failed*. The records of that round and every later append raise :class:`JournalError`
``journal/io`` and are never acknowledged; nothing is retried (after a failed sync Linux may
have dropped the dirty pages, so a later success would prove nothing). The file is truncated
back to the end of its last synced record, best effort; the reader cuts a torn tail either way.
When a ``syncfs`` fails, each file of the round gets an ``fdatasync`` to find which of them
failed (the kernel reports a write-back error to every open file it affected).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import errno
import logging
import os
import platform
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from attrs import define, field

from cibo.journal.errors import JournalError
from cibo.journal.format import (
    CommandRecord,
    EndRecord,
    JournalHeader,
    LoggedEvent,
    MetaRecord,
    Record,
    record_frame,
)

__all__ = ["CommitStats", "GameJournal", "GroupCommit", "SyncMode", "syncfs_available"]

log = logging.getLogger("cibo.journal")

HANDOVER_WAIT = 0.002
"""Seconds :meth:`GroupCommit.handover` waits at most for an idle writer to take records."""

SYNC_HELPERS = 8
"""Threads a ``fdatasync`` round spreads its files over."""

SyncMode = Literal["auto", "syncfs", "fdatasync"]
"""How a round is made durable: ``syncfs`` (one call per file system), ``fdatasync`` (one per
file), or ``auto`` (``syncfs`` where :func:`syncfs_available`)."""


@define
class CommitStats:
    """Counters since the :class:`GroupCommit` was made (for benchmarks and ``/metrics``)."""

    records: int = 0
    """Records made durable."""
    bytes: int = 0
    """Bytes made durable."""
    syncs: int = 0
    """Sync system calls that succeeded (``syncfs`` per file system or ``fdatasync`` per file,
    per round)."""
    jobs: int = 0
    """Rounds (each writes and syncs every file with records waiting)."""
    files: int = 0
    """Files written, summed over the rounds."""
    failures: int = 0
    """Files whose write or sync failed."""


# -- the sync system calls --------------------------------------------------------------------


def _load_syncfs() -> Any:
    if platform.system() != "Linux":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


_LIBC_SYNCFS = _load_syncfs()


def syncfs_available() -> bool:
    """Whether ``syncfs`` exists here *and* reports write-back errors (Linux 5.8 and later;
    before, it returned success even when data was lost, which no acknowledgement may rest on)."""
    if _LIBC_SYNCFS is None:
        return False
    try:
        major, minor = (int(p) for p in platform.release().split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (5, 8)


def _syncfs(fd: int) -> None:
    """Flush every file of the file system holding ``fd`` (raises :class:`OSError`)."""
    if _LIBC_SYNCFS(fd) != 0:  # ctypes releases the GIL for the call
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _fdatasync(fd: int) -> None:
    # Looked up at each call (not bound at import) so that tests can interpose on it.
    sync = getattr(os, "fdatasync", None) or os.fsync
    sync(fd)


def _sync_error(fd: int) -> OSError | None:
    try:
        _fdatasync(fd)
    except OSError as exc:
        return exc
    return None


_DSYNC = hasattr(os, "pwritev") and hasattr(os, "RWF_DSYNC")
"""Whether a round with one file writes it with ``RWF_DSYNC`` (Linux 4.7 and later): the write
is durable when it returns, as if followed by ``fdatasync``. Turned off for good when the
kernel refuses the flag (and by tests that make the syncs fail)."""


def _no_dsync() -> None:
    global _DSYNC  # noqa: PLW0603 - what the kernel refuses, it refuses to every file
    _DSYNC = False


def _write_all(fd: int, data: bytes, offset: int, *, dsync: bool = False) -> None:
    """Write ``data`` at ``offset``; with ``dsync``, each write is durable when it returns
    (``RWF_DSYNC``: the data and what is needed to read it back, as ``fdatasync`` does)."""
    view = memoryview(data)
    done = 0
    while done < len(view):
        if dsync:
            n = os.pwritev(fd, [view[done:]], offset + done, os.RWF_DSYNC)
        else:
            n = os.pwrite(fd, view[done:], offset + done)
        if n <= 0:
            raise OSError(errno.EIO, "write wrote nothing")
        done += n


@define(eq=False)
class _Pending:
    """Records of one journal waiting for the next round."""

    future: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop
    chunks: list[bytes] = field(factory=list)
    records: int = 0
    last_seq: int = 0


_Outcome = tuple["GameJournal", _Pending, int, BaseException | None]
"""What a round did for one journal: bytes made durable (0 on failure) and the error."""


class GroupCommit:
    """Batches the writes and syncs of every journal of a server. Make one, share it.

    Its writer thread starts with the first record and lives until :meth:`close` (a daemon
    thread: a disk that hangs cannot keep the process alive). :attr:`stats` counts what it did.

    Args:
        sync: how a round is made durable (see :data:`SyncMode`); ``syncfs`` where it is not
            available raises :class:`ValueError`.
    """

    def __init__(self, *, sync: SyncMode = "auto") -> None:
        if sync == "syncfs" and not syncfs_available():
            raise ValueError("syncfs is not available (or does not report errors) here")
        if sync not in ("auto", "syncfs", "fdatasync"):
            raise ValueError(f"unknown sync mode {sync!r}")
        self.sync: SyncMode = (
            "syncfs" if sync == "syncfs" or (sync == "auto" and syncfs_available())
            else "fdatasync"
        )
        self.stats = CommitStats()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        # Guarded by the lock: what the next round takes, and what the writer must close.
        self._waiting: dict[GameJournal, _Pending] = {}
        self._to_close: list[int] = []
        self._stopping = False
        self._idle = False
        """The writer waits for records (it will take the next ones at once)."""
        self._taken = threading.Condition(self._lock)
        """Notified when the writer takes what is waiting (see :meth:`handover`)."""
        self._thread: threading.Thread | None = None
        self._helpers: ThreadPoolExecutor | None = None
        """Writer-owned: threads for the per-file syncs of ``fdatasync`` rounds."""

    def close(self) -> None:
        """Let the writer finish what is queued, close the files handed to it, and stop.

        Waits a few seconds for it (not forever: a hung disk must not hang a shutdown)."""
        with self._lock:
            self._stopping = True
            self._wake.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)

    # -- the event loop's side -----------------------------------------------------------------

    def _submit(self, journal: GameJournal, frame: bytes, last_seq: int) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._stopping:
                raise JournalError(
                    "the server's journal writer is stopped",
                    code="journal/closed",
                    path=journal.path,
                )
            pending = self._waiting.get(journal)
            if pending is None:
                future: asyncio.Future[None] = loop.create_future()
                future.add_done_callback(_consume)
                pending = self._waiting[journal] = _Pending(future, loop)
                journal._last = future
            pending.chunks.append(frame)
            pending.records += 1
            pending.last_seq = last_seq
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="cibo-journal", daemon=True
                )
                self._thread.start()
            self._wake.notify()
        return pending.future

    def handover(self) -> None:
        """Let an idle writer take the records submitted so far before the caller goes on.

        The writer thread needs the interpreter to take records off the queue and start
        writing them; woken while the event loop runs (deciding, building views), it would
        wait until the loop is idle, and the disk's work would start only then. Waiting
        here, for at most :data:`HANDOVER_WAIT` s and only when the writer was idle, lets the
        sync run while the loop goes on: the records become durable sooner. Call it after
        submitting what one turn of the loop decided."""
        with self._lock:
            if self._idle and self._waiting and self._thread is not None:
                self._taken.wait(HANDOVER_WAIT)

    def _close_fd(self, fd: int) -> None:
        """Close ``fd`` in the writer, after any round that may still write to it (closing
        under it could let a new file reuse the number)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                with contextlib.suppress(OSError):
                    os.close(fd)
                return
            self._to_close.append(fd)
            self._wake.notify()

    def _finish(self, outcomes: list[_Outcome], syncs: int) -> None:
        """On the loop: record a round's outcome and wake its waiters."""
        stats = self.stats
        stats.jobs += 1
        stats.syncs += syncs
        stats.files += len(outcomes)
        for journal, pending, size, exc in outcomes:
            if exc is None:
                journal.end += size
                journal.durable_seq = max(journal.durable_seq, pending.last_seq)
                stats.records += pending.records
                stats.bytes += size
                if not pending.future.done():
                    pending.future.set_result(None)
            else:
                stats.failures += 1
                error = journal.fail(exc)
                if not pending.future.done():
                    pending.future.set_exception(error)
        for journal, _, _, _ in outcomes:
            callback = journal._on_durable
            if callback is not None:
                try:
                    callback()
                except Exception:  # one room's bug must not keep the others waiting
                    log.exception("journal %s: a durability callback failed", journal.path)

    # -- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                while not (self._waiting or self._to_close or self._stopping):
                    self._idle = True
                    self._wake.wait()
                self._idle = False
                batch, self._waiting = self._waiting, {}
                closing, self._to_close = self._to_close, []
                stop = self._stopping and not batch
                self._taken.notify_all()
            if batch:
                try:
                    outcomes, syncs = self._round(batch)
                except BaseException as exc:  # a bug: fail the round, never acknowledge it
                    log.exception("journal writer round failed")
                    for journal in batch:
                        journal._broken = exc
                    outcomes, syncs = [(j, p, 0, exc) for j, p in batch.items()], 0
                try:
                    self._post(outcomes, syncs)
                except Exception:  # the writer must outlive anything: every room depends on it
                    log.exception("journal writer could not report a round")
            for fd in closing:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if stop:
                if self._helpers is not None:
                    self._helpers.shutdown(wait=False)
                return

    def _post(self, outcomes: list[_Outcome], syncs: int) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
        for outcome in outcomes:
            by_loop.setdefault(outcome[1].loop, []).append(outcome)
        for loop, part in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
                loop.call_soon_threadsafe(self._finish, part, syncs)
                syncs = 0

    def _round(self, batch: dict[GameJournal, _Pending]) -> tuple[list[_Outcome], int]:
        """Write every journal's records, then sync: one ``syncfs`` per file system (or one
        ``fdatasync`` per file; one file alone is written with ``RWF_DSYNC`` where the kernel
        has it). Returns each journal's outcome and the syncs that succeeded."""
        outcomes: dict[GameJournal, _Outcome] = {}
        written: list[tuple[GameJournal, _Pending, bytes]] = []
        for journal, pending in batch.items():
            if journal._broken is not None:  # failed in an earlier round: never write again
                outcomes[journal] = (journal, pending, 0, journal._broken)
                continue
            data = b"".join(pending.chunks)
            if len(batch) == 1 and _DSYNC:
                # One file: written and synced by one system call. Between a write and its
                # own fdatasync the writer needs the interpreter back, which the event loop
                # holds while it builds the batch's views; this way the sync starts at once.
                try:
                    _write_all(journal.fd, data, journal._write_at, dsync=True)
                except OSError as exc:
                    if exc.errno in (errno.EOPNOTSUPP, errno.ENOSYS):  # an older kernel
                        log.info("writes with RWF_DSYNC are refused here: syncing apart")
                        _no_dsync()
                        return self._round(batch)
                    return [(journal, pending, 0, self._broke(journal, exc))], 0
                return [self._synced(journal, pending, data)], 1
            try:
                _write_all(journal.fd, data, journal._write_at)
            except OSError as exc:
                outcomes[journal] = (journal, pending, 0, self._broke(journal, exc))
                continue
            written.append((journal, pending, data))
        syncs = 0
        if self.sync == "syncfs":
            by_device: dict[int, list[tuple[GameJournal, _Pending, bytes]]] = {}
            for item in written:
                by_device.setdefault(item[0]._device(), []).append(item)
            per_file: list[tuple[GameJournal, _Pending, bytes]] = []
            for items in by_device.values():
                if len(items) == 1:  # one file: its own fdatasync is cheaper (0.40 vs 0.53 ms)
                    per_file.extend(items)
                    continue
                try:
                    _syncfs(items[0][0].fd)
                    syncs += 1
                except OSError:
                    per_file.extend(items)  # find out which files, below
                    continue
                for journal, pending, data in items:
                    outcomes[journal] = self._synced(journal, pending, data)
            written = per_file
        # One fdatasync per file, several at once: concurrent syncs share the file system's
        # journal commits (ext4 ran 5x more syncs per second with 16 threads than with one).
        if len(written) > 1:
            if self._helpers is None:
                self._helpers = ThreadPoolExecutor(SYNC_HELPERS, thread_name_prefix="cibo-sync")
            errors = list(self._helpers.map(_sync_error, [j.fd for j, _, _ in written]))
        else:
            errors = [_sync_error(j.fd) for j, _, _ in written]
        for (journal, pending, data), error in zip(written, errors, strict=True):
            if error is None:
                syncs += 1
                outcomes[journal] = self._synced(journal, pending, data)
            else:
                outcomes[journal] = (journal, pending, 0, self._broke(journal, error))
        return [outcomes[j] for j in batch], syncs

    @staticmethod
    def _synced(journal: GameJournal, pending: _Pending, data: bytes) -> _Outcome:
        journal._write_at += len(data)
        return (journal, pending, len(data), None)

    @staticmethod
    def _broke(journal: GameJournal, exc: OSError) -> OSError:
        """Writer thread: the journal failed; cut its file back to the last synced record."""
        journal._broken = exc
        with contextlib.suppress(OSError):
            os.ftruncate(journal.fd, journal._write_at)
            _fdatasync(journal.fd)
        return exc


def _consume(future: asyncio.Future[None]) -> None:
    # Waiters may be gone (cancelled); the error is kept on the journal, not lost in a warning.
    if not future.cancelled():
        future.exception()


class GameJournal:
    """One game's journal file, open for appending. Made by :class:`cibo.journal.GameStore`.

    Appends are validated synchronously (so a misuse raises before anything is written) and
    made durable through the shared :class:`GroupCommit`. Appends may be issued without
    awaiting the previous one; they are written in call order.
    """

    def __init__(
        self,
        path: str,
        fd: int,
        header: JournalHeader,
        group: GroupCommit,
        *,
        end: int,
        last_seq: int = 0,
        finished: bool = False,
    ) -> None:
        self.path = path
        self.fd = fd
        self.header = header
        self.end = end
        """Byte offset just past the last durable record."""
        self.last_seq = last_seq
        """Seq of the last event appended (durable or not yet)."""
        self.durable_seq = last_seq
        """Seq of the last event known to be on disk."""
        self.error: JournalError | None = None
        """Set once the journal has failed; every later append raises it."""
        self.finished = finished
        self.closed = False
        self._group = group
        self._on_durable: Callable[[], None] | None = None
        self._last: asyncio.Future[None] | None = None
        """The future of the latest queued records (rounds resolve in order)."""
        # Owned by the writer thread once records flow: where the next write goes, and the
        # failure that ended this journal (the loop learns of it through :meth:`fail`).
        self._write_at = end
        self._broken: BaseException | None = None
        self._dev: int | None = None

    @property
    def game_id(self) -> str:
        return self.header.game_id

    def __repr__(self) -> str:
        return f"<GameJournal {self.game_id} seq={self.last_seq}>"

    # -- appends ---------------------------------------------------------------------------

    async def append_command(
        self,
        *,
        seat: str,
        cmd_id: str,
        command: Mapping[str, Any],
        events: Iterable[LoggedEvent | tuple[int, Mapping[str, Any]]],
        ts: float | None = None,
    ) -> CommandRecord:
        """Append one accepted command with its events; returns once durable.

        ``command`` is ``cibo.core.command_to_dict(cmd)``; ``events`` are ``(seq,
        event_to_dict(e))`` pairs (or :class:`LoggedEvent`) whose seqs continue
        :attr:`last_seq` by one each.

        Raises:
            ValueError: the seqs do not continue :attr:`last_seq`, or the command or an event
                has no ``type`` (nothing written).
            JournalError: ``journal/io`` (not durable: stop the game), ``journal/closed``,
                ``journal/too_large``.
        """
        logged = tuple(
            e if isinstance(e, LoggedEvent) else LoggedEvent(e[0], dict(e[1])) for e in events
        )
        record = CommandRecord(
            ts=time.time() if ts is None else ts,
            seat=seat,
            cmd_id=cmd_id,
            command=dict(command),
            events=logged,
        )
        await self.append(record)
        return record

    async def append_meta(self, data: Mapping[str, Any], *, ts: float | None = None) -> MetaRecord:
        """Append a room fact (token hashes, names, kicks); returns once durable."""
        record = MetaRecord(ts=time.time() if ts is None else ts, data=dict(data))
        await self.append(record)
        return record

    async def append_end(self, outcome: str, *, ts: float | None = None) -> EndRecord:
        """Mark the game finished (``won``/``lost``/``aborted``); nothing may follow."""
        record = EndRecord(ts=time.time() if ts is None else ts, outcome=outcome)
        await self.append(record)
        return record

    async def append(self, record: Record) -> None:
        """Append any record; returns once it is durable. See :meth:`append_command`."""
        await asyncio.shield(self.submit(record))

    def submit(self, record: Record) -> asyncio.Future[None]:
        """Queue ``record`` and return a future that completes once it is durable.

        For callers that pipeline: the record is validated and queued now, in call order.
        Await the result through :func:`asyncio.shield` if the awaiting task may be cancelled.
        """
        if self.error is not None:
            raise self.error
        if self.closed or self.finished:
            state = "closed" if self.closed else "finished"
            raise JournalError(
                f"the journal of {self.game_id} is {state}", code="journal/closed", path=self.path
            )
        last_seq = self.last_seq
        if isinstance(record, CommandRecord) and record.events:
            for event in record.events:
                if event.seq != last_seq + 1:
                    raise ValueError(
                        f"{self.game_id}: event seq {event.seq} given, {last_seq + 1} expected"
                    )
                last_seq = event.seq
        frame = record_frame(record)
        future = self._group._submit(self, frame, last_seq)
        self.last_seq = last_seq
        if isinstance(record, EndRecord):
            self.finished = True
        return future

    def handover(self) -> None:
        """See :meth:`GroupCommit.handover`."""
        self._group.handover()

    def on_durable(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` on the event loop after each round that ended this journal's
        waiting (its futures are complete, with a result or a :class:`JournalError`), in the
        same turn of the loop: the futures' own callbacks run a turn later."""
        self._on_durable = callback

    # -- failure and closing ---------------------------------------------------------------

    def fail(self, exc: BaseException) -> JournalError:
        """Mark the journal failed (first cause wins) and return the error appends will raise."""
        if self.error is None:
            if isinstance(exc, OSError):
                cause = exc.strerror or str(exc)
                if exc.errno == errno.ENOSPC:
                    cause = "the disk is full"
            else:
                cause = f"the write was interrupted ({type(exc).__name__})"
            self.error = JournalError(
                f"the game journal {self.path} could not be saved: {cause}. The game is stopped "
                "so that no move is confirmed without being saved; it can be resumed from the "
                "last saved move once the problem is fixed.",
                code="journal/io",
                path=self.path,
            )
            log.error("journal %s failed at byte %d: %s", self.path, self.end, exc)
        return self.error

    async def aclose(self) -> None:
        """Wait for queued records (their errors are not raised here), then close the file."""
        if self.closed:
            return
        self.closed = True
        if self._last is not None and not self._last.done():
            with contextlib.suppress(BaseException):
                await asyncio.shield(self._last)
        self._group._close_fd(self.fd)

    def _device(self) -> int:
        """Writer thread: the file system the file lives on (one ``syncfs`` each)."""
        if self._dev is None:
            self._dev = os.fstat(self.fd).st_dev
        return self._dev
