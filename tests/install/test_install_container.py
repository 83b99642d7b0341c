"""The container deployment, built and run for real: the Dockerfile's image and
docker-compose.yml's two services (Cibo and mosquitto with the shipped config, a password file
and the ACL) under podman and podman-compose, then a bot game played through the published
port while a read-only MQTT user watches the bridge, a gadget's command routed through the
broker, the journal copied out of the container as docs/operations.md says to back it up, and
the journal kept in its volume across ``down``/``up`` (what an upgrade does).

What differs from a user's ``docker compose up --build``, and why:

- The base images are made from Debian's packages (:func:`container_engine.debian_rootfs`):
  no container registry is reachable here. Cibo's image is the repository's Dockerfile with
  ``--build-arg BASE=...``; the broker's is ``mosquitto.Containerfile`` (Debian's mosquitto in
  the eclipse-mosquitto image's layout), given to compose as ``MOSQUITTO_IMAGE``.
- The image is built before ``podman-compose up`` (which then finds it), with
  ``PIP_OPTIONS=--no-index --find-links=/wheels`` and a wheelhouse mounted at ``/wheels``:
  the build container cannot reach the package index.
- ``.env`` publishes both ports on 127.0.0.1 and free port numbers (``CIBO_PORTS``,
  ``MQTT_PORTS``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from container_engine import Engine, cache_dir, debian_rootfs, require_tools
from install_helpers import ROOT, build_dists, run, uv

from mqtt_broker import free_port, mosquitto_tool

pytestmark = pytest.mark.container

HERE = Path(__file__).resolve().parent
BASE = "localhost/cibo-test-base:bookworm"
BROKER_IMAGE = "localhost/cibo-test-mosquitto:2"
PASSWORDS = {"cibo": "server-pw", "watcher": "watch-pw", "end-turn": "button-pw"}


def wheelhouse(wheel: Path) -> Path:
    """A folder with the wheels the image's ``pip install`` needs: the build backend and
    Cibo's dependencies. Kept in ``~/.cache/cibo-tests/wheels``: filled from the package index
    through pip the first time (or when a dependency changed), then used offline. Cibo itself
    is not in it: the image builds it from source, as a user's build does."""
    folder = cache_dir() / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    pip = [uv(), "tool", "run", "pip", "download", "--quiet", "--only-binary=:all:",
           "--dest", str(folder), "--find-links", str(folder)]
    offline = subprocess.run([*pip, "--no-index", "hatchling", str(wheel)],
                             capture_output=True, text=True, timeout=300, check=False)
    if offline.returncode != 0:
        run([*pip, "hatchling", str(wheel)], timeout=300)
    for own in folder.glob("cibo-*.whl"):
        own.unlink()
    return folder


def health(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=3) as answer:
            data: dict[str, Any] = json.loads(answer.read())
            return data
    except OSError:
        return None


def wait_online(engine: Engine, port: int, container: str) -> None:
    """Until the server answers on the published port with its MQTT bridge online."""
    deadline = time.monotonic() + 60
    last = None
    while time.monotonic() < deadline:
        last = health(port)
        if last and last.get("mqtt", {}).get("state") == "online":
            return
        time.sleep(0.3)
    logs = engine.logs(container)
    pytest.fail(f"no healthy server with its bridge online on :{port} ({last})\n{logs}")


@pytest.mark.timeout(900)  # a fresh machine first makes the Debian root filesystem (~2 min)
def test_compose_runs_cibo_and_mosquitto_and_a_game_is_played(tmp_path: Path) -> None:
    require_tools()
    mosquitto_sub, mosquitto_pub = mosquitto_tool("mosquitto_sub"), mosquitto_tool("mosquitto_pub")
    rootfs = debian_rootfs()
    engine = Engine(tmp_path / "engine")
    project = f"cibot{os.getpid()}"
    server = f"{project}_cibo_1"
    try:
        engine.podman("import", "--quiet", str(rootfs), BASE, timeout=300)
        engine.podman("build", "--quiet", "--format", "docker", "--network", "none",
                      "--build-arg", f"BASE={BASE}", "-t", BROKER_IMAGE,
                      "-f", str(HERE / "mosquitto.Containerfile"), str(HERE))
        wheels = wheelhouse(build_dists(tmp_path / "dist")["wheel"])
        engine.podman("build", "--quiet", "--format", "docker", "--network", "none",
                      "--build-arg", f"BASE={BASE}",
                      "--build-arg", "PIP_OPTIONS=--no-index --find-links=/wheels",
                      "--volume", f"{wheels}:/wheels:ro", "-t", "localhost/cibo:local",
                      str(ROOT), timeout=600)

        # The user's steps of docs/operations.md, in a copy of the deployment files.
        site = tmp_path / "site"
        site.mkdir()
        shutil.copy(ROOT / "docker-compose.yml", site)
        shutil.copytree(ROOT / "deploy", site / "deploy")
        passwd = site / "deploy" / "mosquitto" / "passwd"
        passwd.touch(mode=0o644)
        users = " && ".join(  # deploy/mosquitto/README.md's way, in one container
            f"mosquitto_passwd -b /conf/passwd {user} {password}"
            for user, password in PASSWORDS.items())
        engine.podman("run", "--rm", "--network", "none", "-v", f"{passwd.parent}:/conf",
                      BROKER_IMAGE, "sh", "-c", users)
        cibo_port, mqtt_port = free_port(), free_port()
        (site / ".env").write_text(
            f"CIBO_MQTT_PASSWORD={PASSWORDS['cibo']}\n"
            f"CIBO_PUBLIC_URL=http://127.0.0.1:{cibo_port}\n"
            f"CIBO_PORTS=127.0.0.1:{cibo_port}\n"
            f"MQTT_PORTS=127.0.0.1:{mqtt_port}\n"
            f"MOSQUITTO_IMAGE={BROKER_IMAGE}\n"
        )
        engine.compose(site, project, "up", "-d")
        wait_online(engine, cibo_port, server)
        assert engine.podman("exec", server, "id", "-u").strip() == "1000"

        logs = engine.logs(server)
        link = re.search(rf"Host link:\s+http://127\.0\.0\.1:{cibo_port}/j/([A-Z]+)#host=(\S+)",
                         logs)
        assert link, logs
        code, token = link[1], link[2]

        mqtt = ["-h", "127.0.0.1", "-p", str(mqtt_port)]
        # A gadget from deploy/devices.example.toml: its command crosses the ACL and the
        # server's answer comes back on its result topic (in the lobby: not started yet).
        result = subprocess.Popen(
            [mosquitto_sub, *mqtt, "-u", "end-turn", "-P", PASSWORDS["end-turn"],
             "-t", f"cibo/{code}/result/end-turn", "-C", "1", "-W", "20"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        seen = tmp_path / "events.txt"
        with seen.open("w") as sink:
            watcher = subprocess.Popen(
                [mosquitto_sub, *mqtt, "-u", "watcher", "-P", PASSWORDS["watcher"],
                 "-t", f"cibo/{code}/events", "-W", "150"],
                stdout=sink, stderr=subprocess.STDOUT, text=True,
            )
        try:
            time.sleep(1)  # both subscriptions are in place
            run([mosquitto_pub, *mqtt, "-u", "end-turn", "-P", PASSWORDS["end-turn"],
                 "-t", f"cibo/{code}/cmd/end-turn", "-m",
                 json.dumps({"type": "end_turn", "cmd_id": "t-1"})])
            answer, _ = result.communicate(timeout=30)
            reply = json.loads(answer)
            assert reply["cmd_id"] == "t-1" and reply["ok"] is False, reply
            assert reply["error"]["code"], reply

            played = run([sys.executable, "-m", "cibo", "bot",
                          "--url", f"http://127.0.0.1:{cibo_port}", "--code", code,
                          "--players", "2", f"--host-token={token}", "--start"], timeout=120)
            assert played.rstrip().endswith(("game won", "game lost")), played
            deadline = time.monotonic() + 20
            while "game_ended" not in seen.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            for proc in (result, watcher):
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
        events = seen.read_text().splitlines()
        kinds = [json.loads(e)["event"]["type"] for e in events if e.startswith("{")]
        assert kinds and kinds[-1] == "game_ended", events[-5:]
        assert "game_started" in kinds

        listing = engine.podman("exec", "-e", "COLUMNS=200", server, "cibo", "games")
        assert "/data/games" in listing and code in listing, listing
        verified = engine.podman("exec", server, "sh", "-c", "cibo verify /data/games/*.cibo")
        assert verified.rstrip().splitlines()[-1].startswith("OK"), verified
        # The backup of docs/operations.md: copy the games out, verify the copy on the host.
        engine.podman("cp", f"{server}:/data/games", str(tmp_path / "backup"))
        copies = sorted((tmp_path / "backup").glob("*.cibo"))
        assert len(copies) == 1 and code in copies[0].name, copies
        verified = run([sys.executable, "-m", "cibo", "verify", str(copies[0])])
        assert verified.rstrip().splitlines()[-1].startswith("OK"), verified

        # Upgrading is down + up with a new image: the journals stay in the cibo-data volume.
        engine.compose(site, project, "down")
        engine.compose(site, project, "up", "-d")
        wait_online(engine, cibo_port, server)
        assert code in engine.podman("exec", "-e", "COLUMNS=200", server, "cibo", "games")
        assert f"room {code} reopened (its game is over)" in engine.logs(server)

        # Restoring the backup into a new volume, as root then handed to the image's user.
        engine.compose(site, project, "down")
        volume = f"{project}_cibo-data"
        engine.podman("volume", "rm", volume)
        engine.podman("volume", "create", volume)
        engine.podman("run", "--rm", "--network", "none", "--user", "root",
                      "-v", f"{volume}:/data", "-v", f"{tmp_path / 'backup'}:/restore:ro",
                      "--entrypoint", "sh", "localhost/cibo:local", "-c",
                      "mkdir -p /data/games && cp -r /restore/. /data/games/ "
                      "&& chown -R cibo:cibo /data/games")
        engine.compose(site, project, "up", "-d")
        wait_online(engine, cibo_port, server)
        assert f"room {code} reopened (its game is over)" in engine.logs(server)
    finally:
        if (tmp_path / "site" / ".env").exists():
            engine.compose(tmp_path / "site", project, "down", "-v", check=False)
        engine.remove_everything(networks=[f"{project}_default"])
