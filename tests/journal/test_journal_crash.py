"""Crash and resume through the real server: ``kill -9`` mid-game, restart, nothing lost.

A real ``cibo serve`` subprocess hosts several rooms; bots play them through the public
protocol (one client per seat, plus a table display per room). The server is killed with
SIGKILL while the games run, then restarted on the same data directory and port. Checks:

* every event any client was sent (sent only once durable) is in the journal, identical;
* no client is sent the same event twice, and no command is journaled twice;
* the state a client gets on reconnecting equals the fold of the journal up to that seq;
* the bots reconnect and finish their games; every journal then passes ``verify``.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from journal_helpers import RULESETS

from cibo.bot import play_seat
from cibo.client import Client
from cibo.core import apply, view_event, view_state
from cibo.core.rng import Rng
from cibo.journal import CommandRecord, read_journal
from cibo.journal.replay import decode_events, start_state
from cibo.journal.verify import verify_journal
from cibo.rulesets import load_ruleset

ROOMS = 3
PLAYERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data: Path, port: int, logs: Path) -> None:
        self.data, self.port, self.logs = data, port, logs
        self.ready = data / "ready.json"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    async def start(self) -> dict[str, Any]:
        self.ready.unlink(missing_ok=True)
        self.starts += 1
        with (self.logs / f"serve{self.starts}.log").open("wb") as log:  # the child keeps it
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "cibo.cli",
                    "serve",
                    "--data",
                    str(self.data),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--rooms",
                    str(ROOMS),
                    "--ready-file",
                    str(self.ready),
                    "--no-qr",
                    "--max-per-address",
                    "256",
                    "--max-rooms-per-address",
                    "16",
                    "--rate",
                    "1000",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while not self.ready.exists():
            assert self.proc.poll() is None, self.log_text()
            assert time.monotonic() < deadline, "server not ready:\n" + self.log_text()
            await asyncio.sleep(0.05)
        data: dict[str, Any] = json.loads(self.ready.read_text())
        return data

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def log_text(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-4000:] for p in sorted(self.logs.glob("*.log"))
        )


class Watch:
    """Every message frame a client got, with the connection it came on."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.seqs: list[int] = []
        self.events: dict[int, dict[str, Any]] = {}
        self.welcomes: list[tuple[int, int, dict[str, Any]]] = []  # (connection, seq, state)
        client.on_message = self._on_message

    def _on_message(self, client: Client, message: dict[str, Any]) -> None:
        if message.get("type") == "update":
            self._events(message.get("events") or [])

    def on_welcome(self) -> None:
        w = self.client.welcome
        assert w is not None
        self._events(w.get("events") or [])
        self.welcomes.append((self.client.connections, int(w["seq"]), w["state"]))

    def _events(self, events: list[dict[str, Any]]) -> None:
        for item in events:
            self.seqs.append(int(item["seq"]))
            self.events[int(item["seq"])] = item["event"]


def _watch_welcomes(client: Client, watch: Watch) -> None:
    # The client handles welcome itself (not through on_message): wrap its hook.
    original = client._on_welcome

    def hooked(message: dict[str, Any]) -> None:
        original(message)
        watch.on_welcome()

    client._on_welcome = hooked  # type: ignore[method-assign]


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_kill_9_mid_game_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = Server(data, _free_port(), tmp_path)
    ruleset = load_ruleset(RULESETS / "electro-fishers.toml").ruleset
    ready = await server.start()
    url = f"ws://127.0.0.1:{server.port}/ws"
    rng = random.Random(1234)
    watches: dict[str, list[Watch]] = {}
    tables: dict[str, Client] = {}
    bots: list[asyncio.Task[Any]] = []
    try:
        for room in ready["rooms"]:
            code = room["code"]
            table = Client(url, code=code, role="table")
            watches[code] = [Watch(table)]
            _watch_welcomes(table, watches[code][0])
            await table.connect()
            tables[code] = table
            for i in range(PLAYERS):
                client = Client(
                    url,
                    code=code,
                    name=f"Bot {i + 1}",
                    host_token=room["host_token"] if i == 0 else None,
                )
                watch = Watch(client)
                _watch_welcomes(client, watch)
                await client.connect()
                # The seat token now carries the host role; a restarted server mints a new
                # host token, so presenting the old one again on reconnect would be refused.
                client.host_token = None
                watches[code].append(watch)
                bots.append(
                    asyncio.create_task(
                        play_seat(
                            client,
                            ruleset,
                            players=PLAYERS,
                            start=i == 0,
                            pace=0.05,
                            rng=Rng(bytes([len(bots)]) * 16),
                        )
                    )
                )
        # Kill at a random moment once every game is well under way; restart; then once
        # more while the games are running again.
        await _wait(lambda: all(t.seq and t.seq > 40 for t in tables.values()), 60, server)
        at_kill: dict[str, int] = {}
        for kill in range(2):
            await asyncio.sleep(rng.uniform(0.0, 0.5) if kill == 0 else rng.uniform(1.0, 2.0))
            progress = [
                (c, t.seq, t.state.get("status"), t.state.get("round")) for c, t in tables.items()
            ]
            if kill and not any(p[2] == "playing" for p in progress):
                break
            server.kill9()
            if not at_kill:
                at_kill = {
                    code: t.seq or 0
                    for code, t in tables.items()
                    if t.state.get("status") == "playing"
                }
            assert any(p[2] == "playing" for p in progress), f"every game ended first: {progress}"
            print(f"killed at {progress}")
            await asyncio.sleep(0.5)
            await server.start()
        results = await asyncio.wait_for(asyncio.gather(*bots), timeout=150)
        await _wait(
            lambda: all(t.state.get("status") in ("won", "lost") for t in tables.values()),
            30,
            server,
        )
    finally:
        for b in bots:
            b.cancel()
        for ws in watches.values():
            for w in ws:
                await w.client.close()
        server.stop()

    assert all(r.outcome in ("won", "lost") for r in results), results
    files = sorted((data / "games").glob("*.cibo"))
    assert len(files) == ROOMS
    by_code = {read_journal(p).header.room_code: p for p in files}
    for code, room_watches in watches.items():
        contents = read_journal(by_code[code])
        assert contents.finished and contents.torn is None
        verdict = verify_journal(str(by_code[code]))
        assert verdict.ok, verdict.failure
        journal_events = dict(decode_events(contents.records))
        assert list(journal_events) == list(range(1, contents.last_seq + 1))
        # No command was applied twice (seats' cmd_ids are unique).
        cmd_ids = Counter(
            (r.seat, r.cmd_id)
            for r in contents.records
            if isinstance(r, CommandRecord) and r.cmd_id != "room"
        )
        assert not [k for k, n in cmd_ids.items() if n > 1]
        assert contents.last_seq > at_kill.get(code, 0)  # it went on after the first kill
        for watch in room_watches:
            client = watch.client
            audience = "table" if client.role == "table" else f"seat:{client.seat}"
            # Each event sent once, and exactly as the journal has it.
            dupes = [s for s, n in Counter(watch.seqs).items() if n > 1]
            assert not dupes, f"{audience} got seqs {dupes[:5]} twice"
            for seq, shown in watch.events.items():
                assert seq in journal_events, f"{audience} was sent seq {seq}, not in the journal"
                assert view_event(journal_events[seq], audience, ruleset) == shown
            # It saw the game to its end, across the crash.
            assert max(watch.seqs) == contents.last_seq
            assert client.connections >= 2
            # The state on every (re)connection equals the journal folded up to that seq.
            for _, seq, state in watch.welcomes:
                folded = start_state(contents.header)
                for s, event in journal_events.items():
                    if s > seq:
                        break
                    folded = apply(folded, event)
                expected = json.loads(json.dumps(view_state(folded, audience)))
                undo = state.pop("undo")  # the room's, not the engine's (see cibo.rooms.undo)
                assert set(undo) == {"seat", "can"}
                assert state == expected, f"{audience} at seq {seq}"


async def _wait(predicate: Any, timeout: float, server: Server) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out; server log:\n" + server.log_text()
        await asyncio.sleep(0.05)
