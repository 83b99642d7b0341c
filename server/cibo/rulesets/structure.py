"""TOML data -> model classes, strictly, with every typing mistake located by key path.

cattrs coerces by default (``2.7 -> 2``, ``"false" -> True``, ``5 -> "5"``, a string into a
tuple of characters). Every scalar, array, table and union hook here is strict instead, and the
nested cattrs exceptions are flattened into ``(key path, message)`` pairs.

Each top-level section, and each entry of a keyed section (one zone, one hero...), is structured
on its own, so that one bad entry does not hide the mistakes in the others and the semantic checks
can still run over everything that did load (see :class:`Structured`).
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any, Final, Literal, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from cibo.core.ruleset import (
    Band,
    Effect,
    End,
    Meta,
    Phase,
    Range,
    Rules,
    Ruleset,
)
from cibo.core.verbs import EFFECT_VERBS
from cibo.rulesets.problems import PathPart

__all__ = [
    "CONVERTER",
    "MAX_NUMBER",
    "RENAMED",
    "Hook",
    "Issue",
    "StrictConverter",
    "Structured",
    "describe",
    "flatten",
    "structure",
    "structure_ruleset",
]

T = TypeVar("T")
Hook = Callable[[Any, Any], Any]

RENAMED: dict[tuple[type, str], str] = {(Band, "start"): "from"}
"""Model fields whose TOML key differs from the attribute name."""

Issue = tuple[tuple[PathPart, ...], str]
"""A key path and a message."""


def describe(value: object) -> str:
    """A short description of a TOML value for messages: ``str 'three'``, ``a table``..."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, bool):
        return f"bool {str(value).lower()}"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    kind = {int: "int", float: "float", str: "str"}.get(type(value), type(value).__name__)
    return f"{kind} {text}"


# -- strict hooks -------------------------------------------------------------------------------


MAX_NUMBER: Final = 10**9
"""The largest magnitude of a number in a ruleset: far beyond any game's needs, and small enough
that the engine's arithmetic, the journal and the clients stay exact."""


def _check_range(value: int | float) -> None:
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise ValueError(
            f"expected a number between -{MAX_NUMBER:,} and {MAX_NUMBER:,}, got {describe(value)}"
        )


def _scalar_hook(kind: type) -> Hook:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    accepted: tuple[type, ...] = (int, float) if kind is float else (kind,)

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, accepted) or (isinstance(value, bool) and kind is not bool):
            raise TypeError(f"expected {names[kind]}, got {describe(value)}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            _check_range(value)
        return kind(value)

    return hook


def _formula_hook(value: Any, _: Any) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"expected an integer or a formula string, got {describe(value)}")
    if isinstance(value, int):
        _check_range(value)
    return value


def _is_literal(t: Any) -> bool:
    return typing.get_origin(t) is Literal


def _literal_hook(value: Any, t: Any) -> Any:
    allowed = typing.get_args(t)
    if isinstance(value, bool) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"expected one of {choices}, got {describe(value)}")
    return value


def _is_tuple(t: Any) -> bool:
    return typing.get_origin(t) is tuple


def _is_dict(t: Any) -> bool:
    return typing.get_origin(t) is dict


def _is_union_of_formula(t: Any) -> bool:
    return isinstance(t, types.UnionType) and set(typing.get_args(t)) == {int, str}


def _note(exc: Exception, index: int | str, t: Any) -> Exception:
    exc.add_note(IterableValidationNote(f"Structuring {t} @ {index!r}", index, t))
    return exc


class StrictConverter(cattrs.Converter):
    """A cattrs converter that never coerces and names every typo'd key."""

    def __init__(self) -> None:
        super().__init__(forbid_extra_keys=True)
        for kind in (int, float, str, bool):
            self.register_structure_hook(kind, _scalar_hook(kind))
        self.register_structure_hook_func(_is_union_of_formula, _formula_hook)
        self.register_structure_hook_func(_is_literal, _literal_hook)
        self.register_structure_hook_func(_is_tuple, self._strict_tuple)
        self.register_structure_hook_func(_is_dict, self._strict_dict)
        self.register_structure_hook_factory(attrs.has, self._class_hook)

    def _strict_tuple(self, value: Any, t: Any) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected an array, got {describe(value)}")
        args = typing.get_args(t)
        if len(args) == 2 and args[1] is Ellipsis:
            kinds = [args[0]] * len(value)
        else:
            kinds = list(args)
            if len(value) != len(kinds):
                raise ValueError(f"expected an array of {len(kinds)} values, got {len(value)}")
        out: list[Any] = []
        errors: list[Exception] = []
        for index, (item, kind) in enumerate(zip(value, kinds, strict=True)):
            try:
                out.append(self.structure(item, kind))
            except Exception as exc:  # collected with its index
                errors.append(_note(exc, index, kind))
        if errors:
            raise IterableValidationError(f"While structuring {t}", errors, t)
        return tuple(out)

    def _strict_dict(self, value: Any, t: Any) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise TypeError(f"expected a table, got {describe(value)}")
        key_type, value_type = typing.get_args(t)
        out: dict[Any, Any] = {}
        errors: list[Exception] = []
        for key, item in value.items():
            try:
                out[self.structure(key, key_type)] = self.structure(item, value_type)
            except Exception as exc:  # collected with its key
                errors.append(_note(exc, key, value_type))
        if errors:
            raise IterableValidationError(f"While structuring {t}", errors, t)
        return out

    def _class_hook(self, cls: type) -> Hook:
        renames: dict[str, Any] = {
            attr: override(rename=key) for (owner, attr), key in RENAMED.items() if owner is cls
        }
        inner: Hook = make_dict_structure_fn(
            cls, self, _cattrs_forbid_extra_keys=True, **renames
        )
        is_effect = cls is Effect

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, dict):
                raise TypeError(f"expected a table, got {describe(value)}")
            if is_effect:
                _check_verbs(value)
            try:
                return inner(value, cls)
            except ClassValidationError as exc:
                # An attrs validator failed in __init__: cattrs reports it at the object, so
                # attach it to the field it names.
                for inner_exc in exc.exceptions:
                    notes = getattr(inner_exc, "__notes__", [])
                    if any(isinstance(n, AttributeValidationNote) for n in notes):
                        continue
                    name = _validated_field(inner_exc, cls)
                    if name is not None:
                        inner_exc.add_note(
                            AttributeValidationNote(f"Validating {cls.__name__}.{name}", name, cls)
                        )
                raise

        return hook


_QUOTED_FIELD = re.compile(r"^'([A-Za-z_][A-Za-z0-9_]*)'")


def _validated_field(exc: BaseException, cls: type) -> str | None:
    """The field an attrs validator error is about: in its args, or quoted at its start."""
    names = {a.name for a in attrs.fields(cls)}
    for arg in exc.args[1:]:
        if isinstance(arg, attrs.Attribute) and arg.name in names:
            return arg.name
    if exc.args and isinstance(exc.args[0], str):
        match = _QUOTED_FIELD.match(exc.args[0])
        if match and match[1] in names:
            return match[1]
    return None


def _check_verbs(value: dict[str, Any]) -> None:
    verbs = [key for key in value if key in EFFECT_VERBS]
    if len(verbs) == 1:
        if verbs[0] == "noise_all" and value["noise_all"] is not True:
            raise ValueError("noise_all must be true (it is the verb of this effect)")
        return
    if not verbs:
        raise ValueError(f"an effect needs one verb key, one of: {', '.join(EFFECT_VERBS)}")
    raise ValueError(f"an effect has exactly one verb, found {len(verbs)}: {', '.join(verbs)}")


CONVERTER = StrictConverter()


# -- errors -> key paths ------------------------------------------------------------------------


def _toml_keys(cls: type) -> list[str]:
    return [RENAMED.get((cls, a.name), a.name) for a in attrs.fields(cls)]


def flatten(exc: BaseException, path: tuple[PathPart, ...] = ()) -> Iterator[Issue]:
    """Turn a (nested) cattrs exception into ``(key path, message)`` pairs."""
    if isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, inote in with_notes:
            yield from flatten(inner, (*path, inote.index))
        for inner in without:
            yield from flatten(inner, path)
    elif isinstance(exc, ClassValidationError):
        cls = exc.cl
        with_cnotes, without = exc.group_exceptions()
        for inner, cnote in with_cnotes:
            key = RENAMED.get((cls, cnote.name), cnote.name)
            if isinstance(inner, KeyError):
                yield (*path, key), "required key missing"
            else:
                yield from flatten(inner, (*path, key))
        for inner in without:
            yield from flatten(inner, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        known = _toml_keys(exc.cl) if attrs.has(exc.cl) else []
        for key in sorted(exc.extra_fields):
            hint = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            yield (*path, key), f"unknown key {key!r}{tip}"
    elif isinstance(exc, TypeError | ValueError) and exc.args and isinstance(exc.args[0], str):
        yield path, exc.args[0]
    elif isinstance(exc, cattrs.BaseValidationError):
        for inner in exc.exceptions:
            yield from flatten(inner, path)
    else:
        yield path, f"{type(exc).__name__}: {exc}"


def structure(
    value: Any, kind: type[T], path: tuple[PathPart, ...]
) -> tuple[T | None, list[Issue]]:
    """Structure ``value``; on failure return None and the located issues."""
    try:
        return CONVERTER.structure(value, kind), []
    except Exception as exc:  # every failure is a problem
        return None, list(flatten(exc, path))


# -- section by section -------------------------------------------------------------------------


@attrs.define
class Structured:
    """The outcome of structuring: the ruleset when everything loaded, else what did.

    ``partial`` always holds a :class:`Ruleset` built from the entries that loaded (placeholders
    for failed whole sections). ``broken`` names, per section, the entries that failed, so the
    semantic checks can treat them as existing (no cascade of "unknown zone" problems), and
    ``failed`` lists the top-level sections that could not be used at all.
    """

    partial: Ruleset
    issues: list[Issue]
    broken: dict[str, set[str]]
    failed: set[str]

    @property
    def ok(self) -> bool:
        return not self.issues


_PLACEHOLDER_META = Meta(id="", name="", version="", players=Range(1, 1), heroes=Range(1, 1),
                         rounds=1)


def _nest_translations(raw: Any) -> Any:
    """``[translations]`` as written (``languages`` beside one table per language) -> the
    model's shape (``languages`` and ``texts``: language -> table)."""
    if not isinstance(raw, dict):
        return raw
    out: dict[str, Any] = {"texts": {k: v for k, v in raw.items() if k != "languages"}}
    if "languages" in raw:
        out["languages"] = raw["languages"]
    return out


def _unnest_path(issue: Issue) -> Issue:
    """The file's path for an issue found in the nested ``translations.texts.LANG`` shape."""
    path, message = issue
    if path[:2] == ("translations", "texts"):
        return ("translations", *path[2:]), message
    return issue


def structure_ruleset(data: dict[str, Any]) -> Structured:
    """Structure a parsed TOML document section by section (see the module docstring)."""
    attrs.resolve_types(Ruleset)
    if "translations" in data:
        data = {**data, "translations": _nest_translations(data["translations"])}
    issues: list[Issue] = []
    broken: dict[str, set[str]] = {}
    failed: set[str] = set()
    fields = {a.name: a for a in attrs.fields(Ruleset)}
    values: dict[str, Any] = {}

    for key in data:
        if key not in fields:
            hint = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.75)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            issues.append(((key,), f"unknown top-level table {key!r}{tip}"))

    for name, field in fields.items():
        kind: Any = field.type
        if name not in data:
            if field.default is attrs.NOTHING:
                issues.append(((name,), f"required table [{name}] is missing"))
                failed.add(name)
            continue
        raw = data[name]
        origin = typing.get_origin(kind)
        if origin is dict:
            if not isinstance(raw, dict):
                issues.append(((name,), f"expected a table, got {describe(raw)}"))
                failed.add(name)
                continue
            _, item_type = typing.get_args(kind)
            good: dict[str, Any] = {}
            for key, item in raw.items():
                obj, found = structure(item, item_type, (name, key))
                if found:
                    issues.extend(found)
                    broken.setdefault(name, set()).add(key)
                else:
                    good[key] = obj
            values[name] = good
        elif origin is tuple:
            if not isinstance(raw, list):
                issues.append(((name,), f"expected an array of tables, got {describe(raw)}"))
                failed.add(name)
                continue
            (item_type, _) = typing.get_args(kind)
            items: list[Any] = []
            for index, item in enumerate(raw):
                obj, found = structure(item, item_type, (name, index))
                if found:
                    issues.extend(found)
                    broken.setdefault(name, set()).add(str(index))
                else:
                    items.append(obj)
            values[name] = tuple(items)
        else:
            obj, found = structure(raw, kind, (name,))
            if found:
                issues.extend(found)
                failed.add(name)
            else:
                values[name] = obj

    placeholders: dict[str, Any] = {
        "ruleset": _PLACEHOLDER_META, "zones": {}, "tracks": {}, "heroes": {}, "actions": {},
        "units": {}, "round": (Phase(phase="-"),), "end": End(), "difficulty": {},
        "rules": Rules(),
    }
    for name in fields:
        if name not in values and name in placeholders:
            values[name] = placeholders[name]
    partial = Ruleset(**values)
    issues = [_unnest_path(issue) for issue in issues]
    return Structured(partial=partial, issues=issues, broken=broken, failed=failed)
