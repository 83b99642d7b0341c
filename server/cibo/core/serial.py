"""Plain-data conversion for the core's tagged value types (commands and events).

``to_data`` turns an attrs value into JSON/msgpack-friendly data (dicts, lists, str, int, bool,
None; ``bytes`` as hex). ``from_data`` does the reverse for a known class, strictly: a missing or
extra key, or a value of the wrong type, raises :class:`DataError`. Only the handful of types the
core's messages use are supported, which keeps this small and the wire format obvious.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar, Union, cast

import attrs

from cibo.errors import CiboError

__all__ = ["DataError", "from_data", "from_tagged", "to_data", "to_tagged"]

T = TypeVar("T")


class DataError(CiboError, ValueError):
    """Data that does not fit the expected shape; ``path`` says where."""

    code = "data/invalid"

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


_SCALARS = frozenset({str, int, bool, float, type(None)})
_CONVERTERS: dict[type[Any], Callable[[Any], dict[str, Any]] | None] = {}
"""Per class: a generated function turning a value of it into a dict (its attrs fields, minus
``ruleset``), or None for a non-attrs class.

Built once per class: ``to_data`` runs for every event (the journal's record and each
audience's view), and a generic loop over the fields (a call per field) was most of its time.
The generated code copies a field whose value is a scalar without a call."""


def _converter(cls: type[Any]) -> Callable[[Any], dict[str, Any]] | None:
    convert = None
    if attrs.has(cls):
        names = [f.name for f in attrs.fields(cls) if f.name != "ruleset"]
        body = [f"    v{i} = value.{name}" for i, name in enumerate(names)]
        items = ", ".join(
            f"{name!r}: v{i} if v{i}.__class__ in _SCALARS else _to_data(v{i})"
            for i, name in enumerate(names)
        )
        source = "\n".join(["def convert(value):", *body, f"    return {{{items}}}"])
        scope: dict[str, Any] = {"_SCALARS": _SCALARS, "_to_data": to_data}
        exec(compile(source, f"<to_data {cls.__qualname__}>", "exec"), scope)
        convert = scope["convert"]
    _CONVERTERS[cls] = convert
    return convert


def to_data(value: object) -> Any:
    cls = type(value)
    if cls in _SCALARS:
        return value
    convert = _CONVERTERS[cls] if cls in _CONVERTERS else _converter(cls)
    if convert is not None:
        return convert(value)
    if isinstance(value, (tuple, list, frozenset)):
        items = sorted(value) if isinstance(value, frozenset) else value
        return [to_data(v) for v in items]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return value


@functools.cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


_Plan = tuple[frozenset[str], tuple[tuple[str, Any, type[Any] | None, bool], ...]]
_PLANS: dict[type[Any], _Plan] = {}
"""Per attrs class: the keys its data may hold, and per field its name, type hint, the one
class a value of it may have to be taken as it is (``str`` for ``str`` or ``str | None``...;
None when the value needs :func:`_convert`), and whether it is required. Commands are read
from every client message this way, events from every journal folded."""


def _plan(cls: type[Any]) -> _Plan:
    hints = _hints(cast(Any, cls))
    fields = attrs.fields(cast(Any, cls))
    steps = []
    for f in fields:
        tp = hints[f.name]
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) in (Union, types.UnionType) and len(options) == 1:
            tp_plain = options[0]
        else:
            tp_plain = tp
        exact = tp_plain if tp_plain in (str, int, bool, float) else None
        steps.append((f.name, tp, exact, f.default is attrs.NOTHING))
    plan = (frozenset(f.name for f in fields) | {"type"}, tuple(steps))
    _PLANS[cls] = plan
    return plan


def from_data(cls: type[T], data: object, path: str = "") -> T:
    """Build ``cls`` (an attrs class) from ``data``; every field's type is checked."""
    if not isinstance(data, dict):
        raise DataError(f"expected a map, got {type(data).__name__}", path)
    known, steps = _PLANS[cls] if cls in _PLANS else _plan(cls)
    if not known.issuperset(data):
        extra = set(data) - known
        raise DataError(f"unknown field(s) {', '.join(sorted(map(str, extra)))}", path)
    kwargs: dict[str, Any] = {}
    for name, tp, exact, required in steps:
        if name not in data:
            if required:
                raise DataError(f"missing field {name!r}", path)
            continue
        value = data[name]
        # A value of exactly the field's class is what _convert would return for it.
        kwargs[name] = value if value.__class__ is exact else _convert(tp, value, f"{path}.{name}")
    return cls(**kwargs)


def _convert(tp: Any, value: object, path: str) -> Any:
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        errors = []
        for option in typing.get_args(tp):
            if option is type(None):
                if value is None:
                    return None
                continue
            try:
                return _convert(option, value, path)
            except DataError as exc:
                errors.append(str(exc))
        raise DataError(f"no option fits {value!r}", path)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise DataError(f"expected one of {typing.get_args(tp)}, got {value!r}", path)
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise DataError(f"expected a list, got {type(value).__name__}", path)
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise DataError(f"expected {len(args)} items, got {len(value)}", path)
        return tuple(
            _convert(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True))
        )
    if origin is frozenset:
        if not isinstance(value, (list, tuple)):
            raise DataError(f"expected a list, got {type(value).__name__}", path)
        (arg,) = typing.get_args(tp)
        return frozenset(_convert(arg, v, path) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise DataError(f"expected a map, got {type(value).__name__}", path)
        key_tp, val_tp = typing.get_args(tp)
        return {
            _convert(key_tp, k, path): _convert(val_tp, v, f"{path}.{k}") for k, v in value.items()
        }
    if isinstance(tp, type) and attrs.has(tp):
        return from_data(tp, value, path)
    if tp is bytes:
        if not isinstance(value, str):
            raise DataError("expected hex text", path)
        try:
            return bytes.fromhex(value)
        except ValueError as exc:
            raise DataError("expected hex text", path) from exc
    if tp is bool:
        if not isinstance(value, bool):
            raise DataError(f"expected a boolean, got {type(value).__name__}", path)
        return value
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise DataError(f"expected an integer, got {type(value).__name__}", path)
        return value
    if tp is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise DataError(f"expected a number, got {type(value).__name__}", path)
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise DataError(f"expected text, got {type(value).__name__}", path)
        return value
    raise DataError(f"unsupported type {tp!r}", path)


def to_tagged(value: object, name: str) -> dict[str, Any]:
    """``value`` as plain data with its wire name under ``"type"``."""
    data: dict[str, Any] = {"type": name}
    data.update(to_data(value))
    return data


def from_tagged(data: object, types: dict[str, type[Any]], what: str) -> Any:
    """Build the class named by ``data["type"]`` in ``types``; ``what`` names it in errors."""
    if not isinstance(data, dict):
        raise DataError(f"{what} must be a map")
    name = data.get("type")
    cls = types.get(name) if isinstance(name, str) else None
    if cls is None:
        raise DataError(f"unknown {what} type {name!r}")
    return from_data(cls, data)
