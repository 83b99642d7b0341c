"""The one exception the journal raises, with a stable ``code`` per cause.

Codes:

``journal/io``
    Reading or writing the file failed (EIO, ENOSPC, a failed ``fdatasync``…). A writer that saw
    this is *failed* for good: nothing it was given after the last successful sync is
    acknowledged, and every later append raises the same error.
``journal/corrupt``
    The bytes are damaged or tampered with before the tail (bad magic, CRC or length followed by
    valid records, an undecodable payload, a record of the wrong shape, a gap in ``seq``).
    ``offset`` and ``index`` say where; the game is not resumed.
``journal/format``
    Not a Cibo journal, or a format version this engine does not read.
``journal/too_large``
    A record would exceed :data:`cibo.journal.format.MAX_RECORD_BYTES`; nothing was written.
``journal/closed``
    Append after :meth:`GameJournal.aclose` or after the ``end`` record.
``journal/locked``
    Another server process holds the data directory.
"""

from __future__ import annotations

from cibo.errors import CiboError

__all__ = ["JournalError"]


class JournalError(CiboError):
    """A journal problem; ``code`` is stable, ``message`` is a sentence for the host.

    ``offset`` (byte offset in the file) and ``index`` (record number, the header being record
    0) are set when the problem has a place.
    """

    code = "journal/error"

    def __init__(
        self,
        message: str,
        *,
        code: str,
        path: str | None = None,
        offset: int | None = None,
        index: int | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.message = message
        self.path = path
        self.offset = offset
        self.index = index

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"
