"""A command id's first result is final for the whole game, through real sockets.

A seat that sends ``c0``...``c139`` (more than the 128 rejections a seat's cache keeps) and then
``c0`` again gets ``c0``'s original result, and the room does not advance. The same after a
restart is in ``tests/journal/test_journal_command_ids.py``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from live_server import live_server
from websockets.asyncio.client import ClientConnection, connect

PROTO = "cibo.v1.json"
COUNT = 140


async def _recv(ws: ClientConnection, kind: str, timeout: float = 5) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == kind:
                return message


async def _cmd(ws: ClientConnection, cmd_id: str, command: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "cmd", "cmd_id": cmd_id, "command": command}))
    return await _recv(ws, "result")


async def _head(ws: ClientConnection) -> int:
    """The room's last seq now, as ``sync`` reports it."""
    await ws.send(json.dumps({"type": "sync"}))
    return int((await _recv(ws, "update"))["seq"])


def pick_or_drop(i: int) -> dict[str, Any]:
    """Even ids pick Killy, odd ids drop her: each is applied, and after an even count of
    them a resent ``c0`` would be applied again (Killy is free)."""
    return {"type": "pick_hero" if i % 2 == 0 else "drop_hero", "hero": "killy"}


async def send_many(ws: ClientConnection) -> dict[str, dict[str, Any]]:
    results = {}
    for i in range(COUNT):
        results[f"c{i}"] = result = await _cmd(ws, f"c{i}", pick_or_drop(i))
        assert result["ok"], result
    return results


async def test_a_resent_command_id_older_than_the_cache_is_not_applied_again() -> None:
    async with (
        live_server() as live,
        connect(live.url, subprotocols=[PROTO], compression=None) as ws,  # type: ignore[list-item]
    ):
        await ws.send(json.dumps({"type": "hello", "role": "player", "code": live.code,
                                  "name": "Ann"}))
        assert (await _recv(ws, "welcome"))["seat"] == "s1"
        results = await send_many(ws)
        head = await _head(ws)
        assert head == 1 + COUNT  # Ann's seat, then one event per command
        for cmd_id in ("c0", "c1", "c70", "c139"):
            again = await _cmd(ws, cmd_id, pick_or_drop(0))
            assert again == results[cmd_id]
        assert await _head(ws) == head
        assert live.registry.rooms[live.code].seq == head
        # A rejection is answered again too (within the latest 128 of the seat's).
        no = await _cmd(ws, "bad", {"type": "pick_hero", "hero": "nobody"})
        assert not no["ok"]
        assert await _cmd(ws, "bad", pick_or_drop(0)) == no
        assert await _head(ws) == head
