"""The client's side of the protocol, sans I/O: what a client sends, keeps and concludes.

:class:`ClientState` builds every outgoing message from the models of
:mod:`cibo.protocol.messages`, and takes in what the server sends: the seat and its token, the
last ``seq`` seen, the latest view (an ``update`` brings the whole view or only its changed
top-level keys, merged by :func:`merge_update`), the room, the events, and the commands still
waiting for a result (sent again, with the same ``cmd_id``, after a reconnect). It never
touches a socket or a clock: :mod:`cibo.client` drives it over asyncio, and the bots drive that.

When a connection ends, :func:`is_final` says whether opening it again could help. The
browser client follows the same rule: :mod:`cibo.protocol.browser_codes` writes these tables
into ``clients/shared/codes.js``.
"""

from __future__ import annotations

import itertools
import secrets
from collections import deque
from collections.abc import Mapping
from typing import Any, Final

from cibo.protocol.errors import CLOSE_CODES
from cibo.protocol.messages import Cmd, Control, ControlAction, CreateRoom, Hello, Role, Sync

__all__ = [
    "FINAL_CLOSE_CODES",
    "FINAL_REASONS",
    "FORGET_REASONS",
    "ClientState",
    "create_room",
    "is_final",
    "merge_update",
]

FINAL_REASONS: Final = frozenset(
    {
        "seat/replaced",
        "seat/moved",
        "join/kicked",
        "seat/left",
        "room/closed",
        "join/too_many_attempts",
        "protocol/too_many_errors",
        "protocol/rate_limited",
    }
)
"""Closing reasons after which reconnecting cannot help: the seat went elsewhere, was removed
or left; the room is gone; or the connection was closed for abuse (it would be refused again, or
repeat what got it closed). Any other reason (``server/shutting_down``, ``room/crashed``) or a
dropped connection is worth a reconnect: the seat resumes from its last ``seq``."""

FORGET_REASONS: Final = frozenset(
    {
        "join/bad_token",
        "join/kicked",
        "join/moved",
        "join/no_such_room",
        "join/damaged",
        "room/closed",
    }
)
"""Answers after which a stored seat (token and ``seq``) is gone for good: forget it."""

FINAL_CLOSE_CODES: Final = frozenset(int(CLOSE_CODES[reason]) for reason in FINAL_REASONS)
"""Close codes that mean a final reason (for a close that came without one)."""


def is_final(close_code: int | None, reason: str | None = None) -> bool:
    """Whether a connection closed with ``close_code`` should stay closed.

    ``reason`` is the ``bye`` code received before the close, or the close frame's reason (the
    server puts the same code there). A known reason decides; otherwise the close code does.
    """
    if reason in CLOSE_CODES:
        return reason in FINAL_REASONS
    return close_code in FINAL_CLOSE_CODES


def merge_update(view: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """The view after ``update``: its whole ``state`` if it has one, else ``view`` with the
    top-level keys in ``changes`` replaced (the only keys that changed), and in each key of
    ``patch`` the fields it names of each entry it names replaced (an entry by key in a map,
    by position in a list), in copies."""
    if "state" in update:
        return dict(update["state"] or {})
    out = {**view, **(update.get("changes") or {})}
    for key, entries in (update.get("patch") or {}).items():
        base = out.get(key)
        if isinstance(base, list):
            patched: Any = list(base)
            for index, fields in entries.items():
                patched[int(index)] = {**patched[int(index)], **fields}
        else:
            patched = dict(base or {})
            for name, fields in entries.items():
                patched[name] = {**patched.get(name, {}), **fields}
        out[key] = patched
    return out


def create_room(ruleset: str | None = None, difficulty: str | None = None) -> dict[str, Any]:
    """The ``create_room`` message (sent before any ``hello``)."""
    return CreateRoom(ruleset=ruleset, difficulty=difficulty).to_dict()


Pending = Cmd | Control


class ClientState:
    """One client's view of one room, across reconnects. See the module docstring.

    Args:
        code: the room's join code.
        role: ``player``, ``table`` or ``spectator``.
        name: a player's name (for a new seat).
        token: a seat token, to resume a seat.
        host_token: the host token, to become the host.
        last_seq: the last ``seq`` seen in an earlier session (with ``token``, to resume).
        keep_events: how many received events to keep in :attr:`events`.
    """

    def __init__(
        self,
        *,
        code: str,
        role: Role = "player",
        name: str = "",
        token: str | None = None,
        host_token: str | None = None,
        last_seq: int | None = None,
        keep_events: int = 10_000,
    ) -> None:
        self.code = code
        self.role: Role = role
        self.name = name
        self.token = token
        self.host_token = host_token
        self.seat: str | None = None
        self.host = False
        self.seq: int | None = last_seq
        self.state: dict[str, Any] = {}
        """The latest view of the game, as this client may see it."""
        self.room: dict[str, Any] = {}
        self.events: deque[dict[str, Any]] = deque(maxlen=keep_events)
        """Received events, each ``{"seq": n, "event": {...}}``, oldest first."""
        self.received = 0
        """Messages taken in so far."""
        self.errors: list[dict[str, Any]] = []
        """``error`` messages received after joining."""
        self.cues: list[str] = []
        """``cue`` messages received (presentation cues for the table display, e.g.
        ``skip_stage``), by name, oldest first."""
        self.bye: dict[str, Any] | None = None
        """The last ``bye`` received (on any connection)."""
        self._reason: str | None = None
        self.welcome: dict[str, Any] | None = None
        self.pending: dict[str, Pending] = {}
        """Commands and controls sent and not yet answered, by ``cmd_id``, oldest first."""
        self._ids = itertools.count(1)
        self._prefix = secrets.token_hex(3)

    # -- outgoing -------------------------------------------------------------------------------

    def hello(self) -> Hello:
        """The ``hello`` for the next connection: resume the seat if there is a token."""
        return Hello(
            role=self.role,
            code=self.code,
            name="" if self.token is not None else self.name,
            token=self.token,
            host_token=self.host_token,
            last_seq=self.seq,
        )

    def new_cmd_id(self) -> str:
        """A ``cmd_id`` not used before by this client."""
        return f"{self._prefix}-{next(self._ids)}"

    def command(
        self,
        command: Mapping[str, Any],
        *,
        cmd_id: str | None = None,
        seen_seq: int | None = None,
    ) -> Cmd:
        """A game command, kept in :attr:`pending` until its ``result``."""
        message = Cmd(cmd_id=cmd_id or self.new_cmd_id(), command=dict(command), seen_seq=seen_seq)
        self.pending[message.cmd_id] = message
        return message

    def control(self, action: ControlAction, seat: str | None = None) -> Control:
        """A host control, kept in :attr:`pending` until its ``result``."""
        message = Control(cmd_id=self.new_cmd_id(), action=action, seat=seat)
        self.pending[message.cmd_id] = message
        return message

    def sync(self) -> Sync:
        """Ask for what was missed since :attr:`seq`."""
        return Sync(last_seq=self.seq)

    def resend(self) -> list[Pending]:
        """What to send again after a reconnect (the server applies each ``cmd_id`` once)."""
        return list(self.pending.values())

    def abandon(self, cmd_id: str) -> None:
        """Stop waiting for ``cmd_id``'s result (the caller gave up)."""
        self.pending.pop(cmd_id, None)

    # -- incoming -------------------------------------------------------------------------------

    def receive(self, message: Mapping[str, Any]) -> str:
        """Take in one message from the server; returns its ``type``.

        ``welcome`` sets the seat, token, room, view and ``seq``; ``update`` adds the events
        not seen yet and merges the view; ``room`` replaces the room (and who is host);
        ``result`` ends the wait for its ``cmd_id``; ``error`` is kept in :attr:`errors` and
        ``bye`` in :attr:`bye`; a ``cue``'s name is kept in :attr:`cues`. Anything else
        (``pong``, newer types) is only counted.
        """
        self.received += 1
        kind = str(message.get("type"))
        if kind == "welcome":
            self._welcome(message)
        elif kind == "update":
            self._take_events(message.get("events") or [])
            self.state = merge_update(self.state, message)
            self.seq = int(message.get("seq", 0))
        elif kind == "room":
            self.room = dict(message.get("room") or {})
            self.host = self.seat is not None and self.room.get("host_seat") == self.seat
        elif kind == "result":
            self.pending.pop(str(message.get("cmd_id")), None)
        elif kind == "error":
            self.errors.append(dict(message))
        elif kind == "cue":
            self.cues.append(str(message.get("cue")))
        elif kind == "bye":
            self.bye = dict(message)
            self._reason = str(message.get("code"))
        return kind

    def _welcome(self, message: Mapping[str, Any]) -> None:
        self.welcome = dict(message)
        self.seat = message.get("seat")
        self.host = bool(message.get("host"))
        if message.get("token"):
            self.token = message["token"]
        self.room = dict(message.get("room") or {})
        self._take_events(message.get("events") or [])
        self.state = dict(message.get("state") or {})
        self.seq = int(message.get("seq", 0))

    def _take_events(self, events: list[dict[str, Any]]) -> None:
        last = self.seq or 0
        for item in events:
            if int(item.get("seq", 0)) > last:
                self.events.append(item)

    # -- endings --------------------------------------------------------------------------------

    def opened(self) -> None:
        """A new connection is open: the last one's closing reason no longer applies."""
        self._reason = None

    def closing_reason(self, close_reason: str | None = None) -> str | None:
        """Why this connection ended: its ``bye`` code, else the close frame's reason."""
        return self._reason or close_reason or None

    def is_final(self, close_code: int | None, close_reason: str | None = None) -> bool:
        """Whether reconnecting after this close could not help (see :func:`is_final`)."""
        return is_final(close_code, self.closing_reason(close_reason))
