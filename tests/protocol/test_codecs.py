"""JSON and msgpack codecs: round trips, limits, and garbage that only ever raises DecodeError."""

from __future__ import annotations

import json
from typing import Any

import msgpack  # type: ignore[import-untyped]  # msgpack ships no type hints
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cibo.protocol import JSON, MSGPACK, DecodeError, Limits, codec_for
from cibo.protocol.codecs import JsonCodec, MsgpackCodec

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=10), inner, max_size=6)
    ),
    max_leaves=20,
)
messages = st.dictionaries(st.text(max_size=10), values, max_size=8)


@given(messages)
@settings(max_examples=120, deadline=None)
def test_json_round_trip(message: dict[str, Any]) -> None:
    codec = JsonCodec(Limits(max_bytes=1 << 20, max_depth=32))
    assert codec.decode(codec.encode(message)) == message
    assert codec.decode(codec.encode(message).decode()) == message


@given(messages)
@settings(max_examples=120, deadline=None)
def test_msgpack_round_trip(message: dict[str, Any]) -> None:
    codec = MsgpackCodec(Limits(max_bytes=1 << 20, max_depth=32))
    assert codec.decode(codec.encode(message)) == message


@given(st.binary(max_size=400))
@settings(max_examples=500)
def test_random_bytes_only_raise_decode_error(data: bytes) -> None:
    for codec in (JSON, MSGPACK):
        try:
            decoded = codec.decode(data)
        except DecodeError:
            continue
        assert isinstance(decoded, dict)


@given(st.text(max_size=300))
@settings(max_examples=300)
def test_random_text_only_raises_decode_error(text: str) -> None:
    for codec in (JSON, MSGPACK):
        try:
            decoded = codec.decode(text)
        except DecodeError:
            continue
        assert isinstance(decoded, dict)


@given(values)
@settings(max_examples=200)
def test_any_packed_value_decodes_or_is_refused(value: Any) -> None:
    try:
        decoded = MSGPACK.decode(msgpack.packb(value))
    except DecodeError:
        return
    assert decoded == value


@pytest.mark.parametrize(
    "frame",
    [
        '{"a": "\\ud800"}',
        '{"a": ["x\\udfff"]}',
        '{"\\udc00": 1}',
        '{"a": 9007199254740992}',
        '{"a": -99999999999999999999}',
    ],
)
def test_json_refuses_what_could_not_be_sent_back(frame: str) -> None:
    """A lone surrogate (a \\ud800 escape) or an integer beyond 2**53 - 1 would decode, then
    fail when the server sent it on to anyone; it is refused at the door instead."""
    with pytest.raises(DecodeError) as info:
        JSON.decode(frame)
    assert info.value.code == "protocol/malformed"


def _standard_verdict(codec: JsonCodec, text: str) -> tuple[str, Any]:
    """What the codec decided with the standard decoder alone (before ``orjson`` read first):
    ``("value", v)`` or ``("error", (code, message))``."""
    from cibo.protocol.codecs import _reject_constant, _top

    if len(text.encode()) > codec.limits.max_bytes:  # checked before either decoder reads
        return "error", ("protocol/too_large", "frame too large")
    try:
        value = json.JSONDecoder(parse_constant=_reject_constant).decode(text)
    except RecursionError:
        return "error", ("protocol/too_deep", "nested too deeply")
    except DecodeError as exc:
        return "error", (exc.code, str(exc))
    except ValueError as exc:
        return "error", ("protocol/malformed", f"invalid JSON: {exc}")
    try:
        return "value", _top(value, codec.limits)
    except DecodeError as exc:
        return "error", (exc.code, str(exc))


def _typed(value: Any) -> Any:
    """``value`` with every scalar's type beside it: ``1 == 1.0 == True`` would hide a
    difference."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


number_literals = st.sampled_from(
    [
        "0", "-0", "1.0", "-0.0", "1E2", "1e-400", "1e400", "-1e400", "9007199254740991",
        "9007199254740992", "-9007199254740992", "18446744073709551615", "18446744073709551616",
        "-9223372036854775809", "123456789012345678901234567890", "1" * 5000, "0.1", "2.5e-3",
        "NaN", "Infinity", "-Infinity", "01", "1.", ".5", "+1",
    ]
) | st.integers().map(str) | st.floats().map(repr)
string_literals = st.sampled_from(
    ['"\\ud800"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"', '"\\u0000"', '"\x01"', '"\x7f"']
) | st.text(max_size=20).map(lambda t: json.dumps(t, ensure_ascii=False))
literals = number_literals | string_literals | st.sampled_from(["true", "false", "null"])


def _object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


nested = st.recursive(
    literals,
    lambda inner: (
        st.lists(inner, max_size=5).map(lambda xs: "[" + ",".join(xs) + "]")
        | st.lists(st.tuples(string_literals, inner), max_size=5).map(_object)
    ),
    max_leaves=12,
)
texts = (
    st.lists(st.tuples(string_literals, literals | nested), min_size=1, max_size=4).map(_object)
    | nested
    | st.text(max_size=60)
)


SMALL = Limits(max_depth=3, max_str=8, max_array=3, max_map=2)


@given(texts, st.sampled_from([Limits(), SMALL]))
@example('{"a": 9007199254740991, "b": -9007199254740991}', Limits())
@example('{"a": 9007199254740992}', Limits())
@example('{"a": [-9007199254740992]}', Limits())
@example('{"a": 18446744073709551616}', Limits())
@example('{"a": 1e400}', Limits())
@example('{"a": "\\ud800"}', Limits())
@example('{"a": [[1]]}', SMALL)
@example('{"a": [[[1]]]}', SMALL)
@example('{"a": [1, 2, 3]}', SMALL)
@example('{"a": [1, 2, 3, 4]}', SMALL)
@example('{"a": {"b": 1, "c": 2}}', SMALL)
@example('{"a": {"b": 1, "c": 2, "d": 3}}', SMALL)
@example('{"a": "12345678"}', SMALL)
@example('{"a": ["123456789"]}', SMALL)
@example('{"a": 0.5}', Limits())
@example('{"a": [' + "1" * 5000 + "]}", Limits())
@example('{"a": ' + "1" * 5000 + "}", Limits(max_bytes=1 << 20))
@settings(max_examples=1000, deadline=None)
def test_json_decodes_as_the_standard_decoder_does(text: str, limits: Limits) -> None:
    """``orjson`` reads first; what it reads is kept only where the standard decoder would have
    read the same (integers past 64 bits, lone surrogates, NaN, limits): the same values of
    the same types, or the same error with the same code and words."""
    codec = JsonCodec(limits)
    try:
        verdict: tuple[str, Any] = "value", _typed(codec.decode(text))
    except DecodeError as exc:
        verdict = "error", (exc.code, str(exc))
    kind, expected = _standard_verdict(codec, text)
    assert verdict == (kind, _typed(expected) if kind == "value" else expected)


def test_json_accepts_an_escaped_surrogate_pair() -> None:
    assert JSON.decode('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001F600"}


wild_text = st.text(st.characters(categories=["Cs", "Ll", "Nd", "So"]), max_size=8)
wild_values = st.recursive(
    st.none() | st.booleans() | st.integers() | wild_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(wild_text, inner, max_size=4),
    max_leaves=12,
)


@given(wild_values)
@settings(max_examples=300)
def test_whatever_decodes_can_be_encoded_by_both_codecs(value: Any) -> None:
    for frame in (json.dumps({"v": value}), json.dumps({"v": value}, ensure_ascii=False)):
        try:
            decoded = JSON.decode(frame)
        except DecodeError:
            continue
        JSON.encode(decoded)
        MSGPACK.encode(decoded)


def _standard(value: Any) -> bytes:
    """What the standard library's encoder gives with the codec's settings."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


exact = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"]), max_size=8), inner,
                          max_size=5)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=10), exact, max_size=8))
@settings(max_examples=300)
def test_json_encodes_what_the_server_sends_as_the_standard_encoder_does(
    message: dict[str, Any],
) -> None:
    """Maps of str keys, lists, strings (control characters, quotes, any script), integers,
    booleans and None: the same bytes, whole or spliced, as the standard library gives."""
    assert JSON.encode(message) == _standard(message)
    assert JSON.encode_shared(message, {}) == _standard(message)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_json_floats_read_back_as_the_same_number(number: float) -> None:
    """Floats may be spelled otherwise (``1e16`` for ``1e+16``), never read otherwise."""
    assert json.loads(JSON.encode({"x": number}))["x"] == number


def test_values_the_fast_encoder_refuses_encode_as_they_always_have() -> None:
    """Beyond 64 bits, keys that are not strings: the standard encoder's bytes; a type no JSON
    has (a set, a dataclass): its TypeError."""
    from dataclasses import dataclass

    @dataclass
    class Point:
        x: int

    for value in ({"big": 2**70, "small": -(2**80)}, {"k": {1: "a", None: "b", False: "c"}}):
        assert JSON.encode(value) == _standard(value)
        assert JSON.encode_shared(value, {}) == _standard(value)
    for odd in ({"s": {1, 2}}, {"p": Point(1)}):
        with pytest.raises(TypeError):
            JSON.encode(odd)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"[1, 2]", "protocol/malformed"),  # not a map
        (b"{", "protocol/malformed"),
        (b'{"a": NaN}', "protocol/malformed"),
        (b'{"a": Infinity}', "protocol/malformed"),
        (b"\xff\xfe", "protocol/malformed"),
        (b'{"a": ' + b"[" * 50 + b"]" * 50 + b"}", "protocol/too_deep"),
        (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "protocol/too_large"),
        (json.dumps({"a": "x" * 5000}).encode(), "protocol/too_large"),
        (json.dumps({"a": list(range(300))}).encode(), "protocol/too_large"),
        (json.dumps({str(i): i for i in range(100)}).encode(), "protocol/too_large"),
    ],
)
def test_json_limits(frame: bytes, code: str) -> None:
    with pytest.raises(DecodeError) as info:
        JSON.decode(frame)
    assert info.value.code == code


def test_json_deep_nesting_as_text_is_refused() -> None:
    deep = '{"a": ' + "[" * 3000 + "]" * 3000 + "}"
    with pytest.raises(DecodeError):
        JsonCodec(Limits(max_bytes=1 << 20)).decode(deep)


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "frame",
    [
        msgpack.packb([1, 2]),  # not a map
        msgpack.packb({1: "int key"}),
        msgpack.packb({"a": b"binary"}),
        msgpack.packb({"a": msgpack.ExtType(5, b"x")}),
        msgpack.packb({"a": float("nan")}),
        b"\xc1",  # never used by msgpack
        b"\xdd\xff\xff\xff\xff",  # an array header claiming 4 billion items
        b"\xdf\xff\xff\xff\xff",  # the same for a map
        msgpack.packb({"a": 1}) + msgpack.packb({"b": 2}),  # trailing data
        msgpack.packb({"a": 1})[:-1],  # truncated
        msgpack.packb({"a": _nested(20)}),
        msgpack.packb({"a": "x" * 20_000}),
        b"\x91" * 2000 + b"\xc0",  # deep nesting beyond the stack limit
    ],
)
def test_msgpack_bombs_and_foreign_types(frame: bytes) -> None:
    with pytest.raises(DecodeError):
        MSGPACK.decode(frame)


def test_msgpack_refuses_text_frames() -> None:
    with pytest.raises(DecodeError):
        MSGPACK.decode('{"type": "ping"}')


def test_codec_for_subprotocols() -> None:
    assert codec_for("cibo.v1.json") is JSON
    assert codec_for("cibo.v1.msgpack") is MSGPACK
    assert codec_for(None) is JSON
    assert JSON.binary is False and MSGPACK.binary is True


@given(st.lists(messages, min_size=1, max_size=6), st.data())
@settings(max_examples=150, deadline=None)
def test_encode_shared_gives_the_bytes_of_encode(
    batch: list[dict[str, Any]], data: st.DataObject
) -> None:
    # The messages of one fan-out share values by identity (as a room's updates do): some
    # values of later messages are the very objects of earlier ones, nested or at the top.
    pool: list[Any] = [v for m in batch for v in m.values() if isinstance(v, (dict, list))]
    for message in batch[1:]:
        for key in list(message):
            if pool and bool(data.draw(st.booleans())):
                message[key] = pool[data.draw(st.integers(0, len(pool) - 1))]
    batch.append({"type": "update", "changes": {"a": pool[0] if pool else [], "b": 1.5}})
    batch.append({"k": {1: "not a str key", "x": {"deep": [1, 2.0, None, True, "é"]}}})
    for codec in (JSON, MSGPACK):
        memo: dict[int, Any] = {}
        for message in batch:
            assert codec.encode_shared(message, memo) == codec.encode(message)
        again = {id(m): codec.encode_shared(m, memo) for m in batch}
        assert all(again[id(m)] == codec.encode(m) for m in batch)


def test_encode_shared_encodes_a_shared_value_once() -> None:
    heroes = [{"id": "h0", "hp": 3}, {"id": "h1", "hp": 2}]
    first = {"type": "update", "seq": 4, "changes": {"heroes": heroes, "actions": []}}
    second = {"type": "update", "seq": 4, "changes": {"heroes": heroes, "actions": ["a"]}}
    memo: dict[int, Any] = {}
    MSGPACK.encode_shared(first, memo)
    kept = memo[id(heroes)][0]
    assert kept is heroes  # kept alive with the memo, so its id names nothing else
    memo[id(heroes)] = (heroes, msgpack.packb("hX"))  # what the next message will be given
    assert MSGPACK.decode(MSGPACK.encode_shared(second, memo))["changes"]["heroes"] == "hX"
    assert MSGPACK.decode(MSGPACK.encode_shared(second, {})) == second
    # JSON encodes every message whole (faster than splicing, with orjson): no memo.
    memo = {}
    assert JSON.encode_shared(first, memo) == JSON.encode(first) and memo == {}


def test_a_pinned_value_is_encoded_once_for_every_fan_out() -> None:
    from cibo.protocol.codecs import _PINNED, pin, unpin

    summary = {"zones": {"z0": {"links": ["z1"]}}, "text": "é"}
    message = {"type": "welcome", "ruleset": summary, "seq": 1}
    pin(summary)
    try:
        for codec in (JSON, MSGPACK):
            assert codec.encode_shared(message, {}) == codec.encode(message)
        kept = _PINNED[id(summary)][1][MSGPACK.name]  # packed by the first fan-out...
        assert MSGPACK.encode_shared({"type": "welcome", "ruleset": summary}, {}) == (
            MSGPACK.encode({"type": "welcome", "ruleset": summary})
        )
        assert _PINNED[id(summary)][1][MSGPACK.name] is kept  # ...and reused by the next
    finally:
        unpin(summary)
    assert id(summary) not in _PINNED
    unpin(summary)  # harmless twice
