"""What one input to a room session produces: a :class:`Step` of records and actions.

A :class:`~cibo.rooms.session.RoomSession` returns a :class:`Step` from every input method:

* ``records`` — journal records to make durable *before* anything of this step is sent;
* ``actions`` — :class:`Send` (a message to some clients) and :class:`Close`, in order;
* ``joined`` — for :meth:`~cibo.rooms.session.RoomSession.hello` only: how the join went;
* ``outcome`` — for :meth:`~cibo.rooms.session.RoomSession.device_command` only: how the
  command went;
* ``open_next`` — for :meth:`~cibo.rooms.session.RoomSession.next_game` only: the caller must
  open the next game's room now.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from attrs import define, field, frozen

from cibo.journal.format import Record
from cibo.protocol.errors import error_message

__all__ = [
    "DEVICE_CMD_ID",
    "ROOM_CMD_ID",
    "Action",
    "ClientId",
    "Close",
    "JoinOutcome",
    "Outcome",
    "Role",
    "Send",
    "Step",
]

ClientId = int
"""A connection, numbered by the transport."""
Role = Literal["player", "table", "spectator"]
ROOM_CMD_ID = "room"
"""``cmd_id`` of the commands the room issues itself (a seat joining, a kick in the lobby)."""
DEVICE_CMD_ID = "dev:"
"""How the ``cmd_id`` of a table gadget's command begins (``dev:<device>:<id>``)."""


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


@frozen
class Outcome:
    """How a command went: ``ok``, or an error ``code`` and a sentence."""

    ok: bool
    code: str = ""
    message: str = ""

    @classmethod
    def of(cls, result: dict[str, Any]) -> Outcome:
        """The outcome a ``result`` message (:mod:`cibo.protocol.outbound`) reports."""
        error = result.get("error") or {}
        return cls(bool(result["ok"]), error.get("code", ""), error.get("message", ""))


@define
class Step:
    """What one input caused; see the module docstring."""

    records: list[Record] = field(factory=list)
    actions: list[Action] = field(factory=list)
    joined: JoinOutcome | None = None
    outcome: Outcome | None = None
    open_next: bool = False
    room_changed: bool = False
    """The roster or settings changed: everyone gets a ``room`` message at the end."""

    def send(self, clients: Iterable[ClientId], message: dict[str, Any]) -> None:
        targets = tuple(clients)
        if targets:
            self.actions.append(Send(targets, message))

    @classmethod
    def refused(cls, code: str) -> Step:
        """A step for a request the room could not handle (``room/closed``, ``room/stopped``,
        ``room/failed``): a refused join, a refused command, nothing to open."""
        message = error_message(code)
        return cls(joined=JoinOutcome(False, code, message), outcome=Outcome(False, code, message))
