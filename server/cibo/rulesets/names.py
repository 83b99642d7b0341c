"""The names the engine defines for expressions and behaviours: one constant, shared.

The loader rejects any name not listed here (or defined by the ruleset itself), and the engine
imports the same constant, so the two cannot drift apart. ``docs/rulesets.md`` documents it.
"""

from __future__ import annotations

from attrs import frozen

from cibo.core.env import BUILTINS as ENGINE_BUILTINS

__all__ = ["BUILTIN_NAMES", "BuiltinNames"]


@frozen
class BuiltinNames:
    """Every built-in name, grouped by where it may appear."""

    globals: frozenset[str]
    """Bare names usable in any expression (besides track and marker names)."""
    hero_scope: frozenset[str]
    """Bare names that need an acting hero: hero attack formulas and action fields."""
    variables: frozenset[str]
    """``$`` variables the engine binds (without the sigil)."""
    hero_fields: frozenset[str]
    """Fields of a hero: ``$hero.FIELD``, ``@hero.FIELD``, and bare inside ``count(heroes …)``;
    any key of the heroes' ``stats`` is a field too."""
    unit_fields: frozenset[str]
    """Fields of a unit: ``$unit.FIELD``, and bare inside ``count(units …)``."""
    zone_fields: frozenset[str]
    """Fields of a zone: ``$zone.FIELD``, ``$each.FIELD``, and bare inside ``count(zones …)``."""
    marker_fields: frozenset[str]
    """``<marker>.FIELD``: ``convoy.launched``, ``convoy.at``."""
    track_fields: frozenset[str]
    """``<track>.FIELD``: ``alert.band`` is the name of the current band."""
    collections: frozenset[str]
    """What ``count(…)`` and ``for_each`` iterate; ``zones:TAG`` keeps active zones with TAG."""
    behaviors: frozenset[str]
    """Unit behaviours; ``hunt_noise``, ``seek`` and ``act`` take an argument after ``:``."""
    activate_all: str
    """The ``activate`` value for every unit on the board."""


_HERO_SCOPE = frozenset({"allies_here"})

BUILTIN_NAMES = BuiltinNames(
    # The engine's own list (cibo.core.env), so that the checker and the engine cannot drift.
    globals=frozenset(ENGINE_BUILTINS) - _HERO_SCOPE,
    hero_scope=_HERO_SCOPE,
    variables=frozenset({"hero", "zone", "target", "roll", "each", "short", "unit", "seat"}),
    hero_fields=frozenset({"zone", "hp", "max_hp", "downed", "move", "attack", "kind"}),
    unit_fields=frozenset({"zone", "hp", "kind", "attack", "siege", "move", "armor"}),
    zone_fields=frozenset({"name", "noise", "watched_noise", "units", "heroes", "dormant"}),
    marker_fields=frozenset({"launched", "at"}),
    track_fields=frozenset({"band"}),
    collections=frozenset({"heroes", "units", "zones", "zones:TAG"}),
    behaviors=frozenset({"attack_hero", "attack_all_heroes", "hunt_noise", "seek", "act"}),
    activate_all="all",
)
"""The single source of truth for built-in names (see :class:`BuiltinNames`)."""
