"""Latecomers and lost phones through real sockets, and what survives a restart.

A player who comes during the game is told the truth (heroes are free, but the host has not let
latecomers in), can watch as a spectator, and takes a free hero once the host allows it. The
host moves a seat to a new phone with a one-time token; the old phone is signed out with a
reason of its own. All of it is journaled: a room restored from its journal agrees.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from live_server import live_server

from cibo.client import Client, JoinRefused
from cibo.core import new_game
from cibo.journal import GameStore, read_journal
from cibo.journal.verify import verify_journal
from cibo.protocol.errors import CloseCode
from cibo.rooms.session import RoomSession


async def test_latecomers_watch_or_take_a_free_hero_and_a_seat_moves_to_a_new_phone(
    tmp_path: Path,
) -> None:
    store = GameStore(tmp_path)
    async with live_server(ruleset="factory-raid", store=store) as live:
        ann = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        bob = Client(live.url, code=live.code, name="Bob", reconnect=False)
        for c in (ann, bob):
            await c.connect()
        assert (await ann.command({"type": "pick_hero", "hero": "killy"}))["ok"]
        assert (await bob.command({"type": "pick_hero", "hero": "cibo"}))["ok"]
        assert (await ann.command({"type": "start_game"}))["ok"]
        await ann.wait_for(lambda c: c.state["status"] == "playing")
        assert ann.room["latecomers"] is False

        # Heroes are free, but the host has not let latecomers in: the truth, and a way to watch.
        with pytest.raises(JoinRefused) as refused:
            await Client(live.url, code=live.code, name="Tom", reconnect=False).connect()
        assert refused.value.code == "join/watch_only"
        assert "watch" in refused.value.message
        watcher = Client(live.url, code=live.code, role="spectator")
        await watcher.connect()
        assert watcher.state["status"] == "playing" and watcher.seat is None
        # Only the host may open the door.
        assert (await bob.control("latecomers_on"))["error"]["code"] == "room/not_host"
        assert (await ann.control("latecomers_on"))["ok"]
        await watcher.wait_for(lambda c: c.room["latecomers"] is True)

        tom = Client(live.url, code=live.code, name="Tom", reconnect=False)
        await tom.connect()
        assert tom.seat not in (ann.seat, bob.seat) and tom.token
        assert (await tom.command({"type": "pick_hero", "hero": "killy"}))["error"]["code"] == (
            "game/hero_not_free"
        )
        assert (await tom.command({"type": "pick_hero", "hero": "escort"}))["ok"]
        await watcher.wait_for(lambda c: any(h["seat"] == tom.seat for h in c.state["heroes"]))
        arrived = next(h for h in watcher.state["heroes"] if h["seat"] == tom.seat)
        assert arrived["kind"] == "escort" and arrived["hp"] > 0 and arrived["zone"]
        assert any(e["event"]["type"] == "hero_arrived" for e in watcher.events)
        again = await tom.command({"type": "pick_hero", "hero": "escort"})
        assert again["error"]["code"] == "game/has_hero"

        # Bob's phone died: the host moves his seat to a new phone with a one-time token.
        assert (await bob.control("move_seat", ann.seat))["error"]["code"] == "room/not_host"
        assert (await ann.control("move_seat", "s99"))["error"]["code"] == "room/no_such_seat"
        issued = await ann.control("move_seat", bob.seat)
        assert issued["ok"] and issued["move"]["seat"] == bob.seat
        link = issued["move"]["token"]
        old_token = bob.token
        new_phone = Client(live.url, code=live.code, token=link, reconnect=False)
        await new_phone.connect()
        assert new_phone.seat == bob.seat
        assert new_phone.token and new_phone.token not in (link, old_token)
        await bob.closed.wait()
        assert bob.bye is not None and bob.bye["code"] == "seat/moved"
        assert bob.ws is not None and bob.ws.close_code == CloseCode.REPLACED
        assert (await new_phone.command({"type": "undo"}))["error"]["code"].startswith("undo/")
        # The old phone and the used link no longer open the seat.
        with pytest.raises(JoinRefused) as refused:
            await Client(live.url, code=live.code, token=old_token, reconnect=False).connect()
        assert refused.value.code == "join/moved"
        with pytest.raises(JoinRefused) as refused:
            await Client(live.url, code=live.code, token=link, reconnect=False).connect()
        assert refused.value.code == "join/bad_token"
        new_token = new_phone.token
        for c in (ann, tom, new_phone, watcher):
            await c.close()

    # A restart: the room rebuilt from its journal keeps all of it.
    contents = read_journal(store.game_files()[0])
    h = contents.header
    lr = live.registry.rulesets("factory-raid")
    fresh = RoomSession(
        code="BCDF",
        state=new_game(lr.ruleset, ruleset_sha256=h.ruleset_sha256, seed=bytes.fromhex(h.seed)),
        host_token_hash="",
    )
    fresh.restore(contents.records)
    assert fresh.roster.latecomers is True
    assert fresh.hello(1, role="player", token=new_token).joined.ok  # type: ignore[union-attr]
    back = fresh.hello(2, role="player", token=old_token)
    assert back.joined is not None and back.joined.code == "join/moved"
    assert any(x.seat == arrived["seat"] for x in fresh.state.heroes)
    # cibo verify re-decides the latecomer's seat and hero like any command.
    verdict = verify_journal(str(store.game_files()[0]))
    assert verdict.ok, verdict.failure
