"""Commands: what a seat asks for, in the imperative. Validated by :func:`cibo.core.rules.decide`.

Every command carries ``seat``, which the room sets from the authenticated connection; it is
never taken from a client's payload (:func:`command_from_wire` ignores any ``seat`` key there).
Host-only commands (start, difficulty, end) are authorised by the room, which knows the roles;
the engine checks only what the game rules say.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from cibo.core.errors import IllegalCommand
from cibo.core.serial import DataError, from_data, from_tagged, to_tagged

__all__ = [
    "COMMAND_TYPES",
    "MAX_TEXT",
    "Act",
    "Command",
    "Concede",
    "DropHero",
    "EndGame",
    "EndTurn",
    "JoinSeat",
    "LeaveSeat",
    "PickHero",
    "PlayOn",
    "SetDifficulty",
    "StartGame",
    "command_from_dict",
    "command_from_wire",
    "command_to_dict",
    "command_type",
]


@frozen
class JoinSeat:
    seat: str
    name: str


@frozen
class LeaveSeat:
    seat: str


@frozen
class PickHero:
    seat: str
    hero: str


@frozen
class DropHero:
    seat: str
    hero: str


@frozen
class SetDifficulty:
    seat: str
    difficulty: str


@frozen
class StartGame:
    seat: str


@frozen
class Act:
    """A hero action; ``target`` is a zone, unit or hero id when the action takes one."""

    seat: str
    hero: str
    action: str
    target: str = ""


@frozen
class EndTurn:
    """End the turn of ``hero``, or of every hero of the seat when ``hero`` is empty."""

    seat: str
    hero: str = ""


@frozen
class EndGame:
    """The host stops the game; it ends as ``aborted`` and the seed is revealed."""

    seat: str
    reason: str = ""


@frozen
class Concede:
    """Accept the concession on offer for the whole table: the game ends, lost."""

    seat: str


@frozen
class PlayOn:
    """Turn down the concession on offer: the heroes take their turns."""

    seat: str


Command = (
    JoinSeat | LeaveSeat | PickHero | DropHero | SetDifficulty | StartGame | Act | EndTurn | EndGame
    | Concede | PlayOn
)

COMMAND_TYPES: dict[str, type[Any]] = {
    "join_seat": JoinSeat,
    "leave_seat": LeaveSeat,
    "pick_hero": PickHero,
    "drop_hero": DropHero,
    "set_difficulty": SetDifficulty,
    "start_game": StartGame,
    "act": Act,
    "end_turn": EndTurn,
    "end_game": EndGame,
    "concede": Concede,
    "play_on": PlayOn,
}
_TYPE_NAMES = {cls: name for name, cls in COMMAND_TYPES.items()}
MAX_TEXT = 64


def command_type(command: Command) -> str:
    return _TYPE_NAMES[type(command)]


def command_to_dict(command: Command) -> dict[str, Any]:
    return to_tagged(command, command_type(command))


def command_from_dict(data: dict[str, Any]) -> Command:
    """Rebuild a journaled command (``seat`` included); raises :class:`DataError`."""
    command: Command = from_tagged(data, COMMAND_TYPES, "command")
    return command


def command_from_wire(seat: str, data: object) -> Command:
    """Build a command from a client's message body, binding it to ``seat``.

    Raises:
        IllegalCommand: ``command/malformed`` or ``command/unknown`` with a readable sentence.
    """
    if not isinstance(data, dict):
        raise IllegalCommand("That command is not a map of fields.", code="command/malformed")
    name = data.get("type")
    cls = COMMAND_TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise IllegalCommand(f"There is no command called {name!r}.", code="command/unknown")
    body = {k: v for k, v in data.items() if k not in ("type", "seat")}
    for key, value in body.items():
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise IllegalCommand(f"The field {key!r} is too long.", code="command/malformed")
    body["seat"] = seat
    try:
        command: Command = from_data(cls, body)
    except DataError as exc:
        raise IllegalCommand(
            f"That {name} command is malformed ({exc}).", code="command/malformed"
        ) from exc
    return command
