"""The network bot against a real `cibo serve` process: a command left unanswered is sent again
under the same ``cmd_id`` and applied once."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cibo.bot import _send
from cibo.client import Client
from cibo.journal.format import CommandRecord
from cibo.journal.reader import read_journal


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_unanswered_command_is_sent_again_and_applied_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "cibo.bot")
    ready = tmp_path / "ready.json"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cibo.cli", "serve", "--data", str(tmp_path), "--host",
         "127.0.0.1", "--port", str(_free_port()), "--ready-file", str(ready), "--no-qr"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    client: Client | None = None
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        room = info["rooms"][0]
        client = Client(f"ws://127.0.0.1:{info['port']}/ws", code=room["code"], name="Ann")
        await client.connect()

        # The server stops answering for a while (a stalled laptop): the first wait times out,
        # the resend under the same id is answered once the server runs again.
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            async def resume_later() -> None:
                await asyncio.sleep(1.5)
                os.kill(proc.pid, signal.SIGCONT)

            waker = asyncio.create_task(resume_later())
            result = await _send(client, {"type": "pick_hero", "hero": "killy"}, timeout=1.0)
            await waker
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        assert result["ok"], result
        assert "sending it again" in caplog.text  # the first wait did time out
        await client.wait_for(lambda c: any(h.get("kind") == "killy"
                                            for h in c.state.get("heroes", [])))
        assert [h["kind"] for h in client.state["heroes"]] == ["killy"]
    finally:
        if client is not None:
            await client.close()
        proc.terminate()
        proc.wait(10)
        log.close()
    journal = next((tmp_path / "games").glob("*.cibo"))
    picks = [r for r in read_journal(journal).records
             if isinstance(r, CommandRecord) and r.command.get("type") == "pick_hero"]
    assert len(picks) == 1
