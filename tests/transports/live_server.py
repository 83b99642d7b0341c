"""A real game server on 127.0.0.1 and a free port, in the test's event loop."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from attrs import define, evolve, field

from cibo.lan import qr_svg
from cibo.rooms import MemoryStore, Registry, RoomLimits, RulesetChoice
from cibo.rooms.codes import normalize_code
from cibo.rooms.ports import GameStorePort
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.transports.http import StaticSite
from cibo.transports.replay_api import ApiAnswer
from cibo.transports.websocket import GameServer, ServerLimits

FAST = ServerLimits(rate=10_000.0, burst=10_000.0)
"""Limits for tests where bots play as fast as they can (the rate limit has its own test)."""


@functools.cache
def _choice(path: str) -> RulesetChoice:
    loaded = load_ruleset(path)
    return RulesetChoice(loaded.ruleset, loaded.sha256, loaded.text)


def rulesets(name: str | None) -> RulesetChoice:
    try:
        return _choice(str(find_ruleset(name or "electro-fishers")))
    except FileNotFoundError as exc:
        raise LookupError(str(exc)) from exc


@define
class Live:
    registry: Registry
    game: GameServer
    port: int
    codes: list[str] = field(factory=list)
    host_tokens: dict[str, str] = field(factory=dict)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def code(self) -> str:
        return self.codes[0]

    @property
    def host_token(self) -> str:
        return self.host_tokens[self.codes[0]]

    async def new_room(self, ruleset: str | None = None, **kw: Any) -> str:
        room, token = await self.registry.create(ruleset, **kw)
        self.codes.append(room.code)
        self.host_tokens[room.code] = token
        return room.code


@asynccontextmanager
async def live_server(
    *,
    limits: ServerLimits = FAST,
    room_limits: RoomLimits | None = None,
    store: GameStorePort | None = None,
    ruleset: str | None = None,
    rooms: int = 1,
    clients: Path | None = None,
    api: Callable[[str], ApiAnswer | None] | None = None,
    **limit_overrides: Any,
) -> AsyncIterator[Live]:
    if limit_overrides:
        limits = evolve(limits, **limit_overrides)
    async with Registry(
        store=store or MemoryStore(), rulesets=rulesets, limits=room_limits or RoomLimits()
    ) as registry:

        def qr(code: str) -> bytes | None:
            normal = normalize_code(code)
            room = registry.get(normal) if normal else None
            return None if room is None else qr_svg(registry.join_url(room.code))

        site = StaticSite(clients or Path(__file__).parent, qr=qr, api=api)
        game = GameServer(registry, site=site, limits=limits)
        async with game.serve("127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            game.allow_host("127.0.0.1", port)
            game.allow_host("localhost", port)
            registry.set_base_url(f"http://127.0.0.1:{port}")
            live = Live(registry, game, port)
            for _ in range(rooms):
                await live.new_room(ruleset)
            try:
                yield live
            finally:
                await registry.close_all()
        await game.close_tasks()
        site.close()
