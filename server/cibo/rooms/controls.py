"""The host's requests: room controls (pause, lock, kick, transfer_host, skip_stage) and the
next game.

These are :class:`~cibo.rooms.session.RoomSession`'s input methods for ``control`` and
``next_game`` messages, written as functions over the session: each checks who asks, records
the room facts it causes (:mod:`cibo.rooms.facts`) and answers with a ``result``. Like game
commands, a request's first result is final: a resend of its ``cmd_id`` gets it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cibo.core import IllegalCommand
from cibo.core.commands import LeaveSeat
from cibo.protocol import outbound
from cibo.protocol.errors import error_message
from cibo.rooms import handover, tablebots
from cibo.rooms.facts import BotSeated, ControlApplied, HostSet, Locked, Paused, SeatRevoked
from cibo.rooms.roster import Result, Seat
from cibo.rooms.steps import ROOM_CMD_ID, ClientId, Send, Step

if TYPE_CHECKING:
    from cibo.rooms.session import RoomSession

__all__ = ["control", "next_game", "next_game_opened", "seat_left", "set_host"]


def control(
    room: RoomSession, client: ClientId, cmd_id: str, action: str, target: str | None
) -> Step:
    """A host control; its result follows the update carrying what it caused."""
    step = room.flush()
    me = _requester(room, step, client, cmd_id)
    if me is None:
        return step
    code = _control(room, step, me.id, action, target)
    if not code and action in ("move_seat", "add_bot"):
        return _seat_control(room, step, client, me, cmd_id=cmd_id, action=action, target=target)
    if code:
        result = _reject(cmd_id, code)
        me.results.put(cmd_id, result)
    else:  # a fact, so that a resend is answered again (never applied) after a restart too
        result = outbound.result_ok(cmd_id, room.seq)
        room.record(step, ControlApplied(me.id, cmd_id, room.seq))
        if action == "skip_stage":
            _skip_stage(room)
    room.fanout.held.append(Send((client,), result))
    room.flush_into(step)  # a kick's event, then the result
    return room.finish(step)


def _seat_control(
    room: RoomSession,
    step: Step,
    client: ClientId,
    me: Seat,
    *,
    cmd_id: str,
    action: str,
    target: str | None,
) -> Step:
    """``move_seat`` (answered with the move token) and ``add_bot``, for the host ``me``."""
    try:
        if action == "move_seat":
            token = handover.issue_move(room, step, target or "")
            result = outbound.result_move(cmd_id, room.seq, target or "", token)
        else:
            tablebots.add_bot(room, step, target)
            result = outbound.result_ok(cmd_id, room.seq)
    except IllegalCommand as exc:
        result = outbound.result_error(cmd_id, exc.code, exc.message)
        me.results.put(cmd_id, result)
    else:
        room.record(step, ControlApplied(me.id, cmd_id, room.seq))
        me.results.put(cmd_id, result)  # a resend gets the same token (until a restart)
        step.room_changed = True
    room.fanout.held.append(Send((client,), result))
    room.flush_into(step)
    return room.finish(step)


def _requester(room: RoomSession, step: Step, client: ClientId, cmd_id: str) -> Seat | None:
    """The seat asking for a host request, or None when the request is already answered
    in ``step``: an unknown client (nothing to answer), a screen that is not a player, or
    a resend of an answered ``cmd_id`` (its first result again)."""
    c = room.roster.clients.get(client)
    if c is None:
        return None
    if c.seat is None:
        step.send((client,), _reject(cmd_id, "room/not_a_player"))
        return None
    seat = room.roster.seats[c.seat]
    cached = seat.results.get(cmd_id)
    if cached is not None:
        step.send((client,), cached)
        return None
    return seat


def _control(room: RoomSession, step: Step, me: str, action: str, target: str | None) -> str:
    """Carry out ``action`` for seat ``me``; the refusal code, or ``""``."""
    if me != room.roster.host_seat:
        return "room/not_host"
    if action == "next_game":  # see RoomSession.control()
        return "room/failed"
    if room.stopped:
        return "room/stopped"
    if action in ("move_seat", "add_bot"):
        return ""  # see control(): they answer with more than ok
    if action == "skip_stage":
        return ""  # nothing of the game or the room changes: see _skip_stage()
    if action in ("latecomers_on", "latecomers_off"):
        handover.set_latecomers(room, step, action == "latecomers_on")
    elif action in ("pause", "resume"):
        room.record(step, Paused(action == "pause"))
    elif action in ("lock", "unlock"):
        room.record(step, Locked(action == "lock"))
    else:
        seat = room.roster.seats.get(target or "")
        if seat is None or seat.token_hash is None:
            return "room/no_such_seat"
        if action == "transfer_host":
            set_host(room, step, seat.id)
        else:
            if seat.id == me:
                return "room/cannot_kick_self"
            if room.state.status == "lobby":
                try:
                    room.run(step, seat.id, ROOM_CMD_ID, LeaveSeat(seat=seat.id))
                except IllegalCommand as exc:
                    return exc.code
            seat_left(room, step, seat, "join/kicked")
            return ""
    step.room_changed = True
    return ""


def _skip_stage(room: RoomSession) -> None:
    """Tell the table displays to reveal at once the enemy's turn they are staging.

    Presentation only: the game moved on when the server decided it, and never waits for a
    display. The cue is held like a result, so it goes out once the control's fact is durable
    and after any update decided before it; a display with nothing staged ignores it. A
    resend of the ``cmd_id`` gets its result again, never a second cue.
    """
    tables = tuple(room.roster.audiences.get("table", ()))
    if tables:
        room.fanout.held.append(Send(tables, outbound.cue("skip_stage")))


def seat_left(room: RoomSession, step: Step, seat: Seat, reason: str) -> None:
    """Revoke a seat's token (kick, or leaving the lobby), close its connection and find
    another host if it was the host."""
    client = seat.client
    was_host = room.roster.host_seat == seat.id
    if seat.bot:
        room.record(step, BotSeated(seat.id, ""))
    room.record(step, SeatRevoked(seat.id, reason))
    if client is not None:
        room.drop_client(step, client, reason)
    if was_host:
        heir = next((s for s in room.roster.seats.values() if s.token_hash is not None), None)
        if heir is not None:
            set_host(room, step, heir.id)
    step.room_changed = True


def set_host(room: RoomSession, step: Step, seat_id: str) -> None:
    if room.roster.host_seat != seat_id:
        room.record(step, HostSet(seat_id))


# -- the next game -----------------------------------------------------------------------------


def next_game(room: RoomSession, client: ClientId, cmd_id: str) -> Step:
    """The host asks for a room for the next game, once this one is over.

    Opening a room is the registry's job, so this is the first half of a hand-shake with
    the transport: ``step.open_next`` means "open it now, then call
    :func:`next_game_opened`"; until then a second request is refused
    (``room/next_pending``). Otherwise the answer was sent: a refusal, or — when the next
    room is already open — the same result again, so a repeated tap opens one room only.
    """
    step = room.flush()
    seat = _requester(room, step, client, cmd_id)
    if seat is None:
        return step
    if seat.id != room.roster.host_seat:
        code = "room/not_host"
    elif not room.state.over:
        code = "room/game_not_over"
    elif room.next_room is not None:
        result = outbound.result_next(cmd_id, room.seq, *room.next_room)
        seat.results.put(cmd_id, result)
        step.send((client,), result)
        return step
    elif room.next_pending:
        code = "room/next_pending"
    else:
        room.next_pending = True
        step.open_next = True
        return step
    step.send((client,), _reject(cmd_id, code))
    return step


def next_game_opened(
    room: RoomSession, client: ClientId, cmd_id: str, opened: tuple[str, str] | None, error: str
) -> Step:
    """The second half of :func:`next_game`: ``opened`` is the new room's code and host
    token, or None when it could not be opened (``error`` says why). Everyone in this room
    learns the next code from the room info; only the host gets the host token."""
    step = Step()
    room.next_pending = False
    if opened is None:
        result = _reject(cmd_id, error or "room/failed")
    else:
        room.next_room = opened
        result = outbound.result_next(cmd_id, room.seq, *opened)
        step.room_changed = True
    c = room.roster.clients.get(client)
    if c is not None and c.seat is not None and c.seat in room.roster.seats:
        room.roster.seats[c.seat].results.put(cmd_id, result)
        step.send((client,), result)
    return room.finish(step)


def _reject(cmd_id: str, code: str) -> Result:
    return outbound.result_error(cmd_id, code, error_message(code))
