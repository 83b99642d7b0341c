"""Commands from table gadgets (buttons, dials: the MQTT bridge), run like a seat's commands.

A gadget acts for a seat named in its device file: a seat id, ``host`` (the host's seat) or
``turn`` (the seat whose hero has the turn, found anew for every command). Its command ids
(``dev:<device>:<id>``, see :data:`~cibo.rooms.steps.DEVICE_CMD_ID`) have their first result
kept by the room (``RoomSession.devices``) before the seat is looked up: a resend gets it back
even when the turn has passed to another seat since, and is never run for that seat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cibo.protocol import outbound
from cibo.protocol.errors import error_message
from cibo.rooms.roster import Result
from cibo.rooms.steps import Outcome, Step

if TYPE_CHECKING:
    from cibo.rooms.session import RoomSession

__all__ = ["device_command"]


def device_command(room: RoomSession, seat: str, cmd_id: str, data: dict[str, Any]) -> Step:
    """Check and run a gadget's command for ``seat``; ``step.outcome`` says how it went (the
    room reports it once the step is durable)."""
    step = Step()
    result = room.devices.get(cmd_id)
    if result is None:
        result = _result(room, step, seat, cmd_id, data)
        room.devices.put(cmd_id, result)
    step.outcome = Outcome.of(result)
    return room.finish(step)


def _result(room: RoomSession, step: Step, seat: str, cmd_id: str, data: dict[str, Any]) -> Result:
    if seat == "host":
        seat = room.roster.host_seat or ""
    elif seat == "turn":
        hero = room.state.hero(room.state.turn) if room.state.turn else None
        seat = hero.seat if hero is not None else ""
    found = room.roster.seats.get(seat)
    if found is None or found.token_hash is None:
        return _reject(cmd_id, "room/no_such_seat")
    if data.get("type") == "leave_seat":
        return _reject(cmd_id, "room/room_only")
    result = found.results.get(cmd_id) or room.result(
        step, audience=f"seat:{found.id}", seat_id=found.id, cmd_id=cmd_id, data=data,
        seen_seq=None,
    )
    found.results.put(cmd_id, result)
    return result


def _reject(cmd_id: str, code: str) -> Result:
    return outbound.result_error(cmd_id, code, error_message(code))
