"""A real mosquitto broker for tests, on 127.0.0.1 and a free port.

``Broker`` starts ``mosquitto -c <conf>`` as a plain child process (never through a shell, so
the PID we hold is the broker's), waits until it accepts TCP connections, and stops it by that
PID: :meth:`Broker.stop` (SIGTERM), :meth:`Broker.kill` (SIGKILL, a crash),
:meth:`Broker.pause` / :meth:`Broker.resume` (SIGSTOP/SIGCONT, a stalled broker) and
:meth:`Broker.start` again on the same port. The broker is required: when ``mosquitto`` is not
installed the tests fail (``apt-get install mosquitto mosquitto-clients``), they never skip.

Privileges: started as root, mosquitto switches to the ``mosquitto`` user unless the config
says ``user root``, and that user cannot read the test's temporary files (pytest makes them
0700), so the broker would refuse to start. The generated config therefore says ``user root``;
run as another user, mosquitto ignores the option.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from attrs import define, field

__all__ = [
    "Broker",
    "Received",
    "Watcher",
    "broker_fixture",
    "free_port",
    "mosquitto_tool",
    "write_passwords",
]


def mosquitto_tool(name: str) -> str:
    """The path of ``mosquitto`` or one of its clients; fails the test when it is missing."""
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )
    if found is None:
        pytest.fail(f"{name} is not installed (apt-get install mosquitto mosquitto-clients)")
    return found


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_passwords(path: Path, users: dict[str, str]) -> Path:
    """A mosquitto password file made by ``mosquitto_passwd -b`` (hashed, as in production)."""
    tool = mosquitto_tool("mosquitto_passwd")
    path.write_text("")
    for user, password in users.items():
        subprocess.run([tool, "-b", str(path), user, password], check=True, capture_output=True)
    path.chmod(0o644)
    return path


class Broker:
    """One mosquitto process; see the module docstring.

    Args:
        directory: where the config and the log go.
        port: the port to listen on (default: a free one, kept across restarts).
        anonymous: allow clients without a user name.
        extra: more config lines (``password_file``, ``acl_file``...).
    """

    def __init__(
        self,
        directory: Path,
        *,
        port: int | None = None,
        anonymous: bool = True,
        extra: str = "",
    ) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.anonymous = anonymous
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None
        self.conf = directory / "mosquitto.conf"
        self.log = directory / "mosquitto.out"
        """The broker's standard output (errors before it could open its log file)."""
        self.broker_log = directory / "mosquitto.log"
        self.starts = 0

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def config_text(self) -> str:
        return "\n".join(
            [
                f"listener {self.port} 127.0.0.1",
                f"allow_anonymous {'true' if self.anonymous else 'false'}",
                "persistence false",
                "user root",
                f"log_dest file {self.broker_log}",
                "log_type error",
                "log_type warning",
                "log_type notice",
                self.extra,
                "",
            ]
        )

    def start(self, timeout: float = 10.0) -> None:
        """Start the broker and wait until it accepts connections."""
        assert not self.running, "the broker is already running"
        exe = mosquitto_tool("mosquitto")
        self.conf.write_text(self.config_text())
        self.conf.chmod(0o644)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [exe, "-c", str(self.conf)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"mosquitto exited with {self.proc.returncode}:\n{self.log_text()}")
            with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", self.port), timeout=0.2
            ):
                return
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"mosquitto did not listen on {self.port}:\n{self.log_text()}")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: the broker dies without a word, and forgets everything."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if not self.running:
            return
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)  # in case it was paused
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()

    def pause(self) -> None:
        """SIGSTOP: the broker keeps its sockets open but answers nothing (a stalled host)."""
        assert self.proc is not None and self.running
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        assert self.proc is not None and self.running
        os.kill(self.proc.pid, signal.SIGCONT)

    def restart(self) -> None:
        self.kill()
        self.start()

    def _signal(self, sig: signal.Signals) -> None:
        if self.running:
            assert self.proc is not None
            os.kill(self.proc.pid, sig)
            self.proc.wait(timeout=5)

    def connected_clients(self) -> set[str]:
        """Client ids connected now, according to the broker's log."""
        alive: set[str] = set()
        came = re.compile(r"New client connected from \S+ as (\S+) \(")
        went = re.compile(r"Client (\S+) (?:disconnected|closed its connection|has exceeded)"
                          r"|Socket error on client (\S+?),? disconnecting")
        for line in self.log_text().splitlines():
            if m := came.search(line):
                alive.add(m.group(1))
            elif m := went.search(line):
                alive.discard(m.group(1) or m.group(2))
        return alive

    def log_text(self) -> str:
        """What the broker printed and logged so far."""
        return "".join(
            p.read_text(errors="replace") for p in (self.log, self.broker_log) if p.exists()
        )

    def __enter__(self) -> Broker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(name="broker")
def broker_fixture(tmp_path: Path) -> Iterator[Broker]:
    """A running anonymous broker on a free port; stopped after the test."""
    with Broker(tmp_path) as b:
        yield b


@define
class Received:
    topic: str
    payload: bytes
    retain: bool
    at: float

    def json(self) -> Any:
        return json.loads(self.payload)


@define
class Watcher:
    """A subscriber that reconnects like a real consumer and keeps every message it got.

    Use it as an async context manager; :meth:`wait_for` waits until a condition holds.
    """

    port: int
    topics: tuple[str, ...] = ("#",)
    username: str | None = None
    password: str | None = None
    identifier: str | None = None
    received: list[Received] = field(factory=list)
    connections: int = 0
    _task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(factory=asyncio.Event)
    _client: aiomqtt.Client | None = None

    async def __aenter__(self) -> Watcher:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self.wait_for(lambda w: w.connections > 0, timeout=10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            client = aiomqtt.Client(
                "127.0.0.1", self.port, username=self.username, password=self.password,
                identifier=self.identifier, timeout=5, keepalive=5,
            )
            try:
                async with client:
                    for topic in self.topics:
                        await client.subscribe(topic, qos=1)
                    self._client = client
                    self.connections += 1
                    self._changed.set()
                    async for m in client.messages:
                        payload = m.payload if isinstance(m.payload, bytes) else b""
                        self.received.append(
                            Received(m.topic.value, payload, m.retain, time.monotonic())
                        )
                        self._changed.set()
            except aiomqtt.MqttError:
                self._client = None
                await asyncio.sleep(0.1)

    async def publish(self, topic: str, payload: bytes) -> None:
        assert self._client is not None, "not connected"
        await self._client.publish(topic, payload, qos=1)

    async def wait_for(self, predicate: Callable[[Watcher], bool], timeout: float = 10) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self):
                self._changed.clear()
                await self._changed.wait()

    def on(self, topic: str) -> list[Received]:
        return [r for r in self.received if r.topic == topic]

    def last(self, topic: str) -> Received | None:
        got = self.on(topic)
        return got[-1] if got else None

    def seqs(self, topic: str) -> list[int]:
        """The ``seq`` of every event received on ``topic``, in arrival order (with repeats)."""
        return [int(r.json()["seq"]) for r in self.on(topic)]
