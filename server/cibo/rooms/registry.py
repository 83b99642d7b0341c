"""The rooms of one server: creation with caps, lookup by join code, recovery and clean-up.

A :class:`Registry` is an async context manager that owns the rooms' tasks: leaving the
``async with`` block says goodbye to every client, closes every journal and ends every task.
Rulesets are looked up through an injected function, so this package does not read files.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Self

from attrs import frozen

from cibo.core import ENGINE_VERSION, GameState, Ruleset, new_game
from cibo.errors import CiboError
from cibo.journal.errors import JournalError
from cibo.journal.format import JournalHeader, MetaRecord, Record
from cibo.journal.store import replay_id
from cibo.protocol.errors import error_message
from cibo.rooms.codes import new_code, normalize_code
from cibo.rooms.facts import HostLinkMinted, apply_fact, fact_to_data
from cibo.rooms.ports import GameLog, GameStorePort
from cibo.rooms.room import Room
from cibo.rooms.session import RoomSession
from cibo.rooms.steps import ClientId
from cibo.rooms.tokens import new_token, token_hash

__all__ = ["Registry", "RoomLimits", "RoomRefused", "RulesetChoice", "RulesetSource"]

log = logging.getLogger("cibo.rooms")


@frozen
class RulesetChoice:
    """A ruleset ready to play: the model, and the file's hash and text (for the journal)."""

    ruleset: Ruleset
    sha256: str
    text: str

    @property
    def id(self) -> str:
        return self.ruleset.ruleset.id

    @property
    def name(self) -> str:
        return self.ruleset.ruleset.name


RulesetSource = Callable[[str | None], RulesetChoice]
"""Finds a ruleset by name (None: the default). Raises LookupError when there is none."""


@frozen
class RoomLimits:
    """Caps that keep one server and one address from taking everything."""

    max_rooms: int = 64
    max_rooms_per_address: int = 4
    """Unfinished rooms created over the network by one address (rooms made by ``cibo serve``
    don't count)."""
    max_clients_per_room: int = 64
    inbox_size: int = 256
    ring_size: int = 1024
    results_per_seat: int = 128
    """Rejections remembered per seat for command-id deduplication (applied commands' results
    are kept for the whole game)."""
    bot_pace: tuple[float, float] = (1.5, 3.0)
    """Seconds a bot at the table waits before each command (low, high): a human pace."""
    idle_seconds: float = 2 * 3600
    """A room nobody is connected to is closed after this long."""
    finished_idle_seconds: float = 600
    """The same, for a room whose game is over or stopped."""


class RoomRefused(CiboError):
    """A room could not be created; ``code`` is a ``room/...`` error code."""

    def __init__(self, code: str) -> None:
        super().__init__(error_message(code))
        self.code = code
        self.message = error_message(code)


class Registry:
    """Every room of the server, by join code.

    Args:
        store: creates a journal for each new game.
        rulesets: finds rulesets by name.
        limits: the caps.
        base_url: the URL phones reach the server at (``http://192.168.1.20:8765``);
            settable later with :meth:`set_base_url`.
    """

    def __init__(
        self,
        *,
        store: GameStorePort,
        rulesets: RulesetSource,
        limits: RoomLimits = RoomLimits(),
        base_url: str = "",
    ) -> None:
        self.store = store
        self.rulesets = rulesets
        self.limits = limits
        self.base_url = base_url
        self.rooms: dict[str, Room] = {}
        self.unavailable: dict[str, str] = {}
        """Codes of rooms that are gone but may be asked for again, with the error code to answer
        (``join/damaged``: its journal could not be resumed; ``room/crashed``: its task failed)."""
        self._reserved: set[str] = set()
        self._owned: dict[str, set[Room]] = {}
        """The open rooms of each owner's address (the per-address cap counts them at every
        ``create``: a walk over every room made opening 400 rooms quadratic)."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._reaper: asyncio.Task[None] | None = None
        self._open = False

    async def __aenter__(self) -> Self:
        self._open = True
        self._reaper = asyncio.get_running_loop().create_task(
            self._reap_forever(), name="cibo-room-reaper"
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        try:
            await self.close_all("server/shutting_down")
        finally:
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            self._open = False

    # -- lookup ---------------------------------------------------------------------------------

    def get(self, code: str) -> Room | None:
        """The open room with this (normalized) code."""
        room = self.rooms.get(code)
        if room is None or room.done.is_set():
            return None
        return room

    def mark_unavailable(self, code: str, reason: str) -> None:
        """Remember why room ``code`` is gone (an error code): phones and tables that come back
        to it are told that instead of "no such game", and no new room takes its code while
        this server runs."""
        self.unavailable[code] = reason

    def join_url(self, code: str) -> str:
        return f"{self.base_url}/j/{code}"

    def set_base_url(self, base_url: str) -> None:
        """Set where phones reach the server (known once the port is bound)."""
        self.base_url = base_url.rstrip("/")
        for room in self.rooms.values():
            room.set_join_url(self.join_url(room.code))

    # -- creating -------------------------------------------------------------------------------

    async def create(
        self,
        ruleset: str | None = None,
        difficulty: str | None = None,
        *,
        owner: str | None = None,
    ) -> tuple[Room, str]:
        """Open a room with a new game in its lobby; returns it and its host token.

        Raises:
            RoomRefused: ``room/limit``, ``room/bad_ruleset`` or ``room/bad_difficulty``.
            JournalError: the game's journal could not be created.
        """
        if len(self.rooms) + len(self._reserved) >= self.limits.max_rooms:
            await self._evict_finished()
        if len(self.rooms) + len(self._reserved) >= self.limits.max_rooms:
            raise RoomRefused("room/limit")
        owned = self._owned.get(owner, ()) if owner is not None else ()
        # Only games still to be played count: a host's finished games of the evening must
        # not stop the next one (the global cap and eviction bound those). Fewer rooms than
        # the cap, finished or not, are under it: counting is needed only at the cap (a
        # count at every room made opening many rooms from one address quadratic).
        if len(owned) >= self.limits.max_rooms_per_address:
            mine = sum(1 for r in owned if not r.over)
            if mine >= self.limits.max_rooms_per_address:
                raise RoomRefused("room/limit")
        try:
            choice = self.rulesets(ruleset)
        except LookupError as exc:
            raise RoomRefused("room/bad_ruleset") from exc
        level = difficulty or "normal"
        if level not in choice.ruleset.difficulty:
            if difficulty is not None:
                raise RoomRefused("room/bad_difficulty")
            level = next(iter(choice.ruleset.difficulty))
        code = new_code(self.rooms.keys() | self._reserved | self.unavailable.keys())
        self._reserved.add(code)
        try:
            seed = secrets.token_bytes(32)
            state = new_game(
                choice.ruleset, ruleset_sha256=choice.sha256, seed=seed, difficulty=level
            )
            host_token, link = _mint_host_link(choice.name)
            journal = await self.store.create_game(
                room_code=code,
                ruleset_id=choice.id,
                ruleset_sha256=choice.sha256,
                ruleset_text=choice.text,
                seed=seed,
                engine_version=ENGINE_VERSION,
                difficulty=level,
                metas=[_host_link_record(link)],  # durable with the file, before it is shown
            )
        finally:
            self._reserved.discard(code)
        session = self._session(code, state, link.host_token_sha256, choice.name)
        room = self._start(session, journal, owner)
        log.info("room %s opened (%s, %s)", code, choice.id, level)
        return room, host_token

    async def next_game(
        self, room: Room, client: ClientId, cmd_id: str, *, owner: str | None = None
    ) -> None:
        """The host's ``next_game`` in ``room``: open a room with the same ruleset and
        difficulty, and let ``room`` tell everyone its code (see
        :meth:`RoomSession.next_game`). ``owner`` counts against its address's room cap."""
        if not await room.next_game(client, cmd_id):
            return  # refused, or already open: the room answered
        state = room.state
        opened: tuple[str, str] | None = None
        error = ""
        try:
            new, host_token = await self.create(
                state.ruleset.ruleset.id, state.difficulty, owner=owner
            )
            opened = (new.code, host_token)
        except RoomRefused as exc:
            error = exc.code
        except JournalError as exc:
            log.error("cannot open the next room of %s: %s", room.code, exc.message)
            error = "room/failed"
        await room.next_game_opened(client, cmd_id, opened, error)

    def _session(self, code: str, state: GameState, digest: str, name: str) -> RoomSession:
        return RoomSession(
            code=code,
            state=state,
            host_token_hash=digest,
            ruleset_name=name,
            join_url=self.join_url(code),
            ring_size=self.limits.ring_size,
            results_per_seat=self.limits.results_per_seat,
            max_clients=self.limits.max_clients_per_room,
        )

    def _start(self, session: RoomSession, journal: GameLog, owner: str | None) -> Room:
        if not self._open:
            raise RuntimeError("use the registry inside 'async with'")
        game_id = getattr(journal, "game_id", "")
        session.replay_id = replay_id(game_id) if isinstance(game_id, str) and game_id else ""
        room = Room(
            session,
            journal,
            inbox_size=self.limits.inbox_size,
            owner=owner,
            bot_pace=self.limits.bot_pace,
        )
        self.rooms[session.code] = room
        if owner is not None:
            self._owned.setdefault(owner, set()).add(room)
        task = asyncio.get_running_loop().create_task(
            self._run(room), name=f"cibo-room-{session.code}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return room

    async def _run(self, room: Room) -> None:
        try:
            await room.run()
        except Exception:
            log.exception("room %s stopped on an unexpected error", room.code)
            self.mark_unavailable(room.code, "room/crashed")
            room.abort("room/crashed")
        finally:
            self._forget(room)

    def _forget(self, room: Room) -> None:
        """``room`` is closed: no longer listed, nor counted for its owner."""
        if self.rooms.get(room.code) is room:
            del self.rooms[room.code]
        owner = room.owner
        owned = self._owned.get(owner) if owner is not None else None
        if owner is not None and owned is not None:
            owned.discard(room)
            if not owned:
                del self._owned[owner]

    # -- recovery -------------------------------------------------------------------------------

    async def restore(
        self,
        header: JournalHeader,
        records: Iterable[Record],
        journal: GameLog,
        choice: RulesetChoice,
    ) -> tuple[Room, str | None]:
        """Reopen a game from its journal: same code, seqs, seats and seat tokens.

        For an unfinished game a new host token is minted (only hashes are kept) and returned
        so that ``cibo serve`` can print a fresh host link; the host links printed before the
        restart stay valid. A finished game is reopened as it was (its journal takes no more
        records) so that its players and table display can reconnect to the end screen; no
        token is minted for it (``None``).

        Raises:
            ValueError: the code is already in use, or the journal does not fit the ruleset.
            CoreError: an event could not be folded (the journal is not this engine's).
            JournalError: the new host token could not be saved.
        """
        code = header.room_code
        if code in self.rooms or normalize_code(code) != code:
            raise ValueError(f"{header.game_id}: room code {code!r} is in use or invalid")
        if choice.sha256 != header.ruleset_sha256:
            raise ValueError(f"{header.game_id}: the ruleset does not match the journal")
        state = new_game(
            choice.ruleset,
            ruleset_sha256=choice.sha256,
            seed=bytes.fromhex(header.seed),
            difficulty=header.difficulty,
        )
        session = self._session(code, state, "", choice.name)
        session.restore(records)
        if session.over:
            room = self._start(session, journal, None)
            log.info("room %s reopened (its game is over) at seq %d", code, session.seq)
            return room, None
        host_token, link = await _host_link(journal, choice.name)
        apply_fact(session.roster, link, session.state)
        room = self._start(session, journal, None)
        log.info("room %s resumed at seq %d", code, session.seq)
        return room, host_token

    # -- closing --------------------------------------------------------------------------------

    async def close_room(self, room: Room, reason: str = "room/closed") -> None:
        await room.close(reason)
        self._forget(room)

    async def close_all(self, reason: str = "server/shutting_down") -> None:
        """Close every room (clients get a ``bye``; journals are flushed)."""
        rooms = list(self.rooms.values())
        if rooms:
            await asyncio.gather(*(self.close_room(r, reason) for r in rooms))

    async def _evict_finished(self) -> None:
        """Make space: close the least recently active room whose game is over and that
        nobody is watching."""
        done = [r for r in self.rooms.values() if not r.watched and r.finished]
        if done:
            await self.close_room(min(done, key=lambda r: r.last_active))

    def idle_rooms(self, now: float) -> list[Room]:
        """Rooms nobody is connected to for longer than the limits allow."""
        out = []
        for room in self.rooms.values():
            if room.watched:
                continue
            limit = self.limits.finished_idle_seconds if room.finished else self.limits.idle_seconds
            if now - room.last_active > limit:
                out.append(room)
        return out

    async def _reap_forever(self, every: float = 60.0) -> None:
        while True:
            await asyncio.sleep(every)
            for room in self.idle_rooms(time.monotonic()):
                log.info("room %s closed after being idle", room.code)
                await self.close_room(room)



def _mint_host_link(ruleset: str) -> tuple[str, HostLinkMinted]:
    """A new host token and the fact that keeps its hash."""
    host_token = new_token()
    return host_token, HostLinkMinted(token_hash(host_token), ruleset)


def _host_link_record(link: HostLinkMinted) -> MetaRecord:
    return MetaRecord(ts=time.time(), data=fact_to_data(link))


async def _host_link(journal: GameLog, ruleset: str) -> tuple[str, HostLinkMinted]:
    """Mint a host token and journal its hash; returns once that is durable (before anyone
    is shown the link)."""
    host_token, link = _mint_host_link(ruleset)
    await asyncio.shield(journal.submit(_host_link_record(link)))
    return host_token, link
