"""From journal records back to game states: the room's resume, ``cibo replay`` and ``games``.

Replay is a plain fold of the journaled events over ``new_game(...)`` built from the header
(its embedded ruleset text, seed and difficulty): :func:`cibo.core.apply` never rolls, so no
command is re-decided here. :mod:`cibo.journal.verify` is the one that re-decides.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Sequence

from attrs import frozen

from cibo.core import Event, GameState, Ruleset, apply, event_from_dict, new_game
from cibo.journal.errors import JournalError
from cibo.journal.format import CommandRecord, JournalHeader, Record
from cibo.rulesets import RulesetError, parse_ruleset

__all__ = ["Step", "decode_events", "load_ruleset", "rebuild_state", "replay_steps", "start_state"]


def load_ruleset(header: JournalHeader) -> Ruleset:
    """Parse the ruleset text embedded in the header, checking it against its sha256.

    Raises:
        JournalError: ``journal/ruleset`` if the text does not match its hash or does not load.
    """
    digest = hashlib.sha256(header.ruleset_text.encode("utf-8")).hexdigest()
    if digest != header.ruleset_sha256:
        raise JournalError(
            "journal/ruleset",
            f"the embedded ruleset {header.ruleset_id!r} does not match its sha256 "
            f"(header {header.ruleset_sha256[:12]}…, text {digest[:12]}…)",
        )
    try:
        return _parse(header.ruleset_text, header.ruleset_id)
    except RulesetError as exc:
        raise JournalError(
            "journal/ruleset",
            f"the embedded ruleset {header.ruleset_id!r} does not load with this version "
            f"of Cibo: {exc}",
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
            raise JournalError("journal/corrupt", "the header's seed is not hex") from None
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
                        "journal/corrupt", f"event seq {logged.seq} cannot be read: {exc}"
                    ) from None
                yield logged.seq, event


def rebuild_state(header: JournalHeader, records: Iterable[Record]) -> GameState:
    """The state after every journaled event: what a room resumes from after a crash.

    Raises:
        JournalError: ``journal/ruleset`` or ``journal/corrupt``; the game cannot be resumed.
    """
    state = start_state(header)
    for _, event in decode_events(records):
        state = apply(state, event)
    return state


@frozen
class Step:
    """One event of a replay and the state right after it."""

    seq: int
    event: Event
    state: GameState


def replay_steps(header: JournalHeader, records: Sequence[Record]) -> tuple[GameState, list[Step]]:
    """The starting state and every step, for stepping back and forth (``cibo replay``)."""
    start = state = start_state(header)
    steps = []
    for seq, event in decode_events(records):
        state = apply(state, event)
        steps.append(Step(seq, event, state))
    return start, steps
