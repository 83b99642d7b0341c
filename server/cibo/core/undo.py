"""Which commands may be taken back: pure rules over the states before and after a command.

A command may be taken back (undone) only while nothing it did is beyond recall: it rolled no
die (the random stream did not move), drew, shuffled or peeked at no card (nothing hidden was
shown), and it neither started nor ended the game. A hero's ``act`` and ``end_turn`` are the
only commands that can qualify; joining, leaving, the lobby and the host's commands never do.

The rooms and the journal's folds keep the state before each command that qualifies (a stack:
undo takes back the latest one) and forget them all at the first command that does not.
"""

from __future__ import annotations

from typing import Any, Final

from attrs import frozen

from cibo.core.events import CommandUndone
from cibo.core.state import GameState

__all__ = ["KEPT_BY_FOLDS", "KEPT_IN_ROOMS", "UNDOABLE", "Mark", "UndoStack", "undo_blocker"]

UNDOABLE: Final = frozenset({"act", "end_turn"})
"""Command types that may be taken back (if they also rolled and revealed nothing)."""

KEPT_IN_ROOMS: Final = 16
"""How many commands a live room can take back in a row. Each kept command holds the game state
before it (about 2 kB of changed objects): with 64, a room of a game without dice grew by 120
kB, and 400 such rooms by tens of megabytes. A table takes back its last few moves, not 16."""

KEPT_BY_FOLDS: Final = 64
"""How many a fold over a journal keeps: the most any version of the room ever allowed (64
until :data:`KEPT_IN_ROOMS`), so that every undo in an older journal still finds its command."""


def undo_blocker(command_type: str, before: GameState, after: GameState) -> str | None:
    """Why the command of ``command_type`` that led from ``before`` to ``after`` can never be
    taken back, as an error code; None if it can.

    ``undo/rolled``: it rolled a die or showed something hidden (the random stream, a deck,
    the cards drawn or peeked changed), or it ended the game; ``undo/nothing``: it is not a
    hero's command (joining, the lobby, the host's commands).
    """
    if command_type not in UNDOABLE or before.status != "playing":
        return "undo/nothing"
    if (
        after.status != "playing"
        or after.rng_counter != before.rng_counter
        or after.decks != before.decks
        or after.drawn != before.drawn
        or after.peeks != before.peeks
    ):
        return "undo/rolled"
    return None


@frozen
class Mark:
    """A command that may still be taken back and the game right before it."""

    seat: str
    command: dict[str, Any]
    """The command as :func:`cibo.core.command_to_dict` gives it."""
    before: GameState
    seq: int
    """The number of the last event before the command."""


class UndoStack:
    """The commands that may still be taken back, latest last, and why there are no more.

    Fed every applied command (:meth:`note`) and every undo (:meth:`pop`), by the room and by
    every fold over a journal, so that all of them agree on what may be taken back.

    Args:
        keep: the most commands kept (older ones can no longer be taken back).
    """

    def __init__(self, keep: int = KEPT_BY_FOLDS) -> None:
        self.keep = keep
        self.marks: list[Mark] = []
        self.blocker = "undo/nothing"
        """Why nothing before the oldest mark may be taken back (a code of :func:`undo_blocker`)."""

    def limit(self, keep: int) -> None:
        """Keep at most ``keep`` commands from now on, forgetting the oldest beyond it."""
        self.keep = keep
        if len(self.marks) > keep:
            del self.marks[: len(self.marks) - keep]
            self.blocker = "undo/nothing"

    @property
    def latest(self) -> Mark | None:
        return self.marks[-1] if self.marks else None

    def note(
        self, seat: str, command: dict[str, Any], before: GameState, after: GameState, seq: int
    ) -> None:
        """``seat``'s ``command`` led from ``before`` (after event ``seq``) to ``after``."""
        blocker = undo_blocker(str(command.get("type")), before, after)
        if blocker is not None:
            self.marks.clear()
            self.blocker = blocker
            return
        self.marks.append(Mark(seat, command, before, seq))
        if len(self.marks) > self.keep:
            del self.marks[0]
            self.blocker = "undo/nothing"

    def refusal(self, by: str, of: str, host: bool) -> str | None:
        """Why ``by`` may not take back ``of``'s latest command now (a code), or None.
        ``host``: ``by`` is the host's seat, who may take back anyone's; ``of`` empty means
        whoever's command is the latest (the host only).

        ``undo/nothing`` (nothing may be taken back), ``undo/rolled`` (a die was rolled or
        something hidden shown since), ``undo/not_yours`` (the latest command is another
        seat's).
        """
        latest = self.latest
        if latest is None:
            return self.blocker
        if not of and not host:
            of = by
        if of and latest.seat != of:
            return "undo/not_yours"
        if latest.seat != by and not host:
            return "undo/not_yours"
        return None

    def pop(self, by: str) -> tuple[Mark, CommandUndone]:
        """Take back the latest command (``by`` asked): its mark and the event that says so
        (the event's ``back_to`` is the mark's ``seq``; the caller numbers the event)."""
        mark = self.marks.pop()
        c = mark.command
        event = CommandUndone(
            seat=mark.seat,
            by=by,
            back_to=mark.seq,
            command=str(c.get("type")),
            hero=str(c.get("hero", "")),
            action=str(c.get("action", "")),
            target=str(c.get("target", "")),
        )
        return mark, event

    def undoable_by(self, seat: str, host: bool) -> bool:
        """``seat`` may take back a command now (its own, or anyone's for the host)."""
        return self.refusal(seat, "", host) is None
