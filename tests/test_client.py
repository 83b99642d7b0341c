"""The client library against a real server: resume, resend after a drop, errors."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "transports"))
from live_server import live_server

from cibo.client import Client, ClientError, JoinRefused


async def test_reconnects_resumes_and_resends_pending_commands() -> None:
    async with live_server() as live:
        ann = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        await ann.connect()
        watcher = Client(live.url, code=live.code, role="table", codec="json")
        await watcher.connect()
        seat, token = ann.seat, ann.token
        session = live.registry.rooms[live.code].session
        room = live.registry.rooms[live.code]

        # The command reaches the server, but the connection dies before the result comes back.
        original = room.session.command

        def cut_after(client: int, cmd_id: str, data: dict[str, Any], seen: int | None) -> object:
            room.session.command = original  # type: ignore[method-assign]
            step = original(client, cmd_id, data, seen)
            assert ann.ws is not None
            ann.ws.transport.abort()
            return step

        room.session.command = cut_after  # type: ignore[assignment,method-assign]
        task = asyncio.create_task(ann.command({"type": "pick_hero", "hero": "killy"},
                                               cmd_id="once"))
        result = await asyncio.wait_for(task, 10)
        assert result["ok"] and ann.connections == 2
        assert ann.seat == seat and ann.token == token
        assert [h.kind for h in session.state.heroes] == ["killy"]  # applied once
        await ann.wait_for(lambda c: c.seq == session.seq)
        assert [e["event"]["type"] for e in ann.events][-1] == "hero_picked"
        await watcher.wait_for(lambda c: c.seq == session.seq)
        await ann.close()
        await watcher.close()


async def test_join_refusals_are_exceptions_with_codes() -> None:
    async with live_server() as live:
        with pytest.raises(JoinRefused) as info:
            await Client(live.url, code="ZZZZ", name="Ann").connect()
        assert info.value.code == "join/no_such_room" and info.value.message
        with pytest.raises(JoinRefused) as info:
            await Client(live.url, code=live.code, name="   ").connect()
        assert info.value.code == "join/name_invalid"


async def test_server_shutdown_ends_the_client() -> None:
    async with live_server() as live:
        ann = Client(live.url, code=live.code, name="Ann")
        await ann.connect()
        await live.registry.close_all("server/shutting_down")
        await asyncio.wait_for(ann.closed.wait(), 5)
        assert ann.bye is not None and ann.bye["code"] == "server/shutting_down"
        assert ann.close_codes[0] == 1001  # then it tried again, and the room was gone
        with pytest.raises(ClientError):
            await ann.command({"type": "start_game"}, timeout=1)
        await ann.close()


async def test_sync_brings_the_view_up_to_date() -> None:
    async with live_server() as live:
        ann = Client(live.url, code=live.code, name="Ann")
        await ann.connect()
        ann.state = {}
        await ann.sync()
        await ann.wait_for(lambda c: c.state.get("status") == "lobby")
        await ann.close()
