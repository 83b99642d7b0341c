"""Framing and record shapes of a journal file (format 2). Pure: bytes and dicts, no I/O.

A file is a sequence of frames; the first frame's payload is the header, every later one a
record::

    MAGIC (2 bytes, C1 B0) | length (u32 big-endian) | crc32 (u32 big-endian) | payload

``crc32`` is :func:`zlib.crc32` of the payload, which is one msgpack map of at most
:data:`MAX_RECORD_BYTES` bytes. ``0xC1`` is the one byte msgpack never uses, so a frame can not
be mistaken for a bare msgpack value.

Payloads are decoded with explicit limits (:func:`decode_payload`): a journal may come from the
internet (``cibo verify downloaded.cibo``), so a lying length, an ext type, a non-string map key,
deep nesting or a flood of tiny containers is reported as corruption, never allocated.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

import msgpack  # type: ignore[import-untyped]
from attrs import field, frozen

from cibo.errors import CiboError
from cibo.journal.errors import JournalError

__all__ = [
    "FORMAT",
    "FORMATS",
    "FRAME_HEADER",
    "MAGIC",
    "MAX_CONTAINERS",
    "MAX_RECORD_BYTES",
    "UNDO",
    "CommandRecord",
    "EndRecord",
    "JournalHeader",
    "LoggedEvent",
    "MetaRecord",
    "Record",
    "RecordShapeError",
    "decode_payload",
    "encode_frame",
    "parse_header",
    "parse_record",
    "record_frame",
    "record_to_payload",
]

FORMAT: Final = 2
"""The format written. Format 2 adds the ``undo`` command record (see :data:`UNDO`); format 1
files (which cannot hold one) are read the same way."""
FORMATS: Final = (1, 2)
"""The formats read."""
UNDO: Final = "undo"
"""The ``command`` type of a record that takes back a command: ``{"type": "undo", "seat":
who asked, "of": whose command}``, with one ``command_undone`` event (format 2 on)."""
MAGIC: Final = b"\xc1\xb0"
FRAME_HEADER: Final = struct.Struct(">2sII")
"""magic, payload length, crc32 of the payload."""
MAX_RECORD_BYTES: Final = 16 * 1024 * 1024
"""A frame whose length field says more than this is corrupt (never an allocation)."""
MAX_CONTAINERS: Final = 65_536
"""Maps + arrays allowed in one payload: bounds the memory a hostile 16 MiB payload can cost."""
_MAX_ARRAY: Final = 1_000_000
_MAX_MAP: Final = 65_536


class RecordShapeError(CiboError, ValueError):
    """A payload that decodes but is not a valid header or record; the reader adds the place."""

    code = "journal/corrupt"


# -- records -----------------------------------------------------------------------------------


@frozen
class JournalHeader:
    """The first frame of every file. ``seed`` is secret until the game ends: never send it."""

    game_id: str
    room_code: str
    created_at: float
    ruleset_id: str
    ruleset_sha256: str
    ruleset_text: str = field(repr=False)
    difficulty: str
    seed_commitment: str
    """``sha256(seed)`` in hex, as published by ``GameStarted.commitment``."""
    seed: str = field(repr=False)
    """The seed in hex: the file is the host's, and a crashed game resumes from it."""
    engine_version: str
    seats: tuple[str, ...] = ()
    format: int = FORMAT

    def to_payload(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "engine_version": self.engine_version,
            "game_id": self.game_id,
            "room_code": self.room_code,
            "created_at": self.created_at,
            "ruleset_id": self.ruleset_id,
            "ruleset_sha256": self.ruleset_sha256,
            "ruleset_text": self.ruleset_text,
            "difficulty": self.difficulty,
            "seed_commitment": self.seed_commitment,
            "seed": self.seed,
            "seats": list(self.seats),
        }


@frozen
class LoggedEvent:
    """One event as journaled: its ``seq`` and ``cibo.core.event_to_dict(event)``."""

    seq: int
    event: dict[str, Any]


@frozen
class CommandRecord:
    """One accepted command and every event it produced (possibly none)."""

    ts: float
    seat: str
    cmd_id: str
    command: dict[str, Any]
    events: tuple[LoggedEvent, ...]
    k: str = "cmd"


@frozen
class MetaRecord:
    """A room fact that is not a game command: token hashes, names, kicks…"""

    ts: float
    data: dict[str, Any]
    k: str = "meta"


@frozen
class EndRecord:
    """Written once the game is over; nothing may follow it."""

    ts: float
    outcome: str
    k: str = "end"


Record = CommandRecord | MetaRecord | EndRecord


def record_to_payload(record: Record) -> dict[str, Any]:
    if isinstance(record, CommandRecord):
        return {
            "k": "cmd",
            "ts": record.ts,
            "seat": record.seat,
            "cmd_id": record.cmd_id,
            "command": record.command,
            "events": [{"seq": e.seq, "event": e.event} for e in record.events],
        }
    if isinstance(record, MetaRecord):
        return {"k": "meta", "ts": record.ts, "data": record.data}
    return {"k": "end", "ts": record.ts, "outcome": record.outcome}


# -- framing -----------------------------------------------------------------------------------


def encode_frame(payload: Mapping[str, Any]) -> bytes:
    """One complete frame for ``payload``.

    Raises:
        JournalError: ``journal/too_large`` past :data:`MAX_RECORD_BYTES`.
        TypeError: a value msgpack cannot pack (a bug in the caller).
    """
    body: bytes = msgpack.packb(payload, use_bin_type=True)
    if len(body) > MAX_RECORD_BYTES:
        raise JournalError(
            f"a journal record of {len(body)} bytes exceeds the limit of {MAX_RECORD_BYTES}",
            code="journal/too_large",
        )
    return FRAME_HEADER.pack(MAGIC, len(body), zlib.crc32(body)) + body


def record_frame(record: Record) -> bytes:
    """The frame of ``record``, checked first as the reader will check it: never write what
    the reader would refuse.

    Raises:
        RecordShapeError: the record's payload is not one the reader accepts.
        JournalError: ``journal/too_large`` (see :func:`encode_frame`).
    """
    payload = record_to_payload(record)
    parse_record(payload)
    return encode_frame(payload)


def _refuse_ext(code: int, data: bytes) -> Any:
    raise ValueError(f"msgpack ext type {code} is not allowed in a journal")


def decode_payload(payload: bytes | memoryview) -> dict[str, Any]:
    """Decode one payload with explicit limits; the result is always a ``dict`` with str keys.

    Raises:
        RecordShapeError: anything else (bad msgpack, a limit exceeded, not a map).
    """
    budget = [MAX_CONTAINERS]

    def count(obj: Any) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise ValueError(f"more than {MAX_CONTAINERS} maps and arrays in one record")
        return obj

    try:
        value = msgpack.unpackb(
            payload,
            raw=False,
            strict_map_key=True,
            use_list=True,
            max_str_len=MAX_RECORD_BYTES,
            max_bin_len=MAX_RECORD_BYTES,
            max_array_len=_MAX_ARRAY,
            max_map_len=_MAX_MAP,
            max_ext_len=0,
            ext_hook=_refuse_ext,
            object_hook=count,
            list_hook=count,
        )
    except (ValueError, msgpack.UnpackException) as exc:
        raise RecordShapeError(f"payload is not valid msgpack ({exc})") from None
    except RecursionError:
        raise RecordShapeError("payload nests too deeply") from None
    if not isinstance(value, dict):
        raise RecordShapeError(f"payload is a {type(value).__name__}, not a map")
    for key in value:
        if not isinstance(key, str):
            raise RecordShapeError("payload has a non-text key")
    return value


# -- shape checks ------------------------------------------------------------------------------


def _get(d: Mapping[str, Any], key: str, tp: type | tuple[type, ...], what: str) -> Any:
    if key not in d:
        raise RecordShapeError(f"{what} lacks {key!r}")
    value = d[key]
    if not isinstance(value, tp) or (isinstance(value, bool) and tp is not bool):
        raise RecordShapeError(f"{what} field {key!r} is a {type(value).__name__}")
    return value


def _ts(d: Mapping[str, Any], what: str) -> float:
    ts = _get(d, "ts", (int, float), what)
    if not math.isfinite(ts):
        raise RecordShapeError(f"{what} has a non-finite timestamp")
    return float(ts)


def _str_keys(d: dict[Any, Any], what: str) -> dict[str, Any]:
    for key in d:
        if not isinstance(key, str):
            raise RecordShapeError(f"{what} has a non-text key")
    return d


def parse_header(payload: dict[str, Any]) -> JournalHeader:
    """Check and convert the first frame's payload.

    Raises:
        JournalError: ``journal/format`` for a missing or unsupported ``format``.
        RecordShapeError: a field is missing or of the wrong type.
    """
    fmt = payload.get("format")
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise JournalError(
            "this is not a Cibo journal (its header has no format)", code="journal/format"
        )
    if fmt not in FORMATS:
        raise JournalError(
            f"journal format {fmt} is not supported (this Cibo reads formats "
            f"{', '.join(map(str, FORMATS))})",
            code="journal/format",
        )
    what = "the header"
    seats = _get(payload, "seats", list, what)
    if not all(isinstance(s, str) for s in seats):
        raise RecordShapeError("the header's seats are not all text")
    created = _get(payload, "created_at", (int, float), what)
    return JournalHeader(
        game_id=_get(payload, "game_id", str, what),
        room_code=_get(payload, "room_code", str, what),
        created_at=float(created),
        ruleset_id=_get(payload, "ruleset_id", str, what),
        ruleset_sha256=_get(payload, "ruleset_sha256", str, what),
        ruleset_text=_get(payload, "ruleset_text", str, what),
        difficulty=_get(payload, "difficulty", str, what),
        seed_commitment=_get(payload, "seed_commitment", str, what),
        seed=_get(payload, "seed", str, what),
        engine_version=_get(payload, "engine_version", str, what),
        seats=tuple(seats),
        format=fmt,
    )


def _events(raw: Sequence[Any]) -> tuple[LoggedEvent, ...]:
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise RecordShapeError(f"event {i} of the record is not a map")
        seq = _get(item, "seq", int, f"event {i}")
        event = _str_keys(_get(item, "event", dict, f"event {i}"), f"event {i}")
        if not isinstance(event.get("type"), str):
            raise RecordShapeError(f"event {i} (seq {seq}) has no type")
        out.append(LoggedEvent(seq, event))
    return tuple(out)


def parse_record(payload: dict[str, Any]) -> Record:
    """Check and convert a record's payload (any frame after the header).

    Raises:
        RecordShapeError: unknown kind, missing field or wrong type.
    """
    kind = payload.get("k")
    if kind == "cmd":
        what = "a command record"
        command = _str_keys(_get(payload, "command", dict, what), what)
        if not isinstance(command.get("type"), str):
            raise RecordShapeError("a command record's command has no type")
        return CommandRecord(
            ts=_ts(payload, what),
            seat=_get(payload, "seat", str, what),
            cmd_id=_get(payload, "cmd_id", str, what),
            command=command,
            events=_events(_get(payload, "events", list, what)),
        )
    if kind == "meta":
        what = "a meta record"
        return MetaRecord(
            ts=_ts(payload, what), data=_str_keys(_get(payload, "data", dict, what), what)
        )
    if kind == "end":
        what = "an end record"
        return EndRecord(ts=_ts(payload, what), outcome=_get(payload, "outcome", str, what))
    raise RecordShapeError(f"unknown record kind {kind!r}")
