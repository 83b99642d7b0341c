"""The strict converter: no coercion, and every failure at its key path."""

from __future__ import annotations

from typing import Any

import pytest
from attrs import field, frozen, validators

from cibo.core.ruleset import Effect, Limit, Zone
from cibo.rulesets.structure import structure


@frozen
class Guarded:
    count: int = field(validator=validators.ge(1))
    kind: str = field(default="a", validator=validators.in_(["a", "b"]))


@pytest.mark.parametrize(("value", "kind", "path", "message"), [
    ({"count": 0}, Guarded, ("x", "count"), "'count' must be >= 1: 0"),
    ({"count": 1, "kind": "c"}, Guarded, ("x", "kind"), "'kind' must be in ['a', 'b']"),
    ({"count": 2.7}, Guarded, ("x", "count"), "expected an integer, got float 2.7"),
    ({"count": True}, Guarded, ("x", "count"), "expected an integer, got bool true"),
    ({"count": 10**23}, Guarded, ("x", "count"), "expected a number between -1,000,000,000 and"),
    ({"links": [], "pos": [1, float("nan")]}, Zone, ("x", "pos", 1), "expected a number between"),
    ({"add": "a", "by": -(10**10)}, Effect, ("x", "by"), "expected a number between"),
    ({"links": ["a"], "label": 5}, Zone, ("x", "label"), "expected a string, got int 5"),
    ({"links": "ab"}, Zone, ("x", "links"), "expected an array, got str 'ab'"),
    ({"links": [], "pos": [1, "2"]}, Zone, ("x", "pos", 1), "expected a number, got str '2'"),
    ({"per": "week"}, Limit, ("x", "per"), "expected one of 'round', 'game', got str 'week'"),
    ({"add": "a", "by": 1.5}, Effect, ("x", "by"), "expected an integer or a formula string"),
    ({"add": "a", "cost": {"r": "1"}}, Effect, ("x", "cost", "r"), "expected an integer"),
    ({"add": "a", "short": [{"add": 1}]}, Effect, ("x", "short", 0, "add"), "expected a string"),
    ({"add": "a", "bye": 1}, Effect, ("x", "bye"), "unknown key 'bye' (did you mean 'by'?)"),
    ([1], Zone, ("x",), "expected a table, got an array"),
])
def test_ruleset_structure_error_paths(
    value: Any, kind: type, path: tuple[str | int, ...], message: str
) -> None:
    obj, issues = structure(value, kind, ("x",))
    assert obj is None
    assert (path, message) in [(p, m[: len(message)]) for p, m in issues], issues


def test_ruleset_structure_accepts_exact_types() -> None:
    zone, issues = structure({"links": ["a"], "pos": [1, 2.5]}, Zone, ())
    assert issues == []
    assert zone == Zone(links=("a",), pos=(1.0, 2.5))
    effect, issues = structure({"noise_all": True, "by": "-1"}, Effect, ())
    assert issues == [] and effect is not None and effect.by == "-1"
