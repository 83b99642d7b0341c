"""A small async client for the Cibo protocol (bots, tests, benchmarks, native tools).

::

    async with Client("ws://127.0.0.1:8765/ws", code="BCDF", name="Ann") as client:
        await client.wait_for(lambda c: c.state.get("status") == "playing")
        result = await client.command({"type": "end_turn", "hero": ""})

The client says ``hello`` on connect and keeps what the server gives it: the seat and its token,
the last ``seq`` seen, the latest view (``state``) and room info (``room``), and the events
received (``events``, bounded). When the connection drops it reconnects (with backoff and
jitter), resumes the seat with its token from the last seen ``seq``, and resends the commands
still waiting for a result with the same ``cmd_id`` — the server applies each once. It stops
for good after a final close (:func:`cibo.protocol.client_state.is_final`, the rule the browser
client follows too).

This module is only the asyncio driver: what is sent and what is kept is
:class:`~cibo.protocol.client_state.ClientState`'s (:attr:`Client.protocol`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import deque
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Literal, Self

import msgpack  # type: ignore[import-untyped]
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from cibo.errors import CiboError
from cibo.protocol import CODECS, Codec
from cibo.protocol.client_state import ClientState
from cibo.protocol.client_state import create_room as create_room_message
from cibo.protocol.messages import ControlAction, Role

__all__ = ["Client", "ClientError", "JoinRefused", "create_room"]

log = logging.getLogger("cibo.client")

CodecName = Literal["msgpack", "json"]


class ClientError(CiboError):
    """A protocol-level refusal; ``code`` and ``message`` come from the server."""

    def __init__(self, message: str = "", *, code: str) -> None:
        super().__init__(f"{message} [{code}]" if message else code)
        self.code = code
        self.message = message


class JoinRefused(ClientError):
    """The server refused the ``hello``."""


def _codec(name: CodecName) -> Codec:
    return CODECS[f"cibo.v1.{name}"]


class Client:
    """One connection to a room, with resume. See the module docstring.

    Args:
        url: the WebSocket URL (``ws://host:port/ws``).
        code: the room's join code.
        role: ``player``, ``table`` or ``spectator``.
        name: a player's name (for a new seat).
        token: a seat token, to resume a seat.
        host_token: the host token, to become the host.
        codec: ``msgpack`` (binary frames) or ``json`` (text frames).
        reconnect: reconnect and resume when the connection drops.
        origin: an ``Origin`` header to send (browsers always send one).
        last_seq: the last ``seq`` seen in an earlier session (with ``token``, to resume).
        keep_events: how many received events to keep in :attr:`events`.
        ping_interval: seconds between protocol pings (None: none, like a browser; the
            server pings anyway).
    """

    def __init__(
        self,
        url: str,
        *,
        code: str,
        role: Role = "player",
        name: str = "",
        token: str | None = None,
        host_token: str | None = None,
        codec: CodecName = "msgpack",
        reconnect: bool = True,
        origin: str | None = None,
        last_seq: int | None = None,
        keep_events: int = 10_000,
        ping_interval: float | None = 10.0,
    ) -> None:
        self.url = url
        self.protocol = ClientState(
            code=code,
            role=role,
            name=name,
            token=token,
            host_token=host_token,
            last_seq=last_seq,
            keep_events=keep_events,
        )
        """What this client sends and keeps (seat, token, seq, view, room, events...)."""
        self.codec = _codec(codec)
        self.reconnect = reconnect
        self.origin = origin
        self.ping_interval = ping_interval
        self.connections = 0
        self.close_codes: list[int | None] = []
        """The close code of each connection that ended, in order."""
        self.on_message: Callable[[Client, dict[str, Any]], None] | None = None
        self.ws: ClientConnection | None = None
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self.closed = asyncio.Event()

    # -- what the protocol state holds ----------------------------------------------------------

    @property
    def code(self) -> str:
        return self.protocol.code

    @property
    def role(self) -> Role:
        return self.protocol.role

    @property
    def name(self) -> str:
        return self.protocol.name

    @property
    def token(self) -> str | None:
        return self.protocol.token

    @property
    def host_token(self) -> str | None:
        """Presented on every (re)connection; set it to None to stop presenting it."""
        return self.protocol.host_token

    @host_token.setter
    def host_token(self, value: str | None) -> None:
        self.protocol.host_token = value

    @property
    def seat(self) -> str | None:
        return self.protocol.seat

    @property
    def host(self) -> bool:
        return self.protocol.host

    @property
    def seq(self) -> int | None:
        return self.protocol.seq

    @property
    def state(self) -> dict[str, Any]:
        """The latest view of the game."""
        return self.protocol.state

    @state.setter
    def state(self, value: dict[str, Any]) -> None:
        self.protocol.state = value

    @property
    def room(self) -> dict[str, Any]:
        return self.protocol.room

    @property
    def events(self) -> deque[dict[str, Any]]:
        """Received events, each ``{"seq": n, "event": {...}}``, oldest first."""
        return self.protocol.events

    @property
    def received(self) -> int:
        """Messages received after joining."""
        return self.protocol.received

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.protocol.errors

    @property
    def cues(self) -> list[str]:
        """Names of the ``cue`` messages received (table displays get them), oldest first."""
        return self.protocol.cues

    @property
    def bye(self) -> dict[str, Any] | None:
        return self.protocol.bye

    @property
    def welcome(self) -> dict[str, Any] | None:
        return self.protocol.welcome

    # -- life cycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self, timeout: float = 10.0) -> dict[str, Any]:
        """Connect and join; returns the ``welcome``. Raises :class:`JoinRefused`."""
        async with asyncio.timeout(timeout):
            welcome = await self._open()
        self._reader = asyncio.get_running_loop().create_task(self._read_forever())
        return welcome

    async def close(self) -> None:
        """Close the connection and stop reconnecting."""
        self._closing = True
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._fail_pending(ClientError("the client was closed", code="client/closed"))
        self.closed.set()

    async def _open(self) -> dict[str, Any]:
        ws = await connect(
            self.url,
            subprotocols=[self.codec.name],  # type: ignore[list-item]
            origin=self.origin,  # type: ignore[arg-type]
            compression=None,
            max_size=4 * 1024 * 1024,
            open_timeout=10,
            ping_interval=self.ping_interval,
            ping_timeout=10,
            close_timeout=2,
        )
        self.ws = ws
        self.connections += 1
        self.protocol.opened()
        await ws.send(self._encode(self.protocol.hello().to_dict()))
        while True:
            message = self._decode(await ws.recv())
            kind = message.get("type")
            if kind == "welcome":
                self._on_welcome(message)
                return message
            if kind == "error":
                await ws.close()
                raise JoinRefused(str(message.get("message", "")), code=str(message.get("code")))
            if kind == "bye":
                self.protocol.receive(message)
                raise JoinRefused(str(message.get("message", "")), code=str(message.get("code")))

    def _encode(self, message: Mapping[str, Any]) -> str | bytes:
        data = self.codec.encode(message)
        return data if self.codec.binary else data.decode()

    @staticmethod
    def _decode(frame: str | bytes) -> dict[str, Any]:
        return json_or_msgpack(frame)

    async def _read_forever(self) -> None:
        delay = 0.05
        while True:
            ws = self.ws
            assert ws is not None
            try:
                async for frame in ws:
                    self._handle(self._decode(frame))
                    delay = 0.05
            except ConnectionClosed:
                pass
            code = ws.close_code
            self.close_codes.append(code)
            if self._closing or not self.reconnect or self.protocol.is_final(code, ws.close_reason):
                self._fail_pending(
                    ClientError(
                        f"connection closed ({code})",
                        code=str(self.bye.get("code")) if self.bye else "client/disconnected",
                    )
                )
                self.closed.set()
                self._changed.set()
                return
            while not self._closing:
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 2.0)
                try:
                    await self._open()
                except (OSError, InvalidHandshake, InvalidStatus, ConnectionClosed, TimeoutError):
                    continue
                except JoinRefused as exc:
                    self._fail_pending(exc)
                    self.closed.set()
                    self._changed.set()
                    return
                for message in self.protocol.resend():
                    with contextlib.suppress(ConnectionClosed):
                        await self.send_raw(message.to_dict())
                    log.debug("resent %s", message.cmd_id)
                break

    def _fail_pending(self, exc: Exception) -> None:
        for cmd_id, future in self._waiting.items():
            self.protocol.abandon(cmd_id)
            if not future.done():
                future.set_exception(exc)
                future.exception()
        self._waiting.clear()

    # -- incoming -----------------------------------------------------------------------------

    def _on_welcome(self, message: dict[str, Any]) -> None:
        self.protocol.receive(message)
        self._changed.set()

    def _handle(self, message: dict[str, Any]) -> None:
        if self.protocol.receive(message) == "result":
            future = self._waiting.pop(str(message.get("cmd_id")), None)
            if future is not None and not future.done():
                future.set_result(message)
        if self.on_message is not None:
            self.on_message(self, message)
        self._changed.set()

    # -- outgoing -----------------------------------------------------------------------------

    def new_cmd_id(self) -> str:
        return self.protocol.new_cmd_id()

    async def send_raw(self, message: Mapping[str, Any]) -> None:
        """Send any map (for tests of the server's defences)."""
        assert self.ws is not None
        await self.ws.send(self._encode(message))

    async def _request(
        self, cmd_id: str, message: dict[str, Any], timeout: float
    ) -> dict[str, Any]:
        if self.closed.is_set():
            self.protocol.abandon(cmd_id)
            raise ClientError("the connection is closed", code="client/disconnected")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[cmd_id] = future
        with contextlib.suppress(ConnectionClosed):  # resent after the reconnect
            await self.send_raw(message)
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            self._waiting.pop(cmd_id, None)
            self.protocol.abandon(cmd_id)

    async def command(
        self,
        command: Mapping[str, Any],
        *,
        cmd_id: str | None = None,
        seen_seq: int | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """Send a game command and wait for its ``result`` (``ok`` true or false)."""
        message = self.protocol.command(command, cmd_id=cmd_id, seen_seq=seen_seq)
        return await self._request(message.cmd_id, message.to_dict(), timeout)

    async def control(
        self, action: ControlAction, seat: str | None = None, *, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send a host control (pause, resume, lock, unlock, kick, transfer_host, next_game)."""
        message = self.protocol.control(action, seat)
        return await self._request(message.cmd_id, message.to_dict(), timeout)

    async def sync(self) -> None:
        """Ask for what was missed since :attr:`seq` (the answer arrives as an ``update``)."""
        await self.send_raw(self.protocol.sync().to_dict())

    async def wait_for(
        self, predicate: Callable[[Client], bool], timeout: float = 10.0
    ) -> None:
        """Wait until ``predicate(self)`` holds (checked after each message)."""
        async with asyncio.timeout(timeout):
            while not predicate(self):
                if self.closed.is_set():
                    raise ClientError("the connection is closed", code="client/disconnected")
                self._changed.clear()
                await self._changed.wait()

    async def changed(self, timeout: float | None = None) -> None:
        """Wait for the next message (or the end of the connection)."""
        self._changed.clear()
        async with asyncio.timeout(timeout):
            await self._changed.wait()


async def create_room(
    url: str,
    *,
    ruleset: str | None = None,
    difficulty: str | None = None,
    codec: CodecName = "msgpack",
    timeout: float = 10.0,
) -> tuple[str, str]:
    """Open a room on the server; returns its join code and host token."""
    c = _codec(codec)
    message = create_room_message(ruleset, difficulty)
    async with asyncio.timeout(timeout), connect(
        url, subprotocols=[c.name], compression=None  # type: ignore[list-item]
    ) as ws:
        data = c.encode(message)
        await ws.send(data if c.binary else data.decode())
        frame = await ws.recv()
        reply = json_or_msgpack(frame)
    if reply.get("type") != "room_created":
        raise ClientError(str(reply.get("message", "")), code=str(reply.get("code")))
    return str(reply["code"]), str(reply["host_token"])


def json_or_msgpack(frame: str | bytes) -> dict[str, Any]:
    """Decode a server frame: text frames are JSON, binary frames msgpack."""
    value = json.loads(frame) if isinstance(frame, str) else msgpack.unpackb(frame, raw=False)
    if not isinstance(value, dict):
        raise ClientError("the server sent something that is not a map", code="client/bad_frame")
    return value
