"""From journal records back to game states: the room's resume, ``cibo replay`` and ``games``.

Replay is a fold of the journaled events over ``new_game(...)`` built from the header
(its embedded ruleset text, seed and difficulty): :func:`cibo.core.apply` never rolls, so no
command is re-decided here. :mod:`cibo.journal.verify` is the one that re-decides.

One record is more than its events: an ``undo`` record (format 2) takes the game back to the
state before the command it undoes, which its ``command_undone`` event does not carry. A
:class:`Fold` keeps those states (:class:`cibo.core.undo.UndoStack`), so every fold here — the
room's resume, ``cibo replay``, the web replay — goes back exactly as the room did.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Sequence

from attrs import frozen

from cibo.core import Event, GameState, Ruleset, apply, event_from_dict, new_game
from cibo.core.events import CommandUndone
from cibo.core.undo import UndoStack
from cibo.journal.errors import JournalError
from cibo.journal.format import UNDO, CommandRecord, JournalHeader, Record
from cibo.rulesets import RulesetError, parse_ruleset

__all__ = [
    "Fold",
    "ReplayStep",
    "decode_events",
    "load_ruleset",
    "rebuild_state",
    "replay_steps",
    "start_state",
]


def load_ruleset(header: JournalHeader) -> Ruleset:
    """Parse the ruleset text embedded in the header, checking it against its sha256.

    Raises:
        JournalError: ``journal/ruleset`` if the text does not match its hash or does not load.
    """
    digest = hashlib.sha256(header.ruleset_text.encode("utf-8")).hexdigest()
    if digest != header.ruleset_sha256:
        raise JournalError(
            f"the embedded ruleset {header.ruleset_id!r} does not match its sha256 "
            f"(header {header.ruleset_sha256[:12]}…, text {digest[:12]}…)",
            code="journal/ruleset",
        )
    try:
        return _parse(header.ruleset_text, header.ruleset_id)
    except RulesetError as exc:
        raise JournalError(
            f"the embedded ruleset {header.ruleset_id!r} does not load with this version "
            f"of Cibo: {exc}",
            code="journal/ruleset",
        ) from exc


@functools.lru_cache(maxsize=8)
def _parse(text: str, ruleset_id: str) -> Ruleset:
    # Rulesets are immutable: games of the same ruleset (recovery, listings) share one parse.
    return parse_ruleset(text, name=f"{ruleset_id} (embedded)").ruleset


def start_state(
    header: JournalHeader, ruleset: Ruleset | None = None, *, seed: bytes | None = None
) -> GameState:
    """The lobby state the game began from (``seed`` overrides the header's, for verify).

    Raises:
        JournalError: ``journal/ruleset`` (see :func:`load_ruleset`), ``journal/corrupt`` if
            the header's seed is not hex.
    """
    if seed is None:
        try:
            seed = bytes.fromhex(header.seed)
        except ValueError:
            raise JournalError("the header's seed is not hex", code="journal/corrupt") from None
    return new_game(
        ruleset if ruleset is not None else load_ruleset(header),
        ruleset_sha256=header.ruleset_sha256,
        seed=seed,
        difficulty=header.difficulty,
    )


def decode_events(records: Iterable[Record]) -> Iterator[tuple[int, Event]]:
    """``(seq, event)`` for every journaled event, in order.

    Raises:
        JournalError: ``journal/corrupt`` for an event this engine cannot read.
    """
    for record in records:
        if isinstance(record, CommandRecord):
            for logged in record.events:
                try:
                    event = event_from_dict(logged.event)
                except ValueError as exc:
                    raise JournalError(
                        f"event seq {logged.seq} cannot be read: {exc}", code="journal/corrupt"
                    ) from None
                yield logged.seq, event


class Fold:
    """The game through a journal's command records, undos included.

    Args:
        state: the state to start from (:func:`start_state`).
        undo: the stack of commands that may be taken back (a room passes its own).
    """

    def __init__(self, state: GameState, undo: UndoStack | None = None) -> None:
        self.state = state
        self.undo = undo if undo is not None else UndoStack()
        self.seq = 0

    def record(self, record: CommandRecord) -> Iterator[tuple[int, Event, GameState]]:
        """Fold one command record: ``(seq, event, state after it)`` for each of its events.

        Raises:
            JournalError: ``journal/corrupt`` for an event this engine cannot read, or an undo
                with nothing to take back.
        """
        before, seq_before = self.state, self.seq
        for seq, event in decode_events((record,)):
            if isinstance(event, CommandUndone):
                if self.undo.latest is None:
                    raise JournalError(
                        f"event seq {seq} undoes a command that is not there",
                        code="journal/corrupt",
                    )
                mark, _ = self.undo.pop(event.by)
                self.state = mark.before
            else:
                self.state = apply(self.state, event)
            self.seq = seq
            yield seq, event, self.state
        if record.command.get("type") != UNDO:
            self.undo.note(record.seat, record.command, before, self.state, seq_before)


def rebuild_state(header: JournalHeader, records: Iterable[Record]) -> GameState:
    """The state after every journaled record: what a room resumes from after a crash.

    Raises:
        JournalError: ``journal/ruleset`` or ``journal/corrupt``; the game cannot be resumed.
    """
    fold = Fold(start_state(header))
    for record in records:
        if isinstance(record, CommandRecord):
            for _ in fold.record(record):
                pass
    return fold.state


@frozen
class ReplayStep:
    """One event of a replay and the state right after it."""

    seq: int
    event: Event
    state: GameState


def replay_steps(
    header: JournalHeader, records: Sequence[Record]
) -> tuple[GameState, list[ReplayStep]]:
    """The starting state and every step, for stepping back and forth (``cibo replay``)."""
    start = start_state(header)
    fold = Fold(start)
    steps: list[ReplayStep] = []
    for record in records:
        if isinstance(record, CommandRecord):
            steps.extend(ReplayStep(seq, event, state) for seq, event, state in fold.record(record))
    return start, steps
