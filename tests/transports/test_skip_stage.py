"""The host skips the staged enemy's turn from their phone, through real sockets.

``control`` ``skip_stage`` is a host control like pause or lock: a player who is not the host
gets ``room/not_host`` and no display hears of it; the host gets ``ok`` and every table display
in the room gets the presentation cue ``{"type": "cue", "cue": "skip_stage"}`` (phones and
spectators do not). The game does not move: no event, the same ``seq``. Its result is final like
any control's: a resend of the ``cmd_id`` gets the same result and no second cue, also in a room
rebuilt from its journal after a restart.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from live_server import live_server
from websockets.asyncio.client import ClientConnection, connect

from cibo.client import Client
from cibo.core import new_game
from cibo.journal import GameStore, read_journal
from cibo.journal.verify import verify_journal
from cibo.rooms.session import RoomSession
from cibo.rooms.steps import Send

PROTO = "cibo.v1.json"


async def _recv(ws: ClientConnection, kind: str, timeout: float = 5) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == kind:
                return message


async def _skip(ws: ClientConnection, cmd_id: str) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "control", "cmd_id": cmd_id, "action": "skip_stage"}))
    return await _recv(ws, "result")


async def _quiet(clients: list[Client], seconds: float = 0.3) -> None:
    """Let anything in flight arrive (a cue that should not come would come by then)."""
    await asyncio.sleep(seconds)
    for c in clients:
        await c.sync()
        await c.changed(timeout=5)


async def test_the_host_skips_the_staging_on_the_table_displays_and_no_one_else_may(
    tmp_path: Path,
) -> None:
    store = GameStore(tmp_path)
    async with (
        live_server(store=store) as live,
        connect(live.url, subprotocols=[PROTO], compression=None) as host,  # type: ignore[list-item]
    ):
        await host.send(json.dumps({"type": "hello", "role": "player", "code": live.code,
                                    "name": "Ann", "host_token": live.host_token}))
        welcome = await _recv(host, "welcome")
        assert welcome["host"] is True
        token = welcome["token"]
        bob = Client(live.url, code=live.code, name="Bob", reconnect=False)
        tv = Client(live.url, code=live.code, role="table", reconnect=False)
        tv2 = Client(live.url, code=live.code, role="table", reconnect=False)
        watcher = Client(live.url, code=live.code, role="spectator", reconnect=False)
        for c in (bob, tv, tv2, watcher):
            await c.connect()
        await host.send(json.dumps({"type": "cmd", "cmd_id": "p1",
                                    "command": {"type": "pick_hero", "hero": "killy"}}))
        assert (await _recv(host, "result"))["ok"]
        assert (await bob.command({"type": "pick_hero", "hero": "zuru"}))["ok"]
        await host.send(json.dumps({"type": "cmd", "cmd_id": "go",
                                    "command": {"type": "start_game"}}))
        assert (await _recv(host, "result"))["ok"]
        # Round 1 ends: the Safeguard's turn is what the displays stage.
        await host.send(json.dumps({"type": "cmd", "cmd_id": "e1",
                                    "command": {"type": "end_turn", "hero": ""}}))
        assert (await _recv(host, "result"))["ok"]
        assert (await bob.command({"type": "end_turn", "hero": ""}))["ok"]
        await tv.wait_for(lambda c: c.state.get("round") == 2)
        seq = tv.seq

        # Bob is not the host: refused, and no display hears of it.
        refused = await bob.control("skip_stage")
        assert refused["ok"] is False
        assert refused["error"]["code"] == "room/not_host"
        await _quiet([tv, tv2])
        assert tv.cues == [] and tv2.cues == []

        # The host: ok, and each table display is told to skip; phones and spectators are not.
        done = await _skip(host, "k1")
        assert done["ok"] is True and done["seq"] == seq
        for display in (tv, tv2):
            await display.wait_for(lambda c: c.cues == ["skip_stage"])
        await _quiet([tv, watcher, bob])
        assert watcher.cues == [] and bob.cues == []
        # Nothing of the game moved.
        assert tv.seq == seq and tv.state["round"] == 2

        # A resend of the same cmd_id: the same result, no second cue.
        assert await _skip(host, "k1") == done
        await _quiet([tv])
        assert tv.cues == ["skip_stage"]
        # A new request is a new skip.
        assert (await _skip(host, "k2"))["ok"]
        await tv.wait_for(lambda c: c.cues == ["skip_stage", "skip_stage"])
        for c in (bob, tv, tv2, watcher):
            await c.close()

    # A restart: the room rebuilt from its journal answers the resend with its first result,
    # and the displays are not told again.
    path = store.game_files()[0]
    contents = read_journal(path)
    h = contents.header
    lr = live.registry.rulesets(None)
    fresh = RoomSession(
        code="BCDF",
        state=new_game(lr.ruleset, ruleset_sha256=h.ruleset_sha256, seed=bytes.fromhex(h.seed)),
        host_token_hash="",
    )
    fresh.restore(contents.records)
    assert fresh.hello(1, role="player", token=token).joined.ok  # type: ignore[union-attr]
    assert fresh.hello(2, role="table").joined.ok  # type: ignore[union-attr]
    again = fresh.control(1, "k1", "skip_stage")
    sent = [a for a in again.actions if isinstance(a, Send)]
    assert [a.message for a in sent if a.message["type"] == "result"] == [done]
    assert [a for a in sent if a.message["type"] == "cue"] == []
    assert again.records == []
    # A new skip after the restart reaches the display.
    new = fresh.control(1, "k3", "skip_stage")
    cues = [a for a in new.actions if isinstance(a, Send) and a.message["type"] == "cue"]
    assert [(a.clients, a.message) for a in cues] == [((2,), {"type": "cue", "cue": "skip_stage"})]
    verdict = verify_journal(str(path))
    assert verdict.ok, verdict.failure
