"""A room rebuilt from its journal: the events folded, the facts replayed, the answers kept.

Nothing is decided again and nothing is journaled again: events are folded with
:func:`cibo.core.apply`, room facts with :func:`cibo.rooms.facts.apply_fact` (the function the
live room uses), and every applied command's result is remembered again, so that a resend of
its ``cmd_id`` after a restart gets it back instead of running it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cibo.core import apply, command_from_dict, event_from_dict
from cibo.core.commands import command_type
from cibo.journal.format import CommandRecord, MetaRecord, Record
from cibo.protocol import outbound
from cibo.rooms.facts import apply_fact, fact_from_data
from cibo.rooms.steps import DEVICE_CMD_ID, ROOM_CMD_ID

if TYPE_CHECKING:
    from cibo.rooms.session import RoomSession

__all__ = ["restore"]


def restore(room: RoomSession, records: Iterable[Record]) -> None:
    """Fold ``records`` into ``room`` (just created, with the game's initial state).

    Raises:
        ValueError: a room fact is malformed.
    """
    for record in records:
        if isinstance(record, CommandRecord):
            _restore_command(room, record)
        elif isinstance(record, MetaRecord):
            fact = fact_from_data(record.data)
            if fact is not None:
                apply_fact(room.roster, fact, room.state)


def _restore_command(room: RoomSession, record: CommandRecord) -> None:
    state = room.state
    for logged in record.events:
        state = apply(state, event_from_dict(logged.event))
        room.fanout.ring.append(logged.seq, logged.event)
        room.seq = logged.seq
    room.state = state
    if record.cmd_id == ROOM_CMD_ID:
        command = command_from_dict(record.command)
        number = record.seat[1:]
        if command_type(command) == "join_seat" and number.isdigit():
            room.roster.note_seat_number(int(number))
        return
    result = outbound.result_ok(record.cmd_id, room.seq)
    seat = room.roster.seats.get(record.seat)
    if seat is not None:
        seat.results.put(record.cmd_id, result)
    if record.cmd_id.startswith(DEVICE_CMD_ID):
        room.devices.put(record.cmd_id, result)
