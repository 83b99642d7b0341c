"""Does a ruleset scale with the number of heroes at all? ``cibo check`` warns when it does not.

A ruleset scales when some expression reads the hero count (the built-ins ``heroes`` or
``heroes_active``, or a ``@scaling.NAME`` table), or when a phase runs steps after every hero's
turn (the threat then grows with the party). Without any of these the same fixed amount of work
and threat meets two heroes or six, and one end of the table is bound to be a walkover.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import attrs

from cibo.core.ruleset import Ruleset
from cibo.rulesets.loader import load_ruleset
from cibo.rulesets.problems import RulesetError

__all__ = ["scaling_warnings", "warn_unscaled"]

_READS_COUNT = re.compile(r"@scaling\.\w|(?<![\w@$.(])heroes(_active)?(?![\w.])")
"""A read of the hero count: ``@scaling.x``, ``heroes`` or ``heroes_active`` as a value (not the
collection in ``count(heroes where ...)``)."""


_NOT_EXPRESSIONS = frozenset({"id", "name", "label", "text", "phase", "step", "tags", "turns"})
"""Fields that hold names or prose, never an expression (a phase may be called "heroes")."""


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):  # type: ignore[arg-type]
            if field.name not in _NOT_EXPRESSIONS:
                yield from _strings(getattr(value, field.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _strings(item)


def scaling_warnings(rs: Ruleset) -> list[str]:
    """Why ``rs`` looks the same to every table size, or nothing if it scales somewhere."""
    if any(p.turns == "each_hero" and p.steps for p in rs.round):
        return []
    rules = attrs.evolve(rs, bots=attrs.evolve(rs.bots, priorities=(), score=""))
    if any(_READS_COUNT.search(text) for text in _strings(rules)):
        return []
    low, high = rs.ruleset.heroes.min, rs.ruleset.heroes.max
    if low == high:
        return []
    return [
        f"nothing scales with the number of heroes ({low} to {high}): no expression reads "
        "heroes, heroes_active or a [scaling] table, so small and large tables face the same "
        "threat and work (see docs/rulesets.md, 'Scaling by hero count')"
    ]


def warn_unscaled(path: Path, out: TextIO) -> None:
    """Print ``cibo check``'s scaling warnings for the ruleset at ``path`` (if it loads)."""
    try:
        rs = load_ruleset(path).ruleset
    except (RulesetError, OSError):
        return
    for warning in scaling_warnings(rs):
        print(f"  warning: {warning}", file=out)
