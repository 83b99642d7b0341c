"""Room facts: what a room journals besides game commands, as typed values, and their fold.

A fact is a frozen value (like the core's events); :func:`apply_fact` folds one into a
:class:`~cibo.rooms.roster.Roster`. The session applies each fact it journals with it, and
:meth:`~cibo.rooms.session.RoomSession.restore` replays the journaled ones through the same
function, so a restored room is the room that was journaled.

On disk a fact is the ``data`` of a :class:`~cibo.journal.format.MetaRecord`: a map with a
``fact`` key naming the kind (:func:`fact_to_data`, :func:`fact_from_data`). The kinds and
their keys are those journals have always held; a kind this version does not know is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import attrs
from attrs import frozen

from cibo.core import GameState
from cibo.protocol import outbound
from cibo.rooms.roster import Roster

__all__ = [
    "ControlApplied",
    "Fact",
    "HostLinkMinted",
    "HostSet",
    "Locked",
    "Paused",
    "SeatClaimed",
    "SeatRevoked",
    "apply_fact",
    "fact_from_data",
    "fact_to_data",
]


@frozen
class HostLinkMinted:
    """A host link was printed for the room (at creation, and at every restart)."""

    KIND: ClassVar[str] = "room"
    host_token_sha256: str
    ruleset: str = ""


@frozen
class SeatClaimed:
    """A player took a seat: a new one in the lobby, or a vacant one during the game."""

    KIND: ClassVar[str] = "seat"
    seat: str
    name: str
    token_sha256: str


@frozen
class SeatRevoked:
    """A seat's token stopped working (``reason``: ``join/kicked`` or ``seat/left``)."""

    KIND: ClassVar[str] = "revoke"
    seat: str
    reason: str = ""


@frozen
class HostSet:
    """The seat that is the host."""

    KIND: ClassVar[str] = "host"
    seat: str


@frozen
class Paused:
    KIND: ClassVar[str] = "paused"
    value: bool


@frozen
class Locked:
    KIND: ClassVar[str] = "locked"
    value: bool


@frozen
class ControlApplied:
    """A host control from ``seat`` was applied; the room was at ``seq``. Kept so that its
    ``cmd_id`` is answered again, never applied again, after a restart too."""

    KIND: ClassVar[str] = "control"
    seat: str
    cmd_id: str
    seq: int


Fact = HostLinkMinted | SeatClaimed | SeatRevoked | HostSet | Paused | Locked | ControlApplied

_KINDS: dict[str, type[Fact]] = {
    cls.KIND: cls
    for cls in (HostLinkMinted, SeatClaimed, SeatRevoked, HostSet, Paused, Locked, ControlApplied)
}
_TYPES: dict[str, type] = {"str": str, "bool": bool, "int": int}
"""The types of the facts' fields, by their annotation (a bool is not an int here)."""


def fact_to_data(fact: Fact) -> dict[str, Any]:
    """The fact as a meta record's ``data``."""
    return {"fact": fact.KIND, **attrs.asdict(fact)}


def fact_from_data(data: dict[str, Any]) -> Fact | None:
    """The fact in a meta record's ``data``; None for a kind this version does not know.

    Raises:
        ValueError: a known kind with a missing or mistyped key.
    """
    cls = _KINDS.get(str(data.get("fact")))
    if cls is None:
        return None
    values: dict[str, Any] = {}
    for a in attrs.fields(cls):
        if a.name not in data:
            if a.default is attrs.NOTHING:
                raise ValueError(f"room fact {cls.KIND!r} without {a.name!r}")
            continue
        value = data[a.name]
        expected = _TYPES[str(a.type)]
        if type(value) is not expected:
            raise ValueError(f"room fact {cls.KIND!r}: {a.name!r} is {value!r}")
        values[a.name] = value
    return cls(**values)


def apply_fact(roster: Roster, fact: Fact, state: GameState) -> None:
    """Fold ``fact`` into ``roster``; ``state`` is the game when the fact happened."""
    _APPLY[type(fact)](roster, fact, state)


def _host_link(roster: Roster, f: HostLinkMinted, state: GameState) -> None:
    if f.host_token_sha256 not in roster.host_token_hashes:
        roster.host_token_hashes.append(f.host_token_sha256)


def _seat_claimed(roster: Roster, f: SeatClaimed, state: GameState) -> None:
    seat = roster.seats.get(f.seat)
    if seat is None:
        roster.new_seat(f.seat, f.name, f.token_sha256)
    else:  # a vacant seat given to a new player: the old player's answers are not theirs
        seat.token_hash = f.token_sha256
        seat.results.clear()


def _seat_revoked(roster: Roster, f: SeatRevoked, state: GameState) -> None:
    seat = roster.seats.get(f.seat)
    if seat is not None:
        if seat.token_hash is not None:
            roster.revoked.add(seat.token_hash)
        if state.status == "lobby" and state.seat(seat.id) is None:
            del roster.seats[seat.id]  # left the lobby: the seat is gone
        else:
            seat.token_hash = None  # kicked during the game: the seat waits for a newcomer
        seat.results.clear()
    if roster.host_seat == f.seat:
        roster.host_seat = None


def _host_set(roster: Roster, f: HostSet, state: GameState) -> None:
    roster.host_seat = f.seat


def _paused(roster: Roster, f: Paused, state: GameState) -> None:
    roster.paused = f.value


def _locked(roster: Roster, f: Locked, state: GameState) -> None:
    roster.locked = f.value


def _control_applied(roster: Roster, f: ControlApplied, state: GameState) -> None:
    seat = roster.seats.get(f.seat)
    if seat is not None:
        seat.results.put(f.cmd_id, outbound.result_ok(f.cmd_id, f.seq))


_APPLY: dict[type[Any], Callable[[Roster, Any, GameState], None]] = {
    HostLinkMinted: _host_link,
    SeatClaimed: _seat_claimed,
    SeatRevoked: _seat_revoked,
    HostSet: _host_set,
    Paused: _paused,
    Locked: _locked,
    ControlApplied: _control_applied,
}
