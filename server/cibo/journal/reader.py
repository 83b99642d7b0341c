"""Read a journal: every frame checked, a torn tail told apart from corruption.

The rule (see the package docstring): scanning stops at the first frame that is not whole and
valid (short header, bad magic, a length over the limit, a payload running past the end of the
file, a CRC mismatch). If a valid frame starts anywhere after that point, the damage is *before
the tail*: :class:`JournalError` ``journal/corrupt``. Otherwise the bytes from that point to the
end are a *torn tail* (a write cut by a crash, or zeroed preallocation), reported in
:attr:`JournalContents.torn` for the caller to cut off. Records that are framed correctly but
decode badly, have the wrong shape, break the ``seq`` sequence or follow the ``end`` record are
always corruption: a valid CRC means the bytes were written that way.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from attrs import frozen

from cibo.journal.errors import JournalError
from cibo.journal.format import (
    FRAME_HEADER,
    MAGIC,
    MAX_RECORD_BYTES,
    CommandRecord,
    EndRecord,
    JournalHeader,
    LoggedEvent,
    Record,
    RecordShapeError,
    decode_payload,
    parse_header,
    parse_record,
)

__all__ = ["MAX_FILE_BYTES", "JournalContents", "TornTail", "read_journal"]

MAX_FILE_BYTES = 1 << 30
"""Files larger than this are refused (``journal/too_large``) instead of read into memory."""

_HDR = FRAME_HEADER.size


@frozen
class TornTail:
    """Bytes at the end of the file that are not a whole record."""

    offset: int
    length: int
    reason: str


@frozen
class JournalContents:
    """A read journal. ``records[i]`` is record ``i + 1`` and starts at byte ``offsets[i]``."""

    header: JournalHeader
    records: tuple[Record, ...]
    offsets: tuple[int, ...]
    end: int
    """Byte offset just past the last whole record: where the next append goes."""
    size: int
    torn: TornTail | None
    last_seq: int
    """Seq of the last event, 0 when there is none (the first event has seq 1)."""
    path: str | None = None

    @property
    def finished(self) -> bool:
        """True once the ``end`` record was written."""
        return bool(self.records) and isinstance(self.records[-1], EndRecord)

    def events(self) -> Iterator[LoggedEvent]:
        for record in self.records:
            if isinstance(record, CommandRecord):
                yield from record.events


def _frame_problem(buf: bytes, pos: int) -> str | None:
    """Why the frame at ``pos`` is not whole and valid, or None if it is."""
    left = len(buf) - pos
    if left < _HDR:
        return f"incomplete frame header ({left} of {_HDR} bytes)"
    magic, length, crc = FRAME_HEADER.unpack_from(buf, pos)
    if magic != MAGIC:
        return f"bad magic {magic.hex()}"
    if length == 0:  # a payload is a msgpack map, never empty (and crc32(b"") is 0)
        return "empty payload"
    if length > MAX_RECORD_BYTES:
        return f"length field {length} exceeds the limit of {MAX_RECORD_BYTES}"
    if length > left - _HDR:
        return f"incomplete payload ({left - _HDR} of {length} bytes)"
    if zlib.crc32(memoryview(buf)[pos + _HDR : pos + _HDR + length]) != crc:
        return "CRC mismatch"
    return None


def _next_valid_frame(buf: bytes, start: int) -> int | None:
    pos = buf.find(MAGIC, start)
    while pos >= 0:
        if _frame_problem(buf, pos) is None:
            return pos
        pos = buf.find(MAGIC, pos + 1)
    return None


def _corrupt(path: str | None, offset: int, index: int, reason: str) -> JournalError:
    where = f"record {index} at byte {offset}"
    if path:
        where = f"{path}: {where}"
    return JournalError(
        f"{where}: {reason}", code="journal/corrupt", path=path, offset=offset, index=index
    )


def read_journal(source: str | os.PathLike[str] | bytes) -> JournalContents:
    """Read and check a whole journal (a path, or the file's bytes).

    Returns:
        The header and records up to the last whole record; ``torn`` describes the rest.

    Raises:
        JournalError: ``journal/corrupt`` (damage before the tail, bad shape, seq gap; with
            ``offset`` and ``index``), ``journal/format`` (not a journal or unknown format),
            ``journal/io`` (the file cannot be read), ``journal/too_large``.
    """
    path: str | None = None
    if isinstance(source, bytes):
        buf = source
    else:
        path = os.fspath(source)
        try:
            size = Path(path).stat().st_size
            if size > MAX_FILE_BYTES:
                raise JournalError(
                    f"{path}: {size} bytes is larger than a journal may be ({MAX_FILE_BYTES})",
                    code="journal/too_large",
                    path=path,
                )
            buf = Path(path).read_bytes()
        except OSError as exc:
            raise JournalError(
                f"cannot read {path}: {exc.strerror or exc}", code="journal/io", path=path
            ) from exc

    frames: list[tuple[int, int]] = []  # (offset, payload length)
    pos = 0
    problem: str | None = None
    while pos < len(buf):
        problem = _frame_problem(buf, pos)
        if problem is not None:
            break
        length = FRAME_HEADER.unpack_from(buf, pos)[1]
        frames.append((pos, length))
        pos += _HDR + length
    end = pos
    torn: TornTail | None = None
    if problem is not None:
        later = _next_valid_frame(buf, end + 1)
        if later is not None:
            raise _corrupt(
                path, end, len(frames), f"{problem}, but a valid record follows at byte {later}"
            )
        torn = TornTail(end, len(buf) - end, problem)

    if not frames:
        if not buf:
            reason = "the file is empty"
        elif buf[:2] != MAGIC[: len(buf[:2])]:
            raise JournalError(
                f"{path or 'data'}: not a Cibo journal (bad magic)",
                code="journal/format",
                path=path,
            )
        else:
            reason = f"the header is not whole ({problem})"
        raise _corrupt(path, 0, 0, reason)

    records: list[Record] = []
    offsets: list[int] = []
    header: JournalHeader | None = None
    last_seq = 0
    for index, (offset, length) in enumerate(frames):
        try:
            payload = decode_payload(memoryview(buf)[offset + _HDR : offset + _HDR + length])
            if index == 0:
                header = parse_header(payload)
                continue
            record = parse_record(payload)
        except RecordShapeError as exc:
            raise _corrupt(path, offset, index, str(exc)) from None
        except JournalError as exc:
            exc.path, exc.offset, exc.index = path, offset, index
            if path:
                exc.message = f"{path}: {exc.message}"
                exc.args = (exc.message,)
            raise
        if records and isinstance(records[-1], EndRecord):
            raise _corrupt(path, offset, index, "a record follows the end record")
        if isinstance(record, CommandRecord):
            for event in record.events:
                if event.seq != last_seq + 1:
                    if event.seq <= last_seq:
                        reason = f"event seq {event.seq} does not increase (previous {last_seq})"
                    else:
                        missing = event.seq - last_seq - 1
                        reason = f"event seq {event.seq} follows {last_seq}: {missing} missing"
                    raise _corrupt(path, offset, index, reason)
                last_seq = event.seq
        records.append(record)
        offsets.append(offset)
    assert header is not None
    return JournalContents(
        header=header,
        records=tuple(records),
        offsets=tuple(offsets),
        end=end,
        size=len(buf),
        torn=torn,
        last_seq=last_seq,
        path=path,
    )
