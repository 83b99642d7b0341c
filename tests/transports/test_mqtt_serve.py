"""``cibo serve --mqtt`` as a process: broker absent at start, the last will after kill -9,
a clean shutdown, and option errors."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cibo.client import Client
from mqtt_broker import Broker, Watcher
from serve_process import start, stop

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(60)]

DEVICES = """
[devices.end-turn]
commands = ["end_turn"]
seat = "s1"
"""


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


async def test_broker_late_then_server_killed_leaves_the_last_will(tmp_path: Path) -> None:
    devices = tmp_path / "devices.toml"
    devices.write_text(DEVICES)
    broker = Broker(tmp_path)  # not started yet: the server must not care
    proc, info = await asyncio.to_thread(
        start, tmp_path, "s", "--no-journal", "--mqtt", f"mqtt://127.0.0.1:{broker.port}",
        "--mqtt-devices", str(devices), "--mqtt-ha",
    )
    try:
        code = info["rooms"][0]["code"]
        url = f"ws://127.0.0.1:{info['port']}/ws"
        ann = Client(url, code=code, name="Ann", reconnect=False)
        await ann.connect()  # the game works without the broker
        health = f"http://127.0.0.1:{info['port']}/api/health"
        down = (await asyncio.to_thread(_get_json, health))["mqtt"]
        assert down["state"] in ("connecting", "offline", "refused") and down["detail"]
        await asyncio.to_thread(broker.start)
        async with Watcher(broker.port, ("cibo/#", "homeassistant/#")) as watcher:
            await watcher.wait_for(
                lambda w: [r.payload for r in w.on(f"cibo/{code}/status")] == [b"open"]
                and (w.last(f"cibo/{code}/state") is not None), timeout=15
            )
            state = watcher.last(f"cibo/{code}/state")
            assert state is not None and state.json()["seq"] == 1  # Ann's seat
            assert [r.payload for r in watcher.on("cibo/status")] == [b"online"]
            up = await asyncio.to_thread(_get_json, health)
            assert up["ok"] is True and up["mqtt"]["state"] == "online"
            assert any(r.topic.startswith("homeassistant/sensor/") for r in watcher.received)
            await ann.command({"type": "pick_hero", "hero": "zuru"})
            await watcher.wait_for(lambda w: 2 in w.seqs(f"cibo/{code}/events"))
            await ann.close()
            killed_at = time.monotonic()
            stop(proc, signal.SIGKILL)
            await watcher.wait_for(
                lambda w: (w.last("cibo/status") or w.received[0]).payload == b"offline",
                timeout=10,
            )
            print(f"\nlast will {time.monotonic() - killed_at:.2f} s after kill -9")
        async with Watcher(broker.port, ("cibo/status",)) as late:
            await late.wait_for(lambda w: bool(w.received))
            assert late.received[0].payload == b"offline" and late.received[0].retain
    finally:
        stop(proc, signal.SIGKILL)
        broker.stop()
    assert "MQTT bridge online" in (tmp_path / "s.log").read_text()


async def test_clean_shutdown_says_closed_then_offline(tmp_path: Path) -> None:
    with Broker(tmp_path) as broker:
        proc, info = await asyncio.to_thread(
            start, tmp_path, "s", "--no-journal", "--mqtt", f"mqtt://127.0.0.1:{broker.port}",
            "--mqtt-prefix", "home/cibo",
        )
        try:
            code = info["rooms"][0]["code"]
            async with Watcher(broker.port, ("home/cibo/#",)) as watcher:
                await watcher.wait_for(lambda w: w.last(f"home/cibo/{code}/state") is not None)
                status = await asyncio.to_thread(stop, proc)
                assert status == 0
                await watcher.wait_for(
                    lambda w: (w.last("home/cibo/status") or w.received[0]).payload == b"offline"
                )
                order = [(r.topic, r.payload) for r in watcher.received if r.topic.endswith(
                    "status")]
                assert order[-2:] == [(f"home/cibo/{code}/status", b"closed"),
                                      ("home/cibo/status", b"offline")]
        finally:
            stop(proc, signal.SIGKILL)
    output = (tmp_path / "s.log").read_text()
    assert f"MQTT bridge: mqtt://127.0.0.1:{broker.port}, topics home/cibo/#" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mqtt", "http://broker"], "use mqtt://"),
        (["--mqtt", "mqtt://h", "--mqtt-ha", "--mqtt-format", "msgpack"], "Home Assistant"),
        (["--mqtt-devices", "x.toml"], "needs --mqtt"),
    ],
)
def test_bad_mqtt_options_stop_the_server_at_once(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cibo.cli", "serve", "--no-journal", "--port", "0", *args],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
