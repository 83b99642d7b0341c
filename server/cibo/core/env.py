"""The names a ruleset's expressions can read, resolved against a game state.

Three kinds of names (see ``docs/rulesets.md``):

* bare names: tracks (``villagers``), ``<track>.band``, ``<marker>.launched`` / ``<marker>.at``
  and the built-ins in :data:`BUILTINS`;
* ``@`` references: ``@difficulty.<var>``, ``@scaling.<name>``, ``@hero.<stat>`` (the acting
  hero) and ``@<track>.<values>`` (a per-value array read at the track's current value);
* ``$`` variables bound by the engine while it runs an action or a step: ``$hero``, ``$zone``,
  ``$target``, ``$roll``, ``$each``, ``$short``, ``$unit``, ``$tower``. A variable holding an id
  gives access to the entity's fields: ``$hero.zone``, ``$unit.siege``, ``$each.noise``.

Inside ``count(zones:TAG where …)`` the item's own fields come first (``noise``,
``watched_noise``, ``units``, ``heroes``, ``name``), then everything above.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from cibo.core.expr import Count, Name, Node, Sum, Value, compile_expr
from cibo.core.expr.syntax import children, walk
from cibo.core.ruleset import Ruleset
from cibo.core.state import GameState, HeroState

__all__ = [
    "BUILTINS",
    "PARTS",
    "GameEnv",
    "ItemEnv",
    "Reads",
    "Sigil",
    "reads_of",
    "track_band",
    "watched_noise",
    "zone_field",
]

BUILTINS: tuple[str, ...] = (
    "round",
    "rounds",
    "heroes",
    "heroes_active",
    "noise_total",
    "units",
    "allies_here",
)

Sigil = Literal["", "@", "$"]


def watched_noise(state: GameState, zone: str) -> int:
    z = state.ruleset.zones[zone]
    return sum(state.noise.get(w, 0) for w in z.watches)


PARTS: tuple[str, ...] = (
    "tracks",
    "units",
    "noise",
    "markers",
    "round",
    "difficulty",
    "dormant",
    "destroyed",
    "heroes",
)
"""The fields of a :class:`GameState` that a :class:`GameEnv` reads (through the ruleset,
which never changes during a game). Keep in step with the resolvers below."""

_ITEM_PARTS: dict[str, frozenset[str]] = {
    "heroes": frozenset({"heroes"}),
    "units": frozenset({"units"}),
    "zones": frozenset({"noise", "units", "heroes", "dormant", "destroyed", "round"}),
}
"""What an item of each collection can read of the state itself (its own fields)."""

_BOUND_HERO = "hero"
"""A part of :func:`reads_of`'s own (never a state's field): what ``allies_here`` and
``@hero.<field>`` read, the bound hero and who stands with it, not every hero."""

_HERO_COUNT = "hero_count"
"""A part of :func:`reads_of`'s own: what ``heroes``, ``heroes_active`` and ``@scaling.<name>``
read, how many heroes there are and how many are up, not where they stand."""


_BUILTIN_PARTS: dict[str, frozenset[str]] = {
    "round": frozenset({"round"}),
    "rounds": frozenset(),
    "heroes": frozenset({_HERO_COUNT}),
    "heroes_active": frozenset({_HERO_COUNT}),
    "noise_total": frozenset({"noise"}),
    "units": frozenset({"units"}),
    "allies_here": frozenset({_BOUND_HERO}),
}


class Reads:
    """What a set of expressions can read of a state (some of :data:`PARTS`), as a key.

    Two states with equal :meth:`key` values give each of the expressions the same value
    under the same bindings: expressions cannot roll without a stream, and a name holding a
    formula is evaluated with the same env. A caller may then skip evaluating them again.
    Heroes enter the key only by what names can read of them (id, kind, zone, hit points,
    downed), not by their actions and limits; and narrower still when the expressions read
    them only through the bound hero (``allies_here``, ``@hero.<field>``: that hero's own
    fields and how many allies stand with it, :attr:`bound`) or only by number (``heroes``,
    ``heroes_active``, ``@scaling``: how many, how many up, :attr:`counted`).
    """

    __slots__ = ("_heroes", "_last", "bound", "counted", "parts")

    def __init__(
        self, parts: Iterable[str], *, bound: bool = False, counted: bool = False
    ) -> None:
        wanted = set(parts)
        self.parts = tuple(p for p in PARTS if p in wanted and p != "heroes")
        self._heroes = "heroes" in wanted
        if self._heroes:
            self.parts += ("heroes",)
        self.bound = bound and self._heroes
        """The heroes are read through the bound hero (see :meth:`key`), or by number."""
        self.counted = counted and self._heroes
        """The heroes are read by their number (see :meth:`key`), or through the bound hero."""
        self._last: tuple[object, tuple[object, ...]] = ((), ())
        """The last heroes tuple seen and what names can read of it (states share it)."""

    def key(self, state: GameState, hero: HeroState | None = None) -> tuple[object, ...]:
        """What the expressions can read of ``state``, evaluated with ``hero`` bound (pass the
        hero only when it is bound: the key is then about that hero)."""
        if not self._heroes:
            return tuple([getattr(state, p) for p in self.parts])
        heroes = state.heroes
        # Without the bound hero, reads through it can only be keyed by every hero.
        if (self.bound and hero is not None) or (self.counted and not self.bound):
            narrow: tuple[object, ...] = ()
            if self.counted:
                narrow = (len(heroes), sum(1 for h in heroes if not h.downed))
            if hero is not None and self.bound:
                allies = sum(
                    1 for h in heroes if not h.downed and h.zone == hero.zone and h.id != hero.id
                )
                mine = (hero.id, hero.kind, hero.zone, hero.hp, hero.max_hp, hero.downed, allies)
                narrow = (*narrow, mine)
            return (*[getattr(state, p) for p in self.parts[:-1]], narrow)
        last, seen = self._last
        if heroes is not last:
            seen = tuple([(h.id, h.kind, h.zone, h.hp, h.max_hp, h.downed) for h in heroes])
            self._last = (heroes, seen)
        return (*[getattr(state, p) for p in self.parts[:-1]], seen)


def reads_of(rs: Ruleset, sources: Iterable[str]) -> Reads:
    """The :class:`Reads` of the expressions ``sources`` (evaluated with :class:`GameEnv`).

    Conservative: a name whose reads are not known here (``$`` variables, a value that holds
    a formula, an unknown name) counts as reading everything.

    Raises:
        ExprError: when a source does not compile.
    """
    parts: set[str] = set()
    for source in sources:
        if source:
            _node_reads(rs, compile_expr(source).root, "", parts)
    every = "heroes" in parts
    bound = _BOUND_HERO in parts and not every
    counted = _HERO_COUNT in parts and not every
    if _BOUND_HERO in parts or _HERO_COUNT in parts:
        parts -= {_BOUND_HERO, _HERO_COUNT}
        parts.add("heroes")
    return Reads(parts, bound=bound, counted=counted)


def _node_reads(rs: Ruleset, node: Node, scope: str, parts: set[str]) -> None:
    """Add what ``node`` reads to ``parts``; ``scope`` is the collection of the items it is
    evaluated on (``""`` outside ``count``/``sum``)."""
    if isinstance(node, Count | Sum):
        kind = node.collection.split(":", 1)[0]
        if kind not in _ITEM_PARTS:
            parts.update(PARTS)
            return
        parts.update(_ITEM_PARTS["zones"] if kind == "zones" else _ITEM_PARTS[kind])
        for child in children(node):
            _node_reads(rs, child, kind, parts)
        return
    if isinstance(node, Name):
        if scope and node.sigil == "" and len(node.path) == 1:
            # An item's own field, or else a name of the enclosing env.
            parts.update(_ITEM_PARTS[scope])
            if scope == "heroes":
                return  # every bare name is a hero field (a stat, 0 when the hero has none)
        parts.update(_name_reads(rs, node.sigil, node.path))
        return
    for child in children(node):
        _node_reads(rs, child, scope, parts)


def _name_reads(rs: Ruleset, sigil: Sigil, path: tuple[str, ...]) -> frozenset[str]:
    everything = frozenset(PARTS)
    head, rest = path[0], path[1:]
    if sigil == "":
        if not rest:
            if head in rs.tracks:
                return frozenset({"tracks"})
            return _BUILTIN_PARTS.get(head, everything)
        if head in rs.markers and len(rest) == 1:
            return frozenset({"markers", "tracks"})  # ``.band`` of a track of the same name
        if head in rs.tracks and rest == ("band",):
            return frozenset({"tracks"})
        return everything
    if sigil == "@" and len(rest) == 1:
        if head == "hero":
            return _hero_field_reads(rs, rest[0])
        if head == "difficulty":
            held = [d.vars.get(rest[0]) for d in rs.difficulty.values()]
            return frozenset({"difficulty"}) if _numbers(held) else everything
        if head == "scaling":
            held = list(rs.scaling.get(rest[0], {}).values())
            return frozenset({_HERO_COUNT}) if _numbers(held) else everything
        if head in rs.tracks and head != "hero":
            values = rs.tracks[head].values.get(rest[0], ())
            return frozenset({"tracks"}) if _numbers(values) else everything
    return everything


_HERO_STATE_FIELDS = frozenset({"hp", "zone", "max_hp", "downed", "kind"})
"""The fields of ``@hero`` (and ``$hero``) read from the hero's state; the others are its
kind's numbers in the ruleset."""


def _hero_field_reads(rs: Ruleset, name: str) -> frozenset[str]:
    """What ``@hero.<name>`` reads: the heroes for a field of the hero's state, nothing for a
    number of its kind, and for ``attack`` (a formula, evaluated in turn) what the attack
    formula of any kind reads; everything when an attack formula names ``@hero.attack``
    itself (it would never end)."""
    if name in _HERO_STATE_FIELDS:
        return frozenset({_BOUND_HERO})
    if name != "attack":
        return frozenset()  # move and the kind's stats (0 for a stat the kind lacks)
    parts: set[str] = set()
    for hero in rs.heroes.values():
        if not hero.attack:
            continue
        root = compile_expr(hero.attack).root
        if any(
            isinstance(n, Name) and n.sigil == "@" and n.path == ("hero", "attack")
            for n in walk(root)
        ):
            return frozenset(PARTS)
        _node_reads(rs, root, "", parts)
    return frozenset(parts)


def _numbers(values: Iterable[object]) -> bool:
    """Plain numbers (no formula that would read more), none missing."""
    return all(isinstance(v, int) for v in values)


class GameEnv:
    """An :class:`cibo.core.expr.Env` over ``state`` with the engine's variable bindings."""

    __slots__ = ("bindings", "state")

    def __init__(self, state: GameState, bindings: Mapping[str, Value] | None = None) -> None:
        self.state = state
        self.bindings: Mapping[str, Value] = bindings or {}

    def bind(self, **more: Value) -> GameEnv:
        return GameEnv(self.state, {**self.bindings, **more})

    # -- the Env protocol ---------------------------------------------------------------------

    def lookup(self, sigil: Sigil, path: tuple[str, ...]) -> Value:
        if sigil == "$":
            return self._variable(path)
        if sigil == "@":
            return self._reference(path)
        return self._name(path)

    def items(self, collection: str) -> Sequence[GameEnv]:
        s = self.state
        if collection == "heroes":
            return [ItemEnv(self, "hero", h.id) for h in s.active_heroes()]
        if collection == "units":
            return [ItemEnv(self, "unit", u.id) for u in s.units]
        if collection == "zones":
            return [ItemEnv(self, "zone", z) for z in s.ruleset.zones]
        if collection.startswith("zones:"):
            tag = collection[len("zones:") :]
            return [
                ItemEnv(self, "zone", name)
                for name, z in s.ruleset.zones.items()
                if tag in z.tags and s.zone_active(name)
            ]
        raise KeyError(collection)

    # -- resolution ---------------------------------------------------------------------------

    def _name(self, path: tuple[str, ...]) -> Value:
        s = self.state
        head = path[0]
        if len(path) == 1:
            if head in s.tracks:
                return s.tracks[head]
            if head in s.ruleset.tracks:
                return 0
            return self._builtin(head)
        if head in s.ruleset.markers and len(path) == 2:
            m = s.markers.get(head)
            if path[1] == "launched":
                return bool(m and m.launched)
            if path[1] == "at":
                if not (m and m.launched):
                    return ""
                return s.ruleset.markers[head].path[m.index]
        if head in s.ruleset.tracks and path[1:] == ("band",):
            return track_band(s, head)
        raise KeyError(".".join(path))

    def _builtin(self, name: str) -> Value:
        s = self.state
        if name == "round":
            return s.round
        if name == "rounds":
            return s.ruleset.ruleset.rounds
        if name == "heroes":
            return len(s.heroes)
        if name == "heroes_active":
            return len(s.active_heroes())
        if name == "noise_total":
            return sum(s.noise.values())
        if name == "units":
            return len(s.units)
        if name == "allies_here":
            hero = s.hero(str(self.bindings.get("hero", "")))
            if hero is None:
                return 0
            return sum(1 for h in s.active_heroes() if h.zone == hero.zone and h.id != hero.id)
        raise KeyError(name)

    def _reference(self, path: tuple[str, ...]) -> Value:
        s = self.state
        rs = s.ruleset
        head, rest = path[0], path[1:]
        if head == "difficulty" and len(rest) == 1:
            return rs.difficulty[s.difficulty].vars[rest[0]]
        if head == "scaling" and len(rest) == 1:
            return rs.scaling[rest[0]][str(len(s.heroes))]
        if head == "hero" and len(rest) == 1:
            return self._entity_field("hero", str(self.bindings["hero"]), rest[0])
        if head in rs.tracks and len(rest) == 1:
            track = rs.tracks[head]
            values = track.values[rest[0]]
            return values[s.tracks.get(head, track.min) - track.min]
        raise KeyError("@" + ".".join(path))

    def _variable(self, path: tuple[str, ...]) -> Value:
        value = self.bindings[path[0]]
        if len(path) == 1:
            return value
        if len(path) != 2:
            raise KeyError("$" + ".".join(path))
        kind = {"hero": "hero", "unit": "unit"}.get(path[0], "")
        if not kind:
            kind = self._kind_of(str(value))
        return self._entity_field(kind, str(value), path[1])

    def _kind_of(self, ident: str) -> str:
        if ident in self.state.ruleset.zones:
            return "zone"
        if self.state.hero(ident) is not None:
            return "hero"
        if self.state.unit(ident) is not None:
            return "unit"
        raise KeyError(ident)

    def _entity_field(self, kind: str, ident: str, name: str) -> Value:
        s = self.state
        if kind == "hero":
            hero = s.hero(ident)
            if hero is None:
                raise KeyError(ident)
            d = s.ruleset.heroes[hero.kind]
            # An if-chain, not a dict of every field: this runs for each hero of a sum.
            if name == "hp":
                return hero.hp
            if name == "zone":
                return hero.zone
            if name == "max_hp":
                return hero.max_hp
            if name == "downed":
                return hero.downed
            if name == "move":
                return d.move
            if name == "attack":
                return d.attack
            if name == "kind":
                return hero.kind
            return d.stats.get(name, 0)
        if kind == "unit":
            unit = s.unit(ident)
            if unit is None:
                raise KeyError(ident)
            u = s.ruleset.units[unit.kind]
            if name == "zone":
                return unit.zone
            if name == "hp":
                return unit.hp
            if name == "kind":
                return unit.kind
            if name == "attack":
                return u.attack
            if name == "siege":
                return u.siege
            if name == "move":
                return u.move
            if name == "armor":
                return u.armor
            raise KeyError(name)
        if kind == "zone":
            return zone_field(s, ident, name)
        raise KeyError(name)


def zone_field(s: GameState, zone: str, name: str) -> Value:
    if name == "name":
        return zone
    if name == "noise":
        return s.noise.get(zone, 0)
    if name == "watched_noise":
        return watched_noise(s, zone)
    if name == "units":
        return sum(1 for u in s.units if u.zone == zone)
    if name == "heroes":
        return sum(1 for h in s.active_heroes() if h.zone == zone)
    if name == "dormant":
        return not s.zone_active(zone)
    raise KeyError(name)


class ItemEnv(GameEnv):
    """One item of a collection: its own fields first, then the enclosing env."""

    __slots__ = ("ident", "kind")

    def __init__(self, parent: GameEnv, kind: str, ident: str) -> None:
        super().__init__(parent.state, {**parent.bindings, "each": ident})
        self.kind = kind
        self.ident = ident

    def _name(self, path: tuple[str, ...]) -> Value:
        if len(path) == 1:
            try:
                return self._entity_field(self.kind, self.ident, path[0])
            except KeyError:
                pass
        return super()._name(path)


def track_band(state: GameState, track: str) -> str:
    bands = state.ruleset.tracks[track].bands
    value = state.tracks.get(track, 0)
    name = ""
    for band in bands:
        if value >= band.start:
            name = band.name
    return name
