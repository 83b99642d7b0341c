"""Seats changing hands during a game: latecomers, and a seat moved to a new device.

*Latecomers.* A player who comes while the game is on (with a name, no token) gets, in order:
a vacant seat (its player was removed) if there is one; else — when the host allows it
(``latecomers_on``) and a hero is free and the table not full — a new seat of their own, on
which they pick a free hero (``pick_hero`` during the game: the hero arrives at home); else the
truth: ``join/watch_only`` (heroes are free but the host has not let latecomers in) or
``join/game_started`` (no hero is free). Either way the phone can watch as a spectator.

*Moving a seat.* The host's ``move_seat`` control issues a one-time token for a seat (only its
hash is kept, in a :class:`~cibo.rooms.facts.SeatMoveIssued` fact). A device that joins with
it as its ``token`` takes the seat with a new token of its own (a
:class:`~cibo.rooms.facts.SeatMoved` fact); the old device is closed with ``seat/moved``, and
its token answers ``join/moved`` from then on. The link works once; a new one replaces it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cibo.core import IllegalCommand
from cibo.core.commands import JoinSeat
from cibo.core.rules import free_heroes
from cibo.protocol.errors import error_message
from cibo.rooms.facts import Latecomers, SeatClaimed, SeatMoved, SeatMoveIssued
from cibo.rooms.names import name_key
from cibo.rooms.roster import Seat
from cibo.rooms.steps import ROOM_CMD_ID, Step
from cibo.rooms.tokens import new_token, token_hash

if TYPE_CHECKING:
    from cibo.rooms.session import RoomSession

__all__ = ["issue_move", "latecomer_seat", "move_by_link", "set_latecomers", "table_open"]


def table_open(room: RoomSession) -> bool:
    """A new seat with a free hero fits in the game now."""
    s = room.state
    return bool(free_heroes(s)) and len(s.seats) < s.ruleset.ruleset.players.max


def latecomer_seat(room: RoomSession, step: Step, shown: str, token: str) -> SeatClaimed:
    """The seat a player who comes during the game gets (see the module docstring).

    Raises:
        IllegalCommand: ``join/watch_only``, ``join/game_started`` or ``join/name_taken``.
    """
    vacant = room.roster.vacant()
    if vacant is not None:
        return SeatClaimed(vacant.id, vacant.name, token_hash(token))
    if not table_open(room):
        raise _illegal("join/game_started")
    if not room.roster.latecomers:
        raise _illegal("join/watch_only")
    if any(name_key(s.name) == name_key(shown) for s in room.roster.seats.values()):
        raise _illegal("join/name_taken")
    seat_id = f"s{room.roster.next_seat}"
    room.run(step, seat_id, ROOM_CMD_ID, JoinSeat(seat=seat_id, name=shown))
    return SeatClaimed(seat_id, shown, token_hash(token))


def set_latecomers(room: RoomSession, step: Step, value: bool) -> None:
    if room.roster.latecomers != value:
        room.record(step, Latecomers(value))


def issue_move(room: RoomSession, step: Step, seat_id: str) -> str:
    """A one-time token that moves ``seat_id`` to the device that joins with it.

    Raises:
        IllegalCommand: ``room/no_such_seat`` (no such seat, vacant, or a bot's).
    """
    seat = room.roster.seats.get(seat_id)
    if seat is None or seat.token_hash is None or seat.bot:
        raise _illegal("room/no_such_seat")
    token = new_token()
    room.record(step, SeatMoveIssued(seat.id, token_hash(token)))
    return token


def move_by_link(room: RoomSession, step: Step, token: str) -> tuple[Seat, str] | None:
    """The seat ``token`` moves here, with the new device's own token (the old device is
    closed with ``seat/moved``); None if ``token`` is not a move link."""
    link = token_hash(token)
    seat = room.roster.seats.get(room.roster.moves.get(link, ""))
    if seat is None:
        return None
    mine = new_token()
    old = seat.client
    room.record(step, SeatMoved(seat.id, token_hash(mine), link))
    if old is not None:
        room.drop_client(step, old, "seat/moved")
    return seat, mine


def _illegal(code: str) -> IllegalCommand:
    return IllegalCommand(error_message(code), code=code)
