"""A room rebuilt from its journal: the events folded, the facts replayed, the answers kept.

Nothing is decided again and nothing is journaled again: events are folded with
:class:`cibo.journal.replay.Fold` (which goes back on an undo as the live room did, and refills
the room's :class:`~cibo.core.undo.UndoStack`), room facts with
:func:`cibo.rooms.facts.apply_fact` (the function the live room uses), and every applied
command's result is remembered again, so that a resend of its ``cmd_id`` after a restart gets
it back instead of running it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cibo.core import command_from_dict
from cibo.core.commands import command_type
from cibo.core.undo import KEPT_BY_FOLDS, UndoStack
from cibo.journal.format import CommandRecord, MetaRecord, Record
from cibo.journal.replay import Fold
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
    # The fold keeps as many commands as any version of the room did, so that an undo written
    # by an older one still finds its command; the room then keeps its own number.
    fold = Fold(room.state, UndoStack(keep=KEPT_BY_FOLDS))
    fold.seq = room.seq
    for record in records:
        if isinstance(record, CommandRecord):
            _restore_command(room, fold, record)
        elif isinstance(record, MetaRecord):
            fact = fact_from_data(record.data)
            if fact is not None:
                apply_fact(room.roster, fact, room.state)
    fold.undo.limit(room.undo.keep)
    room.undo = fold.undo


def _restore_command(room: RoomSession, fold: Fold, record: CommandRecord) -> None:
    for _ in fold.record(record):  # the fold notes the command once all its events are in
        pass
    for logged in record.events:
        room.fanout.ring.append(logged.seq, logged.event)
    room.state, room.seq = fold.state, fold.seq
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
