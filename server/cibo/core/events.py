"""Events: what happened, in the past tense, with every random outcome written in.

Events are fine-grained so that :func:`cibo.core.reducer.apply` is a plain, total function of
(state, event) and so that the table display can narrate each one. Events that consumed random
numbers carry the stream position after them (``Roll.counter_end`` or ``rng_end``), so replay
never rolls. Each event's wire name is its ``type`` (snake case of the class name).

Private fields: ``DeckBuilt.order`` and ``DeckReshuffled.order`` (nobody), ``CardsPeeked.cards``
(only ``seat``). :mod:`cibo.core.views` projects them away.
"""

from __future__ import annotations

import re
from typing import Any

from attrs import frozen

from cibo.core.dice import Roll
from cibo.core.serial import from_tagged, to_tagged

__all__ = [
    "EVENT_TYPES",
    "ActionTaken",
    "CardDrawn",
    "CardsPeeked",
    "CommandUndone",
    "ConcessionAccepted",
    "ConcessionDeclined",
    "ConcessionOffered",
    "DeckBuilt",
    "DeckReshuffled",
    "DifficultySet",
    "Event",
    "GameEnded",
    "GameStarted",
    "HeroArrived",
    "HeroDamaged",
    "HeroDowned",
    "HeroDropped",
    "HeroHealed",
    "HeroMoved",
    "HeroPicked",
    "HeroPlaced",
    "HeroRevived",
    "MarkerLaunched",
    "MarkerMoved",
    "NoiseChanged",
    "PhaseStarted",
    "RoundStarted",
    "SeatJoined",
    "SeatLeft",
    "SpawnBlocked",
    "TableRolled",
    "TrackChanged",
    "TriggerFired",
    "TurnEnded",
    "TurnStarted",
    "UnitActed",
    "UnitDamaged",
    "UnitDestroyed",
    "UnitMoved",
    "UnitRegenerated",
    "UnitSpawned",
    "ZoneDestroyed",
    "ZoneDormant",
    "event_from_dict",
    "event_to_dict",
    "event_type",
]


@frozen
class SeatJoined:
    seat: str
    name: str


@frozen
class SeatLeft:
    seat: str


@frozen
class HeroPicked:
    seat: str
    hero: str
    kind: str


@frozen
class HeroDropped:
    seat: str
    hero: str


@frozen
class DifficultySet:
    difficulty: str


@frozen
class HeroPlaced:
    hero: str
    zone: str
    hp: int


@frozen
class GameStarted:
    commitment: str
    difficulty: str
    tracks: dict[str, int]
    heroes: tuple[HeroPlaced, ...]


@frozen
class DeckBuilt:
    deck: str
    order: tuple[str, ...]
    rng_end: int


@frozen
class RoundStarted:
    round: int


@frozen
class PhaseStarted:
    phase: int
    name: str
    actions: int


@frozen
class TurnStarted:
    hero: str
    actions: int


@frozen
class TurnEnded:
    hero: str


@frozen
class ActionTaken:
    seat: str
    hero: str
    action: str
    target: str
    cost: int
    noise: int
    roll: Roll | None = None
    success: bool | None = None


@frozen
class HeroMoved:
    hero: str
    zone: str
    path: tuple[str, ...]


@frozen
class TrackChanged:
    track: str
    value: int
    delta: int
    cause: str = ""


@frozen
class NoiseChanged:
    values: dict[str, int]
    """New noise of each zone that changed."""


@frozen
class TriggerFired:
    track: str
    value: int


@frozen
class TableRolled:
    table: str
    band: str
    roll: Roll
    row: int
    text: str
    at: str


@frozen
class UnitSpawned:
    unit: str
    kind: str
    zone: str
    hp: int
    source: str


@frozen
class SpawnBlocked:
    kind: str
    zone: str
    reason: str


@frozen
class UnitMoved:
    unit: str
    zone: str
    path: tuple[str, ...]


@frozen
class UnitDamaged:
    unit: str
    amount: int
    hp: int
    source: str


@frozen
class UnitDestroyed:
    unit: str
    kind: str
    source: str


@frozen
class UnitRegenerated:
    unit: str
    hp: int


@frozen
class UnitActed:
    unit: str
    behavior: str
    zone: str


@frozen
class HeroDamaged:
    hero: str
    amount: int
    hp: int
    source: str


@frozen
class HeroDowned:
    hero: str
    zone: str
    """Where the hero lies: ``rules.downed_zone`` if the ruleset sets one, else where they fell."""


@frozen
class HeroHealed:
    hero: str
    hp: int


@frozen
class HeroRevived:
    hero: str
    zone: str
    hp: int


@frozen
class ZoneDormant:
    zone: str
    until: int


@frozen
class ZoneDestroyed:
    zone: str


@frozen
class MarkerLaunched:
    marker: str


@frozen
class MarkerMoved:
    marker: str
    index: int
    zone: str


@frozen
class CardDrawn:
    deck: str
    card: str
    text: str


@frozen
class DeckReshuffled:
    deck: str
    order: tuple[str, ...]
    rng_end: int


@frozen
class CardsPeeked:
    seat: str
    deck: str
    cards: tuple[str, ...]


@frozen
class GameEnded:
    status: str
    cause: str
    text: str
    seed: str
    """The revealed seed (hex); check it against ``GameStarted.commitment``."""


@frozen
class ConcessionOffered:
    """At the start of ``round`` the ``[[concede]]`` entry ``reason`` held: the table may
    concede or play on. ``values`` fill its text's placeholders; ``text`` is that sentence in
    the ruleset's first language, filled in."""

    round: int
    reason: str
    values: dict[str, int]
    text: str


@frozen
class ConcessionDeclined:
    """``seat`` chose to play on: the offer is gone until the next round's start."""

    seat: str
    round: int


@frozen
class ConcessionAccepted:
    """``seat`` conceded for the table; a ``GameEnded`` (lost, ``conceded``) follows."""

    seat: str
    round: int
    reason: str


@frozen
class HeroArrived:
    """A latecomer's seat took a free hero during the game: it stands in ``zone`` (the home
    zone) with ``hp``, and plays from its next turn."""

    seat: str
    hero: str
    kind: str
    zone: str
    hp: int


@frozen
class CommandUndone:
    """``by`` (a seat: the player or the host) took back ``seat``'s latest command, which
    was ``command`` (``act`` or ``end_turn``) of ``hero`` (``action`` on ``target`` for an
    ``act``): the game is again as it was right after event ``back_to``.

    :func:`cibo.core.apply` leaves the state as it is: the state to go back to is not in the
    event. Folds over a journal keep it (:class:`cibo.journal.replay.Fold`), and a room keeps
    it (:mod:`cibo.rooms.undo`). Only a command that rolled no die and revealed nothing may
    be taken back (:func:`cibo.core.undo.undo_blocker`).
    """

    seat: str
    by: str
    back_to: int
    command: str
    hero: str
    action: str = ""
    target: str = ""


Event = (
    SeatJoined
    | SeatLeft
    | HeroPicked
    | HeroDropped
    | DifficultySet
    | GameStarted
    | DeckBuilt
    | RoundStarted
    | PhaseStarted
    | TurnStarted
    | TurnEnded
    | ActionTaken
    | HeroMoved
    | TrackChanged
    | NoiseChanged
    | TriggerFired
    | TableRolled
    | UnitSpawned
    | SpawnBlocked
    | UnitMoved
    | UnitDamaged
    | UnitDestroyed
    | UnitRegenerated
    | UnitActed
    | HeroDamaged
    | HeroDowned
    | HeroHealed
    | HeroRevived
    | ZoneDormant
    | ZoneDestroyed
    | MarkerLaunched
    | MarkerMoved
    | CardDrawn
    | DeckReshuffled
    | CardsPeeked
    | GameEnded
    | CommandUndone
    | HeroArrived
    | ConcessionOffered
    | ConcessionDeclined
    | ConcessionAccepted
)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


EVENT_TYPES: dict[str, type[Any]] = {
    _snake(cls.__name__): cls
    for cls in (
        SeatJoined,
        SeatLeft,
        HeroPicked,
        HeroDropped,
        DifficultySet,
        GameStarted,
        DeckBuilt,
        RoundStarted,
        PhaseStarted,
        TurnStarted,
        TurnEnded,
        ActionTaken,
        HeroMoved,
        TrackChanged,
        NoiseChanged,
        TriggerFired,
        TableRolled,
        UnitSpawned,
        SpawnBlocked,
        UnitMoved,
        UnitDamaged,
        UnitDestroyed,
        UnitRegenerated,
        UnitActed,
        HeroDamaged,
        HeroDowned,
        HeroHealed,
        HeroRevived,
        ZoneDormant,
        ZoneDestroyed,
        MarkerLaunched,
        MarkerMoved,
        CardDrawn,
        DeckReshuffled,
        CardsPeeked,
        GameEnded,
        CommandUndone,
        HeroArrived,
        ConcessionOffered,
        ConcessionDeclined,
        ConcessionAccepted,
    )
}
_TYPE_NAMES = {cls: name for name, cls in EVENT_TYPES.items()}


def event_type(event: Event) -> str:
    return _TYPE_NAMES[type(event)]


def event_to_dict(event: Event) -> dict[str, Any]:
    """The complete event as plain data, private fields included (for the journal only)."""
    return to_tagged(event, event_type(event))


def event_from_dict(data: dict[str, Any]) -> Event:
    """Inverse of :func:`event_to_dict`; raises :class:`DataError` on anything malformed."""
    event: Event = from_tagged(data, EVENT_TYPES, "event")
    return event
