"""One room, sans I/O: who may do what, event numbering, and the commands' way through.

A :class:`RoomSession` is driven by one task (:class:`cibo.rooms.room.Room`), which feeds it
decoded client input and carries out the :class:`~cibo.rooms.steps.Step` each input method
returns (records to journal first, then messages to send).

Clients are small integers chosen by the caller. A client joins as a player (bound to one seat
for the life of the connection), the table display or a spectator; each is in exactly one
*audience* (``seat:<id>``, ``table``, ``spectator``) and receives only that audience's
projection of the state and the events. The session's parts, each with one job:

* :mod:`~cibo.rooms.roster` — seats, tokens, host, pause and lock, connections and audiences;
* :mod:`~cibo.rooms.facts` — the roster's changes as typed facts, journaled and replayed;
* :mod:`~cibo.rooms.results` — the first result of every command id (a resend gets it back);
* :mod:`~cibo.rooms.fanout` — numbered events to each audience, resume, held results;
* :mod:`~cibo.rooms.joining` — the checks at the door, seats for newcomers, the welcome;
* :mod:`~cibo.rooms.deciding` — a command's way through: resends, the room's checks, the engine;
* :mod:`~cibo.rooms.undo` — taking back the latest commands, and the views' ``undo`` key;
* :mod:`~cibo.rooms.handover` — latecomers, and a seat moved to a new device;
* :mod:`~cibo.rooms.tablebots` — bots the host seats, played at a human pace;
* :mod:`~cibo.rooms.controls` — host controls and the next-game hand-shake;
* :mod:`~cibo.rooms.gadgets` — commands from table gadgets (the MQTT bridge);
* :mod:`~cibo.rooms.recovery` — a room rebuilt from its journal.

Numbering: every engine event gets the next ``seq`` (1, 2, ...). A command is decided with
:func:`cibo.core.play`, which returns its events and the state after them: they are applied
once. Commands are deduplicated per seat by ``cmd_id``: an applied command's result is kept for
the whole game (rebuilt from the journal by :meth:`RoomSession.restore`), a rejection for the
latest ``results_per_seat`` command ids.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Final

from cibo.core import (
    GameState,
    Ruleset,
    command_to_dict,
    event_to_dict,
    play,
    ruleset_summary,
)
from cibo.core.commands import Command
from cibo.core.undo import KEPT_IN_ROOMS, UndoStack
from cibo.journal.format import CommandRecord, EndRecord, LoggedEvent, MetaRecord, Record
from cibo.protocol import outbound
from cibo.protocol.codecs import pin, unpin
from cibo.protocol.errors import error_message
from cibo.rooms import controls, deciding, gadgets, joining, recovery, undo
from cibo.rooms.deciding import HOST_COMMANDS
from cibo.rooms.facts import Fact, apply_fact, fact_to_data
from cibo.rooms.fanout import Fanout
from cibo.rooms.results import ResultCache
from cibo.rooms.roster import Result, Roster, result_cache
from cibo.rooms.steps import (
    Action,
    ClientId,
    Close,
    JoinOutcome,
    Outcome,
    Role,
    Send,
    Step,
)

__all__ = [
    "HOST_COMMANDS",
    "Action",
    "ClientId",
    "Close",
    "JoinOutcome",
    "Outcome",
    "RoomSession",
    "Send",
    "Step",
]

log = logging.getLogger("cibo.rooms")

_SUMMARIES: dict[int, tuple[weakref.ref[Ruleset], dict[str | None, dict[str, Any]]]] = {}
"""By ``id`` of a ruleset still alive: its summaries by language (pinned for the codecs)."""

ALL_LANGUAGES: Final = "*"
"""The ``lang`` of :func:`shared_summary` that keeps the texts of every language."""


def shared_summary(rs: Ruleset, lang: str | None = ALL_LANGUAGES) -> dict[str, Any]:
    """:func:`cibo.core.ruleset_summary` of ``rs``, made once while ``rs`` lives and pinned
    (:func:`cibo.protocol.codecs.pin`): rooms share the ruleset object the server loaded.
    Callers must not change it.

    ``lang`` chooses the languages of its ``texts``: every one (:data:`ALL_LANGUAGES`), or the
    ruleset's source language and ``lang`` if the ruleset has it (None, or a language it lacks:
    the source language alone). A welcome carries the latter: a phone shows one language, and
    the texts of each language are ~40 % of a welcome (a client asks for another language's
    texts when its person switches, :func:`language_texts`)."""
    key = id(rs)
    found = _SUMMARIES.get(key)
    if found is None or found[0]() is not rs:

        def forget(_: object) -> None:
            gone = _SUMMARIES.pop(key, None)
            if gone is not None:
                for summary in gone[1].values():
                    unpin(summary)

        found = _SUMMARIES[key] = (weakref.ref(rs, forget), {})
    variants = found[1]
    full = variants.get(ALL_LANGUAGES)
    if full is None:
        full = variants[ALL_LANGUAGES] = ruleset_summary(rs)
        pin(full)
    if lang == ALL_LANGUAGES:
        return full
    texts: dict[str, dict[str, str]] = full["texts"]
    source = rs.translations.source
    wanted = lang if lang in texts and lang != source else None
    summary = variants.get(wanted)
    if summary is None:
        kept = {source: texts[source]} if wanted is None else {
            source: texts[source], wanted: texts[wanted]
        }
        summary = variants[wanted] = {**full, "texts": kept}
        pin(summary)
    return summary


def language_texts(rs: Ruleset, lang: str) -> dict[str, str] | None:
    """The summary's texts of ``rs`` in ``lang`` (text path -> text), None if it has none."""
    texts: dict[str, dict[str, str]] = shared_summary(rs)["texts"]
    return texts.get(lang)


class RoomSession:
    """The state of one room and the rules of who may do what in it.

    Args:
        code: the join code.
        state: the game (from :func:`cibo.core.new_game`, or rebuilt by :meth:`restore`).
        host_token_hash: :func:`cibo.rooms.tokens.token_hash` of the host token.
        ruleset_name: shown in the room info.
        join_url: the URL the phones open (shown by the table display).
        ring_size: how many recent events are kept for resuming clients.
        results_per_seat: how many rejections are kept per seat for deduplication (applied
            commands are kept for the whole game).
        max_clients: connections in the room (players, tables, spectators together).
        clock: wall-clock time for journal records.
    """

    def __init__(
        self,
        *,
        code: str,
        state: GameState,
        host_token_hash: str,
        ruleset_name: str = "",
        join_url: str = "",
        ring_size: int = 1024,
        results_per_seat: int = 128,
        max_clients: int = 64,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.code = code
        self.state = state
        self.ruleset_name = ruleset_name
        self.join_url = join_url
        self.max_clients = max_clients
        self.clock = clock
        self.roster = Roster(results_per_seat)
        if host_token_hash:
            self.roster.host_token_hashes.append(host_token_hash)
        self.fanout = Fanout(ring_size)
        self.undo = UndoStack(keep=KEPT_IN_ROOMS)
        """The commands that may still be taken back (see :mod:`cibo.rooms.undo`)."""
        self.fanout.extra = lambda audience: undo.undo_view(self, audience)
        self.devices: ResultCache[Result] = result_cache(results_per_seat)
        """Results of table gadgets' commands by ``cmd_id`` (see :mod:`cibo.rooms.gadgets`)."""
        self.seq = 0
        """Number of the last event."""
        self.stopped = False
        self.closed = False
        self.next_room: tuple[str, str] | None = None
        """The room opened for the next game: its code and host token (see :meth:`next_game`)."""
        self.next_pending = False
        self.replay_id = ""
        """The game's replay id (its journal's id without the room code; "" when it has no
        journal file): the room info names it once the game is over, for a link to its replay."""
        self._status = state.status

    # -- queries ------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def over(self) -> bool:
        return self.state.over

    def room_info(self) -> dict[str, Any]:
        """The public roster and settings (every audience may see it)."""
        r = self.roster
        return {
            "code": self.code,
            "ruleset": self.ruleset_name,
            "status": self.state.status,
            "paused": r.paused,
            "locked": r.locked,
            "stopped": self.stopped,
            "host_seat": r.host_seat,
            "join_url": self.join_url,
            "seats": r.public_seats(),
            "tables": r.count("table"),
            # The host's phone offers to skip a staged turn only while some TV stages it.
            "staging_tables": r.staging_tables(),
            "spectators": r.count("spectator"),
            "next": self.next_room[0] if self.next_room is not None else None,
            "latecomers": r.latecomers,
            "replay": self.replay_id if self.over and self.replay_id else None,
        }

    # -- joining ------------------------------------------------------------------------------

    def hello(
        self,
        client: ClientId,
        *,
        role: Role,
        name: str = "",
        token: str | None = None,
        host_token: str | None = None,
        last_seq: int | None = None,
        stages: bool = True,
        lang: str | None = None,
    ) -> Step:
        """A connection asks to join as ``role`` (a player: with a ``name``, or resuming a
        seat with ``token``; ``host_token`` makes it the host; ``stages``: a table display
        that stages the enemy's turn; ``lang``: the language its screen shows, whose ruleset
        texts the welcome carries); ``step.joined`` says how it went. See
        :func:`cibo.rooms.joining.hello`."""
        return joining.hello(
            self, client, role=role, name=name, token=token, host_token=host_token,
            last_seq=last_seq, stages=stages, lang=lang,
        )

    def ruleset_summary(self, lang: str | None = ALL_LANGUAGES) -> dict[str, Any]:
        """The room's ruleset as clients see it, with the texts of ``lang`` (see
        :func:`shared_summary`); computed once (a ruleset never changes) for every room playing
        the same ruleset object, and its encodings kept (it is most of a ``welcome``)."""
        return shared_summary(self.state.ruleset, lang)

    def texts(self, lang: str) -> dict[str, str] | None:
        """The room's ruleset texts in ``lang`` (None: the ruleset has no such language)."""
        return language_texts(self.state.ruleset, lang)

    # -- leaving ------------------------------------------------------------------------------

    def disconnect(self, client: ClientId) -> Step:
        """The connection is gone. A player keeps the seat and is shown as away."""
        step = self.flush()
        if self._detach(client):
            step.room_changed = True
        return self.finish(step)

    def _detach(self, client: ClientId) -> bool:
        c = self.roster.detach(client)
        if c is not None and c.audience not in self.roster.audiences:
            self.fanout.left(c.audience)
        return c is not None

    def drop_client(self, step: Step, client: ClientId, reason: str) -> None:
        """Say goodbye to one connection (``reason`` is an error code) and close it."""
        self._detach(client)
        step.send((client,), outbound.bye(reason, error_message(reason)))
        step.actions.append(Close(client, reason))

    # -- commands -----------------------------------------------------------------------------

    def command(
        self,
        client: ClientId,
        cmd_id: str,
        data: dict[str, Any],
        seen_seq: int | None = None,
    ) -> Step:
        """A game command from ``client``'s seat (the seat comes from the connection); its
        events and result are held until :meth:`flush` (see :func:`cibo.rooms.deciding.command`)."""
        return deciding.command(self, client, cmd_id, data, seen_seq)

    def device_command(self, seat: str, cmd_id: str, data: dict[str, Any]) -> Step:
        """A game command from a table gadget for ``seat`` (a seat id, ``host`` or ``turn``);
        ``step.outcome`` says how it went (see :func:`cibo.rooms.gadgets.device_command`)."""
        return gadgets.device_command(self, seat, cmd_id, data)

    def result(
        self,
        step: Step,
        *,
        audience: str,
        seat_id: str,
        cmd_id: str,
        data: dict[str, Any],
        seen_seq: int | None,
    ) -> Result:
        """Check and run a command from ``seat_id`` (seen by ``audience``); its result (see
        :func:`cibo.rooms.deciding.result`)."""
        return deciding.result(
            self, step, audience=audience, seat_id=seat_id, cmd_id=cmd_id, data=data,
            seen_seq=seen_seq,
        )

    def run(self, step: Step, seat_id: str, cmd_id: str, command: Command) -> None:
        """Decide ``command`` and keep its events and the state after them; journal it and
        hold the events for the fan-out.

        Raises:
            IllegalCommand: from :func:`cibo.core.play`; nothing changed.
        """
        before, seq_before = self.state, self.seq
        decision = play(before, command)
        numbered = [(self.seq + i, e) for i, e in enumerate(decision.events, 1)]
        logged = tuple(LoggedEvent(n, event_to_dict(e)) for n, e in numbered)
        self.fanout.ring.extend((item.seq, item.event) for item in logged)  # may raise
        self.state = state = decision.state
        self.seq += len(numbered)
        wire = command_to_dict(command)
        step.records.append(
            CommandRecord(
                ts=self.clock(),
                seat=seat_id,
                cmd_id=cmd_id,
                command=wire,
                events=logged,
            )
        )
        if state.over:
            step.records.append(EndRecord(ts=self.clock(), outcome=state.status))
        self.fanout.hold(numbered, {item.seq: item.event for item in logged})
        self.undo.note(seat_id, wire, before, state, seq_before)
        if state.status != self._status:
            self._status = state.status
            step.room_changed = True

    def record(self, step: Step, fact: Fact) -> None:
        """Apply a room fact and journal it (unless the game is over: its journal is closed
        and it is never resumed)."""
        apply_fact(self.roster, fact, self.state)
        if not self.state.over:
            step.records.append(MetaRecord(ts=self.clock(), data=fact_to_data(fact)))

    # -- the way out --------------------------------------------------------------------------

    def flush(self) -> Step:
        """Fan out the events not sent yet, then the held results. The driver calls it once
        the journal records of everything handled so far are durable (and every input begins
        with it, so that what it sends follows what was decided before)."""
        step = Step()
        self.flush_into(step)
        return step

    def flush_into(self, step: Step) -> None:
        self.fanout.flush_into(step, self.seq, self.state, self.roster.audiences)

    def finish(self, step: Step, exclude: ClientId | None = None) -> Step:
        """Append the ``room`` message once if the roster or settings changed."""
        if step.room_changed:
            self.flush_into(step)
            members = [c for c in self.roster.clients if c != exclude]
            step.send(members, outbound.room(self.room_info()))
        return step

    # -- host controls (see :mod:`cibo.rooms.controls`) -----------------------------------------

    def control(self, client: ClientId, cmd_id: str, action: str, seat: str | None = None) -> Step:
        """A host control: pause, resume, lock, unlock, kick, transfer_host. (``next_game``
        opens a room, which only the registry can do: it comes through :meth:`next_game`, and
        is refused here with ``room/failed``.)"""
        return controls.control(self, client, cmd_id, action, seat)

    def next_game(self, client: ClientId, cmd_id: str) -> Step:
        """The host asks for a room for the next game; ``step.open_next`` means the caller
        opens it now and then calls :meth:`next_game_opened` (see
        :func:`cibo.rooms.controls.next_game`)."""
        return controls.next_game(self, client, cmd_id)

    def next_game_opened(
        self, client: ClientId, cmd_id: str, opened: tuple[str, str] | None, error: str = ""
    ) -> Step:
        """The room for the next game is open (``opened``: code, host token), or failed."""
        return controls.next_game_opened(self, client, cmd_id, opened, error)

    # -- resync, stop and close ---------------------------------------------------------------

    def sync(self, client: ClientId, last_seq: int | None) -> Step:
        """Send ``client`` what it missed since ``last_seq`` (or a snapshot) and its view."""
        step = self.flush()
        c = self.roster.clients.get(client)
        if c is None:
            return step
        resumed, events = self.fanout.missed(c.audience, last_seq, self.seq, self.state.ruleset)
        view = self.fanout.view(c.audience, self.state)
        step.send((client,), outbound.update(self.seq, events, view, reset=resumed != "events"))
        return step

    def stop(self) -> Step:
        """The journal failed: refuse every command from now on and tell everyone.

        What was handled but not yet sent is dropped: it may not have been saved.
        """
        step = Step()
        self.fanout.drop()
        if not self.stopped:
            self.stopped = True
            step.send(
                self.roster.clients, outbound.error("room/stopped", error_message("room/stopped"))
            )
            step.room_changed = True
        return self.finish(step)

    def close(self, reason: str = "room/closed") -> Step:
        """Say goodbye to every client (server shutdown, room closed)."""
        step = self.flush()
        self.closed = True
        members = list(self.roster.clients)
        step.send(members, outbound.bye(reason, error_message(reason)))
        for client in members:
            self._detach(client)
            step.actions.append(Close(client, reason))
        return step

    # -- recovery -----------------------------------------------------------------------------

    def restore(self, records: Iterable[Record]) -> None:
        """Rebuild the room from its journaled records, after :meth:`__init__` with the
        game's initial state (see :func:`cibo.rooms.recovery.restore`).

        Raises:
            ValueError: a room fact is malformed.
        """
        recovery.restore(self, records)
        self._status = self.state.status

