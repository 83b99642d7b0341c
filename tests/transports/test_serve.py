"""``cibo serve`` as a process: ready file, clean SIGTERM, and games resumed from the journal."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cibo.client import Client
from serve_process import start, stop


async def test_sigterm_closes_with_1001_and_the_game_resumes_after_a_restart(
    tmp_path: Path,
) -> None:
    proc, info = await asyncio.to_thread(start, tmp_path, "first")
    try:
        assert info["pid"] == proc.pid and len(info["rooms"]) == 1
        room = info["rooms"][0]
        code, url = room["code"], f"ws://127.0.0.1:{info['port']}/ws"
        assert room["join_url"] == f"{info['url']}/j/{code}"
        # Bound to 127.0.0.1 only: the banner warns that phones cannot reach the join URL.
        assert "loopback only: phones cannot reach it" in (tmp_path / "first.log").read_text()
        ann = Client(url, code=code, name="Ann", host_token=room["host_token"], reconnect=False)
        bob = Client(url, code=code, name="Bob", reconnect=False)
        table = Client(url, code=code, role="table", reconnect=False)
        for c in (ann, bob, table):
            await c.connect()
        assert (await ann.command({"type": "pick_hero", "hero": "killy"}, cmd_id="a1"))["ok"]
        assert (await bob.command({"type": "pick_hero", "hero": "cibo"}))["ok"]
        assert (await ann.control("lock"))["ok"]
        await table.wait_for(lambda c: len(c.state["heroes"]) == 2)
        seq = ann.seq
    finally:
        status = await asyncio.to_thread(stop, proc)
    assert status == 0
    for c in (ann, bob, table):
        await asyncio.wait_for(c.closed.wait(), 5)
        assert c.close_codes == [1001]
        assert c.bye is not None and c.bye["code"] == "server/shutting_down"
    assert list((tmp_path / "data" / "games").glob("*.cibo"))

    proc, info = await asyncio.to_thread(start, tmp_path, "second")
    try:
        again = info["rooms"]
        assert [r["code"] for r in again] == [code]  # the same room, not a new one
        assert again[0]["host_token"] != room["host_token"]  # only the hash was kept
        url = f"ws://127.0.0.1:{info['port']}/ws"
        back = Client(url, code=code, token=ann.token, last_seq=seq)
        welcome = await back.connect()
        assert welcome["seat"] == ann.seat and welcome["host"] is True
        assert welcome["resumed"] == "events" and welcome["events"] == []
        assert welcome["seq"] == seq and welcome["room"]["locked"] is True
        assert [h["kind"] for h in welcome["state"]["heroes"]] == ["killy", "cibo"]
        # An acknowledged command resent after the restart gets its original answer.
        resent = await back.command({"type": "pick_hero", "hero": "killy"}, cmd_id="a1")
        assert resent["ok"] and resent["seq"] <= seq
        # The new host link works for a new phone; the old one does not.
        host = Client(url, code=code, name="Cat", host_token=again[0]["host_token"])
        assert (await host.connect())["host"] is True
        await back.close()
        await host.close()
    finally:
        assert await asyncio.to_thread(stop, proc) == 0


async def test_a_game_that_ended_just_before_a_crash_can_still_be_watched(
    tmp_path: Path,
) -> None:
    proc, info = await asyncio.to_thread(start, tmp_path, "first")
    try:
        room = info["rooms"][0]
        code, url = room["code"], f"ws://127.0.0.1:{info['port']}/ws"
        ann = Client(url, code=code, name="Ann", host_token=room["host_token"], reconnect=False)
        await ann.connect()
        assert (await ann.command({"type": "pick_hero", "hero": "killy"}))["ok"]
        assert (await ann.command({"type": "end_game", "reason": "bedtime"}))["ok"]
        seq, token = ann.seq, ann.token
        await ann.close()
    finally:
        proc.kill()  # a crash right after the last move: the table never saw the end
        proc.wait()

    proc, info = await asyncio.to_thread(start, tmp_path, "second")
    try:
        # The finished game is reopened for its end screen; a new room is opened to play in.
        assert [r["code"] for r in info["rooms"]] != [code] and len(info["rooms"]) == 1
        url = f"ws://127.0.0.1:{info['port']}/ws"
        table = Client(url, code=code, role="table", reconnect=False)
        welcome = await table.connect()
        assert welcome["seq"] == seq and welcome["state"]["status"] == "aborted"
        back = Client(url, code=code, token=token, reconnect=False)
        assert (await back.connect())["seat"] == ann.seat
        refused = await back.command({"type": "pick_hero", "hero": "tae"})
        assert not refused["ok"]
        await table.close()
        await back.close()
    finally:
        assert await asyncio.to_thread(stop, proc) == 0


def test_serve_help_lists_the_options() -> None:
    out = subprocess.run([sys.executable, "-m", "cibo.cli", "serve", "--help"],
                         capture_output=True, text=True, timeout=60, check=True,
                         env={**os.environ, "COLUMNS": "120"}).stdout
    for option in ("--host", "--port", "--public-url", "--data", "--ruleset", "--difficulty",
                   "--ready-file", "--no-journal"):
        assert option in out


def test_cibo_bot_plays_a_whole_game_through_the_public_protocol(tmp_path: Path) -> None:
    proc, info = start(tmp_path, "bots", "--no-journal", "--ruleset", "factory-raid")
    try:
        room = info["rooms"][0]
        done = subprocess.run(
            [sys.executable, "-m", "cibo.cli", "bot", "--url", info["url"], "--code",
             room["code"], "--players", "3", f"--host-token={room['host_token']}", "--start",
             "--policy", "greedy"],
            check=False, capture_output=True, text=True, timeout=110,
        )
        assert done.returncode == 0, done.stderr
        assert "3 bots sent" in done.stdout
        assert done.stdout.rstrip().endswith(("game won", "game lost"))
    finally:
        assert stop(proc) == 0


async def test_a_damaged_journal_stops_its_room_with_a_clear_message_and_others_resume(
    tmp_path: Path,
) -> None:
    from cibo.client import JoinRefused, create_room

    proc, info = await asyncio.to_thread(start, tmp_path, "first")
    try:
        url = f"ws://127.0.0.1:{info['port']}/ws"
        first = info["rooms"][0]
        other_code, other_host = await create_room(url)
        players = []
        for code, host_token in ((first["code"], first["host_token"]), (other_code, other_host)):
            ann = Client(url, code=code, name="Ann", host_token=host_token, reconnect=False)
            await ann.connect()
            for hero in ("killy", "cibo", "tae"):
                assert (await ann.command({"type": "pick_hero", "hero": hero}))["ok"]
            players.append(ann)
        for ann in players:
            await ann.close()
    finally:
        assert await asyncio.to_thread(stop, proc) == 0

    # Flip one bit in a record in the middle of the first room's journal (a valid one follows).
    (damaged,) = (tmp_path / "data" / "games").glob(f"*-{first['code']}-*.cibo")
    data = bytearray(damaged.read_bytes())
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        pos += 10 + int.from_bytes(data[pos + 2 : pos + 6], "big")
    assert len(offsets) >= 5
    data[offsets[len(offsets) // 2] + 12] ^= 0x04
    damaged.write_bytes(bytes(data))

    proc, info = await asyncio.to_thread(start, tmp_path, "second")
    try:
        url = f"ws://127.0.0.1:{info['port']}/ws"
        assert first["code"] not in [r["code"] for r in info["rooms"]]
        for kw in ({"token": players[0].token}, {"role": "table"}):
            with pytest.raises(JoinRefused) as refused:
                await Client(url, code=first["code"], reconnect=False, **kw).connect()
            assert refused.value.code == "join/damaged"
            assert "damaged" in str(refused.value)
        back = Client(url, code=other_code, token=players[1].token, reconnect=False)
        welcome = await back.connect()
        assert welcome["seat"] == players[1].seat
        assert [h["kind"] for h in welcome["state"]["heroes"]] == ["killy", "cibo", "tae"]
        await back.close()
    finally:
        assert await asyncio.to_thread(stop, proc) == 0
    log = (tmp_path / "second.log").read_text()
    assert f"cannot resume {damaged}" in log and "CRC mismatch" in log


async def _http(port: int, target: str, host: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_ip_literals_are_hosts_like_names_and_live_games_are_never_listed(
    tmp_path: Path,
) -> None:
    """Bound to 127.0.0.1 only: ``Host: [::1]`` names an address nobody listens on, so it is
    refused like a foreign name. The game being played is on disk but not in the replay list,
    and its id (which holds the room code) is answered like an unknown one."""
    proc, info = await asyncio.to_thread(start, tmp_path, "hosts")
    try:
        port, code = info["port"], info["rooms"][0]["code"]
        for host, status in ((f"127.0.0.1:{port}", 200), (f"localhost:{port}", 200),
                             (f"LOCALHOST:{port}", 200), (f"[::1]:{port}", 403),
                             ("[::1]", 403), (f"0.0.0.0:{port}", 403),
                             (f"127.0.0.2:{port}", 403)):
            assert (await _http(port, "/api/health", host))[0] == status, host
        url = f"ws://127.0.0.1:{port}/ws"
        ann = Client(url, code=code, name="Ann", reconnect=False)
        await ann.connect()
        games = list((tmp_path / "data" / "games").glob("*.cibo"))
        assert len(games) == 1 and code in games[0].name
        status, body = await _http(port, "/api/games", f"127.0.0.1:{port}")
        assert status == 200 and json.loads(body) == {"games": []}
        assert code.encode() not in body
        replay = f"{games[0].stem[:15]}-{games[0].stem[-4:]}"  # the id the API would use
        for game_id in (games[0].stem, replay):
            status, body = await _http(port, f"/api/games/{game_id}", f"127.0.0.1:{port}")
            assert status == 404 and json.loads(body)["error"]["code"] == "replay/no_such_game"
        await ann.close()
    finally:
        assert await asyncio.to_thread(stop, proc) == 0


def test_a_server_without_mqtt_never_loads_the_mqtt_client(tmp_path: Path) -> None:
    # The bridge and aiomqtt are ~4 MiB of a server's memory: loaded only with --mqtt.
    ready = tmp_path / "ready.json"
    probe = (
        "import os, signal, sys, threading, time\n"
        "from cibo.cli import main\n"
        "seen = []\n"
        "def watch():\n"
        "    deadline = time.monotonic() + 30\n"
        f"    while not os.path.exists({str(ready)!r}) and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        "    seen.append(sorted(m for m in sys.modules if m.split('.')[0] in ('aiomqtt', 'paho')\n"
        "                       or m == 'cibo.transports.mqtt.bridge'))\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "threading.Thread(target=watch, daemon=True).start()\n"
        "code = main(['serve', '--host', '127.0.0.1', '--port', '0', '--no-qr',\n"
        f"             '--data', {str(tmp_path / 'data')!r}, '--ready-file', {str(ready)!r}])\n"
        "print(code, seen)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert ready.exists(), done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 [[]]", done.stdout + done.stderr
