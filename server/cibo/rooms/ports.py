"""What a room needs from the outside, as protocols: a connection to send to, and a journal.

The transports implement :class:`Peer`; :class:`cibo.journal.GameJournal` implements
:class:`GameLog` (and :class:`MemoryLog` stands in for it when nothing is to be kept on disk,
e.g. in tests and ``cibo serve --no-journal``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from cibo.journal.errors import JournalError
from cibo.journal.format import EndRecord, MetaRecord, Record
from cibo.protocol.codecs import EncodeMemo

__all__ = ["GameLog", "GameStorePort", "MemoryLog", "MemoryStore", "Peer"]


class Peer(Protocol):
    """One client connection, as seen by a room. Neither method may block."""

    @property
    def codec_key(self) -> str:
        """Peers with the same key get the same bytes for the same message."""
        ...

    def encode(self, message: Mapping[str, Any], memo: EncodeMemo | None = None) -> bytes:
        """Serialize a message for this peer's codec; ``memo`` holds the pieces already
        encoded during this fan-out by peers with the same :attr:`codec_key` (see
        :data:`cibo.protocol.codecs.EncodeMemo`) and gets this message's."""
        ...

    def send(self, frame: bytes) -> None:
        """Queue a frame; a peer that cannot keep up is dropped instead (it resyncs later)."""
        ...

    def flush(self) -> None:
        """Write the queued frames (the room calls it once per peer after a batch)."""
        ...

    def close(self, reason: str) -> None:
        """Close the connection soon with the close code for ``reason`` (an error code)."""
        ...


class GameLog(Protocol):
    """An open game journal: records become durable in the order they were submitted."""

    def submit(self, record: Record) -> asyncio.Future[None]:
        """Queue a record; the future completes once it is durable.

        Raises:
            JournalError: the journal has failed or is closed.
        """
        ...

    def handover(self) -> None:
        """Records were submitted for this turn of the loop: let the disk start on them now
        (a journal written by another thread may wait briefly for it to take them)."""
        ...

    def on_durable(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` on the loop right after a round completed this journal's
        futures (a journal whose records are durable when submitted never needs to)."""
        ...

    async def aclose(self) -> None:
        """Flush what was queued and close."""
        ...


class GameStorePort(Protocol):
    """Creates journals for new games (:class:`cibo.journal.GameStore` fits)."""

    async def create_game(
        self,
        *,
        room_code: str,
        ruleset_id: str,
        ruleset_sha256: str,
        ruleset_text: str,
        seed: bytes,
        engine_version: str,
        difficulty: str = "normal",
        seats: Iterable[str] = (),
        created_at: float | None = None,
        metas: Iterable[MetaRecord] = (),
    ) -> GameLog: ...


class MemoryLog:
    """A journal that is "durable" at once: it keeps the records (``keep``, for tests) or
    forgets them (``cibo serve --no-journal``). ``fail_after`` makes it fail like a disk."""

    def __init__(self, *, keep: bool = True, fail_after: int | None = None) -> None:
        self.records: list[Record] = []
        self.count = 0
        self.keep = keep
        self.fail_after = fail_after
        self.closed = False

    def submit(self, record: Record) -> asyncio.Future[None]:
        if self.closed:
            raise JournalError("the journal is closed", code="journal/closed")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.fail_after is not None and self.count >= self.fail_after:
            future.set_exception(JournalError("simulated write failure", code="journal/io"))
            future.exception()  # retrieved by the room; avoid a warning if it is not
            return future
        self.count += 1
        if self.keep:
            self.records.append(record)
        if isinstance(record, EndRecord):
            self.closed = True
        future.set_result(None)
        return future

    def handover(self) -> None:
        pass  # nothing to start: what it keeps is "durable" at once

    def on_durable(self, callback: Callable[[], None]) -> None:
        pass  # its futures are complete when submitted

    async def aclose(self) -> None:
        self.closed = True


class MemoryStore:
    """Makes :class:`MemoryLog` journals; with ``keep``, keeps them by room code for tests."""

    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep
        self.logs: dict[str, MemoryLog] = {}

    async def create_game(
        self,
        *,
        room_code: str,
        ruleset_id: str,
        ruleset_sha256: str,
        ruleset_text: str,
        seed: bytes,
        engine_version: str,
        difficulty: str = "normal",
        seats: Iterable[str] = (),
        created_at: float | None = None,
        metas: Iterable[MetaRecord] = (),
    ) -> MemoryLog:
        log = MemoryLog(keep=self.keep)
        if self.keep:
            self.logs[room_code] = log
            log.records.extend(metas)
        return log
