"""Joining a room: who may come in, as what, on which seat, and the welcome.

:func:`hello` is :meth:`~cibo.rooms.session.RoomSession.hello`'s work, written as functions
over the session like :mod:`cibo.rooms.controls`: the checks at the door, a new seat in the
lobby (a ``join_seat`` command the room issues itself) or a vacant one during the game (a
:class:`~cibo.rooms.facts.SeatClaimed` fact either way), a seat resumed with its token (the
newest device wins), and the welcome with what the client's audience missed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cibo.core import IllegalCommand
from cibo.core.commands import JoinSeat
from cibo.protocol import outbound
from cibo.protocol.errors import FAILED_JOIN_CODES, error_message
from cibo.rooms import handover
from cibo.rooms.controls import set_host
from cibo.rooms.facts import SeatClaimed
from cibo.rooms.names import name_key, normalize_name
from cibo.rooms.roster import Client, Seat
from cibo.rooms.steps import ROOM_CMD_ID, ClientId, JoinOutcome, Role, Step
from cibo.rooms.tokens import matches, new_token, token_hash

if TYPE_CHECKING:
    from cibo.rooms.session import RoomSession

__all__ = ["hello"]


def hello(
    room: RoomSession,
    client: ClientId,
    *,
    role: Role,
    name: str = "",
    token: str | None = None,
    host_token: str | None = None,
    last_seq: int | None = None,
    stages: bool = True,
    lang: str | None = None,
) -> Step:
    """A connection asks to join (or resume a seat with ``token``); ``stages`` is kept for a
    table display (see :attr:`cibo.rooms.roster.Client.stages`); the welcome carries the
    ruleset's texts in its source language and in ``lang`` (see
    :func:`cibo.rooms.session.shared_summary`)."""
    step = room.flush()
    refusal = _door(room, client, role, token)
    if refusal:
        return _refuse(step, refusal)
    if role != "player":
        return _admit(
            room, step, Client(client, role, role, stages=stages), None, last_seq, lang=lang
        )
    if host_token is not None and not any(
        matches(host_token, h) for h in room.roster.host_token_hashes
    ):
        return _refuse(step, "join/bad_host_token")
    minted: str | None = None
    if token is not None:
        seat = room.roster.seat_by_token(token)
        moved = handover.move_by_link(room, step, token) if seat is None else None
        if moved is not None:
            seat, minted = moved
        elif seat is None:
            digest = token_hash(token)
            if digest in room.roster.moved:
                return _refuse(step, "join/moved")
            revoked = digest in room.roster.revoked
            return _refuse(step, "join/kicked" if revoked else "join/bad_token")
    else:
        if room.roster.locked and host_token is None:
            return _refuse(step, "join/locked")
        shown = normalize_name(name)
        if shown is None:
            return _refuse(step, "join/name_invalid")
        fresh = _new_seat(room, step, shown)
        if isinstance(fresh, IllegalCommand):
            return _refuse(step, fresh.code, fresh.message)
        seat, minted = fresh
    if seat.client is not None:  # the same seat from another device: newest wins
        room.drop_client(step, seat.client, "seat/replaced")
    if host_token is not None or room.roster.host_seat is None:
        set_host(room, step, seat.id)
    c = Client(client, "player", f"seat:{seat.id}", seat.id)
    return _admit(room, step, c, minted, last_seq, lang=lang)


def _door(room: RoomSession, client: ClientId, role: Role, token: str | None) -> str:
    """Why nobody may come in as ``role`` now, if so (checked before anything else)."""
    if room.closed:
        return "room/closed"
    if room.stopped and role == "player" and token is None:
        return "room/stopped"
    if client in room.roster.clients:
        return "protocol/already_joined"
    if len(room.roster.clients) >= room.max_clients:
        return "join/room_full"
    if role == "spectator" and room.roster.locked:
        return "join/locked"
    return ""


def _refuse(step: Step, code: str, message: str = "") -> Step:
    step.joined = JoinOutcome(
        False, code, message or error_message(code), code in FAILED_JOIN_CODES
    )
    return step


def _admit(
    room: RoomSession,
    step: Step,
    c: Client,
    token: str | None,
    last_seq: int | None,
    *,
    lang: str | None,
) -> Step:
    """Welcome ``c``: what its audience missed and its view; everyone else is told."""
    room.flush_into(step)  # a seat's own join goes to the others, not in its welcome
    room.roster.attach(c)
    resumed, events = room.fanout.missed(c.audience, last_seq, room.seq, room.state.ruleset)
    step.send(
        (c.id,),
        outbound.welcome(
            role=c.role,
            seat=c.seat,
            token=token,
            host=c.seat is not None and c.seat == room.roster.host_seat,
            room=room.room_info(),
            seq=room.seq,
            resumed=resumed,
            events=events,
            state=room.fanout.welcome_view(c.audience, room.state),
            ruleset=room.ruleset_summary(lang),
        ),
    )
    step.room_changed = True
    step.joined = JoinOutcome(True)
    return room.finish(step, exclude=c.id)


def _new_seat(room: RoomSession, step: Step, shown: str) -> tuple[Seat, str] | IllegalCommand:
    """Seat a new player (lobby) or give them a vacant seat (game); or why not."""
    token = new_token()
    if room.state.status == "lobby":
        if any(name_key(s.name) == name_key(shown) for s in room.roster.seats.values()):
            return _illegal("join/name_taken")
        seat_id = f"s{room.roster.next_seat}"
        try:
            room.run(step, seat_id, ROOM_CMD_ID, JoinSeat(seat=seat_id, name=shown))
        except IllegalCommand as exc:
            return exc
        claim = SeatClaimed(seat_id, shown, token_hash(token))
    elif room.state.status == "playing":
        try:
            claim = handover.latecomer_seat(room, step, shown, token)
        except IllegalCommand as exc:
            return exc
    else:
        return _illegal("room/game_over")
    room.record(step, claim)
    return room.roster.seats[claim.seat], token


def _illegal(code: str) -> IllegalCommand:
    return IllegalCommand(error_message(code), code=code)
