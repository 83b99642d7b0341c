"""``bench/server_parts``: a real server, started with the folder on ``PYTHONPATH``, reports
the CPU of every part it names, and each of those parts still exists (a renamed function
would leave the report silent about it)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from cibo.client import Client
from serve_process import start, stop

PARTS_DIR = Path(__file__).resolve().parents[2] / "bench" / "server_parts"


def _serve(tmp_path: Path, report: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    return start(tmp_path, "serve", env={
        "PYTHONPATH": os.pathsep.join([str(PARTS_DIR), os.environ.get("PYTHONPATH", "")]),
        "CIBO_PARTS_OUT": str(report),
        "CIBO_PARTS_MORE": "cibo.rooms.registry:Registry:no_such_part",
        "CIBO_PARTS_TASKS": "1",
    })


async def test_a_served_game_is_reported_part_by_part(tmp_path: Path) -> None:
    report = tmp_path / "parts.txt"
    proc, info = await asyncio.to_thread(_serve, tmp_path, report)
    try:
        room = info["rooms"][0]
        url = f"ws://127.0.0.1:{info['port']}/ws"
        ann = Client(url, code=room["code"], name="Ann", host_token=room["host_token"],
                     reconnect=False)
        bob = Client(url, code=room["code"], name="Bob", reconnect=False)
        for c in (ann, bob):
            await c.connect()
        assert (await ann.command({"type": "pick_hero", "hero": "killy"}))["ok"]
        assert (await bob.command({"type": "pick_hero", "hero": "cibo"}))["ok"]
        assert (await ann.command({"type": "start_game"}))["ok"], "the game starts"
        for c in (ann, bob):
            await c.close()
    finally:
        assert await asyncio.to_thread(stop, proc) == 0

    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("process CPU ")
    # The loop thread's own CPU, read from /proc: a number, within the process's.
    found = re.match(r"process CPU ([0-9.]+) s since the loop started; loop thread ([0-9.]+) s;",
                     lines[0])
    assert found is not None, lines[0]
    assert 0 < float(found.group(2)) <= float(found.group(1)) + 0.02
    split = lines.index("")
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:split]}
    # Each row: CPU s, calls, µs/call, µs/unit. The players' hellos and commands went
    # through the room's parts and were journaled.
    for part in ("Room._decide", "RoomSession.hello", "RoomSession.command", "RoomSession.run",
                 "RoomSession.flush", "Room._send", "GroupCommit._round"):
        assert float(rows[part][1]) >= 1, (part, lines)
    assert float(rows["RoomSession.command"][1]) >= 3
    decoded = float(rows["JsonCodec.decode"][1]) + float(rows["MsgpackCodec.decode"][1])
    assert decoded >= 5  # two hellos, three commands
    # The loop thread's turns by what they ran: the room's task, the connections' tasks.
    steps = {line[:60].strip(): line[60:].split() for line in lines[split + 2:]
             if not line.startswith("not ")}
    assert float(steps["task Registry._run"][1]) >= 5
    assert float(steps["task serve.<locals>.protocol_handler"][1]) >= 5
    # Every part the tool names by default exists; a wrong name is reported, not fatal.
    problems = [line for line in lines if line.startswith("not wrapped: ")]
    assert problems == [
        "not wrapped: cibo.rooms.registry:Registry:no_such_part: type object 'Registry' has no "
        "attribute 'no_such_part'"
    ]
