"""What every check reads and writes: the ruleset, what failed to load, and the problems found.

The checks are free functions over one :class:`CheckContext` (``cx``), grouped by subject in the
sibling modules. The context answers "does this name exist?" leniently: a name in a section, or
in an entry of it that failed to load, is known, so one typing mistake is not reported twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from cibo.core.ruleset import Ruleset
from cibo.rulesets.names import BUILTIN_NAMES
from cibo.rulesets.problems import PathPart
from cibo.rulesets.structure import Issue

__all__ = [
    "ANY",
    "NUMBER_VARS",
    "CheckContext",
    "P",
    "Scope",
    "collection_kind",
    "common",
    "fields_of",
    "join",
]

P = tuple[PathPart, ...]
"""A key path."""

Scope = Mapping[str, str]
"""Bound ``$`` variables (without the sigil) -> what they hold: hero, unit, zone, number, any."""

ANY = "any"
"""The kind of a variable that may hold several kinds (``$each`` in a mixed scope)."""

NUMBER_VARS = frozenset({"roll", "short"})
"""Variables that hold a number, so have no fields and are no zone."""


class CheckContext:
    """The ruleset under check and the problems found so far (see ``check_ruleset``)."""

    def __init__(self, rs: Ruleset, broken: Mapping[str, set[str]], failed: set[str]) -> None:
        self.rs = rs
        self.broken = broken
        """Section -> entries that failed to load (their names still count as known)."""
        self.failed = failed
        """Sections that failed to load as a whole (every name in them counts as known)."""
        self.issues: list[Issue] = []
        self.tags: frozenset[str] = frozenset(t for z in rs.zones.values() for t in z.tags)
        heroes = list(rs.heroes.values())
        shared = set(heroes[0].stats) if heroes else set()
        for hero in heroes[1:]:
            shared &= set(hero.stats)
        self.hero_stats = frozenset(shared)
        """Stats every hero has (``@hero.STAT`` is valid for the acting hero)."""
        self.any_stats = frozenset(s for h in heroes for s in h.stats)
        self.table_scopes: dict[str, list[Scope]] = {}
        """Table -> the scopes of the effects that roll it (filled while checking effects)."""
        self.deck_scopes: dict[str, list[Scope]] = {}
        """Deck -> the scopes of the effects that draw from it."""

    def err(self, path: P, message: str) -> None:
        self.issues.append((path, message))

    def known(self, section: str, name: str) -> bool:
        """True if ``name`` exists in ``section``, or failed to load (so is not "unknown")."""
        if section in self.failed:
            return True
        entries: Mapping[str, object] = getattr(self.rs, section)
        return name in entries or name in self.broken.get(section, set())

    def need(self, section: str, name: str, path: P, what: str) -> bool:
        """Report ``name`` at ``path`` unless it is :meth:`known`; return whether it is."""
        if self.known(section, name):
            return True
        names = list(getattr(self.rs, section))
        hint = f" (known: {join(names)})" if names and len(names) <= 12 else ""
        self.err(path, f"unknown {what} {name!r}{hint}")
        return False

    def is_zone_or_tag(self, name: str) -> bool:
        return self.known("zones", name) or self.has_tag(name)

    def has_tag(self, tag: str) -> bool:
        """True if some zone has ``tag`` (or might: when zones failed to load)."""
        return tag in self.tags or "zones" in self.failed or bool(self.broken.get("zones"))


def join(items: Iterable[str]) -> str:
    """Sorted and comma-separated, for messages."""
    return ", ".join(sorted(items))


def fields_of(kind: str, stats: frozenset[str]) -> frozenset[str]:
    """The fields a variable of ``kind`` has (``$hero.hp``); ``stats`` are heroes' own."""
    if kind == "hero":
        return BUILTIN_NAMES.hero_fields | stats
    if kind == "unit":
        return BUILTIN_NAMES.unit_fields
    if kind == "zone":
        return BUILTIN_NAMES.zone_fields
    if kind == ANY:
        return (BUILTIN_NAMES.hero_fields | BUILTIN_NAMES.unit_fields | BUILTIN_NAMES.zone_fields
                | stats)
    return frozenset()


def collection_kind(collection: str) -> str:
    """What the items of a ``for_each`` / ``count()`` collection are, or ``""`` if unknown."""
    if collection == "heroes":
        return "hero"
    if collection == "units":
        return "unit"
    if collection == "zones" or collection.startswith("zones:"):
        return "zone"
    return ""


def common(scopes: Sequence[Scope] | None) -> dict[str, str]:
    """The variables bound at every call site; a never-used table or deck gets all of them."""
    if not scopes:
        return dict.fromkeys(BUILTIN_NAMES.variables - NUMBER_VARS, ANY)
    found = dict(scopes[0])
    for scope in scopes[1:]:
        for key in list(found):
            if key not in scope:
                del found[key]
            elif scope[key] != found[key]:
                found[key] = ANY
    return found
