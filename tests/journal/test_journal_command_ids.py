"""A command id's first result stays final after a restart: rebuilt from the journal.

A real ``cibo serve`` (see ``test_journal_crash.py``): one seat sends ``c0``...``c139``, the
server is killed with SIGKILL and started again on the same data directory; the seat comes back
with its token, resends old and new ids and gets their original results, and the room does not
advance. The journal holds each command id once and verifies.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from test_journal_crash import Server, _free_port
from websockets.asyncio.client import ClientConnection, connect

from cibo.journal import CommandRecord, read_journal
from cibo.journal.verify import verify_journal

PROTO = "cibo.v1.json"
COUNT = 140


async def _recv(ws: ClientConnection, kind: str, timeout: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == kind:
                return message


async def _cmd(ws: ClientConnection, cmd_id: str, command: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "cmd", "cmd_id": cmd_id, "command": command}))
    return await _recv(ws, "result")


async def _hello(ws: ClientConnection, code: str, **kw: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "hello", "role": "player", "code": code, **kw}))
    return await _recv(ws, "welcome")


def _pick_or_drop(i: int) -> dict[str, Any]:
    return {"type": "pick_hero" if i % 2 == 0 else "drop_hero", "hero": "killy"}


@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_a_resent_command_id_is_not_applied_again_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = Server(data, _free_port(), tmp_path)
    url = f"ws://127.0.0.1:{server.port}/ws"
    try:
        code = (await server.start())["rooms"][0]["code"]
        async with connect(url, subprotocols=[PROTO], compression=None) as ws:  # type: ignore[list-item]
            welcome = await _hello(ws, code, name="Ann")
            token = welcome["token"]
            results = {}
            for i in range(COUNT):
                results[f"c{i}"] = await _cmd(ws, f"c{i}", _pick_or_drop(i))
                assert results[f"c{i}"]["ok"]
        server.kill9()
        await server.start()
        async with connect(url, subprotocols=[PROTO], compression=None) as ws:  # type: ignore[list-item]
            back = await _hello(ws, code, token=token)
            head = back["seq"]
            assert head == 1 + COUNT
            for cmd_id in ("c0", "c1", "c70", "c139"):
                assert await _cmd(ws, cmd_id, _pick_or_drop(0)) == results[cmd_id]
            await ws.send(json.dumps({"type": "sync"}))
            assert (await _recv(ws, "update"))["seq"] == head
    finally:
        server.stop()
    (path,) = [p for p in (data / "games").glob("*.cibo") if code in p.name]
    ids = [r.cmd_id for r in read_journal(path).records
           if isinstance(r, CommandRecord) and r.cmd_id != "room"]
    assert len(ids) == len(set(ids)) == COUNT
    assert verify_journal(str(path)).ok
