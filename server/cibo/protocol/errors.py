"""Every error code and close code the server sends, in one place.

An error code is a stable, namespaced string (``join/bad_token``); clients switch on it and show
the accompanying sentence, which is written for players. The engine's own codes (``action/...``,
``lobby/...``, ``game/...``, ``command/...``) pass through unchanged with their sentence from
:class:`cibo.core.IllegalCommand`; :data:`ERRORS` lists the codes of the wire layer, the rooms and
the transports. ``docs/protocol.md`` lists them all, and a test checks it against this table.

Exceptions (part of the tree in :mod:`cibo.errors`)::

    ProtocolError            a frame or message the server cannot accept (never reaches a room)
    ├── DecodeError          not decodable with the connection's codec, too large or too deep
    └── InvalidMessage       decoded, but not a message of the protocol (unknown type, bad field)
"""

from __future__ import annotations

import enum

from cibo.errors import CiboError

__all__ = [
    "CLOSE_CODES",
    "ERRORS",
    "FAILED_JOIN_CODES",
    "CloseCode",
    "DecodeError",
    "InvalidMessage",
    "ProtocolError",
    "close_code_for",
    "error_message",
]

ERRORS: dict[str, str] = {
    "protocol/malformed": "The server could not read that message.",
    "protocol/too_large": "That message is too large.",
    "protocol/too_deep": "That message is nested too deeply.",
    "protocol/invalid": "That message is not part of the protocol.",
    "protocol/bad_seq": "An event number must be a whole number from 0 up.",
    "protocol/hello_first": "Say hello first: join a room before sending anything else.",
    "protocol/already_joined": "This connection has already joined a room.",
    "protocol/rate_limited": "Too many messages, too fast.",
    "protocol/too_many_errors": "Too many unreadable messages.",
    "protocol/no_such_language": "This game's rules are not written in that language.",
    # Joining a room.
    "join/no_such_room": "There is no game with that code. Check the code on the table display.",
    "join/bad_token": "This phone's seat is no longer valid. Join again with your name.",
    "join/bad_host_token": "That host link is not valid for this game.",
    "join/kicked": "The host removed this seat from the game.",
    "join/locked": "The host has locked this game: no one new can join.",
    "join/game_started": (
        "The game has already started and every hero is taken. You can watch it from this phone."
    ),
    "join/watch_only": (
        "The game has already started. You can watch it from this phone, or ask the host to"
        " let latecomers take a free hero."
    ),
    "join/moved": "This seat was moved to another phone by the host.",
    "join/name_invalid": "Please choose a name with at least one letter or digit.",
    "join/name_taken": (
        "Someone at the table already uses that name, or one that looks just like it."
        " Please pick another."
    ),
    "join/name_too_long": "That name is far too long. Names are cut to 16 characters.",
    "join/too_many_attempts": "Too many failed attempts to join. Wait a minute and try again.",
    "join/room_full": "This game has no room for more screens.",
    "join/damaged": (
        "This game's log is damaged, so it cannot go on. The server's window says why;"
        " the host can start a new game."
    ),
    # Roles and host controls.
    "room/not_a_player": "Only players can do that; this screen only watches.",
    "room/not_host": "Only the host can do that.",
    "room/paused": "The host has paused the game.",
    "room/room_only": "The server does that for you; it cannot be sent.",
    "room/no_such_seat": "There is no such seat in this game.",
    "room/cannot_kick_self": "The host cannot remove their own seat. Transfer host first.",
    "room/stopped": "This game was stopped because the server could not save it.",
    "room/game_over": "The game is over.",
    "room/game_not_over": "The game is still on. End it first to start the next one.",
    "room/next_pending": "The next game is being set up. Wait a moment.",
    "room/limit": "The server cannot open another game right now.",
    "room/bad_ruleset": "That ruleset is not available on this server.",
    "room/bad_difficulty": "That difficulty is not available in this ruleset.",
    "room/closed": "This game was closed.",
    "room/table_full": "There is no free hero or no free place at the table.",
    "room/failed": "Something went wrong on the server with that action; nothing changed.",
    "room/crashed": (
        "Something went wrong with this game on the server and it stopped. Restarting the"
        " server resumes it from its log."
    ),
    # Commands.
    "command/stale": "The game moved on before your action arrived. Look again and try again.",
    # Undo.
    "undo/nothing": "There is nothing to take back.",
    "undo/rolled": "Dice were rolled or a card was shown since: that cannot be taken back.",
    "undo/not_yours": (
        "The last move was another player's. Only they, or the host, can take it back."
    ),
    # Reasons for closing a connection (sent in ``bye``).
    "seat/replaced": "This seat was opened on another device.",
    "seat/left": "You left the game.",
    "seat/moved": "The host moved this seat to another phone.",
    "server/shutting_down": "The server is shutting down.",
}
"""Code -> the sentence shown to a player. Engine codes come with their own sentence."""

FAILED_JOIN_CODES: frozenset[str] = frozenset(
    {"join/no_such_room", "join/bad_token", "join/bad_host_token", "join/kicked"}
)
"""Join failures that count towards the per-address lockout (guessing codes or tokens)."""


def error_message(code: str) -> str:
    """The player-facing sentence for ``code`` (a generic one for unknown codes)."""
    return ERRORS.get(code, "That did not work.")


class CloseCode(enum.IntEnum):
    """WebSocket close codes the server uses. 1xxx are RFC 6455; 4xxx are the protocol's own."""

    NORMAL = 1000
    """The client or server ended the session normally."""
    GOING_AWAY = 1001
    """The server is shutting down; reconnect later."""
    POLICY = 1008
    """Abuse: message flood, join brute force, too many protocol errors, a wrong role."""
    TOO_BIG = 1009
    """A frame above the size limit (sent by the WebSocket layer itself)."""
    REPLACED = 4001
    """The seat was taken over by another connection presenting its token."""
    KICKED = 4003
    """The host removed this seat; its token no longer works."""
    ROOM_CLOSED = 4004
    """The room no longer exists (closed by the server)."""
    INTERNAL = 1011
    """The server failed (a room stopped on an unexpected error)."""
    TRY_AGAIN = 1013
    """The connection caps were reached by handshakes that raced past the check together
    (normally a connection over the caps is refused with HTTP 503 before it opens)."""


CLOSE_CODES: dict[str, CloseCode] = {
    "seat/replaced": CloseCode.REPLACED,
    "seat/moved": CloseCode.REPLACED,
    "join/kicked": CloseCode.KICKED,
    "seat/left": CloseCode.NORMAL,
    "room/closed": CloseCode.ROOM_CLOSED,
    "room/crashed": CloseCode.INTERNAL,
    "server/shutting_down": CloseCode.GOING_AWAY,
    "protocol/rate_limited": CloseCode.POLICY,
    "protocol/too_many_errors": CloseCode.POLICY,
    "join/too_many_attempts": CloseCode.POLICY,
}
"""The close code for each reason a connection is closed (the reason goes in a ``bye`` first)."""


def close_code_for(reason: str) -> CloseCode:
    """The WebSocket close code for a closing reason (an error code)."""
    return CLOSE_CODES.get(reason, CloseCode.POLICY)


class ProtocolError(CiboError):
    """A frame or message that is not acceptable; ``code`` is one of :data:`ERRORS`."""

    code = "protocol/invalid"

    def __init__(self, detail: str = "", *, code: str | None = None) -> None:
        super().__init__(detail or self.code, code=code)
        self.detail = detail

    @property
    def message(self) -> str:
        """The sentence for players (the technical detail stays in ``detail``)."""
        return error_message(self.code)


class DecodeError(ProtocolError):
    """The bytes are not a message in the connection's codec, or exceed a limit."""

    code = "protocol/malformed"


class InvalidMessage(ProtocolError):
    """The frame decoded, but it is not a valid protocol message."""

    code = "protocol/invalid"
