"""What clients send: typed values, parsed strictly from decoded maps.

:func:`parse_client` turns a decoded map into one of the classes below, or raises
:class:`InvalidMessage` (unknown type, missing or mistyped field, unknown key). Each class has
``to_dict`` for clients that send it. What the server sends is built in one place too,
:mod:`cibo.protocol.outbound`; ``docs/protocol.md`` shows every message of both directions with
an example.

The game command inside ``cmd`` stays a map: its schema belongs to the engine
(:func:`cibo.core.command_from_wire`), which checks it when the room decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypeAlias

from attrs import frozen

from cibo.core.names import MAX_RAW
from cibo.protocol.errors import InvalidMessage

__all__ = [
    "CONTROL_ACTIONS",
    "ROLES",
    "ClientMessage",
    "Cmd",
    "Control",
    "CreateRoom",
    "Hello",
    "Ping",
    "Role",
    "Sync",
    "Texts",
    "parse_client",
]

Role = Literal["player", "table", "spectator"]
ROLES: Final[tuple[Role, ...]] = ("player", "table", "spectator")

ControlAction = Literal[
    "pause",
    "resume",
    "lock",
    "unlock",
    "kick",
    "transfer_host",
    "next_game",
    "latecomers_on",
    "latecomers_off",
    "move_seat",
    "add_bot",
    "skip_stage",
]
CONTROL_ACTIONS: Final[tuple[ControlAction, ...]] = (
    "pause",
    "resume",
    "lock",
    "unlock",
    "kick",
    "transfer_host",
    "next_game",
    "latecomers_on",
    "latecomers_off",
    "move_seat",
    "add_bot",
    "skip_stage",
)
SEAT_CONTROLS: Final = frozenset({"kick", "transfer_host", "move_seat"})
"""Controls that need a ``seat`` (``add_bot`` takes one optionally)."""

MAX_SEQ: Final = 2**53
MAX_ID = 64
"""Characters in a cmd_id, token, seat id or other identifier."""
MAX_NAME_INPUT: Final = MAX_RAW
"""Code points of a raw name before cleaning (which cuts it to 16 characters); a longer one is
refused with ``join/name_too_long``, not ``protocol/invalid``."""
MAX_LANG: Final = 35
"""Characters in a language tag (``hello``'s and ``texts``'s ``lang``)."""
LANGUAGE_TAG: Final = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
"""What a ``lang`` looks like: a BCP 47 tag's letters and subtags (``en``, ``pt-BR``)."""


# -- client -> server -----------------------------------------------------------------------


@frozen
class Hello:
    """Join a room (first message on a connection), or resume a seat with ``token``."""

    role: Role
    code: str
    name: str = ""
    token: str | None = None
    host_token: str | None = None
    last_seq: int | None = None
    stages: bool = True
    """A table display that stages the enemy's turn (False: it asked for reduced motion and
    shows each turn's end at once, so there is nothing for the host to skip)."""
    lang: str | None = None
    """The language the screen shows (``it``): the welcome's ruleset texts are in the
    ruleset's own language and this one (None: its own alone)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "hello", "role": self.role, "code": self.code}
        if self.name:
            out["name"] = self.name
        if not self.stages:
            out["stages"] = False
        for key in ("token", "host_token", "last_seq", "lang"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@frozen
class Cmd:
    """A game command from a player's seat. ``cmd_id`` is unique per seat (resends reuse it)."""

    cmd_id: str
    command: dict[str, Any]
    seen_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "cmd", "cmd_id": self.cmd_id, "command": self.command}
        if self.seen_seq is not None:
            out["seen_seq"] = self.seen_seq
        return out


@frozen
class Control:
    """A host control: pause, resume, lock, unlock, kick (``seat``), transfer_host (``seat``),
    next_game (open a room for the next game once this one is over), skip_stage (the table
    displays show the enemy's turn at once); docs/protocol.md lists every action."""

    cmd_id: str
    action: ControlAction
    seat: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "control", "cmd_id": self.cmd_id, "action": self.action}
        if self.seat is not None:
            out["seat"] = self.seat
        return out


@frozen
class Sync:
    """Ask again for what was missed since ``last_seq`` (or a snapshot)."""

    last_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "sync"}
        if self.last_seq is not None:
            out["last_seq"] = self.last_seq
        return out


@frozen
class Ping:
    """Application-level heartbeat; ``t`` is echoed in the ``pong``."""

    t: int | float | str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "ping"}
        if self.t is not None:
            out["t"] = self.t
        return out


@frozen
class Texts:
    """Ask for the room's ruleset texts in ``lang`` (the screen switched language); answered
    by ``texts``."""

    lang: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": "texts", "lang": self.lang}


@frozen
class CreateRoom:
    """Open a new room (before ``hello``); answered by ``room_created`` with a host token."""

    ruleset: str | None = None
    difficulty: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "create_room"}
        if self.ruleset is not None:
            out["ruleset"] = self.ruleset
        if self.difficulty is not None:
            out["difficulty"] = self.difficulty
        return out


ClientMessage: TypeAlias = Hello | Cmd | Control | Sync | Ping | Texts | CreateRoom


class _Fields:
    """Strict field access on one incoming map; every problem is an InvalidMessage."""

    def __init__(self, data: Mapping[str, Any], allowed: frozenset[str]) -> None:
        extra = set(data) - allowed - {"type"}
        if extra:
            raise InvalidMessage(f"unknown field(s): {', '.join(sorted(extra))}")
        self.data = data

    def text(self, key: str, *, limit: int = MAX_ID, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise InvalidMessage(f"missing field {key!r}")
            return None
        if not isinstance(value, str):
            raise InvalidMessage(f"{key!r} must be a string")
        if len(value) > limit or (required and not value):
            raise InvalidMessage(f"{key!r} must have 1 to {limit} characters")
        return value

    def seq(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
            raise InvalidMessage(
                f"{key!r} must be an integer from 0 to {MAX_SEQ}", code="protocol/bad_seq"
            )
        return value


def _name(f: _Fields) -> str:
    value = f.text("name", limit=1 << 30)  # the codec bounds strings (4,096 characters)
    if value is not None and len(value) > MAX_NAME_INPUT:
        raise InvalidMessage(
            f"'name' has {len(value)} code points, more than {MAX_NAME_INPUT}",
            code="join/name_too_long",
        )
    return value or ""


def _hello(f: _Fields) -> Hello:
    role = f.text("role", required=True)
    if role not in ROLES:
        raise InvalidMessage(f"'role' must be one of {', '.join(ROLES)}")
    code = f.text("code", limit=16, required=True)
    assert code is not None
    return Hello(
        role=role,
        code=code,
        name=_name(f),
        token=f.text("token"),
        host_token=f.text("host_token"),
        last_seq=f.seq("last_seq"),
        stages=_stages(f.data.get("stages", True)),
        lang=_lang(f, required=False),
    )


def _lang(f: _Fields, *, required: bool) -> str | None:
    value = f.text("lang", limit=MAX_LANG, required=required)
    if value is not None and not LANGUAGE_TAG.fullmatch(value):
        raise InvalidMessage("'lang' must be a language tag such as 'en' or 'pt-BR'")
    return value


def _stages(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidMessage("'stages' must be true or false")
    return value


def _cmd(f: _Fields) -> Cmd:
    cmd_id = f.text("cmd_id", required=True)
    command = f.data.get("command")
    if not isinstance(command, dict):
        raise InvalidMessage("'command' must be a map")
    assert cmd_id is not None
    return Cmd(cmd_id=cmd_id, command=command, seen_seq=f.seq("seen_seq"))


def _control(f: _Fields) -> Control:
    cmd_id = f.text("cmd_id", required=True)
    action = f.text("action", required=True)
    if action not in CONTROL_ACTIONS:
        raise InvalidMessage(f"'action' must be one of {', '.join(CONTROL_ACTIONS)}")
    seat = f.text("seat")
    if action in SEAT_CONTROLS and seat is None:
        raise InvalidMessage(f"{action!r} needs a 'seat'")
    assert cmd_id is not None
    return Control(cmd_id=cmd_id, action=action, seat=seat)


def _ping(f: _Fields) -> Ping:
    t = f.data.get("t")
    if t is not None and (
        isinstance(t, bool) or not isinstance(t, (int, float, str)) or len(str(t)) > MAX_ID
    ):
        raise InvalidMessage("'t' must be a short number or string")
    return Ping(t=t)


_PARSERS: Final[dict[str, tuple[frozenset[str], Callable[[_Fields], ClientMessage]]]] = {
    "hello": (
        frozenset(
            {"role", "code", "name", "token", "host_token", "last_seq", "stages", "lang"}
        ),
        _hello,
    ),
    "cmd": (frozenset({"cmd_id", "command", "seen_seq"}), _cmd),
    "control": (frozenset({"cmd_id", "action", "seat"}), _control),
    "sync": (frozenset({"last_seq"}), lambda f: Sync(last_seq=f.seq("last_seq"))),
    "ping": (frozenset({"t"}), _ping),
    "texts": (frozenset({"lang"}), lambda f: Texts(lang=_lang(f, required=True) or "")),
    "create_room": (
        frozenset({"ruleset", "difficulty"}),
        lambda f: CreateRoom(ruleset=f.text("ruleset"), difficulty=f.text("difficulty")),
    ),
}


def parse_client(data: Mapping[str, Any]) -> ClientMessage:
    """Turn a decoded map into a client message, or raise :class:`InvalidMessage`."""
    kind = data.get("type")
    entry = _PARSERS.get(kind) if isinstance(kind, str) else None
    if entry is None:
        raise InvalidMessage(f"unknown message type {kind!r}")
    allowed, parser = entry
    return parser(_Fields(data, allowed))
