"""JSON and msgpack codecs for the wire, with limits for untrusted input.

Both codecs carry the same schema: a message is a map with string keys whose values are null,
booleans, integers, floats, strings, lists and maps. ``decode`` accepts only that (no binary, no
ext types, no NaN), within the limits of :class:`Limits`, and raises :class:`DecodeError` for
anything else — never another exception. ``encode`` is for the server's own messages and trusts
its input.

The subprotocol names select the codec: ``cibo.v1.json`` sends text frames, ``cibo.v1.msgpack``
binary frames.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

import msgpack  # type: ignore[import-untyped]
import orjson
from attrs import frozen

from cibo.core.expr.values import MAX_VALUE
from cibo.protocol.errors import DecodeError

__all__ = [
    "CODECS",
    "JSON",
    "MSGPACK",
    "SUBPROTOCOLS",
    "Codec",
    "EncodeMemo",
    "JsonCodec",
    "Limits",
    "MsgpackCodec",
    "codec_for",
    "pin",
    "unpin",
]


@frozen
class Limits:
    """Bounds applied while decoding one incoming message."""

    max_bytes: int = 16 * 1024
    """Encoded size (the WebSocket layer enforces it first, with close 1009)."""
    max_depth: int = 16
    """Nesting of maps and lists; the top-level map is depth 1."""
    max_str: int = 4096
    """Characters in one string (msgpack: bytes)."""
    max_array: int = 256
    max_map: int = 64


DEFAULT_LIMITS: Final = Limits()

EncodeMemo = dict[int, tuple[Any, Any]]
"""Pieces of messages already encoded with one codec during one fan-out: by ``id`` of a list
or dict, that object (kept, so that its ``id`` cannot be reused meanwhile) and its encoding.

A room sends each audience its own update, but most of the updates' values are the same
objects (the events, and the parts of the view every audience shares): with a memo each of
them is encoded once per fan-out instead of once per audience. The objects must not change
while the memo lives. (msgpack uses it; JSON, encoded by ``orjson``, is faster whole.)"""

_PINNED: dict[int, tuple[Any, dict[str, Any]]] = {}
"""Values whose encodings outlive a fan-out (see :func:`pin`): by ``id``, the value and its
encoding by codec name."""


def pin(value: dict[str, Any] | list[Any]) -> None:
    """Keep the encodings of ``value`` for every later fan-out, not only the current one.

    For a large value that many messages carry unchanged, e.g. a ruleset's summary in every
    ``welcome``: it is then packed once for the whole server (JSON encodes whole messages, a
    29 kB summary in 10 µs). ``value`` must not change while pinned, and is kept alive until
    :func:`unpin`."""
    _PINNED.setdefault(id(value), (value, {}))


def unpin(value: dict[str, Any] | list[Any]) -> None:
    """Forget what :func:`pin` kept for ``value``."""
    entry = _PINNED.get(id(value))
    if entry is not None and entry[0] is value:
        del _PINNED[id(value)]


SPLICE_DEPTH: Final = 2
"""Levels of maps that :meth:`MsgpackCodec.encode_shared` takes apart: the message, and the
maps among its values (``changes``, ``state``). Every list or map below them (``events``,
``heroes``, ``zones``) is one memoised piece, packed whole."""


class Codec(Protocol):
    """Turns protocol messages into frames and back."""

    @property
    def name(self) -> str:
        """The subprotocol name, e.g. ``cibo.v1.json``."""
        ...

    @property
    def binary(self) -> bool:
        """True for binary frames, False for text frames."""
        ...

    def encode(self, message: Mapping[str, Any]) -> bytes:
        """Serialize a message (UTF-8 JSON text, or msgpack bytes)."""
        ...

    def encode_shared(self, message: Mapping[str, Any], memo: EncodeMemo) -> bytes:
        """The same bytes as :meth:`encode`, reusing (and adding to) the pieces in ``memo``."""
        ...

    def decode(self, frame: str | bytes) -> dict[str, Any]:
        """Parse one incoming frame into a map; raise :class:`DecodeError` otherwise."""
        ...


def _check(value: Any, limits: Limits) -> None:
    """Walk a decoded value iteratively; reject foreign types, NaN and excessive nesting."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > limits.max_depth:
                raise DecodeError("nested too deeply", code="protocol/too_deep")
            if len(item) > limits.max_map:
                raise DecodeError("map too large", code="protocol/too_large")
            for key, sub in item.items():
                if not isinstance(key, str):
                    raise DecodeError("map keys must be strings")
                _check_text(key)
                if isinstance(sub, (dict, list)):
                    stack.append((sub, depth + 1))
                else:
                    _check_scalar(sub, limits)
        elif isinstance(item, list):
            if depth > limits.max_depth:
                raise DecodeError("nested too deeply", code="protocol/too_deep")
            if len(item) > limits.max_array:
                raise DecodeError("list too long", code="protocol/too_large")
            for sub in item:
                if isinstance(sub, (dict, list)):
                    stack.append((sub, depth + 1))
                else:
                    _check_scalar(sub, limits)
        else:
            _check_scalar(item, limits)


def _check_text(text: str) -> None:
    # JSON's \uD800 escapes can smuggle in a lone surrogate: no valid UTF-8 holds one, so no
    # other client could be sent the text, and encoding it would fail later, far from here
    # (in a room's fan-out). msgpack's own decoder already refuses them.
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError as exc:
            raise DecodeError("strings must be valid Unicode (a lone surrogate)") from exc


def _check_scalar(item: Any, limits: Limits) -> None:
    if item is None or isinstance(item, bool):
        return
    if isinstance(item, int):
        if not -MAX_VALUE <= item <= MAX_VALUE:  # what every client holds exactly
            raise DecodeError("integers must be within ±(2**53 - 1)")
        return
    if isinstance(item, str):
        if len(item) > limits.max_str:
            raise DecodeError("string too long", code="protocol/too_large")
        _check_text(item)
        return
    if isinstance(item, float):
        if not math.isfinite(item):
            raise DecodeError("numbers must be finite")
        return
    raise DecodeError(f"unsupported value of type {type(item).__name__}")


def _plain(value: Any, limits: Limits) -> bool:
    """True if ``value``, as ``orjson`` decoded it, is a map that :func:`_check` would accept
    and that the standard decoder would read from the same text; False sends the text to the
    standard decoder, whose verdict (value or error) stands.

    A float is never passed: ``orjson`` reads an integer literal beyond 64 bits as one, where
    the standard decoder gives an integer that :func:`_check` refuses, and the messages
    clients send hold no floats but a ping's time. No string is checked for lone
    surrogates: ``orjson`` refuses text that holds one."""
    if type(value) is not dict:
        return False
    max_depth, max_map, max_array, max_str = (
        limits.max_depth, limits.max_map, limits.max_array, limits.max_str
    )
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return False
        if type(item) is dict:
            if len(item) > max_map:
                return False
            items = item.values()
        elif len(item) > max_array:
            return False
        else:
            items = item
        for sub in items:
            kind = type(sub)
            if kind is str:
                if len(sub) > max_str:
                    return False
            elif kind is int:
                if not -MAX_VALUE <= sub <= MAX_VALUE:
                    return False
            elif kind is dict or kind is list:
                stack.append((sub, depth + 1))
            elif sub is not None and kind is not bool:
                return False
    return True


def _top(value: Any, limits: Limits) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DecodeError("a message must be a map")
    _check(value, limits)
    return value


_json_string: Callable[[str], str] = json.encoder.encode_basestring
"""A string as JSON text without escaping non-ASCII (``ensure_ascii=False``), as the encoder
does."""


def _one_shot(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """``encoder.encode``, without building the C encoder again for every call (what
    ``JSONEncoder.encode`` does, a few microseconds each time): the same text for the maps of
    str keys, lists, strings, numbers, booleans and None that the server sends. A value that
    refers to itself raises RecursionError instead of ValueError."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return encoder.encode
    c_encode = make(
        None, encoder.default, _json_string, None, ":", ",", False, False, encoder.allow_nan
    )

    def encode(value: Any) -> str:
        return "".join(c_encode(value, 0))

    return encode


def _reject_constant(name: str) -> Any:
    raise DecodeError(f"{name} is not a number")


_FAST_OPTIONS: Final = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
"""What ``orjson`` must not turn into JSON on its own: a dataclass or a date in a message is a
bug that the standard encoder reports (as before), not a value to send."""


def _fast(slow: Callable[[Any], str]) -> Callable[[Any], bytes]:
    """UTF-8 JSON of a value, through ``orjson`` (12-16x the standard encoder's speed on the
    views and the ruleset summary, and the same bytes for what the server sends: maps of str
    keys, lists, strings, integers, booleans and None), or through ``slow`` for a value
    ``orjson`` refuses (an integer beyond 64 bits, a key that is not a string, nesting past
    its limit, a type neither knows), so that those encode, or fail, as they always have."""
    dumps = orjson.dumps
    refused = orjson.JSONEncodeError

    def encode(value: Any) -> bytes:
        try:
            return dumps(value, option=_FAST_OPTIONS)
        except refused:
            return slow(value).encode()

    return encode


class JsonCodec:
    """UTF-8 JSON in text frames (what browsers use)."""

    name = "cibo.v1.json"
    binary = False

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._decoder = json.JSONDecoder(parse_constant=_reject_constant)
        self._encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
        self._whole = _fast(_one_shot(self._encoder))

    def encode(self, message: Mapping[str, Any]) -> bytes:
        return self._whole(message)

    def encode_shared(self, message: Mapping[str, Any], memo: EncodeMemo) -> bytes:
        """The message encoded whole: ``orjson`` encodes an audience's update faster than
        splicing the pieces the audiences share would (a command's messages: 20 against 30
        µs; a room's opening: 0.18 against 0.37 ms), so ``memo`` is left alone."""
        return self._whole(message)

    def decode(self, frame: str | bytes) -> dict[str, Any]:
        if isinstance(frame, bytes):
            if len(frame) > self.limits.max_bytes:
                raise DecodeError("frame too large", code="protocol/too_large")
            try:
                text = frame.decode()
            except UnicodeDecodeError as exc:
                raise DecodeError("not UTF-8") from exc
        else:
            text = frame
            # A str is at most 4 bytes per character; measure exactly only near the limit.
            if len(text) * 4 > self.limits.max_bytes and len(text.encode()) > self.limits.max_bytes:
                raise DecodeError("frame too large", code="protocol/too_large")
        # orjson reads a command 5-8x faster than the standard decoder; what it read is kept
        # only when _plain vouches for it.
        try:
            fast = orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # the standard decoder says why (or reads what orjson refuses)
        else:
            if _plain(fast, self.limits):
                return fast  # type: ignore[no-any-return]
        try:
            value = self._decoder.decode(text)
        except RecursionError as exc:
            raise DecodeError("nested too deeply", code="protocol/too_deep") from exc
        except DecodeError:
            raise
        except ValueError as exc:  # JSONDecodeError, and int strings beyond the digit limit
            raise DecodeError(f"invalid JSON: {exc}") from exc
        return _top(value, self.limits)


class MsgpackCodec:
    """msgpack in binary frames (for native clients and bots)."""

    name = "cibo.v1.msgpack"
    binary = True

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._packer = msgpack.Packer(use_bin_type=True)

    def encode(self, message: Mapping[str, Any]) -> bytes:
        data: bytes = self._packer.pack(message)
        return data

    def encode_shared(self, message: Mapping[str, Any], memo: EncodeMemo) -> bytes:
        if type(message) is not dict:
            return self.encode(message)
        return self._splice(message, memo, 0)

    def _splice(self, value: dict[str, Any], memo: EncodeMemo, depth: int) -> bytes:
        """``value`` packed: the bytes the whole packer gives, with the lists and dicts among
        its values taken from ``memo`` (or packed and put there), and those values that are
        dicts above :data:`SPLICE_DEPTH` taken apart in turn (a msgpack map is its header
        followed by its keys and values)."""
        packer = self._packer
        pack = packer.pack
        pieces = [packer.pack_map_header(len(value))]
        for key, item in value.items():
            pieces.append(pack(key))
            kind = type(item)
            if kind is dict or kind is list:
                pieces.append(self._piece(item, memo, depth))
            else:
                pieces.append(pack(item))
        return b"".join(pieces)

    def _piece(self, item: dict[str, Any] | list[Any], memo: EncodeMemo, depth: int) -> bytes:
        """The packing of a list or dict found in a message at ``depth``: from ``memo`` if
        this fan-out packed it already, else from its pinned encodings (see :func:`pin`),
        else a dict above :data:`SPLICE_DEPTH` taken apart by :meth:`_splice`, else packed
        whole; kept in ``memo`` (and in its pinned encodings) for the next audience."""
        hit = memo.get(id(item))
        if hit is not None:
            out: bytes = hit[1]
            return out
        pinned = _PINNED.get(id(item))
        if pinned is not None and self.name in pinned[1]:
            out = pinned[1][self.name]
        elif type(item) is dict and depth + 1 < SPLICE_DEPTH:
            out = self._splice(item, memo, depth + 1)
        else:
            out = self._packer.pack(item)
        if pinned is not None:
            pinned[1][self.name] = out
        memo[id(item)] = (item, out)
        return out

    def decode(self, frame: str | bytes) -> dict[str, Any]:
        if isinstance(frame, str):
            raise DecodeError("msgpack messages must be binary frames")
        if len(frame) > self.limits.max_bytes:
            raise DecodeError("frame too large", code="protocol/too_large")
        lim = self.limits
        try:
            value = msgpack.unpackb(
                frame,
                raw=False,
                strict_map_key=True,
                use_list=True,
                max_str_len=lim.max_str * 4,
                max_bin_len=0,
                max_array_len=lim.max_array,
                max_map_len=lim.max_map,
                max_ext_len=0,
            )
        except (ValueError, msgpack.UnpackException) as exc:
            # ExtraData, FormatError, StackError and UnicodeDecodeError are ValueErrors;
            # OutOfData and BufferFull are UnpackExceptions.
            raise DecodeError(f"invalid msgpack: {type(exc).__name__}") from exc
        except RecursionError as exc:
            raise DecodeError("nested too deeply", code="protocol/too_deep") from exc
        return _top(value, self.limits)


JSON: Final = JsonCodec()
MSGPACK: Final = MsgpackCodec()

CODECS: Final[dict[str, Codec]] = {JSON.name: JSON, MSGPACK.name: MSGPACK}
"""Codec by subprotocol name."""

SUBPROTOCOLS: Final = (MSGPACK.name, JSON.name)
"""Server preference: msgpack first. Browsers offer only JSON, so they get JSON."""


def codec_for(subprotocol: str | None) -> Codec:
    """The codec for a negotiated subprotocol; JSON when the client offered none."""
    if subprotocol is None:
        return JSON
    return CODECS[subprotocol]
