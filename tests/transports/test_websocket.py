"""The WebSocket endpoint end to end: real servers on 127.0.0.1, real clients.

Games, resume and deduplication, hidden information, and every defence: bad frames, foreign
origins and hosts, wrong tokens, floods, slow readers.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import msgpack  # type: ignore[import-untyped]  # msgpack ships no type hints
import pytest
from live_server import FAST, Live, live_server
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cibo.bot import play_seat
from cibo.client import Client, JoinRefused
from cibo.core import ruleset_summary
from cibo.core.ruleset import Ruleset
from cibo.rulesets import find_ruleset, load_ruleset, parse_ruleset

JSON_PROTO = "cibo.v1.json"
MSGPACK_PROTO = "cibo.v1.msgpack"


def ruleset(name: str) -> Ruleset:
    return load_ruleset(find_ruleset(name)).ruleset


async def raw(live: Live, *, proto: str = JSON_PROTO, **kw: Any) -> ClientConnection:
    kw.setdefault("compression", None)
    return await connect(live.url, subprotocols=[proto], **kw)  # type: ignore[list-item]


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    if ws.subprotocol == MSGPACK_PROTO:
        await ws.send(msgpack.packb(message))
    else:
        await ws.send(json.dumps(message))


async def recv(ws: ClientConnection, kind: str | None = None, timeout: float = 5) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = await ws.recv()
            message = json.loads(frame) if isinstance(frame, str) else msgpack.unpackb(frame)
            if kind is None or message["type"] == kind:
                return dict(message)


async def hello(ws: ClientConnection, code: str, **kw: Any) -> dict[str, Any]:
    await send(ws, {"type": "hello", "role": "player", "code": code, **kw})
    return await recv(ws)


async def still_fine(client: Client) -> None:
    """The other clients keep working: a ping is answered and commands go through."""
    before = client.received
    await client.send_raw({"type": "ping", "t": 1})
    await client.wait_for(lambda c: c.received > before, timeout=5)


# -- games -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["electro-fishers", "factory-raid"])
async def test_a_complete_game_with_four_bots_and_a_table(name: str) -> None:
    partial: list[str] = []  # the codec of every update that carried only changes

    def count(client: Client, message: dict[str, Any]) -> None:
        if message.get("type") == "update" and "changes" in message:
            partial.append(client.codec.name)

    async with live_server(ruleset=name) as live:
        table = Client(live.url, code=live.code, role="table", codec="json")
        table.on_message = count
        await table.connect()
        bots = [
            Client(live.url, code=live.code, name=f"Bot {i}",
                   host_token=live.host_token if i == 0 else None,
                   codec="msgpack" if i % 2 else "json")
            for i in range(4)
        ]
        for bot in bots:
            bot.on_message = count
            await bot.connect()
        rs = ruleset(name)
        async with asyncio.timeout(60):
            stats = await asyncio.gather(*(
                play_seat(b, rs, policy="greedy", players=4, start=i == 0)
                for i, b in enumerate(bots)
            ))
        room = live.registry.rooms[live.code].session
        assert room.over and all(s.outcome in ("won", "lost") for s in stats)
        await table.wait_for(lambda c: c.seq == room.seq)
        assert table.state["status"] == room.status
        assert table.state["seed"] is not None  # revealed at the end
        for client in [table, *bots]:
            seqs = [e["seq"] for e in client.events]
            assert seqs == sorted(set(seqs)), "events arrive once, in order"
            assert "actions" not in client.state or client is not table
        # Folding the updates' changes over the welcome gave each client exactly its view,
        # through both codecs.
        for bot in bots:
            await bot.wait_for(lambda c: c.seq == room.seq)
            assert bot.state == room.fanout.view(f"seat:{bot.seat}", room.state)
        assert table.state == room.fanout.view("table", room.state)
        assert table.state["undo"] == {"seat": None, "can": False}  # the game is over
        assert {"cibo.v1.json", "cibo.v1.msgpack"} <= set(partial)
        assert sum(s.commands for s in stats) > 20
        for c in [table, *bots]:
            await c.close()


async def test_reconnect_with_token_restores_the_seat_and_exactly_the_missed_events() -> None:
    async with live_server() as live:
        host = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        await host.connect()
        bob = Client(live.url, code=live.code, name="Bob", reconnect=False)
        await bob.connect()
        seen, token, seat = bob.seq, bob.token, bob.seat
        await bob.close()
        await host.wait_for(lambda c: not c.room["seats"][1]["connected"])  # away, still seated
        assert (await host.command({"type": "pick_hero", "hero": "killy"}))["ok"]
        cat = Client(live.url, code=live.code, name="Cat")
        await cat.connect()
        assert (await cat.command({"type": "pick_hero", "hero": "tae"}))["ok"]
        back = Client(live.url, code=live.code, token=token, last_seq=seen)
        welcome = await back.connect()
        assert welcome["seat"] == seat and welcome["resumed"] == "events"
        assert "token" not in welcome
        head = live.registry.rooms[live.code].session.seq
        assert seen is not None
        assert [e["seq"] for e in welcome["events"]] == list(range(seen + 1, head + 1))
        assert [e["event"]["type"] for e in welcome["events"]] == [
            "hero_picked", "seat_joined", "hero_picked"
        ]
        assert welcome["room"]["seats"][1]["connected"] is True
        for c in (host, cat, back):
            await c.close()


async def test_duplicate_cmd_id_is_applied_once_even_after_a_reconnect() -> None:
    async with live_server() as live:
        ws = await raw(live, proto=MSGPACK_PROTO)
        welcome = await hello(ws, live.code, name="Ann")
        token = welcome["token"]
        cmd = {"type": "cmd", "cmd_id": "dup-1",
               "command": {"type": "pick_hero", "hero": "killy"}}
        await send(ws, cmd)
        first = await recv(ws, "result")
        session = live.registry.rooms[live.code].session
        seq = session.seq
        await send(ws, cmd)
        assert await recv(ws, "result") == first
        await ws.close()
        ws = await raw(live)
        again = await hello(ws, live.code, token=token, last_seq=seq)
        assert again["type"] == "welcome" and again["events"] == []
        await send(ws, cmd)
        assert await recv(ws, "result") == first
        assert session.seq == seq and len(session.state.heroes) == 1
        await ws.close()


async def test_out_of_turn_forged_seat_and_stale_commands_change_nothing() -> None:
    async with live_server(ruleset="factory-raid") as live:
        ann = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        bob = Client(live.url, code=live.code, name="Bob")
        table = Client(live.url, code=live.code, role="table")
        for c in (ann, bob, table):
            await c.connect()
        assert (await ann.command({"type": "pick_hero", "hero": "killy"}))["ok"]
        assert (await bob.command({"type": "pick_hero", "hero": "cibo"}))["ok"]
        assert (await ann.command({"type": "start_game"}))["ok"]
        await table.wait_for(lambda c: c.state["status"] == "playing")
        session = live.registry.rooms[live.code].session
        turn = session.state.turn
        active, waiting = (ann, bob) if session.state.hero(turn).seat == ann.seat else (bob, ann)  # type: ignore[union-attr]
        waiting_hero = next(h.id for h in session.state.heroes if h.seat == waiting.seat)
        before = (session.seq, session.state, table.received)

        out_of_turn = await waiting.command({"type": "end_turn", "hero": waiting_hero})
        assert not out_of_turn["ok"] and out_of_turn["error"]["code"].startswith("action/")
        # Acting for another seat's hero: the seat comes from the connection.
        forged = await waiting.command({"type": "end_turn", "hero": turn, "seat": active.seat})
        assert not forged["ok"]
        await waiting.send_raw({"type": "cmd", "cmd_id": "x", "seat": active.seat,
                                "command": {"type": "end_turn", "hero": turn}})
        await waiting.wait_for(lambda c: any(e["code"] == "protocol/invalid" for e in c.errors))
        stale = await active.command({"type": "end_turn", "hero": turn}, seen_seq=0)
        assert stale["error"]["code"] == "command/stale"
        assert (session.seq, session.state) == before[:2]
        await asyncio.sleep(0.1)
        assert table.received == before[2]  # no one else heard anything
        assert (await active.command({"type": "end_turn", "hero": turn},
                                     seen_seq=active.seq))["ok"]
        for c in (ann, bob, table):
            await c.close()


# -- hidden information --------------------------------------------------------------------------

CANARIES = ("zq_canary_one", "zq_canary_two", "zq_canary_three")


def canary_ruleset(tmp_path: Path) -> Path:
    """Factory Raid plus a private deck that is only ever peeked, never drawn."""
    text = find_ruleset("factory-raid").read_text(encoding="utf-8")
    deck = "\n[decks.intel]\ntext = \"Private.\"\ncards = [\n" + "".join(
        f'  {{ id = "{c}", n = 1, text = "A secret." }},\n' for c in CANARIES
    ) + "]\n\n"
    scout = ('scout     = { cost = 1, limit = { per = "round" }, '
             'do = [ { peek = "intel", n = 2 } ], text = "Read the intelligence." }\n')
    text = text.replace("[actions]\n", "[actions]\n" + scout, 1)
    text = text.replace("[[round]]", deck + "[[round]]", 1)
    assert text.count("priorities = [\n") == 1
    text = text.replace("priorities = [\n", 'priorities = [\n  { do = "scout" },\n', 1)
    path = tmp_path / "canary.toml"
    path.write_text(text, encoding="utf-8")
    parse_ruleset(text)  # fails loudly if the ruleset format changed
    return path


async def test_hidden_information_never_reaches_another_audience(tmp_path: Path) -> None:
    path = canary_ruleset(tmp_path)
    async with live_server(ruleset=str(path)) as live:
        frames: dict[str, list[bytes]] = {}

        def recorder(label: str) -> Any:
            frames[label] = []
            return lambda c, m: None

        clients = {
            "table": Client(live.url, code=live.code, role="table", codec="json"),
            "spectator": Client(live.url, code=live.code, role="spectator"),
            **{f"p{i}": Client(live.url, code=live.code, name=f"P{i}",
                               host_token=live.host_token if i == 0 else None,
                               codec="json" if i % 2 else "msgpack")
               for i in range(3)},
        }
        for label, client in clients.items():
            await client.connect()
            frames[label] = []
            ws = client.ws
            assert ws is not None
            original = client._decode

            def tap(frame: str | bytes, label: str = label, original: Any = original) -> Any:
                frames[label].append(frame.encode() if isinstance(frame, str) else frame)
                return original(frame)

            client._decode = tap  # type: ignore[method-assign]
        rs = load_ruleset(path).ruleset
        players = [clients[f"p{i}"] for i in range(3)]
        async with asyncio.timeout(60):
            await asyncio.gather(*(play_seat(p, rs, players=3, start=i == 0)
                                   for i, p in enumerate(players)))
        session = live.registry.rooms[live.code].session
        assert session.over
        for c in clients.values():
            await c.wait_for(lambda x: x.seq == session.seq)
        seed = session.state.seed.hex().encode()
        peekers = {label for label in frames
                   if any(b"cards_peeked" in f and b"zq_canary" in f for f in frames[label])}
        assert peekers, "the bots never scouted: the test proves nothing"
        for label, received in frames.items():
            for frame in received:
                if label not in peekers:
                    assert b"zq_canary" not in frame, f"canary leaked to {label}"
                assert b'"order"' not in frame and b"\xa5order" not in frame, "deck order leaked"
                if seed in frame:
                    assert b"won" in frame or b"lost" in frame, f"seed shown early to {label}"
        for c in clients.values():
            await c.close()


# -- resilience of the others while someone misbehaves ---------------------------------------------


async def test_malformed_frames_get_errors_and_others_are_unaffected() -> None:
    async with live_server() as live:
        other = Client(live.url, code=live.code, name="Ann")
        await other.connect()
        ws = await raw(live)
        for bad in ("{", "[1]", '{"type": "nope"}', '{"type": "cmd"}', "\x00"):
            await ws.send(bad)
            error = await recv(ws)
            assert error["type"] == "error" and error["code"].startswith("protocol/")
            assert error["message"]
        await send(ws, {"type": "cmd", "cmd_id": "a", "command": {}})
        assert (await recv(ws))["code"] == "protocol/hello_first"
        # A seated player's lone surrogate (a \ud800 escape) or huge integer: refused at the door,
        # never reaching the room, whose other players and table keep playing.
        table = Client(live.url, code=live.code, role="table")
        await table.connect()
        bob = await raw(live)
        assert (await hello(bob, live.code, name="Bob"))["type"] == "welcome"
        for bad in ('{"type":"cmd","cmd_id":"\\ud800","command":{"type":"nope"}}',
                    '{"type":"ping","t":"\\udfff"}',
                    '{"type":"cmd","cmd_id":"b","command":{"type":"end_game",'
                    '"reason":"<img>\\ud800"}}',
                    '{"type":"cmd","cmd_id":"c","seen_seq":99999999999999999999999,'
                    '"command":{"type":"pick_hero","hero":"tae"}}'):
            await bob.send(bad)
            assert (await recv(bob, "error"))["code"] == "protocol/malformed"
        await still_fine(other)
        picked = await other.command({"type": "pick_hero", "hero": "killy"})
        assert picked["ok"]
        await table.wait_for(lambda c: any(h["kind"] == "killy" for h in c.state["heroes"]))
        await bob.close()
        await table.close()
        mp = await raw(live, proto=MSGPACK_PROTO)
        for frame in (b"\xc1", b"\xdd\xff\xff\xff\xff", msgpack.packb({1: 2}),
                      msgpack.packb({"type": "ping", "t": b"bin"})):
            await mp.send(frame)
            assert (await recv(mp))["code"].startswith("protocol/")
        await mp.send("a text frame on a msgpack connection")
        assert (await recv(mp))["code"] == "protocol/malformed"
        await still_fine(other)
        # Too many mistakes: the connection is closed with 1008.
        for _ in range(20):
            try:
                await ws.send("{")
            except ConnectionClosed:
                break
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(5):
                while True:
                    await ws.recv()
        assert ws.close_code == 1008
        await still_fine(other)
        await mp.close()
        await other.close()


async def test_oversized_frames_are_closed_with_1009() -> None:
    async with live_server() as live:
        other = Client(live.url, code=live.code, name="Ann")
        await other.connect()
        ws = await raw(live, max_size=None)
        await hello(ws, live.code, name="Bob")
        await ws.send(json.dumps({"type": "ping", "t": "x" * (20 * 1024)}))
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(5):
                while True:
                    await ws.recv()
        assert ws.close_code == 1009
        await still_fine(other)
        await other.close()


async def test_foreign_origin_and_wrong_host_are_refused() -> None:
    async with live_server() as live:

        async def as_host(host: str, origin: str | None = None) -> ClientConnection:
            sock = socket.create_connection(("127.0.0.1", live.port))
            return await connect(f"ws://{host}/ws", sock=sock, origin=origin,  # type: ignore[arg-type]
                                 subprotocols=[JSON_PROTO])  # type: ignore[list-item]

        ok = await raw(live, origin=f"http://127.0.0.1:{live.port}")
        await ok.close()
        ok = await as_host(f"LOCALHOST:{live.port}", f"http://localhost:{live.port}")
        await ok.close()
        origin: str | None
        for origin in ("http://evil.example", f"http://127.0.0.1:{live.port}.evil.example",
                       "null", f"http://127.0.0.1:{live.port + 1}", f"file://127.0.0.1:{live.port}",
                       f"https://evil.example/?http://127.0.0.1:{live.port}"):
            with pytest.raises(InvalidStatus) as info:
                await raw(live, origin=origin)
            assert info.value.response.status_code == 403
        # DNS rebinding: a foreign name, with or without a matching Origin.
        for origin in (f"http://rebind.example:{live.port}", None):
            with pytest.raises(InvalidStatus) as info:
                await as_host(f"rebind.example:{live.port}", origin)
            assert info.value.response.status_code == 403
        # Two Host headers are refused, not guessed at.
        with pytest.raises(InvalidStatus) as info:
            await raw(live, additional_headers={"Host": "evil.example"})
        assert info.value.response.status_code == 403
        # The pages are behind the same Host check.
        with pytest.raises(InvalidStatus) as info:
            await as_host(f"rebind.example:{live.port}".replace("/ws", ""))
        assert info.value.response.status_code == 403


async def test_wrong_tokens_and_codes_lock_the_address_out() -> None:
    async with live_server(join_failures=4, join_lock=30.0) as live:
        other = Client(live.url, code=live.code, name="Ann")
        await other.connect()
        ws = await raw(live)
        assert (await hello(ws, live.code, token="forged-token"))["code"] == "join/bad_token"
        assert (await hello(ws, "ZZZZ"))["code"] == "join/no_such_room"
        assert (await hello(ws, live.code, name="Eve", host_token="guess"))["code"] == (
            "join/bad_host_token"
        )
        assert (await hello(ws, "QQQQ"))["code"] == "join/no_such_room"
        bye = await recv(ws)
        assert bye == {"type": "bye", "code": "join/too_many_attempts",
                       "message": bye["message"]}
        with pytest.raises(ConnectionClosed):
            await recv(ws)
        assert ws.close_code == 1008
        with pytest.raises(InvalidStatus) as info:
            await raw(live)
        assert info.value.response.status_code == 429
        await still_fine(other)  # connected clients from the same address keep playing
        await other.close()


async def test_a_message_flood_is_closed_with_1008() -> None:
    async with live_server(rate=10.0, burst=20.0) as live:
        other = Client(live.url, code=live.code, name="Ann")
        await other.connect()
        ws = await raw(live)
        await hello(ws, live.code, name="Flood")
        with pytest.raises(ConnectionClosed):
            for i in range(200):
                await send(ws, {"type": "ping", "t": i})
            async with asyncio.timeout(5):
                while True:
                    await ws.recv()
        assert ws.close_code == 1008
        await still_fine(other)
        await other.close()


async def test_connection_caps() -> None:
    async with live_server(max_per_address=3) as live:
        conns = [await raw(live) for _ in range(3)]
        with pytest.raises(InvalidStatus) as info:
            await raw(live)
        assert info.value.response.status_code == 503
        await conns[0].close()
        await asyncio.sleep(0.1)
        conns[0] = await raw(live)
        for c in conns:
            await c.close()


async def test_a_client_that_stops_reading_is_dropped_and_resyncs() -> None:
    async with live_server(limits=FAST, backlog=64 * 1024) as live:
        ann = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        await ann.connect()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect, or ignored
        sock.connect(("127.0.0.1", live.port))
        slow = await connect(live.url, sock=sock, subprotocols=[JSON_PROTO],  # type: ignore[list-item]
                             compression=None, max_queue=1)
        welcome = await hello(slow, live.code, role="spectator")
        assert welcome["type"] == "welcome"
        # It asks for snapshots and never reads them.
        for _ in range(3000):
            try:
                await send(slow, {"type": "sync"})
            except ConnectionClosed:
                break
            if slow.transport.is_closing():
                break
        session = live.registry.rooms[live.code].session
        async with asyncio.timeout(10):
            while len(session.roster.clients) > 1:
                await asyncio.sleep(0.05)
        # The others keep receiving.
        assert (await ann.command({"type": "pick_hero", "hero": "killy"}))["ok"]
        await ann.wait_for(lambda c: c.seq == session.seq)
        # It comes back and catches up.
        back = Client(live.url, code=live.code, role="spectator")
        again = await back.connect()
        assert again["state"]["heroes"][0]["kind"] == "killy"
        slow.transport.abort()
        await back.close()
        await ann.close()


async def test_a_frozen_phone_is_marked_away_but_keeps_its_seat() -> None:
    async with live_server(ping_interval=0.2, ping_timeout=0.2, close_timeout=0.2) as live:
        ann = Client(live.url, code=live.code, name="Ann")
        await ann.connect()
        bob = Client(live.url, code=live.code, name="Bob", reconnect=False)
        await bob.connect()
        assert bob.ws is not None
        bob.ws.transport.pause_reading()  # frozen: no pongs, reads nothing
        await ann.wait_for(lambda c: c.room["seats"][1]["connected"] is False, timeout=5)
        session = live.registry.rooms[live.code].session
        assert "s2" in session.roster.seats
        back = Client(live.url, code=live.code, token=bob.token)
        assert (await back.connect())["seat"] == "s2"
        bob.ws.transport.abort()
        await back.close()
        await ann.close()


# -- host controls over the wire ----------------------------------------------------------------


async def test_host_controls() -> None:
    async with live_server() as live:
        host = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        bob = Client(live.url, code=live.code, name="Bob", reconnect=False)
        for c in (host, bob):
            await c.connect()
        assert (await host.control("pause"))["ok"]
        paused = await bob.command({"type": "pick_hero", "hero": "killy"})
        assert paused["error"]["code"] == "room/paused"
        assert (await host.control("resume"))["ok"]
        assert (await host.control("lock"))["ok"]
        with pytest.raises(JoinRefused) as refused:
            await Client(live.url, code=live.code, name="Cat").connect()
        assert refused.value.code == "join/locked"
        assert (await host.control("transfer_host", bob.seat))["ok"]
        await bob.wait_for(lambda c: c.host)
        assert (await bob.control("transfer_host", host.seat))["ok"]
        await host.wait_for(lambda c: c.host)
        assert (await host.control("kick", bob.seat))["ok"]
        await bob.closed.wait()
        assert bob.ws is not None and bob.ws.close_code == 4003
        assert bob.bye is not None and bob.bye["code"] == "join/kicked"
        with pytest.raises(JoinRefused) as refused:
            await Client(live.url, code=live.code, token=bob.token).connect()
        assert refused.value.code == "join/kicked"
        await host.close()


async def test_next_game_opens_one_room_and_tells_everyone_its_code() -> None:
    async with live_server() as live:
        host = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        bob = Client(live.url, code=live.code, name="Bob")
        table = Client(live.url, code=live.code, role="table")
        for c in (host, bob, table):
            await c.connect()
        early = await host.control("next_game")
        assert early["error"]["code"] == "room/game_not_over"
        assert (await host.command({"type": "end_game", "reason": "Bedtime"}))["ok"]
        not_host = await bob.control("next_game")
        assert not_host["error"]["code"] == "room/not_host"

        # Two taps at once open one room; both answers name it.
        first, second = await asyncio.gather(host.control("next_game"), host.control("next_game"))
        answers = [r for r in (first, second) if r["ok"]]
        assert answers and all(r["next"] == answers[0]["next"] for r in answers)
        for r in (first, second):
            assert r["ok"] or r["error"]["code"] == "room/next_pending"
        code, token = answers[0]["next"]["code"], answers[0]["next"]["host_token"]
        assert code != live.code and code in live.registry.rooms
        again = await host.control("next_game")
        assert again["next"] == answers[0]["next"]
        assert len(live.registry.rooms) == 2

        # Everyone learns the code; only the host got the host token.
        for c in (host, bob, table):
            await c.wait_for(lambda c: c.room.get("next") == code)
        for c in (bob, table):
            assert token not in repr(c.welcome) and all(
                token not in repr(m) for m in c.events
            )
        room = live.registry.get(code)
        assert room is not None
        assert room.session.state.ruleset.ruleset.id == "electro-fishers"
        assert room.session.state.difficulty == "normal"
        nxt = Client(live.url, code=code, name="Ann", host_token=token)
        assert (await nxt.connect())["host"] is True
        # A late phone joining the old room sees where the others went.
        late = Client(live.url, code=live.code, role="spectator")
        await late.connect()
        assert late.room["next"] == code
        for c in (host, bob, table, nxt, late):
            await c.close()


async def test_finished_games_do_not_count_against_the_address_room_cap() -> None:
    from cibo.client import create_room
    from cibo.rooms import RoomLimits

    async with live_server(room_limits=RoomLimits(max_rooms_per_address=1)) as live:
        code, token = await create_room(live.url)
        for _ in range(3):  # one game after another from the same phone
            host = Client(live.url, code=code, name="Host", host_token=token)
            await host.connect()
            assert (await host.command({"type": "end_game"}))["ok"]
            answer = await host.control("next_game")
            assert answer["ok"], answer
            code, token = answer["next"]["code"], answer["next"]["host_token"]
            await host.close()
        assert len(live.registry.rooms) == 5


async def test_a_closed_room_no_longer_counts_against_its_address() -> None:
    from cibo.client import ClientError, create_room
    from cibo.rooms import RoomLimits

    async with live_server(room_limits=RoomLimits(max_rooms_per_address=1)) as live:
        code, _ = await create_room(live.url)
        with pytest.raises(ClientError) as info:
            await create_room(live.url)
        assert info.value.code == "room/limit"
        await live.registry.close_room(live.registry.rooms[code])
        assert code not in live.registry.rooms
        again, _ = await create_room(live.url)
        assert again in live.registry.rooms


async def test_create_room_over_the_protocol_is_capped_per_address() -> None:
    from cibo.client import ClientError, create_room
    from cibo.rooms import RoomLimits

    async with live_server(room_limits=RoomLimits(max_rooms_per_address=2)) as live:
        code, token = await create_room(live.url, ruleset="factory-raid", difficulty="hard")
        assert code in live.registry.rooms and len(token) >= 22
        host = Client(live.url, code=code, name="Host", host_token=token)
        assert (await host.connect())["host"] is True
        await create_room(live.url)
        with pytest.raises(ClientError) as info:
            await create_room(live.url)
        assert info.value.code == "room/limit"
        with pytest.raises(ClientError) as info:
            await create_room(live.url, ruleset="no-such-ruleset")
        assert info.value.code in ("room/bad_ruleset", "room/limit")
        await host.close()


async def test_ping_pong_and_subprotocols() -> None:
    async with live_server() as live:
        for proto in (JSON_PROTO, MSGPACK_PROTO):
            ws = await raw(live, proto=proto)
            assert ws.subprotocol == proto
            await send(ws, {"type": "ping", "t": 42})
            assert await recv(ws) == {"type": "pong", "t": 42}
            await ws.close()
        # Offering both: the server prefers msgpack. Offering none: JSON.
        both = await connect(live.url, subprotocols=[JSON_PROTO, MSGPACK_PROTO])  # type: ignore[list-item]
        assert both.subprotocol == MSGPACK_PROTO
        await both.close()
        plain = await connect(live.url)
        assert plain.subprotocol is None
        await plain.send(json.dumps({"type": "ping"}))
        assert json.loads(await plain.recv()) == {"type": "pong", "t": None}
        await plain.close()


async def test_a_welcome_carries_the_texts_of_its_language_and_others_come_on_request() -> None:
    summary = ruleset_summary(ruleset("electro-fishers"))
    english, italian = summary["texts"]["en"], summary["texts"]["it"]
    async with live_server() as live:
        room = live.registry.rooms[live.code].session
        plain = await raw(live)
        await send(plain, {"type": "texts", "lang": "it"})  # before joining
        assert (await recv(plain, "error"))["code"] == "protocol/hello_first"
        welcome = await hello(plain, live.code, name="Ann")
        assert welcome["ruleset"]["texts"] == {"en": english}  # no lang: the ruleset's own
        assert welcome["ruleset"]["languages"] == ["en", "it"]
        seated = len(room.roster.seats)
        await send(plain, {"type": "texts", "lang": "it"})
        assert await recv(plain, "texts") == {
            "type": "texts", "ruleset": "electro-fishers", "lang": "it", "texts": italian,
        }
        for lang, code in (("fr", "protocol/no_such_language"), ("it; drop", "protocol/invalid"),
                           ("", "protocol/invalid"), ("x" * 40, "protocol/invalid")):
            await send(plain, {"type": "texts", "lang": lang})
            assert (await recv(plain, "error"))["code"] == code
        await send(plain, {"type": "texts"})
        assert (await recv(plain, "error"))["code"] == "protocol/invalid"
        assert len(room.roster.seats) == seated  # nothing changed

        for lang, expected in (("it", {"en": english, "it": italian}), ("en", {"en": english}),
                               ("fr", {"en": english}), ("pt-BR", {"en": english})):
            ws = await raw(live, proto=MSGPACK_PROTO)
            await send(ws, {"type": "hello", "role": "table", "code": live.code, "lang": lang})
            shown = await recv(ws, "welcome")
            assert shown["ruleset"]["texts"] == expected, lang
            await ws.close()
        ws = await raw(live)
        refused = await hello(ws, live.code, name="Bob", lang="it!")
        assert refused["code"] == "protocol/invalid"
        await ws.close()
        await plain.close()


# -- the journal and the handshake timeout ---------------------------------------------------------


async def test_a_journal_failure_stops_the_game_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    from cibo.journal import GameStore, read_journal, writer

    store = GameStore(tmp_path / "data")
    async with live_server(store=store) as live:
        ann = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        table = Client(live.url, code=live.code, role="table")
        for c in (ann, table):
            await c.connect()
        assert (await ann.command({"type": "pick_hero", "hero": "killy"}))["ok"]
        saved = ann.seq

        def broken(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        def broken_write(fd: int, buffers: object, offset: int, flags: int = 0) -> int:
            raise OSError(errno.EIO, "Input/output error")

        # The disk fails: whichever sync the journal uses (syncfs, then fdatasync per file, or
        # a write that syncs itself).
        monkeypatch.setattr(os, "fdatasync", broken)
        monkeypatch.setattr(os, "pwritev", broken_write)
        monkeypatch.setattr(writer, "_syncfs", broken)
        with pytest.raises(TimeoutError):  # never acknowledged
            await ann.command({"type": "pick_hero", "hero": "tae"}, timeout=2)
        monkeypatch.undo()
        for c in (ann, table):
            await c.wait_for(lambda x: any(e["code"] == "room/stopped" for e in x.errors))
            assert c.room["stopped"] is True
            assert c.seq == saved  # nobody saw the unsaved event
        refused = await ann.command({"type": "pick_hero", "hero": "zuru"})
        assert refused["error"]["code"] == "room/stopped"
        for c in (ann, table):
            await c.close()
    files = list((tmp_path / "data" / "games").glob("*.cibo"))
    assert len(files) == 1
    assert read_journal(files[0]).last_seq == saved


async def test_a_handshake_that_never_finishes_is_dropped() -> None:
    async with live_server(open_timeout=0.5) as live:
        reader, writer = await asyncio.open_connection("127.0.0.1", live.port)
        writer.write(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and nothing more
        await writer.drain()
        async with asyncio.timeout(5):
            assert await reader.read() == b""  # closed by the server
        writer.close()


async def test_a_room_that_fails_closes_its_clients_and_says_why_to_those_who_come_back() -> None:
    async with live_server() as live:
        ann = Client(live.url, code=live.code, name="Ann", reconnect=False)
        table = Client(live.url, code=live.code, role="table", reconnect=False)
        for c in (ann, table):
            await c.connect()
        other = await live.new_room()
        bob = Client(live.url, code=other, name="Bob")
        await bob.connect()
        # No input makes a room task fail any more: a journal future that fails with something
        # other than a journal error stands in for a bug in the room's output stage.
        from cibo.rooms.room import _Entry, _Request
        from cibo.rooms.steps import Step

        room = live.registry.rooms[live.code]
        broken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        broken.set_exception(RuntimeError("a bug"))
        waiting: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        entry = _Entry(_Request(Step, waiting), Step(), [broken], False)
        await room._enqueue([entry], room.session.seq, room.session.state)
        for c in (ann, table):
            await asyncio.wait_for(c.closed.wait(), 5)
            assert c.bye is not None and c.bye["code"] == "room/crashed"
            assert c.close_codes == [1011]
        assert waiting.done() and waiting.result().joined.code == "room/closed"  # not left hanging
        with pytest.raises(JoinRefused) as refused:
            await Client(live.url, code=live.code, token=ann.token, reconnect=False).connect()
        assert refused.value.code == "room/crashed"
        assert "Restarting the server" in str(refused.value)
        assert (await bob.command({"type": "pick_hero", "hero": "killy"}))["ok"]
        await bob.close()


async def test_one_name_rule_through_the_socket() -> None:
    """Look-alike names are refused, long ones cut (not refused), blank ones refused, and a
    huge raw name gets a name error, not ``protocol/invalid``."""
    async with live_server() as live:
        ann = Client(live.url, code=live.code, name="Ann")
        await ann.connect()
        room = live.registry.rooms[live.code].session
        for lookalike in ("A\u200dnn", "ÁNN", "Аnn", "ａｎｎ"):  # joiner, accent, Cyrillic А, width
            ws = await raw(live)
            refused = await hello(ws, live.code, name=lookalike)
            assert refused["type"] == "error" and refused["code"] == "join/name_taken"
            assert "looks just like it" in refused["message"]
            await ws.close()
        for blank in ("\u3164", "\u115f", "\u2800", "\u200b\u2060", " \u3164 "):
            ws = await raw(live)
            refused = await hello(ws, live.code, name=blank)
            assert refused["code"] == "join/name_invalid", blank
            await ws.close()
        family = "👨\u200d👩\u200d👧\u200d👦"
        for name in (family * 2, "🇫🇷" * 13, "q\u0301" * 13):
            ws = await raw(live)
            welcome = await hello(ws, live.code, name=name)
            assert welcome["type"] == "welcome", welcome
            seat = welcome["seat"]
            assert room.roster.seats[seat].name == name  # kept whole: at most 16 characters
            await ws.close()
        ws = await raw(live)
        assert (await hello(ws, live.code, name="Zed" + "é" * 40))["type"] == "welcome"
        assert any(s.name == "Zed" + "é" * 13 for s in room.roster.seats.values())  # cut to 16
        await ws.close()
        ws = await raw(live)
        refused = await hello(ws, live.code, name="x" * 600)
        assert refused["type"] == "error" and refused["code"] == "join/name_too_long"
        assert (await hello(ws, live.code, name="Joiner\u200dless"))["type"] == "welcome"
        assert any(s.name == "Joinerless" for s in room.roster.seats.values())
        await ws.close()
        await still_fine(ann)
        await ann.close()


async def test_a_negative_last_seq_gets_the_documented_code_and_changes_nothing() -> None:
    async with live_server() as live:
        ws = await raw(live)
        refused = await hello(ws, live.code, name="Ann", last_seq=-1)
        assert refused == {"type": "error", "code": "protocol/bad_seq",
                           "message": refused["message"]}
        room = live.registry.rooms[live.code].session
        assert not room.roster.seats  # nobody was seated
        welcome = await hello(ws, live.code, name="Ann", last_seq=0)
        assert welcome["type"] == "welcome"
        seq = room.seq
        for bad in (-1, -(2**40), 1.5, "2"):
            await send(ws, {"type": "sync", "last_seq": bad})
            assert (await recv(ws, "error"))["code"] == "protocol/bad_seq"
        await send(ws, {"type": "cmd", "cmd_id": "c1", "seen_seq": -3,
                        "command": {"type": "pick_hero", "hero": "killy"}})
        assert (await recv(ws, "error"))["code"] == "protocol/bad_seq"
        assert room.seq == seq
        await send(ws, {"type": "sync", "last_seq": 0})
        assert (await recv(ws, "update"))["seq"] == seq
        await ws.close()


@pytest.mark.parametrize("proto", [JSON_PROTO, MSGPACK_PROTO])
async def test_frames_of_every_header_size_reach_a_real_client_intact(proto: str) -> None:
    # WsPeer frames messages itself: 7-bit, 16-bit and 64-bit lengths, several frames in one
    # write, then the connection still answers and closes cleanly.
    from websockets.asyncio.server import ServerConnection, serve

    from cibo.protocol import codec_for
    from cibo.transports.websocket import WsPeer

    sizes = [0, 1, 125, 126, 127, 65535, 65536, 100_000]
    codec = codec_for(proto)
    messages = [{"type": "x", "pad": "é" * (n // 2) + "a" * (n % 2)} for n in sizes]
    tasks: set[asyncio.Task[None]] = set()

    async def handler(conn: ServerConnection) -> None:
        peer = WsPeer(conn, codec, 1 << 22, tasks)
        for message in messages[:4]:
            peer.send(peer.encode(message))
        peer.flush()  # four frames, one write
        for message in messages[4:]:
            peer.send(peer.encode(message, {}))
            peer.flush()
        assert await conn.recv() == "done"
        peer.close("room/closed")
        await asyncio.gather(*tasks)  # the closing handshake, before the handler returns

    async with serve(handler, "127.0.0.1", 0, compression=None,
                     subprotocols=[proto], max_size=None) as server:  # type: ignore[list-item]
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}", subprotocols=[proto],  # type: ignore[list-item]
                           compression=None, max_size=None) as ws:
            frames = [await ws.recv() for _ in messages]
            assert all(isinstance(f, str if proto == JSON_PROTO else bytes) for f in frames)
            got = [json.loads(f) if isinstance(f, str) else msgpack.unpackb(f) for f in frames]
            assert got == messages
            await ws.send("done")
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.reason == "room/closed"
