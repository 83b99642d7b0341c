"""Who is in a room: seats with their token hashes and results, connections, audiences.

A :class:`Roster` is plain data with small methods; it makes no decision. Its durable part
(seats, revocations, host, pause, lock, host links) changes only through room facts
(:func:`cibo.rooms.facts.apply_fact`), the same way live and when a room is restored; its
connections (clients and audiences) live only as long as the server process.
"""

from __future__ import annotations

from typing import Any

from attrs import define, field

from cibo.protocol import outbound
from cibo.rooms.results import ResultCache
from cibo.rooms.steps import ClientId, Role
from cibo.rooms.tokens import same_hash, token_hash

__all__ = ["Client", "Result", "Roster", "Seat", "accepted"]

Result = dict[str, Any]
"""A ``result`` message (:mod:`cibo.protocol.outbound`)."""


def accepted(result: Result) -> bool:
    """An applied command's result: kept for the whole game (see :mod:`cibo.rooms.results`)."""
    return bool(result["ok"])


def pack_result(cmd_id: str, result: Result) -> object:
    """A kept result as little as it can be: a plain ``result_ok`` is its ``seq`` (an int
    instead of a 4-key dict, for every command of a game), anything else itself."""
    seq = result.get("seq")
    if type(seq) is int and result == outbound.result_ok(cmd_id, seq):
        return seq
    return result


def unpack_result(cmd_id: str, kept: object) -> Result:
    """:func:`pack_result` undone."""
    if type(kept) is int:
        return outbound.result_ok(cmd_id, kept)
    assert isinstance(kept, dict)
    return kept


def result_cache(recent: int) -> ResultCache[Result]:
    """The results of one sender: applied ones for good (packed), the latest ``recent``
    others."""
    return ResultCache(recent, accepted, pack=pack_result, unpack=unpack_result)


@define
class Seat:
    """A seat of the game and the player holding it."""

    id: str
    name: str
    token_hash: str | None
    """None while the seat is vacant (its player was kicked during the game)."""
    results: ResultCache[Result]
    """The first result of every command id the seat sent (see :mod:`cibo.rooms.results`)."""
    client: ClientId | None = None
    bot: str = ""
    """The bot policy that plays the seat (:mod:`cibo.rooms.tablebots`); empty for a person."""


@define
class Client:
    """A connection in the room, in exactly one audience."""

    id: ClientId
    role: Role
    audience: str
    seat: str | None = None
    stages: bool = True
    """A table display that stages the enemy's turn (its person did not ask for reduced
    motion); meaningless for the other roles."""


@define
class Roster:
    """The people of one room. ``results_per_seat`` bounds each seat's kept rejections."""

    results_per_seat: int = 128
    seats: dict[str, Seat] = field(factory=dict)
    revoked: set[str] = field(factory=set)
    """Token hashes of kicked seats (answered with ``join/kicked``)."""
    host_seat: str | None = None
    host_token_hashes: list[str] = field(factory=list)
    """Every host link minted for the room stays valid: after a restart a new link is printed,
    and the host phone that still holds the old one must not be refused."""
    paused: bool = False
    locked: bool = False
    latecomers: bool = False
    """The host lets a player who comes during the game take a free hero (else they watch)."""
    moves: dict[str, str] = field(factory=dict)
    """Seat-move token hash -> seat: one-time links the host issued (:mod:`cibo.rooms.handover`)."""
    moved: set[str] = field(factory=set)
    """Token hashes of devices whose seat was moved to another (answered with ``join/moved``)."""
    next_seat: int = 1
    """The number of the next new seat (``s1``, ``s2``...; never reused)."""
    clients: dict[ClientId, Client] = field(factory=dict)
    audiences: dict[str, set[ClientId]] = field(factory=dict)

    def new_seat(self, seat_id: str, name: str, digest: str) -> Seat:
        """Add a seat (an id never used in this room: see :attr:`next_seat`)."""
        seat = Seat(seat_id, name, digest, result_cache(self.results_per_seat))
        self.seats[seat_id] = seat
        number = seat_id[1:]
        if number.isdigit():
            self.note_seat_number(int(number))
        return seat

    def note_seat_number(self, number: int) -> None:
        self.next_seat = max(self.next_seat, number + 1)

    def seat_by_token(self, token: str) -> Seat | None:
        digest = token_hash(token)
        found = None
        for seat in self.seats.values():  # compare with every seat: no early exit
            if seat.token_hash is not None and same_hash(digest, seat.token_hash):
                found = seat
        return found

    def vacant(self) -> Seat | None:
        """The first seat whose player was kicked during the game, if any."""
        return next((s for s in self.seats.values() if s.token_hash is None), None)

    def attach(self, c: Client) -> None:
        self.clients[c.id] = c
        self.audiences.setdefault(c.audience, set()).add(c.id)
        if c.seat is not None:
            self.seats[c.seat].client = c.id

    def detach(self, client: ClientId) -> Client | None:
        """Remove a connection (and its audience once empty); None if it was not here."""
        c = self.clients.pop(client, None)
        if c is None:
            return None
        members = self.audiences.get(c.audience)
        if members is not None:
            members.discard(client)
            if not members:
                del self.audiences[c.audience]
        if c.seat is not None:
            seat = self.seats.get(c.seat)
            if seat is not None and seat.client == client:
                seat.client = None
        return c

    def public_seats(self) -> list[dict[str, Any]]:
        """The seats as every audience may see them (room info)."""
        return [
            {
                "seat": s.id,
                "name": s.name,
                "connected": s.client is not None or bool(s.bot),  # a bot is always there
                "host": s.id == self.host_seat,
                "vacant": s.token_hash is None,
                "bot": bool(s.bot),
            }
            for s in self.seats.values()
        ]

    def count(self, role: Role) -> int:
        return sum(1 for c in self.clients.values() if c.role == role)

    def staging_tables(self) -> int:
        """The table displays that stage the enemy's turn (see :attr:`Client.stages`)."""
        return sum(1 for c in self.clients.values() if c.role == "table" and c.stages)
