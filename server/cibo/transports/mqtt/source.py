"""What the bridge needs from the server, as protocols, and their adapters over the rooms.

The bridge only *reads* rooms (their durable events, the event history ring, the state) and
submits device commands through the room's own inbox, like any other client. It never holds a
room up: the listener it attaches returns at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from cibo.core import Event, GameState
from cibo.rooms import Outcome, Registry, Room
from cibo.rooms.room import Listener

__all__ = [
    "BridgeSource",
    "CommandOutcome",
    "EventListener",
    "RegistrySource",
    "RoomFeed",
    "RoomHandle",
]

EventListener = Listener
"""(room code, numbered events, state after them), called once the events are durable."""

CommandOutcome = Outcome
"""How a device command went: ``ok``, or an error ``code`` and a sentence (the room's type)."""


class RoomFeed(Protocol):
    """One open room, as the bridge sees it."""

    @property
    def code(self) -> str: ...

    @property
    def seq(self) -> int:
        """The last event's number."""
        ...

    @property
    def durable_seq(self) -> int:
        """The last event that is durable (and was told to listeners)."""
        ...

    @property
    def state(self) -> GameState:
        """The room's state now (durable when ``seq == durable_seq``)."""
        ...

    @property
    def closed(self) -> bool: ...

    def events_after(self, seq: int) -> Sequence[tuple[int, Event]]:
        """The events after ``seq`` that the room's history ring still holds, oldest first."""
        ...

    def attach(self, listener: EventListener) -> None: ...

    def detach(self, listener: EventListener) -> None: ...

    async def device_command(
        self, seat: str, cmd_id: str, command: dict[str, Any]
    ) -> CommandOutcome:
        """Run ``command`` for ``seat`` (a seat id, ``host`` or ``turn``); returns when durable."""
        ...


class BridgeSource(Protocol):
    """Where the rooms are."""

    def open_rooms(self) -> Iterable[RoomFeed]: ...


class RoomHandle:
    """A :class:`cibo.rooms.Room` as a :class:`RoomFeed`."""

    __slots__ = ("room",)

    def __init__(self, room: Room) -> None:
        self.room = room

    @property
    def code(self) -> str:
        return self.room.code

    @property
    def seq(self) -> int:
        return self.room.seq

    @property
    def durable_seq(self) -> int:
        return self.room.durable_seq

    @property
    def state(self) -> GameState:
        return self.room.state

    @property
    def closed(self) -> bool:
        return self.room.done.is_set()

    def events_after(self, seq: int) -> Sequence[tuple[int, Event]]:
        return self.room.events_after(seq)

    def attach(self, listener: EventListener) -> None:
        self.room.subscribe(listener)

    def detach(self, listener: EventListener) -> None:
        self.room.unsubscribe(listener)

    async def device_command(
        self, seat: str, cmd_id: str, command: dict[str, Any]
    ) -> CommandOutcome:
        return await self.room.device_command(seat, cmd_id, command)


class RegistrySource:
    """The open rooms of a :class:`cibo.rooms.Registry`."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def open_rooms(self) -> list[RoomFeed]:
        return [RoomHandle(r) for r in self.registry.rooms.values() if not r.done.is_set()]
