"""The game state: frozen values that only :func:`cibo.core.reducer.apply` creates anew.

Mappings are plain dicts treated as immutable: the reducer copies a dict before changing it, so
states share whatever did not change. Nothing here validates; validation is
:func:`cibo.core.rules.decide`'s job.

Private fields (never in a view, see :mod:`cibo.core.views`): ``seed``, every deck's ``draw`` pile
order, and ``peeks`` (each seat sees only its own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

import attrs
from attrs import field, frozen

from cibo.core.ruleset import Ruleset

__all__ = [
    "DeckState",
    "GameState",
    "HeroState",
    "MarkerState",
    "Offer",
    "Seat",
    "Status",
    "UnitState",
    "replace",
]

Status = Literal["lobby", "playing", "won", "lost", "aborted"]


@frozen
class Seat:
    id: str
    name: str


@frozen
class HeroState:
    id: str
    kind: str
    seat: str
    zone: str = ""
    hp: int = 0
    max_hp: int = 0
    actions_left: int = 0
    done: bool = True
    downed: bool = False
    uses_round: dict[str, int] = field(factory=dict)
    uses_game: dict[str, int] = field(factory=dict)
    last_used: dict[str, int] = field(factory=dict)
    """Round in which each limited action was last used (for ``Limit.every``)."""


@frozen
class UnitState:
    id: str
    kind: str
    zone: str
    hp: int


@frozen
class MarkerState:
    launched: bool = False
    index: int = 0


@frozen
class DeckState:
    draw: tuple[str, ...] = ()
    """Card ids, top first. Private: no audience ever sees the order."""
    discard: tuple[str, ...] = ()


@frozen
class Offer:
    """A concession on the table: ``[[concede]]`` entry ``reason`` held at the start of
    ``round``; ``values`` are its text's numbers then, ``text`` that sentence filled in."""

    reason: str
    round: int
    values: dict[str, int] = field(factory=dict)
    text: str = ""


@frozen(slots=False)
class GameState:
    """The whole game at one moment.

    Not slotted: :func:`replace` copies a state for every event, and copying its fields' dict
    is one C call where slots need one per field (there are many, and most never change).
    """

    ruleset: Ruleset = field(repr=False, eq=False)
    ruleset_sha256: str
    seed: bytes = field(repr=False)
    commitment: str
    status: Status = "lobby"
    difficulty: str = "normal"
    seats: tuple[Seat, ...] = ()
    heroes: tuple[HeroState, ...] = ()
    units: tuple[UnitState, ...] = ()
    next_unit: int = 1
    tracks: dict[str, int] = field(factory=dict)
    noise: dict[str, int] = field(factory=dict)
    dormant: dict[str, int] = field(factory=dict)
    """Zone -> last round it stays dormant."""
    destroyed: frozenset[str] = frozenset()
    markers: dict[str, MarkerState] = field(factory=dict)
    decks: dict[str, DeckState] = field(factory=dict)
    peeks: dict[str, tuple[str, ...]] = field(factory=dict, repr=False)
    drawn: dict[str, frozenset[int]] = field(factory=dict)
    """Rows already drawn from tables rolled without replacement."""
    fired: frozenset[str] = frozenset()
    """``track@value`` of ``once`` triggers that already fired."""
    round: int = 0
    phase: int = 0
    turn: str = ""
    """The hero whose turn it is in an ``each_hero`` phase."""
    rng_counter: int = 0
    outcome: str = ""
    outcome_text: str = ""
    offer: Offer | None = None
    """The concession the table is offered now (hero commands wait for its answer); after a
    conceded game, the offer it accepted."""

    @property
    def over(self) -> bool:
        return self.status in ("won", "lost", "aborted")

    def hero(self, hero_id: str) -> HeroState | None:
        for h in self.heroes:
            if h.id == hero_id:
                return h
        return None

    def unit(self, unit_id: str) -> UnitState | None:
        for u in self.units:
            if u.id == unit_id:
                return u
        return None

    def seat(self, seat_id: str) -> Seat | None:
        for s in self.seats:
            if s.id == seat_id:
                return s
        return None

    def active_heroes(self) -> tuple[HeroState, ...]:
        return tuple(h for h in self.heroes if not h.downed)

    def zone_active(self, zone: str) -> bool:
        """A zone is active unless destroyed or dormant this round."""
        return zone not in self.destroyed and self.dormant.get(zone, -1) < self.round


_T = TypeVar("_T")


def _make_replacer(cls: type[Any]) -> Callable[[Any, dict[str, Any]], Any]:
    """Compile ``cls``'s copy-with-changes function: one line per field, no loop, no lookups.

    Frozen attrs classes refuse ``setattr``; a slotted class's member descriptors still set a
    slot directly. Generating the code (as attrs does for ``__init__``) keeps each field to a
    dict test and one C call, about four times faster than a loop over ``object.__setattr__``.
    """
    names = [a.name for a in attrs.fields(cls)]
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_fields": frozenset(names)}
    lines = [
        "def replacer(obj, changes):",
        "    if not changes.keys() <= _fields:",
        "        raise TypeError(f'no such field: {sorted(changes.keys() - _fields)}')",
        "    new = _new(_cls)",
    ]
    if "__slots__" not in cls.__dict__:
        # A class with a ``__dict__`` (GameState, the value copied for every event): two
        # dict updates in C instead of one call per field.
        lines += [
            "    values = new.__dict__",
            "    values.update(obj.__dict__)",
            "    values.update(changes)",
            "    return new",
        ]
        exec("\n".join(lines), scope)  # our own code, built from attrs' field names
        copier: Callable[[Any, dict[str, Any]], Any] = scope["replacer"]
        return copier
    for i, name in enumerate(names):
        if not name.isidentifier():  # attrs guarantees it; the generated code relies on it
            raise TypeError(f"{cls.__name__}.{name} is not an identifier")
        scope[f"_set{i}"] = cls.__dict__[name].__set__
        lines.append(f"    _set{i}(new, changes[{name!r}] if {name!r} in changes else obj.{name})")
    lines.append("    return new")
    exec("\n".join(lines), scope)  # our own code, built from attrs' field names
    replacer: Callable[[Any, dict[str, Any]], Any] = scope["replacer"]
    return replacer


_REPLACERS: dict[type[Any], Callable[[Any, dict[str, Any]], Any]] = {}


def replace(obj: _T, **changes: Any) -> _T:
    """A copy of the frozen attrs value ``obj`` with ``changes``; like ``attrs.evolve``, faster.

    The reducer creates a new state for every event, so this is on the hot path of replay,
    simulation and every command. It skips ``__init__`` (no validators run: the reducer's values
    are the engine's own, already valid). A name that is not a field raises ``TypeError``.
    """
    cls = type(obj)
    replacer = _REPLACERS.get(cls)
    if replacer is None:
        replacer = _REPLACERS[cls] = _make_replacer(cls)
    result: _T = replacer(obj, changes)
    return result
