"""Framing and reading: round trips, limits, and hostile bytes (property-based)."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import msgpack  # type: ignore[import-untyped]  # msgpack ships no type hints
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from journal_helpers import header, journal_bytes

from cibo.journal import CommandRecord, EndRecord, JournalError, MetaRecord, read_journal
from cibo.journal.format import (
    MAGIC,
    MAX_CONTAINERS,
    MAX_RECORD_BYTES,
    LoggedEvent,
    RecordShapeError,
    decode_payload,
    encode_frame,
    record_to_payload,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.binary(max_size=20),
)
json_like = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
data_maps = st.dictionaries(st.text(max_size=8), json_like, max_size=5)
timestamps = st.floats(min_value=0, max_value=4e9)


@st.composite
def record_lists(draw: st.DrawFn) -> list[CommandRecord | MetaRecord | EndRecord]:
    out: list[CommandRecord | MetaRecord | EndRecord] = []
    seq = 0
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):
            n = draw(st.integers(0, 3))
            events = []
            for _ in range(n):
                seq += 1
                event = draw(data_maps) | {"type": draw(st.text(min_size=1, max_size=10))}
                events.append(LoggedEvent(seq, event))
            command = draw(data_maps) | {"type": draw(st.text(min_size=1, max_size=10))}
            out.append(
                CommandRecord(
                    ts=draw(timestamps),
                    seat=draw(st.text(max_size=5)),
                    cmd_id=draw(st.text(max_size=5)),
                    command=command,
                    events=tuple(events),
                )
            )
        else:
            out.append(MetaRecord(ts=draw(timestamps), data=draw(data_maps)))
    if draw(st.booleans()):
        out.append(EndRecord(ts=draw(timestamps), outcome=draw(st.text(max_size=8))))
    return out


def _file(records: list[Any]) -> bytes:
    frames = [encode_frame(header().to_payload())]
    frames += [encode_frame(record_to_payload(r)) for r in records]
    return b"".join(frames)


@given(record_lists())
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_any_record_sequence_round_trips(records: list[Any]) -> None:
    data = _file(records)
    contents = read_journal(data)
    assert contents.header == header()
    assert list(contents.records) == records
    assert contents.torn is None
    assert contents.end == contents.size == len(data)
    seqs = [e.seq for e in contents.events()]
    assert seqs == list(range(1, len(seqs) + 1))
    assert contents.last_seq == len(seqs)
    assert contents.finished == (bool(records) and isinstance(records[-1], EndRecord))


@given(st.binary(max_size=300))
def test_random_bytes_raise_only_journal_error(data: bytes) -> None:
    try:
        read_journal(data)
    except JournalError as exc:
        assert exc.code in ("journal/corrupt", "journal/format")


@given(st.binary(max_size=300))
def test_random_payload_in_a_valid_frame_is_corruption_not_a_crash(payload: bytes) -> None:
    frame = struct.pack(">2sII", MAGIC, len(payload), zlib.crc32(payload)) + payload
    try:
        contents = read_journal(encode_frame(header().to_payload()) + frame)
    except JournalError as exc:
        assert exc.code == "journal/corrupt"
        assert exc.index == 1
    else:  # the random bytes happened to be a valid record (or nothing: a torn tail)
        assert len(contents.records) == 1 or (not payload and contents.torn is not None)


ORIGINAL = journal_bytes(12)
ORIGINAL_RECORDS = read_journal(ORIGINAL).records


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    data = bytearray(ORIGINAL)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=12))
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 12))]
        else:
            del data[pos:]
    return bytes(data)


@given(mutations())
@settings(max_examples=500)
def test_mutations_never_yield_wrong_records(data: bytes) -> None:
    """Whatever the damage: a documented error, or a prefix of the true records."""
    try:
        contents = read_journal(data)
    except JournalError as exc:
        assert exc.code in ("journal/corrupt", "journal/format")
        assert exc.message
        return
    n = len(contents.records)
    assert contents.records == ORIGINAL_RECORDS[:n]


def test_length_over_the_cap_is_not_an_allocation() -> None:
    good = encode_frame(header().to_payload())
    liar = struct.pack(">2sII", MAGIC, MAX_RECORD_BYTES + 1, 0)
    # At the tail it is a torn tail; followed by a valid record it is corruption.
    assert read_journal(good + liar).torn is not None
    record = encode_frame({"k": "meta", "ts": 1.0, "data": {}})
    with pytest.raises(JournalError) as info:
        read_journal(good + liar + record)
    assert info.value.code == "journal/corrupt"
    assert "exceeds the limit" in info.value.message
    assert info.value.offset == len(good)


def test_too_large_record_is_refused_before_writing() -> None:
    with pytest.raises(JournalError) as info:
        encode_frame({"k": "meta", "ts": 1.0, "data": {"x": "a" * MAX_RECORD_BYTES}})
    assert info.value.code == "journal/too_large"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (msgpack.packb({1: 2}), "not valid msgpack"),
        (msgpack.packb(msgpack.ExtType(5, b"")), "not valid msgpack"),
        (msgpack.packb({"t": msgpack.Timestamp(1, 0)}), "not valid msgpack"),
        (msgpack.packb([1, 2]), "not a map"),
        (b"\xc1", "not valid msgpack"),
        (b"\x91" * 5000 + b"\x90", "not valid msgpack"),
        (b"\xdd\xff\xff\xff\xff", "not valid msgpack"),  # array of 4 billion items
        (msgpack.packb({"a": [{}] * (MAX_CONTAINERS + 1)}), "maps and arrays"),
        (msgpack.packb({"a": 1}) + b"\x00", "not valid msgpack"),  # trailing bytes
    ],
)
def test_decode_limits(payload: bytes, reason: str) -> None:
    with pytest.raises(RecordShapeError, match=reason):
        decode_payload(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {"k": "cmd", "ts": 1.0, "seat": "a", "cmd_id": "c"},
        {"k": "cmd", "ts": 1.0, "seat": "a", "cmd_id": "c", "command": {}, "events": []},
        {
            "k": "cmd",
            "ts": True,
            "seat": "a",
            "cmd_id": "c",
            "command": {"type": "x"},
            "events": [],
        },
        {
            "k": "cmd",
            "ts": 1.0,
            "seat": "a",
            "cmd_id": "c",
            "command": {"type": "x"},
            "events": [1],
        },
        {
            "k": "cmd",
            "ts": 1.0,
            "seat": "a",
            "cmd_id": "c",
            "command": {"type": "x"},
            "events": [{"seq": "1", "event": {"type": "y"}}],
        },
        {"k": "meta", "ts": float("inf"), "data": {}},
        {"k": "end", "ts": 1.0},
        {"k": "nope", "ts": 1.0},
        {"ts": 1.0},
    ],
)
def test_bad_record_shapes_are_corruption(payload: dict[str, Any]) -> None:
    data = encode_frame(header().to_payload()) + encode_frame(payload)
    with pytest.raises(JournalError) as info:
        read_journal(data)
    assert info.value.code == "journal/corrupt"
    assert info.value.index == 1


def test_not_a_journal() -> None:
    with pytest.raises(JournalError) as info:
        read_journal(b"PK\x03\x04 a zip file")
    assert info.value.code == "journal/format"
    with pytest.raises(JournalError) as info:
        read_journal(encode_frame({"format": 3}))
    assert info.value.code == "journal/format"
    assert "format 3" in info.value.message
    with pytest.raises(JournalError) as info:
        read_journal(b"")
    assert info.value.code == "journal/corrupt"


def test_seq_must_start_at_one_and_never_skip() -> None:
    base = encode_frame(header().to_payload())

    def cmd(*seqs: int) -> bytes:
        events = [{"seq": s, "event": {"type": "e"}} for s in seqs]
        return encode_frame(
            {
                "k": "cmd",
                "ts": 1.0,
                "seat": "a",
                "cmd_id": "c",
                "command": {"type": "x"},
                "events": events,
            }
        )

    assert read_journal(base + cmd(1, 2) + cmd() + cmd(3)).last_seq == 3
    for bad, words in [
        (cmd(2), "1 missing"),
        (cmd(1, 3), "1 missing"),
        (cmd(1) + cmd(1), "does not increase"),
    ]:
        with pytest.raises(JournalError, match=words) as info:
            read_journal(base + bad + cmd(99))
        assert info.value.code == "journal/corrupt"


def test_nothing_may_follow_the_end_record() -> None:
    data = (
        encode_frame(header().to_payload())
        + encode_frame({"k": "end", "ts": 1.0, "outcome": "won"})
        + encode_frame({"k": "meta", "ts": 1.0, "data": {}})
    )
    with pytest.raises(JournalError, match="follows the end record"):
        read_journal(data)
