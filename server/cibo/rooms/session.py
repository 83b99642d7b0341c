"""One room, sans I/O: roles, seats, host controls, event numbering, resume and fan-out.

A :class:`RoomSession` is driven by one task (:class:`cibo.rooms.room.Room`), which feeds it
decoded client input and carries out what it returns. Each input method returns a :class:`Step`:

* ``records`` — journal records to make durable *before* anything of this step is sent;
* ``actions`` — :class:`Send` (a message to some clients) and :class:`Close`, in order;
* ``joined`` — for :meth:`RoomSession.hello`, how the join went.

Clients are small integers chosen by the caller. A client joins as a player (bound to one seat
for the life of the connection), the table display or a spectator; each is in exactly one
*audience* (``seat:<id>``, ``table``, ``spectator``) and receives only that audience's
projection of the state and the events (:func:`cibo.core.view_state`, :func:`cibo.core.view_event`).

Numbering: every engine event gets the next ``seq`` (1, 2, ...). A bounded ring keeps the latest
events so that a client resuming from ``last_seq`` receives exactly what it missed, projected for
its audience, or a snapshot when it is too far behind.

Commands are deduplicated per seat by ``cmd_id``: the first result is cached (bounded) and
a resend gets it back without effect. Room facts (seat token hashes, kicks, host, pause, lock)
are journaled as meta records so that :meth:`RoomSession.restore` can rebuild the room.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

from attrs import define, field, frozen

from cibo.core import (
    CoreError,
    Event,
    GameState,
    IllegalCommand,
    Ruleset,
    apply,
    command_from_dict,
    command_from_wire,
    command_to_dict,
    decide,
    event_from_dict,
    event_to_dict,
    ruleset_summary,
    view_event,
    view_events,
    view_state,
    view_states,
)
from cibo.core.commands import Command, JoinSeat, LeaveSeat, command_type
from cibo.journal.format import CommandRecord, EndRecord, LoggedEvent, MetaRecord, Record
from cibo.protocol import outbound
from cibo.protocol.errors import FAILED_JOIN_CODES, error_message
from cibo.rooms.names import name_key, normalize_name
from cibo.rooms.ring import EventRing
from cibo.rooms.tokens import matches, new_token, same_hash, token_hash

__all__ = [
    "HOST_COMMANDS",
    "Action",
    "ClientId",
    "Close",
    "JoinOutcome",
    "RoomSession",
    "Send",
    "Step",
]

log = logging.getLogger("cibo.rooms")

ClientId = int
Role = Literal["player", "table", "spectator"]

HOST_COMMANDS = frozenset({"start_game", "set_difficulty", "end_game"})
"""Engine commands only the host's seat may send (the engine checks the game rules only)."""
ROOM_ONLY_COMMANDS = frozenset({"join_seat"})
"""Engine commands the room issues itself; clients may not send them."""
ROOM_CMD_ID = "room"
"""``cmd_id`` of the commands the room issues itself (a seat joining, a kick in the lobby)."""


@frozen
class Send:
    """Send ``message`` to each of ``clients`` (encoded once per codec by the driver)."""

    clients: tuple[ClientId, ...]
    message: dict[str, Any]


@frozen
class Close:
    """Close ``client``'s connection; ``reason`` is an error code (a ``bye`` was sent first)."""

    client: ClientId
    reason: str


Action = Send | Close


@frozen
class JoinOutcome:
    """How a ``hello`` went. ``failure`` means it counts towards the address's lockout."""

    ok: bool
    code: str = ""
    message: str = ""
    failure: bool = False


@define
class Step:
    """What one input caused; see the module docstring."""

    records: list[Record] = field(factory=list)
    actions: list[Action] = field(factory=list)
    joined: JoinOutcome | None = None
    room_changed: bool = False
    """The roster or settings changed: everyone gets a ``room`` message at the end."""

    def send(self, clients: Iterable[ClientId], message: dict[str, Any]) -> None:
        targets = tuple(clients)
        if targets:
            self.actions.append(Send(targets, message))


@define
class _Seat:
    id: str
    name: str
    token_hash: str | None
    """None while the seat is vacant (its player was kicked during the game)."""
    client: ClientId | None = None
    results: OrderedDict[str, dict[str, Any]] = field(factory=OrderedDict)


@define
class _Client:
    id: ClientId
    role: Role
    audience: str
    seat: str | None = None


class RoomSession:
    """The state of one room and the rules of who may do what in it.

    Args:
        code: the join code.
        state: the game (from :func:`cibo.core.new_game`, or rebuilt by :meth:`restore`).
        host_token_hash: :func:`cibo.rooms.tokens.token_hash` of the host token.
        ruleset_name: shown in the room info.
        join_url: the URL the phones open (shown by the table display).
        ring_size: how many recent events are kept for resuming clients.
        results_per_seat: how many command results are kept per seat for deduplication.
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
        # Every host link minted for this room stays valid: after a restart a new link is
        # printed, and the host phone that still holds the old one must not be refused.
        self.host_token_hashes: list[str] = [host_token_hash] if host_token_hash else []
        self.ruleset_name = ruleset_name
        self._summary: tuple[Ruleset, dict[str, Any]] | None = None
        self.join_url = join_url
        self.results_per_seat = results_per_seat
        self.max_clients = max_clients
        self.clock = clock
        self.seq = 0
        """Number of the last event."""
        self.ring = EventRing(ring_size)
        self.seats: dict[str, _Seat] = {}
        self.revoked: set[str] = set()
        """Token hashes of kicked seats (answered with ``join/kicked``)."""
        self.host_seat: str | None = None
        self.paused = False
        self.locked = False
        self.stopped = False
        self.closed = False
        self.next_room: tuple[str, str] | None = None
        """The room opened for the next game: its code and host token (see :meth:`next_game`)."""
        self._next_pending = False
        self.clients: dict[ClientId, _Client] = {}
        self.audiences: dict[str, set[ClientId]] = {}
        self._next_seat = 1
        self._status = state.status
        self._unsent: list[tuple[int, Event]] = []
        """Events applied but not yet fanned out (see :meth:`flush`)."""
        self._held: list[Action] = []
        """Command results waiting for the fan-out of their events."""
        self._views: dict[str, dict[str, Any]] = {}
        """By audience, the view its members hold (the last one sent to them): the next update
        carries only what differs from it. Every member holds the same one: a client joins
        right after a flush, when its welcome's view is the one the others were sent last."""

    # -- queries ------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def over(self) -> bool:
        return self.state.over

    def room_info(self) -> dict[str, Any]:
        """The public roster and settings (every audience may see it)."""
        roles = [c.role for c in self.clients.values()]
        return {
            "code": self.code,
            "ruleset": self.ruleset_name,
            "status": self.state.status,
            "paused": self.paused,
            "locked": self.locked,
            "stopped": self.stopped,
            "host_seat": self.host_seat,
            "join_url": self.join_url,
            "seats": [
                {
                    "seat": s.id,
                    "name": s.name,
                    "connected": s.client is not None,
                    "host": s.id == self.host_seat,
                    "vacant": s.token_hash is None,
                }
                for s in self.seats.values()
            ],
            "tables": roles.count("table"),
            "spectators": roles.count("spectator"),
            "next": self.next_room[0] if self.next_room is not None else None,
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
    ) -> Step:
        """A connection asks to join (or resume a seat with ``token``)."""
        step = self._flushed()
        if self.closed:
            return self._refuse(step, "room/closed")
        if self.stopped and role == "player" and token is None:
            return self._refuse(step, "room/stopped")
        if client in self.clients:
            return self._refuse(step, "protocol/already_joined")
        if len(self.clients) >= self.max_clients:
            return self._refuse(step, "join/room_full")
        if role != "player":
            if role == "spectator" and self.locked:
                return self._refuse(step, "join/locked")
            self._flush_into(step)
            self._attach(_Client(client, role, role))
            self._welcome(step, client, token=None, last_seq=last_seq)
            self._room_changed(step)
            step.joined = JoinOutcome(True)
            return self._finish(step, exclude=client)

        is_host = False
        if host_token is not None:
            if not any(matches(host_token, h) for h in self.host_token_hashes):
                return self._refuse(step, "join/bad_host_token")
            is_host = True
        seat: _Seat | None = None
        minted: str | None = None
        if token is not None:
            seat = self._seat_by_token(token)
            if seat is None:
                code = "join/kicked" if token_hash(token) in self.revoked else "join/bad_token"
                return self._refuse(step, code)
        else:
            if self.locked and not is_host:
                return self._refuse(step, "join/locked")
            shown = normalize_name(name)
            if shown is None:
                return self._refuse(step, "join/name_invalid")
            fresh = self._new_seat(step, shown)
            if isinstance(fresh, IllegalCommand):
                return self._refuse(step, fresh.code, fresh.message)
            seat, minted = fresh

        if seat.client is not None:  # the same seat from another device: newest wins
            old = seat.client
            self._detach(old)
            step.send((old,), outbound.bye("seat/replaced", error_message("seat/replaced")))
            step.actions.append(Close(old, "seat/replaced"))
        if is_host or self.host_seat is None:
            self._set_host(step, seat.id)
        self._flush_into(step)  # the seat's own join goes to the others, not in its welcome
        self._attach(_Client(client, "player", f"seat:{seat.id}", seat.id))
        seat.client = client
        self._welcome(step, client, token=minted, last_seq=last_seq)
        self._room_changed(step)
        step.joined = JoinOutcome(True)
        return self._finish(step, exclude=client)

    def _refuse(self, step: Step, code: str, message: str = "") -> Step:
        step.joined = JoinOutcome(
            False, code, message or error_message(code), code in FAILED_JOIN_CODES
        )
        return step

    def _seat_by_token(self, token: str) -> _Seat | None:
        digest = token_hash(token)
        found = None
        for seat in self.seats.values():  # compare with every seat: no early exit
            if seat.token_hash is not None and same_hash(digest, seat.token_hash):
                found = seat
        return found

    def _new_seat(self, step: Step, shown: str) -> tuple[_Seat, str] | IllegalCommand:
        """Seat a new player (lobby) or give them a vacant seat (game); or why not."""
        token = new_token()
        if self.state.status == "lobby":
            if any(name_key(s.name) == name_key(shown) for s in self.seats.values()):
                return _illegal("join/name_taken")
            seat_id = f"s{self._next_seat}"
            try:
                self._run(step, seat_id, ROOM_CMD_ID, JoinSeat(seat=seat_id, name=shown))
            except IllegalCommand as exc:
                return exc
            self._next_seat += 1
            seat = _Seat(seat_id, shown, token_hash(token))
            self.seats[seat_id] = seat
        elif self.state.status == "playing":
            vacant = [s for s in self.seats.values() if s.token_hash is None]
            if not vacant:
                return _illegal("join/game_started")
            seat = vacant[0]
            seat.token_hash = token_hash(token)
            seat.results.clear()
        else:
            return _illegal("room/game_over")
        self._meta(
            step,
            {"fact": "seat", "seat": seat.id, "name": seat.name, "token_sha256": seat.token_hash},
        )
        return seat, token

    def _attach(self, c: _Client) -> None:
        self.clients[c.id] = c
        self.audiences.setdefault(c.audience, set()).add(c.id)

    def _detach(self, client: ClientId) -> _Client | None:
        c = self.clients.pop(client, None)
        if c is None:
            return None
        members = self.audiences.get(c.audience)
        if members is not None:
            members.discard(client)
            if not members:
                del self.audiences[c.audience]
                self._views.pop(c.audience, None)
        if c.seat is not None:
            seat = self.seats.get(c.seat)
            if seat is not None and seat.client == client:
                seat.client = None
        return c

    def _welcome(
        self, step: Step, client: ClientId, *, token: str | None, last_seq: int | None
    ) -> None:
        c = self.clients[client]
        resumed, events = self._missed(c.audience, last_seq)
        view = view_state(self.state, c.audience)
        self._views.setdefault(c.audience, view)
        step.send(
            (client,),
            outbound.welcome(
                role=c.role,
                seat=c.seat,
                token=token,
                host=c.seat is not None and c.seat == self.host_seat,
                room=self.room_info(),
                seq=self.seq,
                resumed=resumed,
                events=events,
                state=view,
                ruleset=self._ruleset_summary(),
            ),
        )

    def _ruleset_summary(self) -> dict[str, Any]:
        """The room's ruleset as clients see it; computed once (a ruleset never changes)."""
        if self._summary is None or self._summary[0] is not self.state.ruleset:
            self._summary = (self.state.ruleset, ruleset_summary(self.state.ruleset))
        return self._summary[1]

    def _missed(
        self, audience: str, last_seq: int | None
    ) -> tuple[outbound.Resumed, list[dict[str, Any]]]:
        """What ``audience`` missed after ``last_seq``: its events, or a snapshot."""
        if last_seq is None:
            return "new", []
        if last_seq == self.seq:
            return "events", []
        oldest = self.ring.oldest or self.seq + 1
        if last_seq > self.seq or last_seq + 1 < oldest:
            return "snapshot", []
        return "events", self._project(self.ring.after(last_seq), audience)

    @staticmethod
    def _project(events: Iterable[tuple[int, Event]], audience: str) -> list[dict[str, Any]]:
        out = []
        for seq, event in events:
            shown = view_event(event, audience)
            if shown is not None:
                out.append({"seq": seq, "event": shown})
        return out

    # -- leaving ------------------------------------------------------------------------------

    def disconnect(self, client: ClientId) -> Step:
        """The connection is gone. A player keeps the seat and is shown as away."""
        step = self._flushed()
        if self._detach(client) is not None:
            self._room_changed(step)
        return self._finish(step)

    # -- commands -----------------------------------------------------------------------------

    def command(
        self,
        client: ClientId,
        cmd_id: str,
        data: dict[str, Any],
        seen_seq: int | None = None,
    ) -> Step:
        """A game command from ``client``'s seat (the seat comes from the connection).

        Its events and its result are held until :meth:`flush` (or the next input that needs
        the fan-out done), so that several commands handled together cost one update per
        audience; the result always follows the update that carries its events.
        """
        step = Step()
        c = self.clients.get(client)
        if c is None:
            return step
        if c.seat is None:
            self._held.append(Send((client,), _reject(cmd_id, "room/not_a_player")))
            return step
        seat = self.seats[c.seat]
        cached = seat.results.get(cmd_id)
        if cached is not None:
            self._held.append(Send((client,), cached))
            return step
        result = self._command_result(
            step, c=c, seat=seat, cmd_id=cmd_id, data=data, seen_seq=seen_seq
        )
        self._remember(seat, cmd_id, result)
        self._held.append(Send((client,), result))
        if result["ok"] and data.get("type") == "leave_seat":
            self._flush_into(step)  # the result first: leaving closes the connection
            self._seat_left(step, seat, "seat/left")
        return self._finish(step)

    def _command_result(
        self,
        step: Step,
        *,
        c: _Client,
        seat: _Seat,
        cmd_id: str,
        data: dict[str, Any],
        seen_seq: int | None,
    ) -> dict[str, Any]:
        blocked = self._blocked(data.get("type"), seat.id)
        if blocked is not None:
            return _reject(cmd_id, blocked)
        if seen_seq is not None and self._stale(c.audience, seen_seq):
            return _reject(cmd_id, "command/stale")
        try:
            command = command_from_wire(seat.id, data)
            self._run(step, seat.id, cmd_id, command)
        except IllegalCommand as exc:
            return outbound.result_error(cmd_id, exc.code, exc.message)
        except CoreError as exc:  # a ruleset problem the engine met at run time
            log.error("room %s: %s rejected by the engine: %s", self.code, data, exc)
            return outbound.result_error(cmd_id, exc.code, exc.message)
        except Exception:
            log.exception("room %s: the engine failed on %r", self.code, data)
            return _reject(cmd_id, "room/failed")
        return outbound.result_ok(cmd_id, self.seq)

    def device_command(self, seat: str, cmd_id: str, data: dict[str, Any]) -> Step:
        """A game command from a table gadget (the MQTT bridge) for ``seat``: a seat id,
        ``"host"`` or ``"turn"`` (the seat whose hero has the turn). Checked like any command;
        the outcome is ``step.joined`` (the room reports it once the step is durable)."""
        step = Step()
        if seat == "host":
            seat = self.host_seat or ""
        elif seat == "turn":
            hero = self.state.hero(self.state.turn) if self.state.turn else None
            seat = hero.seat if hero is not None else ""
        found = self.seats.get(seat)
        if found is None or found.token_hash is None:
            result = _reject(cmd_id, "room/no_such_seat")
        elif data.get("type") == "leave_seat":
            result = _reject(cmd_id, "room/room_only")
        else:
            gadget = _Client(0, "player", f"seat:{found.id}", found.id)
            result = found.results.get(cmd_id) or self._command_result(
                step, c=gadget, seat=found, cmd_id=cmd_id, data=data, seen_seq=None
            )
            self._remember(found, cmd_id, result)
        error = result.get("error") or {}
        step.joined = JoinOutcome(result["ok"], error.get("code", ""), error.get("message", ""))
        return self._finish(step)

    def _blocked(self, kind: object, seat_id: str) -> str | None:
        """Why the room refuses a command of type ``kind`` from ``seat_id`` now, if it does."""
        if self.stopped:
            return "room/stopped"
        if kind in ROOM_ONLY_COMMANDS:
            return "room/room_only"
        if kind in HOST_COMMANDS and seat_id != self.host_seat:
            return "room/not_host"
        if self.paused and kind != "end_game":
            return "room/paused"
        return None

    def _stale(self, audience: str, seen_seq: int) -> bool:
        """True if an event this audience can see happened after ``seen_seq``."""
        if seen_seq > self.seq:
            return True
        if seen_seq == self.seq:
            return False
        oldest = self.ring.oldest or self.seq + 1
        if seen_seq + 1 < oldest:
            return True
        for seq, event in self.ring.newest_first():
            if seq <= seen_seq:
                return False
            if view_event(event, audience) is not None:
                return True
        return False

    def _remember(self, seat: _Seat, cmd_id: str, result: dict[str, Any]) -> None:
        seat.results[cmd_id] = result
        while len(seat.results) > self.results_per_seat:
            seat.results.popitem(last=False)

    def _run(self, step: Step, seat_id: str, cmd_id: str, command: Command) -> None:
        """Decide and apply ``command``; journal it and fan the events out.

        Raises:
            IllegalCommand: from :func:`cibo.core.decide`; nothing changed.
        """
        events = decide(self.state, command)
        state = self.state
        numbered: list[tuple[int, Event]] = []
        seq = self.seq
        for event in events:
            state = apply(state, event)
            seq += 1
            numbered.append((seq, event))
        logged = tuple(LoggedEvent(n, event_to_dict(e)) for n, e in numbered)
        self.ring.extend((item.seq, item.event) for item in logged)  # may raise: nothing changed
        self.state = state
        self.seq = seq
        step.records.append(
            CommandRecord(
                ts=self.clock(),
                seat=seat_id,
                cmd_id=cmd_id,
                command=command_to_dict(command),
                events=logged,
            )
        )
        if state.over:
            step.records.append(EndRecord(ts=self.clock(), outcome=state.status))
        self._unsent.extend(numbered)
        if state.status != self._status:
            self._status = state.status
            self._room_changed(step)

    def flush(self) -> Step:
        """Fan out the events not sent yet, then the held results. The driver calls it once
        the journal records of everything handled so far are durable."""
        step = Step()
        self._flush_into(step)
        return step

    def _flushed(self) -> Step:
        step = Step()
        self._flush_into(step)
        return step

    def _flush_into(self, step: Step) -> None:
        if self._unsent:
            self._fan_out(step, self._unsent)
            self._unsent = []
        if self._held:
            step.actions.extend(self._held)
            self._held = []

    def _fan_out(self, step: Step, numbered: Sequence[tuple[int, Event]]) -> None:
        """One update per audience: its projection of the new events and of the state."""
        audiences = self.audiences
        shown = view_events(numbered, audiences)
        states = view_states(self.state, audiences)
        views = self._views
        for audience, members in audiences.items():
            view = states[audience]
            message = outbound.update(self.seq, shown[audience], view, previous=views.get(audience))
            views[audience] = view
            step.send(members, message)

    # -- host controls ------------------------------------------------------------------------

    def control(self, client: ClientId, cmd_id: str, action: str, seat: str | None = None) -> Step:
        """A host control: pause, resume, lock, unlock, kick, transfer_host. (``next_game``
        opens a room, which only the registry can do: it comes through :meth:`next_game`, and
        is refused here with ``room/failed``.)"""
        step = self._flushed()
        me = self._requester(step, client, cmd_id)
        if me is None:
            return step
        code = self._control(step, me.id, action, seat)
        result = _reject(cmd_id, code) if code else outbound.result_ok(cmd_id, self.seq)
        self._remember(me, cmd_id, result)
        self._held.append(Send((client,), result))
        self._flush_into(step)  # a kick's event, then the result
        return self._finish(step)

    def _requester(self, step: Step, client: ClientId, cmd_id: str) -> _Seat | None:
        """The seat asking for a host request, or None when the request is already answered
        in ``step``: an unknown client (nothing to answer), a screen that is not a player, or
        a resend of an answered ``cmd_id`` (its first result again)."""
        c = self.clients.get(client)
        if c is None:
            return None
        if c.seat is None:
            step.send((client,), _reject(cmd_id, "room/not_a_player"))
            return None
        seat = self.seats[c.seat]
        cached = seat.results.get(cmd_id)
        if cached is not None:
            step.send((client,), cached)
            return None
        return seat

    def _control(self, step: Step, me: str, action: str, target: str | None) -> str:
        if me != self.host_seat:
            return "room/not_host"
        if action == "next_game":  # see control()
            return "room/failed"
        if self.stopped:
            return "room/stopped"
        if action in ("pause", "resume"):
            self.paused = action == "pause"
            self._meta(step, {"fact": "paused", "value": self.paused})
        elif action in ("lock", "unlock"):
            self.locked = action == "lock"
            self._meta(step, {"fact": "locked", "value": self.locked})
        else:
            seat = self.seats.get(target or "")
            if seat is None or seat.token_hash is None:
                return "room/no_such_seat"
            if action == "transfer_host":
                self._set_host(step, seat.id)
            else:
                if seat.id == me:
                    return "room/cannot_kick_self"
                if self.state.status == "lobby":
                    try:
                        self._run(step, seat.id, ROOM_CMD_ID, LeaveSeat(seat=seat.id))
                    except IllegalCommand as exc:
                        return exc.code
                self._seat_left(step, seat, "join/kicked")
                return ""
        self._room_changed(step)
        return ""

    def _seat_left(self, step: Step, seat: _Seat, reason: str) -> None:
        """Revoke a seat's token (kick, or leaving the lobby) and close its connection."""
        if seat.token_hash is not None:
            self.revoked.add(seat.token_hash)
        self._meta(step, {"fact": "revoke", "seat": seat.id, "reason": reason})
        if self.state.status == "lobby":
            del self.seats[seat.id]
        else:
            seat.token_hash = None
        seat.results.clear()
        if seat.client is not None:
            old = seat.client
            self._detach(old)
            step.send((old,), outbound.bye(reason, error_message(reason)))
            step.actions.append(Close(old, reason))
        if self.host_seat == seat.id:
            self.host_seat = None
            for other in self.seats.values():
                if other.token_hash is not None:
                    self._set_host(step, other.id)
                    break
        self._room_changed(step)

    def _set_host(self, step: Step, seat_id: str) -> None:
        if self.host_seat != seat_id:
            self.host_seat = seat_id
            self._meta(step, {"fact": "host", "seat": seat_id})

    def _meta(self, step: Step, data: dict[str, Any]) -> None:
        if not self.state.over:  # a finished game's journal is closed; it is never resumed
            step.records.append(MetaRecord(ts=self.clock(), data=data))

    def _room_changed(self, step: Step) -> None:
        step.room_changed = True

    def _finish(self, step: Step, exclude: ClientId | None = None) -> Step:
        """Append the ``room`` message once if the roster or settings changed."""
        if step.room_changed:
            self._flush_into(step)
            members = [c for c in self.clients if c != exclude]
            step.send(members, outbound.room(self.room_info()))
        return step

    # -- the next game ----------------------------------------------------------------------

    def next_game(self, client: ClientId, cmd_id: str) -> Step:
        """The host asks for a room for the next game, once this one is over.

        Opening a room is the registry's job, so this is the first half of a hand-shake with
        the transport: ``step.joined.ok`` means "open it now, then call
        :meth:`next_game_opened`"; until then a second request is refused
        (``room/next_pending``). Otherwise the answer was sent: a refusal, or — when the next
        room is already open — the same result again, so a repeated tap opens one room only.
        """
        step = self._flushed()
        step.joined = JoinOutcome(False)  # answered here: nothing for the caller to open
        seat = self._requester(step, client, cmd_id)
        if seat is None:
            return step
        if seat.id != self.host_seat:
            code = "room/not_host"
        elif not self.state.over:
            code = "room/game_not_over"
        elif self.next_room is not None:
            result = outbound.result_next(cmd_id, self.seq, *self.next_room)
            self._remember(seat, cmd_id, result)
            step.send((client,), result)
            return step
        elif self._next_pending:
            code = "room/next_pending"
        else:
            self._next_pending = True
            step.joined = JoinOutcome(True)
            return step
        step.send((client,), _reject(cmd_id, code))
        step.joined = JoinOutcome(False, code)
        return step

    def next_game_opened(
        self, client: ClientId, cmd_id: str, opened: tuple[str, str] | None, error: str = ""
    ) -> Step:
        """The second half of :meth:`next_game`: ``opened`` is the new room's code and host
        token, or None when it could not be opened (``error`` says why). Everyone in this room
        learns the next code from the room info; only the host gets the host token."""
        step = Step()
        self._next_pending = False
        if opened is None:
            result = _reject(cmd_id, error or "room/failed")
        else:
            self.next_room = opened
            result = outbound.result_next(cmd_id, self.seq, *opened)
            self._room_changed(step)
        c = self.clients.get(client)
        if c is not None and c.seat is not None and c.seat in self.seats:
            self._remember(self.seats[c.seat], cmd_id, result)
            step.send((client,), result)
        return self._finish(step)

    # -- resync, stop and close ---------------------------------------------------------------

    def sync(self, client: ClientId, last_seq: int | None) -> Step:
        """Send ``client`` what it missed since ``last_seq`` (or a snapshot) and its view."""
        step = self._flushed()
        c = self.clients.get(client)
        if c is None:
            return step
        resumed, events = self._missed(c.audience, last_seq)
        step.send(
            (client,),
            outbound.update(
                self.seq, events, view_state(self.state, c.audience), reset=resumed != "events"
            ),
        )
        return step

    def stop(self) -> Step:
        """The journal failed: refuse every command from now on and tell everyone.

        What was handled but not yet sent is dropped: it may not have been saved.
        """
        step = Step()
        self._unsent = []
        self._held = []
        self._views.clear()  # the dropped events changed the state: send whole views from now
        if not self.stopped:
            self.stopped = True
            step.send(self.clients, outbound.error("room/stopped", error_message("room/stopped")))
            self._room_changed(step)
        return self._finish(step)

    def close(self, reason: str = "room/closed") -> Step:
        """Say goodbye to every client (server shutdown, room closed)."""
        step = self._flushed()
        self.closed = True
        members = list(self.clients)
        step.send(members, outbound.bye(reason, error_message(reason)))
        for client in members:
            self._detach(client)
            step.actions.append(Close(client, reason))
        return step

    # -- recovery -----------------------------------------------------------------------------

    def restore(self, records: Iterable[Record]) -> None:
        """Rebuild the room from its journaled records (after :meth:`__init__` with the
        game's initial state). Events are folded with :func:`cibo.core.apply`; nothing is
        decided again, and the records are not journaled again.
        """
        for record in records:
            if isinstance(record, CommandRecord):
                self._restore_command(record)
            elif isinstance(record, MetaRecord):
                self._restore_fact(record.data)
        self._status = self.state.status

    def _restore_command(self, record: CommandRecord) -> None:
        state = self.state
        for logged in record.events:
            state = apply(state, event_from_dict(logged.event))
            self.ring.append(logged.seq, logged.event)
            self.seq = logged.seq
        self.state = state
        if record.cmd_id == ROOM_CMD_ID:
            command = command_from_dict(record.command)
            if command_type(command) == "join_seat":
                number = record.seat[1:]
                if number.isdigit():
                    self._next_seat = max(self._next_seat, int(number) + 1)
            return
        seat = self.seats.get(record.seat)
        if seat is not None:
            self._remember(seat, record.cmd_id, outbound.result_ok(record.cmd_id, self.seq))

    def _restore_fact(self, data: dict[str, Any]) -> None:
        fact = data.get("fact")
        if fact == "seat":
            seat_id = str(data["seat"])
            digest = str(data["token_sha256"])
            seat = self.seats.get(seat_id)
            if seat is None:
                self.seats[seat_id] = _Seat(seat_id, str(data["name"]), digest)
            else:
                seat.token_hash = digest
        elif fact == "revoke":
            seat = self.seats.get(str(data["seat"]))
            if seat is not None:
                if seat.token_hash is not None:
                    self.revoked.add(seat.token_hash)
                if self.state.status == "lobby" and self.state.seat(seat.id) is None:
                    del self.seats[seat.id]
                else:
                    seat.token_hash = None
            if self.host_seat == data["seat"]:
                self.host_seat = None
        elif fact == "room":
            digest = str(data["host_token_sha256"])
            if digest not in self.host_token_hashes:
                self.host_token_hashes.append(digest)
        elif fact == "host":
            self.host_seat = str(data["seat"])
        elif fact == "paused":
            self.paused = bool(data["value"])
        elif fact == "locked":
            self.locked = bool(data["value"])


def _illegal(code: str) -> IllegalCommand:
    return IllegalCommand(error_message(code), code=code)


def _reject(cmd_id: str, code: str) -> dict[str, Any]:
    return outbound.result_error(cmd_id, code, error_message(code))
