"""A seat's command on its way through the room: resends, the room's checks, then the engine.

:func:`command` is :meth:`~cibo.rooms.session.RoomSession.command`'s work and :func:`result`
the checks every command passes, whoever sent it (a phone, a table gadget, a bot at the table):
the room stopped, paused, a command only the room or the host may send, a stale ``seen_seq``;
then ``undo`` (:mod:`cibo.rooms.undo`) or the engine (:meth:`RoomSession.run
<cibo.rooms.session.RoomSession.run>`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from cibo.core import CoreError, IllegalCommand, command_from_wire
from cibo.protocol import outbound
from cibo.protocol.errors import error_message
from cibo.rooms import controls, undo
from cibo.rooms.roster import Result
from cibo.rooms.steps import ClientId, Send, Step

if TYPE_CHECKING:
    from cibo.rooms.session import RoomSession

__all__ = ["HOST_COMMANDS", "ROOM_ONLY_COMMANDS", "command", "result"]

log = logging.getLogger("cibo.rooms")

HOST_COMMANDS = frozenset({"start_game", "set_difficulty", "end_game"})
"""Engine commands only the host's seat may send (the engine checks the game rules only)."""
ROOM_ONLY_COMMANDS = frozenset({"join_seat"})
"""Engine commands the room issues itself; clients may not send them."""


def command(
    room: RoomSession, client: ClientId, cmd_id: str, data: dict[str, Any], seen_seq: int | None
) -> Step:
    """A game command from ``client``'s seat (the seat comes from the connection).

    Its events and its result are held until the room's flush (or the next input that needs
    the fan-out done), so that several commands handled together cost one update per
    audience; the result always follows the update that carries its events.
    """
    step = Step()
    c = room.roster.clients.get(client)
    if c is None:
        return step
    if c.seat is None:
        room.fanout.held.append(Send((client,), _reject(cmd_id, "room/not_a_player")))
        return step
    seat = room.roster.seats[c.seat]
    answer = seat.results.get(cmd_id)
    if answer is not None:  # a resend: its first result again, nothing is run
        room.fanout.held.append(Send((client,), answer))
        return step
    answer = result(
        room, step, audience=c.audience, seat_id=seat.id, cmd_id=cmd_id, data=data,
        seen_seq=seen_seq,
    )
    seat.results.put(cmd_id, answer)
    room.fanout.held.append(Send((client,), answer))
    if answer["ok"] and data.get("type") == "leave_seat":
        room.flush_into(step)  # the result first: leaving closes the connection
        controls.seat_left(room, step, seat, "seat/left")
    return room.finish(step)


def result(
    room: RoomSession,
    step: Step,
    *,
    audience: str,
    seat_id: str,
    cmd_id: str,
    data: dict[str, Any],
    seen_seq: int | None,
) -> Result:
    """Check and run a command from ``seat_id`` (seen by ``audience``); its result."""
    blocked = _blocked(room, data.get("type"), seat_id)
    if blocked is not None:
        return _reject(cmd_id, blocked)
    if seen_seq is not None and room.fanout.stale(audience, seen_seq, room.seq):
        return _reject(cmd_id, "command/stale")
    try:
        if data.get("type") == "undo":
            undo.take_back(room, step, seat_id, cmd_id, data)
        else:
            room.run(step, seat_id, cmd_id, command_from_wire(seat_id, data))
    except IllegalCommand as exc:
        return outbound.result_error(cmd_id, exc.code, exc.message)
    except CoreError as exc:  # a ruleset problem the engine met at run time
        log.error("room %s: %s rejected by the engine: %s", room.code, data, exc)
        return outbound.result_error(cmd_id, exc.code, exc.message)
    except Exception:
        log.exception("room %s: the engine failed on %r", room.code, data)
        return _reject(cmd_id, "room/failed")
    return outbound.result_ok(cmd_id, room.seq)


def _blocked(room: RoomSession, kind: object, seat_id: str) -> str | None:
    """Why the room refuses a command of type ``kind`` from ``seat_id`` now, if it does."""
    if room.stopped:
        return "room/stopped"
    if kind in ROOM_ONLY_COMMANDS:
        return "room/room_only"
    if kind in HOST_COMMANDS and seat_id != room.roster.host_seat:
        return "room/not_host"
    if room.roster.paused and kind != "end_game":
        return "room/paused"
    return None


def _reject(cmd_id: str, code: str) -> Result:
    return outbound.result_error(cmd_id, code, error_message(code))
