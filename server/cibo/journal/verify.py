"""Prove a journal: framing, seq, the seed against its commitment, then every command re-decided.

Re-deciding each journaled command from the start state (built from the embedded ruleset and
the seed) re-validates it and recomputes every roll; the events the rules give must equal the
journaled ones exactly. The first difference fails the verdict, with its record number, seq
and the field that differs.

A command id is final for the whole game: a seat's first result for a ``cmd_id`` is the only
one, so a journal holding two records of one seat with the same ``cmd_id`` was applied twice
and fails too (the commands the room issues itself share :data:`ROOM_CMD_ID` and are exempt).
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from attrs import define, field, frozen

from cibo.core import (
    ENGINE_VERSION,
    CoreError,
    GameState,
    IllegalCommand,
    apply,
    command_from_dict,
    decide,
    event_to_dict,
)
from cibo.journal.errors import JournalError
from cibo.journal.format import CommandRecord, EndRecord, JournalHeader, MetaRecord
from cibo.journal.reader import JournalContents, read_journal
from cibo.journal.replay import load_ruleset, start_state

__all__ = [
    "ROOM_CMD_ID",
    "Summary",
    "Verdict",
    "first_difference",
    "summarize_state",
    "verify_journal",
]

ROOM_CMD_ID: Final = "room"
"""The ``cmd_id`` of the commands a room issues itself (a seat joining, a kick in the lobby):
the same as :data:`cibo.rooms.session.ROOM_CMD_ID`, which this layer may not import."""


@frozen
class Summary:
    """What a verified (or replayed) game was."""

    game_id: str
    ruleset_id: str
    ruleset_name: str
    players: tuple[str, ...]
    """``"Name (hero, hero)"`` per seat."""
    rounds: int
    status: str
    cause: str
    events: int
    commands: int
    difficulty: str
    """The difficulty the game was played at (the lobby may change the room's first choice)."""


@define
class Verdict:
    ok: bool = True
    failure: str = ""
    """The first problem found, as a sentence with its place."""
    notes: list[str] = field(factory=list)
    """Facts that are not failures (unfinished game, other engine version…)."""
    checks: list[str] = field(factory=list)
    """What was checked and held."""
    summary: Summary | None = None
    header: JournalHeader | None = None

    def fail(self, message: str) -> Verdict:
        if self.ok:
            self.ok = False
            self.failure = message
        return self


def first_difference(journal: Any, rules: Any, path: str = "") -> str | None:
    """Where two plain-data values first differ, e.g. ``roll.dice[1].value: 5 in the journal,
    3 by the rules``; None when equal."""
    if isinstance(journal, dict) and isinstance(rules, dict):
        for key in list(journal) + [k for k in rules if k not in journal]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in rules:
                return f"{sub}: in the journal only"
            if key not in journal:
                return f"{sub}: missing from the journal"
            found = first_difference(journal[key], rules[key], sub)
            if found:
                return found
        return None
    if isinstance(journal, list) and isinstance(rules, list):
        for i, (a, b) in enumerate(zip(journal, rules, strict=False)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(journal) != len(rules):
            return f"{path}: {len(journal)} items in the journal, {len(rules)} by the rules"
        return None
    if journal == rules and type(journal) is type(rules):
        return None
    return f"{path or 'value'}: {journal!r} in the journal, {rules!r} by the rules"


def summarize_state(
    header: JournalHeader, state: GameState, *, events: int, commands: int
) -> Summary:
    players = []
    for seat in state.seats:
        heroes = [state.ruleset.heroes[h.kind].name for h in state.heroes if h.seat == seat.id]
        players.append(f"{seat.name} ({', '.join(heroes)})" if heroes else seat.name)
    return Summary(
        game_id=header.game_id,
        ruleset_id=header.ruleset_id,
        ruleset_name=state.ruleset.ruleset.name,
        players=tuple(players),
        rounds=state.round,
        status=state.status,
        cause=state.outcome,
        events=events,
        commands=commands,
        difficulty=state.difficulty,
    )


def _seed(contents: JournalContents, verdict: Verdict) -> bytes | None:
    """The seed to re-decide with, after checking it against every commitment."""
    header = contents.header
    ended = [e for e in contents.events() if e.event.get("type") == "game_ended"]
    started = [e for e in contents.events() if e.event.get("type") == "game_started"]
    if ended:
        source = f"the seed revealed by game_ended (seq {ended[-1].seq})"
        text = ended[-1].event.get("seed")
    else:
        source = "the header's seed"
        text = header.seed
        verdict.notes.append("unfinished: seed not yet revealed (checked with the host's copy)")
    try:
        seed = bytes.fromhex(text) if isinstance(text, str) else None
    except ValueError:
        seed = None
    if seed is None:
        verdict.fail(f"{source} is not hex")
        return None
    digest = hashlib.sha256(seed).hexdigest()
    if digest != header.seed_commitment:
        verdict.fail(
            f"{source} does not match the commitment in the header: sha256 is {digest[:16]}…, "
            f"the commitment {header.seed_commitment[:16]}…"
        )
        return None
    for e in started:
        if e.event.get("commitment") != header.seed_commitment:
            verdict.fail(
                f"game_started (seq {e.seq}) publishes commitment "
                f"{str(e.event.get('commitment'))[:16]}…, the header "
                f"{header.seed_commitment[:16]}…"
            )
            return None
    if ended and header.seed != text:
        verdict.fail("the header's seed differs from the seed revealed at the end")
        return None
    verdict.checks.append(f"seed: {source} matches the commitment {header.seed_commitment[:16]}…")
    return seed


def verify_journal(source: str | bytes) -> Verdict:
    """Check everything about a journal file (or its bytes); never raises for bad input."""
    verdict = Verdict()
    try:
        contents = read_journal(source)
    except JournalError as exc:
        return verdict.fail(f"framing: {exc.message}")
    header = verdict.header = contents.header
    verdict.checks.append(
        f"framing: {len(contents.records) + 1} records, CRC and seq 1..{contents.last_seq} intact"
    )
    if header.engine_version != ENGINE_VERSION:
        verdict.notes.append(
            f"recorded with engine version {header.engine_version}, this is {ENGINE_VERSION}"
        )
    try:
        ruleset = load_ruleset(header)
    except JournalError as exc:
        return verdict.fail(f"ruleset: {exc.message}")
    verdict.checks.append(f"ruleset: {header.ruleset_id}, sha256 {header.ruleset_sha256[:16]}…")
    seed = _seed(contents, verdict)
    if seed is None:
        return verdict
    state = start_state(header, ruleset, seed=seed)
    events = commands = 0
    first_of: dict[tuple[str, str], int] = {}  # (seat, cmd_id) -> the record that has it
    for i, record in enumerate(contents.records):
        place = f"record {i + 1} at byte {contents.offsets[i]}"
        if isinstance(record, MetaRecord):
            continue
        if isinstance(record, EndRecord):
            if not state.over or record.outcome != state.status:
                return verdict.fail(
                    f"{place}: the end record says {record.outcome!r}, the game is {state.status!r}"
                )
            continue
        assert isinstance(record, CommandRecord)
        if record.cmd_id != ROOM_CMD_ID:
            earlier = first_of.setdefault((record.seat, record.cmd_id), i + 1)
            if earlier != i + 1:
                return verdict.fail(
                    f"{place} (cmd {record.cmd_id!r}, seat {record.seat!r}): seat "
                    f"{record.seat!r} already used command id {record.cmd_id!r} in record "
                    f"{earlier}; a command id's first result is final, so it was applied twice"
                )
        problem, state = _check_command(state, record)
        if problem:
            return verdict.fail(f"{place} (cmd {record.cmd_id!r}, seat {record.seat!r}): {problem}")
        events += len(record.events)
        commands += 1
    verdict.checks.append(
        f"rules: {commands} commands legal, {events} events (every roll) recomputed"
    )
    verdict.checks.append(f"command ids: {len(first_of)} ids, none used twice by a seat")
    verdict.summary = summarize_state(header, state, events=events, commands=commands)
    if state.difficulty != header.difficulty:
        verdict.notes.append(
            f"the header says difficulty {header.difficulty!r}; the lobby set "
            f"{state.difficulty!r}, which the game was played at"
        )
    if state.over and not contents.finished and contents.torn is None:
        verdict.notes.append(
            f"the game ended ({state.status}) but the journal has no end record: "
            "it was cut after the last move"
        )
    if contents.torn is not None:
        torn = contents.torn
        verdict.fail(
            f"framing: the last {torn.length} bytes (from byte {torn.offset}) are not a whole "
            f"record ({torn.reason}); the server cuts such a torn tail when it resumes the game"
        )
    return verdict


def _check_command(state: GameState, record: CommandRecord) -> tuple[str, GameState]:
    """Re-decide one command; ("", new state) or (what differs, state)."""
    try:
        command = command_from_dict(record.command)
    except ValueError as exc:
        return f"the command cannot be read: {exc}", state
    if getattr(command, "seat", None) != record.seat:
        return f"the command names seat {getattr(command, 'seat', None)!r}", state
    try:
        decided = decide(state, command)
    except IllegalCommand as exc:
        return f"the command is not legal here: {exc.message} [{exc.code}]", state
    except CoreError as exc:
        return f"the rules fail on this command: {exc}", state
    produced = [event_to_dict(e) for e in decided]
    for j in range(max(len(produced), len(record.events))):
        if j >= len(record.events):
            seq = record.events[-1].seq + 1 if record.events else "?"
            return (
                f"seq {seq}: the rules give a {produced[j]['type']} event the journal lacks",
                state,
            )
        logged = record.events[j]
        if j >= len(produced):
            return (
                f"seq {logged.seq}: the journal has a {logged.event.get('type')} event the rules "
                "do not give",
                state,
            )
        diff = first_difference(logged.event, produced[j])
        if diff:
            return f"seq {logged.seq} ({produced[j]['type']}): {diff}", state
    for event in decided:
        state = apply(state, event)
    return "", state
