"""Taking back commands: a seat's own latest ones, or anyone's for the host.

The room keeps an :class:`~cibo.core.undo.UndoStack` (:attr:`RoomSession.undo
<cibo.rooms.session.RoomSession.undo>`): every command it runs is noted there, and a command
that rolled a die or showed something hidden forgets everything before it. ``{"type": "undo"}``
(optionally ``"seat"``: whose command, for the host) takes back the latest command: the game
goes back to the state before it, one ``command_undone`` event says so, and the journal gets an
``undo`` command record (format 2), which the folds over a journal (resume, replay, verify) go
back with in the same way.

Every view carries ``undo``: ``{"seat": the seat whose latest command may be taken back now,
or null; "can": this audience's seat may take back its own latest command now}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cibo.core import IllegalCommand, event_to_dict
from cibo.core.views import seat_of
from cibo.journal.format import UNDO, CommandRecord, LoggedEvent
from cibo.protocol.errors import error_message
from cibo.rooms.steps import Step

if TYPE_CHECKING:
    from cibo.rooms.session import RoomSession

__all__ = ["take_back", "undo_view"]


def take_back(room: RoomSession, step: Step, by: str, cmd_id: str, data: dict[str, Any]) -> None:
    """``by``'s ``undo`` command (``data``): take back the latest command, journal it and hold
    its event for the fan-out.

    Raises:
        IllegalCommand: ``command/malformed`` for a malformed ``seat``; ``undo/nothing``,
            ``undo/rolled`` or ``undo/not_yours`` (see
            :meth:`cibo.core.undo.UndoStack.refusal`); nothing changed.
    """
    of = data.get("seat", "")
    extra = set(data) - {"type", "seat"}
    if not isinstance(of, str) or extra:
        raise IllegalCommand('undo takes only an optional "seat" (text)', code="command/malformed")
    refusal = room.undo.refusal(by, of, by == room.roster.host_seat)
    if refusal is not None:
        raise IllegalCommand(error_message(refusal), code=refusal)
    mark, event = room.undo.pop(by)
    seq = room.seq + 1
    logged = LoggedEvent(seq, event_to_dict(event))
    room.fanout.ring.append(seq, logged.event)
    room.state = mark.before
    room.seq = seq
    step.records.append(
        CommandRecord(
            ts=room.clock(),
            seat=by,
            cmd_id=cmd_id,
            command={"type": UNDO, "seat": by, "of": mark.seat},
            events=(logged,),
        )
    )
    room.fanout.hold([(seq, event)], {seq: logged.event})


def undo_view(room: RoomSession, audience: str) -> dict[str, Any]:
    """The ``undo`` key of ``audience``'s view."""
    latest = room.undo.latest
    seat = seat_of(audience)
    return {
        "undo": {
            "seat": latest.seat if latest is not None else None,
            "can": latest is not None and bool(seat) and latest.seat == seat,
        }
    }
