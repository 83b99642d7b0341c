"""The deployment files: docker-compose.yml against the compose-spec schema (no Docker engine
here), and deploy/mosquitto's config and ACL enforced by a real mosquitto."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiomqtt
import pytest
from ruamel.yaml import YAML

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cibo.transports.mqtt.devices import load_devices
from mqtt_broker import Broker, write_passwords

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = ROOT / "docker-compose.yml"

pytestmark = pytest.mark.mqtt


def test_compose_file_matches_the_compose_spec() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
         str(COMPOSE)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_file_says_what_the_deployment_needs() -> None:
    spec = YAML(typ="safe").load(COMPOSE.read_text())
    broker, server = spec["services"]["mosquitto"], spec["services"]["cibo"]
    assert broker["image"] == "${MOSQUITTO_IMAGE:-eclipse-mosquitto:2}"
    assert "./deploy/mosquitto:/mosquitto/config:ro" in broker["volumes"]
    assert server["build"] == "."
    assert server["depends_on"] == ["mosquitto"]
    command = server["command"]
    assert command[0] == "serve"
    assert "--host=0.0.0.0" in command and "--data=/data" in command
    assert "--mqtt=mqtt://cibo@mosquitto:1883" in command
    assert any(c.startswith("--mqtt-devices=/config/") for c in command)
    assert "CIBO_MQTT_PASSWORD" in server["environment"]
    assert any(v.startswith("cibo-data:/data") for v in server["volumes"])
    assert set(spec["volumes"]) == {"cibo-data", "mosquitto-data"}
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "ARG BASE=python:3.11-slim\nFROM ${BASE}" in dockerfile
    assert 'ENTRYPOINT ["cibo"]' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "deploy", ".env"} <= set(ignored)
    assert len(load_devices(DEPLOY / "devices.example.toml")) >= 3


def shipped_config(port: int, directory: Path, passwd: Path) -> str:
    """deploy/mosquitto/mosquitto.conf, moved to 127.0.0.1:``port`` and temporary files.

    Only the listener, the file locations and ``user root`` change (see tests/mqtt_broker.py
    for why a broker started as root needs it); the ACL file is the shipped one.
    """
    lines = []
    seen = set()
    for original in (DEPLOY / "mosquitto" / "mosquitto.conf").read_text().splitlines():
        line = original
        key = line.split(" ", 1)[0]
        seen.add(key)
        if key == "listener":
            line = f"listener {port} 127.0.0.1"
        elif key == "password_file":
            line = f"password_file {passwd}"
        elif key == "acl_file":
            line = f"acl_file {DEPLOY / 'mosquitto' / 'acl'}"
        elif key == "persistence_location":
            line = f"persistence_location {directory}/"
        lines.append(line)
    assert {"listener", "allow_anonymous", "password_file", "acl_file"} <= seen
    lines.append("user root")
    return "\n".join(lines) + "\n"


class ConfigBroker(Broker):
    def __init__(self, directory: Path, passwd: Path) -> None:
        super().__init__(directory)
        self.passwd = passwd

    def config_text(self) -> str:
        return shipped_config(self.port, self.directory, self.passwd)


USERS = {"cibo": "server-pw", "watcher": "watch-pw", "end-turn": "button-pw"}


async def _publish(port: int, user: str | None, topic: str, payload: bytes) -> None:
    async with aiomqtt.Client(
        "127.0.0.1", port, username=user, password=USERS.get(user or ""), timeout=5
    ) as client:
        await client.publish(topic, payload, qos=1)


async def test_shipped_broker_config_enforces_the_acl(tmp_path: Path) -> None:
    passwd = write_passwords(tmp_path / "passwd", USERS)
    with ConfigBroker(tmp_path, passwd) as broker:
        port = broker.port
        with pytest.raises(aiomqtt.MqttError):  # anonymous
            async with aiomqtt.Client("127.0.0.1", port, timeout=5):
                pass
        with pytest.raises(aiomqtt.MqttError):  # wrong password
            async with aiomqtt.Client("127.0.0.1", port, username="cibo", password="x", timeout=5):
                pass
        seen: list[tuple[str, bytes]] = []
        async with aiomqtt.Client(
            "127.0.0.1", port, username="cibo", password=USERS["cibo"], timeout=5
        ) as spy:
            await spy.subscribe("cibo/#", qos=1)
            await spy.subscribe("homeassistant/#", qos=1)

            async def collect() -> None:
                async for m in spy.messages:
                    seen.append((m.topic.value, bytes(m.payload)))

            task = asyncio.get_running_loop().create_task(collect())
            allowed = [
                ("cibo", "cibo/BCDF/events", b"server"),
                ("cibo", "homeassistant/sensor/x/config", b"ha"),
                ("end-turn", "cibo/BCDF/cmd/end-turn", b"end_turn"),
            ]
            denied = [  # MQTT 3.1.1 has no error for these: they are silently dropped
                ("end-turn", "cibo/BCDF/cmd/red-button", b"impersonation"),
                ("end-turn", "cibo/BCDF/state", b"forged state"),
                ("end-turn", "cibo/status", b"offline"),
                ("watcher", "cibo/BCDF/cmd/watcher-x", b"watcher"),
                ("watcher", "cibo/BCDF/events", b"watcher"),
            ]
            for user, topic, payload in denied + allowed:
                await _publish(port, user, topic, payload)
            marker = ("cibo", "cibo/done", b"done")  # everything before it has been routed
            await _publish(port, *marker)
            async with asyncio.timeout(5):
                while (marker[1], marker[2]) not in seen:
                    await asyncio.sleep(0.02)
            task.cancel()
        for _, topic, payload in allowed:
            assert (topic, payload) in seen
        for _, topic, payload in denied:
            assert (topic, payload) not in seen, topic
        # A gadget reads the public topics, not the server's inbox of other gadgets.
        async with aiomqtt.Client(
            "127.0.0.1", port, username="end-turn", password=USERS["end-turn"], timeout=5
        ) as gadget:
            await gadget.subscribe("cibo/#", qos=1)
            await _publish(port, "cibo", "cibo/BCDF/state", b"state")
            await _publish(port, "cibo", "cibo/BCDF/cmd/other", b"not yours")
            await _publish(port, "cibo", "cibo/BCDF/result/end-turn", b"yours")
            got: list[tuple[str, bytes]] = []
            async with asyncio.timeout(5):
                async for m in gadget.messages:
                    got.append((m.topic.value, bytes(m.payload)))
                    if m.topic.value.endswith("/result/end-turn"):
                        break
            assert ("cibo/BCDF/state", b"state") in got
            assert ("cibo/BCDF/cmd/other", b"not yours") not in got
