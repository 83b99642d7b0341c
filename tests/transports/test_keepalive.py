"""The server's one keepalive: quiet connections are pinged, silent ones closed, talking ones
left alone. Real servers on 127.0.0.1, real clients (websockets', and a bare socket that
speaks the protocol's bytes itself so that it can leave a ping unanswered)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import struct
import time
from pathlib import Path

import pytest
from attrs import evolve
from live_server import FAST, Live, live_server
from playwright.async_api import async_playwright, expect
from websockets.asyncio.client import connect
from websockets.protocol import State

from chromium import ARGS, CHROMIUM
from cibo.transports.keepalive import PING, TIMEOUT_REASON, Keepalive
from cibo.transports.websocket import ServerLimits

ROOT = Path(__file__).resolve().parents[2]

FAST_PINGS = evolve(FAST, ping_interval=0.2, ping_timeout=0.2, close_timeout=0.2)


async def _wait_until(predicate: object, timeout: float = 5.0) -> None:
    assert callable(predicate)
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def _keepalive(live: Live) -> Keepalive:
    keepalive = live.game.keepalive
    assert keepalive is not None
    return keepalive


async def _bare_socket(live: Live) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket client made of a TCP socket: the opening handshake, nothing else."""
    reader, writer = await asyncio.open_connection("127.0.0.1", live.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def _frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One unmasked server frame of at most 125 bytes: (first byte, payload)."""
    first, size = await reader.readexactly(2)
    assert size < 126
    return first, await reader.readexactly(size)


async def test_a_silent_client_is_pinged_then_closed_with_1011() -> None:
    async with live_server(limits=FAST_PINGS) as live:
        keepalive = _keepalive(live)
        reader, writer = await _bare_socket(live)
        opened = time.monotonic()
        async with asyncio.timeout(5):
            first, payload = await _frame(reader)
        pinged = time.monotonic()
        assert bytes((first,)) + bytes((len(payload),)) + payload == PING
        # Quiet for the interval (0.2 s), found by a sweep at most a tick (0.025 s) later.
        assert 0.1 <= pinged - opened < 2.0
        async with asyncio.timeout(5):
            first, payload = await _frame(reader)  # never answered: the close frame
        closed = time.monotonic()
        assert first == 0x88
        code, reason = struct.unpack("!H", payload[:2])[0], payload[2:].decode()
        assert (code, reason) == (1011, TIMEOUT_REASON)
        assert 0.1 <= closed - pinged < 2.0
        # The closing handshake is not answered either: the server drops the socket.
        async with asyncio.timeout(5):
            assert await reader.read() == b""
        await _wait_until(lambda: live.game.connections == 0 and len(keepalive) == 0)
        assert keepalive.closed == 1
        writer.close()


async def test_a_quiet_client_that_answers_pings_stays() -> None:
    async with live_server(limits=FAST_PINGS) as live:
        keepalive = _keepalive(live)
        # websockets' client answers every ping and sends nothing of its own.
        ws = await connect(live.url, compression=None, ping_interval=None)
        await asyncio.sleep(1.5)  # over three intervals plus timeouts
        assert ws.state is State.OPEN
        assert keepalive.sent >= 4
        assert keepalive.closed == 0
        await ws.send(json.dumps({"type": "ping", "t": 7}))
        assert json.loads(await ws.recv()) == {"type": "pong", "t": 7}
        await ws.close()
        await _wait_until(lambda: len(keepalive) == 0)


async def test_a_client_that_talks_is_never_pinged() -> None:
    # An interval ten times the client's beat: a busy test machine's pauses stay well inside it.
    async with live_server(ping_interval=0.5, ping_timeout=0.5) as live:
        keepalive = _keepalive(live)
        # As the phones and the table do: a heartbeat of its own, more often than the interval.
        ws = await connect(live.url, compression=None, ping_interval=None)
        for t in range(30):
            await ws.send(json.dumps({"type": "ping", "t": t}))
            assert json.loads(await ws.recv()) == {"type": "pong", "t": t}
            await asyncio.sleep(0.05)
        assert ws.state is State.OPEN
        assert keepalive.sent == 0
        await ws.close()


async def test_the_sweeping_task_runs_only_while_there_are_connections() -> None:
    async with live_server(limits=FAST_PINGS) as live:
        keepalive = _keepalive(live)
        for _ in range(2):
            ws = await connect(live.url, compression=None, ping_interval=None)
            await _wait_until(lambda: len(keepalive) == 1)
            assert keepalive.sweeping
            watched = keepalive.watched
            assert len(watched) == 1
            await ws.close()
            await _wait_until(lambda: not keepalive.sweeping)
            assert keepalive.watched == frozenset()
            assert len(watched) == 1  # what was read before stays as it was


async def test_no_keepalive_when_the_interval_is_none() -> None:
    async with live_server(ping_interval=None) as live:
        assert live.game.keepalive is None
        ws = await connect(live.url, compression=None, ping_interval=None)
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await ws.recv())["type"] == "pong"
        await ws.close()


@pytest.mark.parametrize(("interval", "timeout"), [(0.0, 1.0), (1.0, 0.0), (-1.0, 1.0)])
def test_the_interval_and_timeout_must_be_positive(interval: float, timeout: float) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        Keepalive(interval, timeout, set())


def test_a_healthy_browser_is_never_pinged() -> None:
    """The browser clients' heartbeat comes more often than the server's quiet interval."""
    source = (ROOT / "clients" / "shared" / "protocol.js").read_text(encoding="utf-8")
    found = re.search(r"^const HEARTBEAT_MS = (\d+);$", source, re.MULTILINE)
    assert found is not None
    interval = ServerLimits().ping_interval
    assert interval is not None
    # A beat late by a busy phone's timer or the Wi-Fi is still in time.
    assert int(found.group(1)) / 1000 <= interval - 0.5


@pytest.mark.browser
async def test_a_phone_and_a_table_in_chromium_are_never_pinged() -> None:
    """The real pages' heartbeat keeps them off the keepalive's list at the shipped interval,
    while a client beside them that says nothing is pinged and closed in the same window."""
    limits = ServerLimits()  # the shipped interval and timeout
    assert limits.ping_interval is not None
    async with (
        live_server(
            clients=ROOT / "clients",
            ping_interval=limits.ping_interval,
            ping_timeout=limits.ping_timeout,
        ) as live,
        async_playwright() as pw,
    ):
        keepalive = _keepalive(live)
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=ARGS
        )
        try:
            table = await browser.new_page()
            await table.goto(f"{live.http}/table/?code={live.code}")
            phone = await browser.new_page(viewport={"width": 390, "height": 844})
            await phone.goto(f"{live.http}/j/{live.code}")
            await phone.fill("#name", "Ann")
            await phone.get_by_role("button", name="Join the game").click()
            await expect(phone.locator(".hero-card").first).to_be_visible()
            await _wait_until(lambda: len(keepalive) == 2)
            pages = keepalive.watched
            silent_reader, silent = await _bare_socket(live)
            started = time.monotonic()
            # Two of the pages' beats past the quiet interval, and past the silent client's
            # ping and close (interval + timeout + two sweeps).
            await asyncio.sleep(limits.ping_interval + limits.ping_timeout + 3.0)
            waited = time.monotonic() - started
            assert waited < 2 * limits.ping_interval + limits.ping_timeout, "the loop stalled"
            first, payload = await _frame(silent_reader)
            assert bytes((first, len(payload))) + payload == PING
            assert keepalive.sent == 1  # the silent client's ping, none to the pages
            assert keepalive.closed == 1
            assert keepalive.watched == pages  # the pages kept their first connections
            silent.close()
        finally:
            await browser.close()
