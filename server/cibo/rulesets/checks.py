"""Semantic checks: everything the types alone cannot say about a ruleset.

:func:`check_ruleset` walks a (possibly partial, see :class:`~cibo.rulesets.structure.Structured`)
ruleset and returns every problem as ``(key path, message)``: names that point nowhere, a board
that is not one connected graph, tables whose ranges leave gaps, formulas that do not compile,
variables used where the engine does not bind them, and so on.

Scopes: each formula is checked against the ``$`` variables the engine binds where it runs
(an action binds ``$hero``, ``$zone`` and maybe ``$target``/``$roll``; a ``for_each`` step binds
``$each``; a unit's effects bind ``$unit`` and ``$zone``...). Tables and decks run with the
variables of whatever rolled or drew them, so they are checked with the variables common to all
their call sites.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from cibo.core.expr import Expr, ExprError, MapEnv, Sigil, Value, compile_expr
from cibo.core.ruleset import (
    Action,
    Deck,
    Effect,
    Formula,
    Hero,
    Row,
    Ruleset,
    Table,
    Track,
    Unit,
)
from cibo.core.tables import check_ranges, formula_bounds
from cibo.core.verbs import EFFECT_VERBS
from cibo.rulesets.names import BUILTIN_NAMES
from cibo.rulesets.problems import PathPart
from cibo.rulesets.structure import Issue

P = tuple[PathPart, ...]

Scope = Mapping[str, str]
"""Bound ``$`` variables (without the sigil) -> what they hold: hero, unit, zone, number, any."""

_ANY = "any"

VERB_PARAMS: dict[str, frozenset[str]] = {
    "add": frozenset({"by"}),
    "set": frozenset({"to"}),
    "spawn": frozenset({"at", "fallback"}),
    "noise": frozenset({"by"}),
    "noise_all": frozenset({"by"}),
    "roll_table": frozenset({"at"}),
    "draw": frozenset({"n"}),
    "consume": frozenset({"n", "short"}),
    "dormant": frozenset({"rounds"}),
    "destroy": frozenset(),
    "heal": frozenset({"by"}),
    "damage": frozenset({"by"}),
    "damage_zone": frozenset({"by", "radius"}),
    "move": frozenset({"at"}),
    "marker": frozenset({"op"}),
    "reshuffle": frozenset({"onto"}),
    "peek": frozenset({"n"}),
    "activate": frozenset({"at", "radius", "order"}),
    "revive": frozenset({"hp", "cost"}),
    "victory": frozenset(),
    "defeat": frozenset(),
}
"""The parameters each effect verb reads (``when`` and ``text`` go with any verb)."""

_EFFECT_DEFAULTS: dict[str, Any] = {}
for _field in attrs.fields(Effect):
    _default: Any = _field.default
    if isinstance(_default, attrs.Factory):  # type: ignore[arg-type]
        _default = _default.factory()
    _EFFECT_DEFAULTS[_field.name] = _default

_SUCCESS = re.compile(r"\s*(>=|<=|==|>|<)\s*-?[0-9]+\s*")
_NUMBER_VARS = frozenset({"roll", "short"})


def _fields_of(kind: str, stats: frozenset[str]) -> frozenset[str]:
    if kind == "hero":
        return BUILTIN_NAMES.hero_fields | stats
    if kind == "unit":
        return BUILTIN_NAMES.unit_fields
    if kind == "zone":
        return BUILTIN_NAMES.zone_fields
    if kind == _ANY:
        return (BUILTIN_NAMES.hero_fields | BUILTIN_NAMES.unit_fields | BUILTIN_NAMES.zone_fields
                | stats)
    return frozenset()


def _collection_kind(collection: str) -> str:
    if collection == "heroes":
        return "hero"
    if collection == "units":
        return "unit"
    if collection == "zones" or collection.startswith("zones:"):
        return "zone"
    return ""


def _join(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


class Checker:
    """Collects the semantic problems of one ruleset (see :func:`check_ruleset`)."""

    def __init__(self, rs: Ruleset, broken: Mapping[str, set[str]], failed: set[str]) -> None:
        self.rs = rs
        self.broken = broken
        self.failed = failed
        self.issues: list[Issue] = []
        self.tags: frozenset[str] = frozenset(t for z in rs.zones.values() for t in z.tags)
        heroes = list(rs.heroes.values())
        common = set(heroes[0].stats) if heroes else set()
        for hero in heroes[1:]:
            common &= set(hero.stats)
        self.hero_stats = frozenset(common)
        self.any_stats = frozenset(s for h in heroes for s in h.stats)
        self.table_scopes: dict[str, list[Scope]] = {}
        self.deck_scopes: dict[str, list[Scope]] = {}

    # -- helpers ---------------------------------------------------------------------------------

    def err(self, path: P, message: str) -> None:
        self.issues.append((path, message))

    def known(self, section: str, name: str) -> bool:
        """True if ``name`` exists in ``section``, or failed to load (so is not "unknown")."""
        if section in self.failed:
            return True
        entries: Mapping[str, object] = getattr(self.rs, section)
        return name in entries or name in self.broken.get(section, set())

    def need(self, section: str, name: str, path: P, what: str) -> bool:
        if self.known(section, name):
            return True
        names = list(getattr(self.rs, section))
        hint = f" (known: {_join(names)})" if names and len(names) <= 12 else ""
        self.err(path, f"unknown {what} {name!r}{hint}")
        return False

    def is_zone_or_tag(self, name: str) -> bool:
        return self.known("zones", name) or self.has_tag(name)

    def has_tag(self, tag: str) -> bool:
        """True if some zone has ``tag`` (or might: when zones failed to load)."""
        return tag in self.tags or "zones" in self.failed or bool(self.broken.get("zones"))

    # -- expressions -----------------------------------------------------------------------------

    def expr(self, path: P, source: Formula, scope: Scope, *, what: str = "formula") -> Expr | None:
        """Compile ``source`` and check every name in it; return it when it compiles."""
        if isinstance(source, int):
            return None
        if not source.strip():
            self.err(path, f"empty {what}")
            return None
        try:
            compiled = compile_expr(source)
        except ExprError as exc:
            column = f" at column {exc.column}" if exc.column is not None else ""
            self.err(path, f"bad {what} {source!r}: {exc.message}{column}")
            return None
        for collection in sorted(compiled.collections()):
            self.collection(path, collection, in_expr=True)
        inner = {(sigil, name) for (_, sigil, name) in compiled.item_references()}
        for sigil, name in sorted(compiled.references()):
            if (sigil, name) in inner:
                continue
            self.name(path, sigil, name, scope)
        by_name: dict[tuple[Sigil, tuple[str, ...]], list[str]] = {}
        for collection, item_sigil, item_name in compiled.item_references():
            by_name.setdefault((item_sigil, item_name), []).append(collection)
        for (sigil, name), collections in sorted(by_name.items()):
            if sigil == "" and len(name) == 1:
                kinds = {_collection_kind(c) for c in collections}
                if any(name[0] in _fields_of(k, self.any_stats) for k in kinds if k):
                    continue
            item_scope = dict(scope)
            item_scope["each"] = _ANY
            self.name(path, sigil, name, item_scope)
        return compiled

    def collection(self, path: P, collection: str, *, in_expr: bool) -> None:
        if collection in ("heroes", "units", "zones"):
            return
        head, _, tag = collection.partition(":")
        if head == "zones" and tag:
            if not self.has_tag(tag):
                self.err(path, f"no zone has the tag {tag!r} (in {collection!r})")
            return
        where = "count()/sum()" if in_expr else "for_each"
        self.err(path, f"unknown collection {collection!r} in {where}: use heroes, units, zones "
                       "or zones:TAG")

    def name(self, path: P, sigil: Sigil, name: tuple[str, ...], scope: Scope) -> None:
        spelled = sigil + ".".join(name)
        if sigil == "$":
            self.variable(path, name, scope)
        elif sigil == "@":
            self.reference(path, name, scope)
        else:
            self.bare(path, name, scope, spelled)

    def bare(self, path: P, name: tuple[str, ...], scope: Scope, spelled: str) -> None:
        head = name[0]
        if len(name) == 1:
            if self.known("tracks", head) or head in BUILTIN_NAMES.globals:
                return
            if head in BUILTIN_NAMES.hero_scope:
                if "hero" not in scope:
                    self.err(path, f"{spelled} needs an acting hero, and none is bound here")
                return
            if head in self.rs.markers:
                self.err(path, f"{spelled} is a marker: use {head}.launched or {head}.at")
                return
            self.err(path, f"unknown name {spelled!r}")
            return
        if len(name) == 2:
            if head in self.rs.markers or (head in self.broken.get("markers", set())):
                if name[1] not in BUILTIN_NAMES.marker_fields:
                    self.err(path, f"unknown marker field {spelled!r} (use "
                                   f"{_join(BUILTIN_NAMES.marker_fields)})")
                return
            if self.known("tracks", head):
                if name[1] not in BUILTIN_NAMES.track_fields:
                    self.err(path, f"unknown track field {spelled!r} (use "
                                   f"{_join(BUILTIN_NAMES.track_fields)}, or @{head}.VALUES for "
                                   "a per-value array)")
                return
        self.err(path, f"unknown name {spelled!r}")

    def reference(self, path: P, name: tuple[str, ...], scope: Scope) -> None:
        spelled = "@" + ".".join(name)
        head = name[0]
        if len(name) != 2:
            self.err(path, f"unknown reference {spelled!r} (references have two parts, like "
                           "@difficulty.spawn_mod)")
            return
        key = name[1]
        if head == "difficulty":
            if "difficulty" in self.failed:
                return
            lacking = [d for d, spec in self.rs.difficulty.items() if key not in spec.vars]
            if lacking or not self.rs.difficulty:
                self.err(path, f"{spelled}: difficulty {_join(lacking) or '(none)'} has no "
                               f"vars.{key}")
            return
        if head == "scaling":
            if not self.known("scaling", key):
                self.err(path, f"{spelled}: there is no [scaling] entry {key!r}")
            return
        if head == "hero":
            if "hero" not in scope:
                self.err(path, f"{spelled} needs an acting hero, and none is bound here")
                return
            if "heroes" in self.failed:
                return
            if key in BUILTIN_NAMES.hero_fields or key in self.hero_stats:
                return
            lacking = [h for h, spec in self.rs.heroes.items() if key not in spec.stats]
            self.err(path, f"{spelled}: hero {_join(lacking)} has no stats.{key} (every hero "
                           "needs it, or use one of " + _join(BUILTIN_NAMES.hero_fields) + ")")
            return
        if head in self.rs.tracks:
            track = self.rs.tracks[head]
            if key not in track.values:
                self.err(path, f"{spelled}: track {head!r} has no values.{key}")
            return
        if self.known("tracks", head):
            return
        self.err(path, f"unknown reference {spelled!r} (use @difficulty.VAR, @scaling.NAME, "
                       "@hero.STAT or @TRACK.VALUES)")

    def variable(self, path: P, name: tuple[str, ...], scope: Scope) -> None:
        spelled = "$" + ".".join(name)
        head = name[0]
        if head not in BUILTIN_NAMES.variables:
            self.err(path, f"unknown variable ${head} (the engine binds "
                           f"{_join('$' + v for v in BUILTIN_NAMES.variables)})")
            return
        if head not in scope:
            bound = _join("$" + v for v in scope) or "none"
            self.err(path, f"${head} is not bound here (bound: {bound})")
            return
        if len(name) == 1:
            return
        kind = scope[head]
        if len(name) > 2 or head in _NUMBER_VARS:
            self.err(path, f"{spelled}: ${head} has no fields")
            return
        if name[1] not in _fields_of(kind, self.any_stats if kind == _ANY else self.hero_stats):
            fields = _join(_fields_of(kind, self.hero_stats))
            self.err(path, f"unknown field {spelled!r} (a {kind} has {fields})")

    # -- references in effect parameters ---------------------------------------------------------

    def zone_ref(self, path: P, ref: str, scope: Scope) -> None:
        """A zone: a name, a tag (its first zone), ``$var`` / ``$var.zone``, or ``noisiest:TAG``."""
        if not ref:
            ref = "$zone"
        if ref.startswith("$"):
            if ref[1:] in _NUMBER_VARS:
                self.err(path, f"{ref} is a number, not a zone")
                return
            self.expr(path, ref, scope, what="zone reference")
            return
        if ref.startswith("noisiest:"):
            tag = ref.split(":", 1)[1]
            if not self.has_tag(tag):
                self.err(path, f"no zone has the tag {tag!r} (in {ref!r})")
            return
        if not self.is_zone_or_tag(ref):
            self.err(path, f"unknown zone {ref!r} (use a zone name, a zone tag, a $variable or "
                           "noisiest:TAG)")

    def entity_ref(self, path: P, ref: str, scope: Scope) -> None:
        """A hero or unit: ``$hero``, ``$target``, ``$each``, ``$unit``, or a hero's key."""
        if ref.startswith("$"):
            self.expr(path, ref, scope, what="reference")
            return
        self.need("heroes", ref, path, "hero")

    # -- effects ---------------------------------------------------------------------------------

    def effects(self, path: P, effects: Sequence[Effect], scope: Scope) -> None:
        for index, effect in enumerate(effects):
            self.effect((*path, index), effect, scope)

    def effect(self, path: P, e: Effect, scope: Scope) -> None:
        verbs = [v for v in EFFECT_VERBS if getattr(e, v) != _EFFECT_DEFAULTS[v]]
        if len(verbs) != 1:  # structuring guarantees one key; this catches e.g. add = ""
            self.err(path, "an effect needs exactly one verb with a value")
            return
        verb = verbs[0]
        allowed = VERB_PARAMS[verb] | {"when", "text", verb}
        for name, default in _EFFECT_DEFAULTS.items():
            if name not in allowed and name not in EFFECT_VERBS and getattr(e, name) != default:
                uses = _join(VERB_PARAMS[verb]) or "no parameters"
                self.err((*path, name), f"{name!r} means nothing to {verb!r} (it uses: {uses})")
        if e.when:
            self.expr((*path, "when"), e.when, scope, what="condition")
        at = (*path, "at")
        if verb in ("add", "set", "consume"):
            self.need("tracks", getattr(e, verb), (*path, verb), "track")
            if verb == "add":
                self.expr((*path, "by"), e.by, scope)
            elif verb == "set":
                self.expr((*path, "to"), e.to, scope)
            else:
                self.expr((*path, "n"), e.n, scope)
                self.effects((*path, "short"), e.short, {**scope, "short": "number"})
        elif verb == "spawn":
            self.units_list((*path, "spawn"), e.spawn)
            self.units_list((*path, "fallback"), e.fallback)
            self.zone_ref(at, e.at, scope)
        elif verb in ("noise", "dormant", "destroy", "damage_zone"):
            self.zone_ref((*path, verb), getattr(e, verb), scope)
            if verb in ("noise", "damage_zone"):
                self.expr((*path, "by"), e.by, scope)
            if verb == "dormant":
                self.expr((*path, "rounds"), e.rounds, scope)
            if verb == "damage_zone" and e.radius < 0:
                self.err((*path, "radius"), "radius must be 0 or more")
        elif verb == "noise_all":
            self.expr((*path, "by"), e.by, scope)
        elif verb == "roll_table":
            if self.need("tables", e.roll_table, (*path, "roll_table"), "table"):
                self.table_scopes.setdefault(e.roll_table, []).append(scope)
                table = self.rs.tables.get(e.roll_table)
                if e.at:
                    self.zone_ref(at, e.at, scope)
                elif table is not None and _spawns(table) and "zone" not in scope:
                    self.err(path, f"table {e.roll_table!r} spawns units: give it a zone with "
                                   "'at' (no $zone is bound here)")
        elif verb in ("draw", "peek", "reshuffle"):
            deck = getattr(e, verb)
            if self.need("decks", deck, (*path, verb), "deck") and verb == "draw":
                self.deck_scopes.setdefault(deck, []).append(scope)
            if verb in ("draw", "peek"):
                self.expr((*path, "n"), e.n, scope)
            if verb == "reshuffle" and e.onto not in ("top", "bottom"):
                self.err((*path, "onto"), f"onto must be 'top' or 'bottom', not {e.onto!r}")
        elif verb in ("heal", "damage"):
            self.entity_ref((*path, verb), getattr(e, verb), scope)
            self.expr((*path, "by"), e.by, scope)
        elif verb == "move":
            self.entity_ref((*path, "move"), e.move, scope)
            self.zone_ref(at, e.at or "$target", scope)
        elif verb == "marker":
            self.need("markers", e.marker, (*path, "marker"), "marker")
            if e.op not in ("launch", "advance"):
                self.err((*path, "op"), f"op must be 'launch' or 'advance', not {e.op!r}")
        elif verb == "activate":
            if e.activate == "near":
                self.zone_ref(at, e.at, scope)
            elif e.activate != BUILTIN_NAMES.activate_all:
                self.err((*path, "activate"), f"activate must be 'all' or 'near' (with at and "
                                              f"radius), not {e.activate!r}")
            self.units_list((*path, "order"), e.order)
            if e.radius < 0:
                self.err((*path, "radius"), "radius must be 0 or more")
        elif verb == "revive":
            self.zone_ref((*path, "revive"), e.revive, scope)
            self.expr((*path, "hp"), e.hp, {**scope, "hero": "hero"})
            for track, amount in e.cost.items():
                self.need("tracks", track, (*path, "cost", track), "track")
                if amount < 0:
                    self.err((*path, "cost", track), "a cost must be 0 or more")
        elif verb in ("victory", "defeat") and not getattr(e, verb).strip():
            self.err((*path, verb), "give the cause an id")

    def units_list(self, path: P, names: Sequence[str]) -> None:
        for index, name in enumerate(names):
            self.need("units", name, (*path, index), "unit")

    # -- sections --------------------------------------------------------------------------------

    def run(self) -> list[Issue]:
        rs = self.rs
        if "ruleset" not in self.failed:
            self.meta()
        self.zones()
        for name, track in rs.tracks.items():
            self.track(("tracks", name), track)
            if name in BUILTIN_NAMES.globals | BUILTIN_NAMES.hero_scope:
                self.err(("tracks", name), f"{name!r} is a built-in name: call the track "
                                           "something else")
        for name in rs.markers:
            if self.known("tracks", name):
                self.err(("markers", name), f"{name!r} is also a track: give it another name")
        self.difficulties()
        self.scaling()
        for name, hero in rs.heroes.items():
            self.hero(("heroes", name), hero)
        for name, action in rs.actions.items():
            self.action(("actions", name), action)
        for name, unit in rs.units.items():
            self.unit(("units", name), unit)
        self.rounds()
        if "end" not in self.failed:
            self.end()
        for name, marker in rs.markers.items():
            self.marker(("markers", name), marker)
        if "rules" not in self.failed:
            self.rules()
        if "bots" not in self.failed:
            self.bots()
        # Tables and decks last: their scopes come from the places that roll and draw them.
        self.tables_and_decks()
        return self.issues

    def meta(self) -> None:
        m = self.rs.ruleset
        p: P = ("ruleset",)
        for key, r in (("players", m.players), ("heroes", m.heroes)):
            if r.min < 1 or r.max < r.min:
                self.err((*p, key), f"needs 1 <= min <= max, got min {r.min}, max {r.max}")
        if m.rounds < 1:
            self.err((*p, "rounds"), "must be at least 1")
        low, high = m.target_minutes
        if low < 1 or high < low:
            self.err((*p, "target_minutes"), f"needs [low, high] with 1 <= low <= high, got "
                                             f"[{low}, {high}]")
        if not m.id.strip():
            self.err((*p, "id"), "must not be empty")
        if "heroes" in self.failed:
            return
        seen: set[str] = set()
        for index, hero in enumerate(m.hero_pool):
            if hero in seen:
                self.err((*p, "hero_pool", index), f"{hero!r} is listed twice")
            seen.add(hero)
            self.need("heroes", hero, (*p, "hero_pool", index), "hero")
        pool = [h for h in (m.hero_pool or tuple(self.rs.heroes)) if h in self.rs.heroes]
        repeatable = any(self.rs.heroes[h].repeatable for h in pool)
        if not self.broken.get("heroes") and not repeatable and len(pool) < m.heroes.max:
            self.err((*p, "heroes", "max"), f"{m.heroes.max} heroes may play but only "
                                            f"{len(pool)} can be picked (none is repeatable)")

    def zones(self) -> None:
        zones = self.rs.zones
        if "zones" in self.failed:
            return
        if not zones and not self.broken.get("zones"):
            self.err(("zones",), "a board needs at least one zone")
            return
        for name, zone in zones.items():
            p: P = ("zones", name)
            seen: set[str] = set()
            for index, link in enumerate(zone.links):
                lp = (*p, "links", index)
                if link == name:
                    self.err(lp, "a zone cannot link to itself")
                elif link in seen:
                    self.err(lp, f"{link!r} is linked twice")
                elif (self.need("zones", link, lp, "zone") and link in zones
                      and name not in zones[link].links):
                    self.err(lp, f"links to {link!r}, but zones.{link}.links does not link "
                                 f"back to {name!r} (links are undirected: list both ends)")
                seen.add(link)
            for index, watched in enumerate(zone.watches):
                self.need("zones", watched, (*p, "watches", index), "zone")
            if zone.pos is not None and not all(0 <= c <= 100 for c in zone.pos):
                self.err((*p, "pos"), f"coordinates must be within 0..100, got {list(zone.pos)}")
        if self.broken.get("zones") or not zones:
            return
        start = next(iter(zones))
        reached = {start}
        queue = deque([start])
        while queue:
            for link in zones[queue.popleft()].links:
                if link in zones and link not in reached:
                    reached.add(link)
                    queue.append(link)
        missing = [z for z in zones if z not in reached]
        if missing:
            self.err(("zones", missing[0]), f"the board is not connected: {_join(missing)} "
                                            f"cannot be reached from {start!r}")

    def track(self, p: P, t: Track) -> None:
        if t.max < t.min:
            self.err((*p, "max"), f"max ({t.max}) is below min ({t.min})")
            return
        if isinstance(t.start, int):
            if not t.min <= t.start <= t.max:
                self.err((*p, "start"), f"start {t.start} is outside {t.min}..{t.max}")
        else:
            self.expr((*p, "start"), t.start, {})
        previous: int | None = None
        names: set[str] = set()
        for index, band in enumerate(t.bands):
            bp = (*p, "bands", index)
            if band.name in names:
                self.err((*bp, "name"), f"band {band.name!r} is defined twice")
            names.add(band.name)
            if index == 0 and band.start != t.min:
                self.err((*bp, "from"), f"the first band must start at min ({t.min}), not "
                                        f"{band.start}")
            elif previous is not None and band.start <= previous:
                self.err((*bp, "from"), f"bands must go up: {band.start} is not above {previous}")
            elif not t.min <= band.start <= t.max:
                self.err((*bp, "from"), f"{band.start} is outside {t.min}..{t.max}")
            previous = band.start
        size = t.max - t.min + 1
        for key, values in t.values.items():
            if len(values) != size:
                self.err((*p, "values", key), f"needs one value per track value ({t.min}..{t.max}"
                                              f", so {size}), got {len(values)}")
        for index, trig in enumerate(t.on_reach):
            tp = (*p, "on_reach", index)
            if not t.min < trig.value <= t.max:
                self.err((*tp, "value"), f"{trig.value} cannot be reached going up within "
                                         f"{t.min}..{t.max}")
            self.effects((*tp, "do"), trig.do, {})

    def difficulties(self) -> None:
        if "difficulty" in self.failed:
            return
        if not self.rs.difficulty and not self.broken.get("difficulty"):
            self.err(("difficulty",), "define at least one difficulty")
        for name, d in self.rs.difficulty.items():
            for track, value in d.start.items():
                sp: P = ("difficulty", name, "start", track)
                if self.need("tracks", track, sp, "track") and track in self.rs.tracks:
                    t = self.rs.tracks[track]
                    if not t.min <= value <= t.max:
                        self.err(sp, f"{value} is outside {track}'s {t.min}..{t.max}")

    def scaling(self) -> None:
        if "ruleset" in self.failed:
            return
        heroes = self.rs.ruleset.heroes
        wanted = set(range(heroes.min, heroes.max + 1))
        for name, by_count in self.rs.scaling.items():
            p: P = ("scaling", name)
            counts: set[int] = set()
            for key in by_count:
                try:
                    count = int(key)
                except ValueError:
                    self.err((*p, key), f"keys are hero counts, not {key!r}")
                    continue
                if count not in wanted:
                    self.err((*p, key), f"{count} heroes cannot play ({heroes.min}..{heroes.max})")
                counts.add(count)
            lacking = sorted(wanted - counts)
            if lacking:
                self.err(p, "no value for " + ", ".join(f"{n} heroes" for n in lacking))

    def hero(self, p: P, h: Hero) -> None:
        scope: Scope = {"hero": "hero", "zone": "zone"}
        if h.hp < 1:
            self.err((*p, "hp"), "must be at least 1")
        if h.move < 0:
            self.err((*p, "move"), "must be 0 or more")
        self.expr((*p, "attack"), h.attack, scope)
        for name, action in h.actions.items():
            self.action((*p, "actions", name), action)

    def action(self, p: P, a: Action) -> None:
        scope: dict[str, str] = {"hero": "hero", "zone": "zone"}
        if a.cost < 0:
            self.err((*p, "cost"), "must be 0 or more")
        if a.noise < 0:
            self.err((*p, "noise"), "must be 0 or more")
        if a.where:
            for part in a.where.split("|"):
                if not self.is_zone_or_tag(part.strip()):
                    self.err((*p, "where"), f"{part.strip()!r} is neither a zone nor a zone tag")
        if a.needs:
            self.expr((*p, "needs"), a.needs, scope, what="condition")
        self.expr((*p, "range"), a.range, scope)
        if a.target != "none":
            scope["target"] = a.target
        elif a.range != 0:
            self.err((*p, "range"), "range is only used with a target")
        if a.roll:
            self.expr((*p, "roll"), a.roll, scope, what="roll")
            scope["roll"] = "number"
        elif a.success:
            self.err((*p, "success"), "success needs a roll")
        if a.success and not _SUCCESS.fullmatch(a.success):
            self.err((*p, "success"), f"expected a comparison with a number like '>=8', got "
                                      f"{a.success!r}")
        if a.fail and not a.success:
            self.err((*p, "fail"), "fail effects need a success rule")
        if a.limit is not None:
            lim = a.limit
            if lim.n < 1:
                self.err((*p, "limit", "n"), "must be at least 1")
            if lim.every < 0:
                self.err((*p, "limit", "every"), "must be 0 or more")
        self.effects((*p, "do"), a.do, scope)
        self.effects((*p, "fail"), a.fail, scope)

    def unit(self, p: P, u: Unit) -> None:
        self.expr((*p, "hp"), u.hp, {})
        if isinstance(u.hp, int) and u.hp < 1:
            self.err((*p, "hp"), "must be at least 1")
        for key in ("move", "attack", "armor", "siege", "supply", "regen"):
            if getattr(u, key) < 0:
                self.err((*p, key), "must be 0 or more")
        if not u.behavior:
            self.err((*p, "behavior"), "a unit needs at least one behavior")
        scope: Scope = {"unit": "unit", "zone": "zone"}
        for index, behavior in enumerate(u.behavior):
            self.behavior((*p, "behavior", index), behavior, u)
        for tag, effects in u.acts.items():
            if not self.has_tag(tag):
                self.err((*p, "acts", tag), f"no zone has the tag {tag!r}, so act:{tag} never runs")
            if f"act:{tag}" not in u.behavior:
                self.err((*p, "acts", tag), f"not used: add 'act:{tag}' to behavior")
            self.effects((*p, "acts", tag), effects, scope)
        self.effects((*p, "on_attack"), u.on_attack, scope)
        self.effects((*p, "on_death"), u.on_death, scope)

    def behavior(self, p: P, behavior: str, u: Unit) -> None:
        name, colon, arg = behavior.partition(":")
        known = _join(BUILTIN_NAMES.behaviors)
        if name not in BUILTIN_NAMES.behaviors:
            self.err(p, f"unknown behavior {behavior!r} (built-ins: {known})")
        elif name in ("attack_hero", "attack_all_heroes"):
            if colon:
                self.err(p, f"{name} takes no argument")
        elif name == "hunt_noise":
            if not (arg.isdigit()):
                self.err(p, f"hunt_noise needs a distance: hunt_noise:N, got {behavior!r}")
        elif name == "seek":
            if not arg:
                self.err(p, "seek needs a zone or tag: seek:ZONE_OR_TAG")
            elif not self.is_zone_or_tag(arg):
                self.err(p, f"seek:{arg}: {arg!r} is neither a zone nor a zone tag")
        elif name == "act":
            if not arg:
                self.err(p, "act needs a tag: act:TAG")
            elif arg not in u.acts:
                self.err(p, f"act:{arg} needs acts.{arg} (the effects to run)")

    def rounds(self) -> None:
        if "round" in self.failed:
            return
        phases = self.rs.round
        if not phases and not self.broken.get("round"):
            self.err(("round",), "a round needs at least one [[round]] phase")
        names: set[str] = set()
        for index, phase in enumerate(phases):
            p: P = ("round", index)
            if phase.phase in names:
                self.err((*p, "phase"), f"phase {phase.phase!r} is defined twice")
            names.add(phase.phase)
            if phase.turns != "none" and phase.actions < 1:
                self.err((*p, "actions"), f"turns = {phase.turns!r} needs actions >= 1")
            if phase.turns == "none" and phase.actions:
                self.err((*p, "actions"), "actions are only used with turns = 'all' or "
                                          "'each_hero'")
            if phase.turns == "none" and not phase.steps:
                self.err(p, "a phase without turns needs steps")
            scope: dict[str, str] = {}
            if phase.turns == "each_hero":
                scope = {"hero": "hero", "zone": "zone"}
            step_names: set[str] = set()
            for si, step in enumerate(phase.steps):
                sp: P = (*p, "steps", si)
                if step.step in step_names:
                    self.err((*sp, "step"), f"step {step.step!r} is defined twice in this phase")
                step_names.add(step.step)
                if step.when:
                    self.expr((*sp, "when"), step.when, scope, what="condition")
                self.expr((*sp, "repeat"), step.repeat, scope)
                inner = dict(scope)
                if step.for_each:
                    self.collection((*sp, "for_each"), step.for_each, in_expr=False)
                    kind = _collection_kind(step.for_each)
                    inner["each"] = kind or _ANY
                    if kind == "zone":
                        inner["zone"] = "zone"
                self.effects((*sp, "do"), step.do, inner)
        if not self.broken.get("round") and phases and all(ph.turns == "none" for ph in phases):
            self.err(("round",), "no phase gives the heroes turns: set turns = 'all' or "
                                 "'each_hero' on one")

    def end(self) -> None:
        end = self.rs.end
        ids: set[str] = set()
        for key, conditions in (("victory", end.victory), ("defeat", end.defeat)):
            for index, cond in enumerate(conditions):
                p: P = ("end", key, index)
                if cond.id in ids:
                    self.err((*p, "id"), f"end condition {cond.id!r} is defined twice")
                ids.add(cond.id)
                self.expr((*p, "when"), cond.when, {}, what="condition")
        if not end.victory and not self._has_verb("victory"):
            self.err(("end", "victory"), "there is no way to win: add an [[end.victory]] "
                                         "condition or a victory effect")
        if not end.defeat and not self._has_verb("defeat"):
            self.err(("end", "defeat"), "there is no way to lose: add an [[end.defeat]] "
                                        "condition or a defeat effect")

    def _has_verb(self, verb: str) -> bool:
        return any(getattr(e, verb) for e in _all_effects(self.rs))

    def marker(self, p: P, m: Any) -> None:
        if not m.path:
            self.err((*p, "path"), "a marker needs a path of at least one zone")
        for index, zone in enumerate(m.path):
            if not self.need("zones", zone, (*p, "path", index), "zone"):
                continue
            if index and m.path[index - 1] in self.rs.zones and zone in self.rs.zones:
                previous = m.path[index - 1]
                if zone not in self.rs.zones[previous].links:
                    self.err((*p, "path", index), f"{previous!r} does not link to {zone!r}: a "
                                                  "path steps along links")
        self.effects((*p, "at_each_stop"), m.at_each_stop, {"zone": "zone"})

    def rules(self) -> None:
        r = self.rs.rules
        if r.barrier is not None:
            self.need("tracks", r.barrier.track, ("rules", "barrier", "track"), "track")
            if not self.has_tag(r.barrier.tag):
                self.err(("rules", "barrier", "tag"), f"no zone has the tag {r.barrier.tag!r}")
        for key in ("downed_zone", "home"):
            value = getattr(r, key)
            if value and not self.is_zone_or_tag(value):
                self.err(("rules", key), f"{value!r} is neither a zone nor a zone tag")

    def bots(self) -> None:
        actions = set(self.rs.actions) | {a for h in self.rs.heroes.values() for a in h.actions}
        scope: Scope = {"hero": "hero", "zone": "zone"}
        for index, priority in enumerate(self.rs.bots.priorities):
            p: P = ("bots", "priorities", index)
            if (priority.do not in actions and "actions" not in self.failed
                    and not self.broken.get("actions") and not self.broken.get("heroes")):
                self.err((*p, "do"), f"unknown action {priority.do!r}")
            if priority.when:
                self.expr((*p, "when"), priority.when, scope, what="condition")
            for part in priority.go.split("|") if priority.go else ():
                if not self.is_zone_or_tag(part):
                    self.err((*p, "go"), f"{part!r} is neither a zone nor a zone tag")

    # -- tables and decks ------------------------------------------------------------------------

    def tables_and_decks(self) -> None:
        """Check tables and decks with the variables common to all the places that use them.

        A table or deck used from another one inherits that one's scope, so callers are checked
        before what they call (in file order when they call each other in a loop).
        """
        todo: list[tuple[str, str]] = [("tables", t) for t in self.rs.tables]
        todo += [("decks", d) for d in self.rs.decks]
        callers = {item: self._callers(item) for item in todo}
        done: set[tuple[str, str]] = set()
        while len(done) < len(todo):
            ready = [i for i in todo if i not in done and all(c in done for c in callers[i])]
            item = ready[0] if ready else next(i for i in todo if i not in done)
            done.add(item)
            section, name = item
            if section == "tables":
                scope = _common(self.table_scopes.get(name))
                self.table(("tables", name), self.rs.tables[name], {**scope, "roll": "number"})
            else:
                self.deck(("decks", name), self.rs.decks[name], _common(self.deck_scopes.get(name)))

    def _callers(self, item: tuple[str, str]) -> list[tuple[str, str]]:
        section, name = item
        found: list[tuple[str, str]] = []
        containers: list[tuple[tuple[str, str], list[Effect]]] = [
            (("tables", t), _table_effects(table)) for t, table in self.rs.tables.items()
        ]
        containers += [(("decks", d), _deck_effects(deck)) for d, deck in self.rs.decks.items()]
        for key, effects in containers:
            if key == item:
                continue
            if any((e.roll_table if section == "tables" else e.draw) == name for e in effects):
                found.append(key)
        return found

    def table(self, p: P, t: Table, scope: Scope) -> None:
        if bool(t.rows) == bool(t.bands):
            self.err(p, "a table has either rows or bands (one list of rows per band)")
            return
        if t.clamp is not None and t.clamp[0] > t.clamp[1]:
            self.err((*p, "clamp"), f"clamp [{t.clamp[0]}, {t.clamp[1]}] is reversed")
        band_names: list[str] = []
        if t.bands or t.band_of:
            if not t.band_of:
                self.err((*p, "band_of"), "a table with bands needs band_of = TRACK")
            elif self.need("tracks", t.band_of, (*p, "band_of"), "track"):
                track = self.rs.tracks.get(t.band_of)
                if track is not None:
                    band_names = [b.name for b in track.bands]
                    if not band_names:
                        self.err((*p, "band_of"), f"track {t.band_of!r} has no bands")
            if not t.bands:
                self.err((*p, "bands"), "band_of needs one list of rows per band in bands")
            elif band_names and list(t.bands) != band_names:
                missing = [b for b in band_names if b not in t.bands]
                extra = [b for b in t.bands if b not in band_names]
                parts = []
                if missing:
                    parts.append("missing " + ", ".join(missing))
                if extra:
                    parts.append("not bands of the track: " + ", ".join(extra))
                if not parts:
                    parts.append("in another order than the track's bands")
                self.err((*p, "bands"), f"bands must be the bands of {t.band_of!r} "
                                        f"({', '.join(band_names)}): {'; '.join(parts)}")
        groups: list[tuple[P, Sequence[Row]]] = (
            [((*p, "rows"), t.rows)] if t.rows
            else [((*p, "bands", band), rows) for band, rows in t.bands.items()]
        )
        formula = None
        if t.formula:
            formula = self.expr((*p, "formula"), t.formula, scope)
        for gp, rows in groups:
            self.rows(gp, rows, t, formula, scope)

    def rows(self, p: P, rows: Sequence[Row], t: Table, formula: Expr | None, scope: Scope) -> None:
        if not rows:
            self.err(p, "no rows")
            return
        ranged = [r.range is not None for r in rows]
        for index, row in enumerate(rows):
            rp: P = (*p, index)
            if row.range is not None:
                if row.weight:
                    self.err((*rp, "weight"), "a row has a range or a weight, not both")
                if row.range[0] > row.range[1]:
                    self.err((*rp, "range"), f"range [{row.range[0]}, {row.range[1]}] is reversed")
            elif row.weight < 1:
                self.err(rp, "a row needs a range = [low, high] or a weight >= 1")
            self.units_list((*rp, "spawn"), row.spawn)
            self.units_list((*rp, "fallback"), row.fallback)
            if row.fallback and not any(self.rs.units[u].unique for u in row.spawn
                                        if u in self.rs.units):
                self.err((*rp, "fallback"), "fallback replaces a unique unit of spawn; this "
                                            "row spawns none")
            self.effects((*rp, "do"), row.do, scope)
        if any(ranged) and not all(ranged):
            self.err(p, "mixes ranged and weighted rows: use one kind per table")
            return
        if all(ranged):
            if not t.formula:
                self.err(p, "ranged rows need a formula to roll")
            elif formula is not None:
                self.coverage(p, rows, t, formula)
        elif t.formula and not t.replacement:
            self.err(p, "without replacement weighted rows roll 1d(remaining weights): remove "
                        "formula")
        elif formula is not None and all(r.weight >= 1 for r in rows):
            total = sum(r.weight for r in rows)
            for difficulty, names in self._difficulty_envs(formula):
                bounds = formula_bounds(formula, MapEnv(names=names))
                if bounds is None:
                    continue
                low, high = bounds
                if t.clamp is not None:
                    low = max(t.clamp[0], min(low, t.clamp[1]))
                    high = min(t.clamp[1], max(high, t.clamp[0]))
                if low < 1 or high > total:
                    where = f"difficulty {difficulty}: " if difficulty else ""
                    self.err(p, f"{where}the formula gives {low}..{high} but the weights cover "
                                f"1..{total}")
                    break

    def coverage(self, p: P, rows: Sequence[Row], t: Table, formula: Expr) -> None:
        """The ranges must cover every total the formula can give, once (per difficulty)."""
        if any(r.range is None or r.range[0] > r.range[1] for r in rows):
            return  # already reported row by row
        label = str(p[-1])
        envs = self._difficulty_envs(formula)
        found: dict[str, list[tuple[str, int, int]]] = {}
        for difficulty, names in envs:
            bounds = formula_bounds(formula, MapEnv(names=names))
            if bounds is None:
                continue
            low, high = bounds
            if t.clamp is not None:
                low = max(t.clamp[0], min(low, t.clamp[1]))
                high = min(t.clamp[1], max(high, t.clamp[0]))
            for message in check_ranges(rows, low, high, label=label):
                found.setdefault(message, []).append((difficulty, low, high))
        for message, where in found.items():
            spans = sorted({f"{low}..{high}" for _, low, high in where})
            if len(where) == len(envs) and len(envs) > 1:
                self.err(p, f"{message} (every difficulty; the formula gives {' or '.join(spans)})")
            elif where[0][0]:
                which = ", ".join(d for d, _, _ in where)
                self.err(p, f"{message} (difficulty {which}: the formula gives "
                            f"{' or '.join(spans)})")
            else:
                self.err(p, f"{message} (the formula gives {spans[0]})")

    def _difficulty_envs(self, formula: Expr) -> list[tuple[str, dict[str, Value]]]:
        """One name -> value map per difficulty, for the ``@difficulty`` vars the formula uses."""
        used = [name for sigil, name in formula.references()
                if sigil == "@" and len(name) == 2 and name[0] == "difficulty"]
        if not used:
            return [("", {})]
        out: list[tuple[str, dict[str, Value]]] = []
        for label, d in self.rs.difficulty.items():
            env: dict[str, Value] = {
                "@difficulty." + n[1]: d.vars[n[1]] for n in used if n[1] in d.vars
            }
            if len(env) == len(used):
                out.append((label, env))
        return out

    def deck(self, p: P, d: Deck, scope: Scope) -> None:
        if not d.cards:
            self.err((*p, "cards"), "a deck needs cards")
        ids: set[str] = set()
        for key, cards in (("cards", d.cards), ("specials", d.specials)):
            for index, card in enumerate(cards):
                cp: P = (*p, key, index)
                if card.id in ids:
                    self.err((*cp, "id"), f"card id {card.id!r} is used twice")
                ids.add(card.id)
                if "#" in card.id:
                    self.err((*cp, "id"), "a card id cannot contain '#'")
                if card.n < 1:
                    self.err((*cp, "n"), "must be at least 1")
                elif key == "specials" and card.n != 1:
                    self.err((*cp, "n"), "specials are one card each: list more specials instead")
                self.units_list((*cp, "spawn"), card.spawn)
                if card.spawn:
                    self.zone_ref((*cp, "at"), card.at, scope)
                elif card.at:
                    self.err((*cp, "at"), "at is only used with spawn")
                self.effects((*cp, "do"), card.do, scope)
        piles = self.expr((*p, "piles"), d.piles, {})
        if isinstance(d.piles, int) and d.piles < 1:
            self.err((*p, "piles"), "must be at least 1")
        if d.specials:
            envs = self._difficulty_envs(piles) if piles is not None else [("", {})]
            for difficulty, names in envs:
                bounds = (d.piles, d.piles) if isinstance(d.piles, int) else (
                    formula_bounds(piles, MapEnv(names=names)) if piles is not None else None)
                if bounds is not None and bounds[1] > len(d.specials):
                    where = f" (difficulty {difficulty})" if difficulty else ""
                    self.err((*p, "piles"), f"{bounds[1]} piles{where} but {len(d.specials)} "
                                            "specials: each pile takes one special")
                    break


def _spawns(table: Table) -> bool:
    rows = [*table.rows, *(r for rows in table.bands.values() for r in rows)]
    return any(r.spawn for r in rows)


def _table_effects(table: Table) -> list[Effect]:
    rows = [*table.rows, *(r for rows in table.bands.values() for r in rows)]
    return [e for r in rows for e in _nested(r.do)]


def _deck_effects(deck: Deck) -> list[Effect]:
    return [e for c in (*deck.cards, *deck.specials) for e in _nested(c.do)]


def _nested(effects: Iterable[Effect]) -> Iterator[Effect]:
    for e in effects:
        yield e
        yield from _nested(e.short)


def _all_effects(rs: Ruleset) -> list[Effect]:
    lists: list[Iterable[Effect]] = []
    for t in rs.tracks.values():
        lists.extend(trig.do for trig in t.on_reach)
    actions = [*rs.actions.values(), *(a for h in rs.heroes.values() for a in h.actions.values())]
    lists.extend(a.do for a in actions)
    lists.extend(a.fail for a in actions)
    for u in rs.units.values():
        lists.extend(u.acts.values())
        lists.extend((u.on_attack, u.on_death))
    for table in rs.tables.values():
        rows = (*table.rows, *(x for band in table.bands.values() for x in band))
        lists.extend(r.do for r in rows)
    for deck in rs.decks.values():
        lists.extend(c.do for c in (*deck.cards, *deck.specials))
    lists.extend(s.do for ph in rs.round for s in ph.steps)
    lists.extend(m.at_each_stop for m in rs.markers.values())
    return [e for effects in lists for e in _nested(effects)]


def _common(scopes: Sequence[Scope] | None) -> dict[str, str]:
    """The variables bound at every call site; a never-used table or deck gets all of them."""
    if not scopes:
        return dict.fromkeys(BUILTIN_NAMES.variables - _NUMBER_VARS, _ANY)
    common = dict(scopes[0])
    for scope in scopes[1:]:
        for key in list(common):
            if key not in scope:
                del common[key]
            elif scope[key] != common[key]:
                common[key] = _ANY
    return common


def check_ruleset(rs: Ruleset, broken: Mapping[str, set[str]] | None = None,
                  failed: set[str] | None = None) -> list[Issue]:
    """Every semantic problem of ``rs`` as ``(key path, message)`` pairs."""
    return Checker(rs, broken or {}, failed or set()).run()
