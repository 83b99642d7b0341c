"""Durable appends: :class:`GameJournal` (one open game file) and :class:`GroupCommit`.

``await journal.append_…(…)`` returns only once the record's bytes are on disk
(``os.fdatasync``). All I/O runs in a worker thread, never on the event loop.

Group commit: every journal of the server shares one :class:`GroupCommit`. Records handed to it
while a commit is running wait for the next one; a commit then writes and syncs every file that
has records waiting, one ``write`` + one ``fdatasync`` per file however many records arrived,
and resolves all of their waiters. At most one commit runs at a time. Its files are split
among a few worker threads (``sync_threads``), each writing and syncing its share in turn:
concurrent ``fdatasync`` calls on different files share the file system's journal commit
(ext4 ran 5x more syncs per second with 16 threads than with one on 50 files).

Failure is final: when a write or a sync of a file fails (EIO, ENOSPC, …) its journal becomes
*failed*. The records of that job and every later append raise :class:`JournalError`
``journal/io`` and are never acknowledged; nothing is retried (after a failed ``fdatasync``
Linux may have dropped the dirty pages, so a later success would prove nothing). The file is
truncated back to the end of its last synced record, best effort; the reader cuts a torn tail
either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from attrs import define, field

from cibo.journal.errors import JournalError
from cibo.journal.format import (
    CommandRecord,
    EndRecord,
    JournalHeader,
    LoggedEvent,
    MetaRecord,
    Record,
    encode_frame,
    parse_record,
    record_to_payload,
)

__all__ = ["CommitStats", "GameJournal", "GroupCommit"]

log = logging.getLogger("cibo.journal")


@define
class CommitStats:
    """Counters since the :class:`GroupCommit` was made (for benchmarks and ``/metrics``)."""

    records: int = 0
    """Records made durable."""
    bytes: int = 0
    """Bytes made durable."""
    syncs: int = 0
    """``fdatasync`` calls that succeeded (one per file per commit)."""
    jobs: int = 0
    """Group commits (each writes and syncs every file with records waiting)."""
    failures: int = 0
    """Files whose write or sync failed."""


@define
class _Pending:
    """Records of one journal waiting for the next job."""

    future: asyncio.Future[None]
    chunks: list[bytes] = field(factory=list)
    records: int = 0
    last_seq: int = 0


def _write_and_sync(jobs: Sequence[tuple[int, int, bytes]]) -> list[OSError | None]:
    """Worker thread: for each (fd, offset, data) write the data at offset, then fdatasync.

    A file that fails is truncated back to ``offset`` (best effort); the others go on.
    """
    results: list[OSError | None] = []
    for fd, offset, data in jobs:
        try:
            view = memoryview(data)
            done = 0
            while done < len(view):
                n = os.pwrite(fd, view[done:], offset + done)
                if n <= 0:
                    raise OSError(errno.EIO, "write wrote nothing")
                done += n
            os.fdatasync(fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, offset)
                os.fdatasync(fd)
            results.append(exc)
        else:
            results.append(None)
    return results


class GroupCommit:
    """Batches the writes and syncs of every journal of a server. Make one, share it.

    It needs no start: a flush task runs while there is work and ends when there is none.
    :meth:`close` stops its worker threads (optional: idle threads also end with the process).
    :attr:`stats` counts what it did.

    Args:
        sync_threads: worker threads a commit spreads its files over.
    """

    def __init__(self, *, sync_threads: int = 8) -> None:
        self.stats = CommitStats()
        self.sync_threads = max(1, sync_threads)
        self._waiting: dict[GameJournal, _Pending] = {}
        self._running: dict[GameJournal, _Pending] = {}
        self._task: asyncio.Task[None] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._threads: list[Future[list[OSError | None]]] = []
        """Worker-thread jobs of the running commit (they outlive a cancelled flush task)."""

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    async def _run_jobs(self, jobs: list[tuple[int, int, bytes]]) -> list[OSError | None]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.sync_threads, thread_name_prefix="cibo-journal")
        n = min(self.sync_threads, len(jobs))
        self._threads = [self._pool.submit(_write_and_sync, jobs[i::n]) for i in range(n)]
        shares = await asyncio.gather(*(asyncio.wrap_future(f) for f in self._threads))
        results: list[OSError | None] = [None] * len(jobs)
        for i, share in enumerate(shares):
            results[i::n] = share
        return results

    def _submit(self, journal: GameJournal, frame: bytes, last_seq: int) -> asyncio.Future[None]:
        pending = self._waiting.get(journal)
        if pending is None:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            future.add_done_callback(_consume)
            pending = self._waiting[journal] = _Pending(future)
        pending.chunks.append(frame)
        pending.records += 1
        pending.last_seq = last_seq
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._flush(), name="cibo-journal-group-commit"
            )
        return pending.future

    def _futures_of(self, journal: GameJournal) -> list[asyncio.Future[None]]:
        return [b[journal].future for b in (self._running, self._waiting) if journal in b]

    def _close_when_idle(self, fd: int) -> None:
        """Close ``fd`` once no worker thread can still be writing to it (after a cancelled
        commit a thread may be; closing under it could let a new file reuse the number)."""
        busy = [f for f in self._threads if not f.done()]
        if not busy:
            os.close(fd)
            return

        left = [len(busy)]
        lock = threading.Lock()

        def done(_: object) -> None:
            with lock:
                left[0] -= 1
                if left[0] == 0:  # the last one, exactly once
                    with contextlib.suppress(OSError):
                        os.close(fd)

        for f in busy:
            f.add_done_callback(done)

    async def _flush(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                for journal, pending in list(batch.items()):
                    if journal.error is not None:  # failed during the previous job
                        del batch[journal]
                        pending.future.set_exception(journal.error)
                if not batch:
                    continue
                self._running = batch
                jobs = [(j.fd, j.end, b"".join(p.chunks)) for j, p in batch.items()]
                results = await self._run_jobs(jobs)
                self.stats.jobs += 1
                for (journal, pending), (_, _, data), exc in zip(
                    batch.items(), jobs, results, strict=True
                ):
                    if exc is None:
                        journal.end += len(data)
                        journal.durable_seq = max(journal.durable_seq, pending.last_seq)
                        self.stats.records += pending.records
                        self.stats.bytes += len(data)
                        self.stats.syncs += 1
                        pending.future.set_result(None)
                    else:
                        self.stats.failures += 1
                        pending.future.set_exception(journal.fail(exc))
                self._running = {}
        except BaseException as exc:
            # Cancelled (loop shutting down) or a bug: nobody may wait forever, and nothing
            # whose outcome is unknown may ever be acknowledged.
            for batch in (self._running, self._waiting):
                for journal, pending in batch.items():
                    error = journal.fail(exc)
                    if not pending.future.done():
                        pending.future.set_exception(error)
            self._running, self._waiting = {}, {}
            raise
        finally:
            self._task = None


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
                "journal/closed", f"the journal of {self.game_id} is {state}", path=self.path
            )
        last_seq = self.last_seq
        if isinstance(record, CommandRecord) and record.events:
            for event in record.events:
                if event.seq != last_seq + 1:
                    raise ValueError(
                        f"{self.game_id}: event seq {event.seq} given, {last_seq + 1} expected"
                    )
                last_seq = event.seq
        payload = record_to_payload(record)
        parse_record(payload)  # never write what the reader would refuse
        frame = encode_frame(payload)
        future = self._group._submit(self, frame, last_seq)
        self.last_seq = last_seq
        if isinstance(record, EndRecord):
            self.finished = True
        return future

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
                "journal/io",
                f"the game journal {self.path} could not be saved: {cause}. The game is stopped "
                "so that no move is confirmed without being saved; it can be resumed from the "
                "last saved move once the problem is fixed.",
                path=self.path,
            )
            log.error("journal %s failed at byte %d: %s", self.path, self.end, exc)
        return self.error

    async def aclose(self) -> None:
        """Wait for queued records (their errors are not raised here), then close the file."""
        if self.closed:
            return
        self.closed = True
        for future in self._group._futures_of(self):
            with contextlib.suppress(BaseException):
                await asyncio.shield(future)
        self._group._close_when_idle(self.fd)
