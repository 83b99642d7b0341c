"""The WebSocket endpoint ``/ws`` and the HTTP routes, on one port (websockets 17 asyncio API).

This module is thin: it checks the opening handshake (Host, Origin, connection caps, join
lockout), decodes frames with the connection's codec, parses them into protocol messages,
enforces the per-connection rate limit, and hands the messages to a room. Rooms send through a
:class:`WsPeer`, which drops a client whose unsent backlog exceeds a bound instead of buffering
without limit (``transport.abort()``: a graceful close would wait for the drain).

Handshake checks, in order (each refusal is a plain HTTP response, so browsers see close 1006):

* ``Host`` must be one of the addresses the server advertises or binds (DNS rebinding): 403;
* for ``/ws``, an ``Origin``, when sent, must be ``http(s)://`` + that same ``Host``
  (cross-site WebSocket hijacking): 403. Clients that send none (bots) are accepted;
* the address must not be locked out for failed joins: 429;
* connections per address and in total are capped: 503.

The HTTP routes that take a room code (:meth:`StaticSite.takes_code
<cibo.transports.http.StaticSite.takes_code>`: the join QR code, a logged game) share the
failed-join lockout: each 404 there counts as a failed join, and a locked-out address gets 429
from them too. Every response, including those websockets makes itself (426 for a ``/ws``
request without an upgrade, 414 and 431 for oversized requests), carries the site's security
headers (:func:`~cibo.transports.http.secure`, applied by :class:`SecureConnection`).

After the handshake: frames above ``max_frame`` bytes are closed with 1009 by websockets; more
than ``rate`` messages per second (burst ``burst``) closes with 1008; ``max_errors`` unreadable
messages close with 1008; everything else that is wrong gets an ``error`` message.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import struct
import time
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import urlsplit

from attrs import frozen
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.typing import StatusLike, Subprotocol

from cibo.journal.errors import JournalError
from cibo.protocol import (
    SUBPROTOCOLS,
    CloseCode,
    Cmd,
    Codec,
    Control,
    CreateRoom,
    Hello,
    JoinLockout,
    Limits,
    Ping,
    ProtocolError,
    Sync,
    Texts,
    TokenBucket,
    close_code_for,
    error_message,
    outbound,
    parse_client,
)
from cibo.protocol.codecs import EncodeMemo, JsonCodec, MsgpackCodec
from cibo.rooms import Registry, Room, RoomRefused, normalize_code
from cibo.transports.http import StaticSite, secure, text_response
from cibo.transports.keepalive import HeardConnection, Keepalive, close_later

__all__ = ["GameServer", "ServerLimits", "WsPeer"]

log = logging.getLogger("cibo.transports.websocket")

_HEADER_16 = struct.Struct("!BBH").pack
"""A frame header with a 16-bit length (126 to 65,535 bytes)."""
_HEADER_64 = struct.Struct("!BBQ").pack
"""A frame header with a 64-bit length."""


@frozen
class ServerLimits:
    """Limits of the WebSocket endpoint. The defaults suit a game night."""

    max_frame: int = 16 * 1024
    """Largest incoming message, in bytes (close 1009 above it)."""
    rate: float = 10.0
    """Messages per second a connection may send on average..."""
    burst: float = 20.0
    """...and in a burst (then close 1008)."""
    max_errors: int = 10
    """Unreadable or invalid messages a connection may send before it is closed (1008)."""
    max_connections: int = 1024
    max_per_address: int = 16
    join_failures: int = 10
    """Failed joins (unknown code, bad token) per address within ``join_window`` s..."""
    join_window: float = 60.0
    join_lock: float = 60.0
    """...lock the address out for this long."""
    backlog: int = 1 << 20
    """Bytes not yet sent to one client before it is dropped (it resyncs when it comes back)."""
    ping_interval: float | None = 5.0
    """Seconds a connection may be quiet before it is pinged (None: never; see
    :class:`~cibo.transports.keepalive.Keepalive`). Longer than the browser clients' own
    heartbeat (4 s, ``HEARTBEAT_MS`` in clients/shared/protocol.js), so that a healthy phone
    or table is never pinged..."""
    ping_timeout: float = 3.0
    """...and then has to answer before it is closed."""
    close_timeout: float = 2.0
    """A frozen phone is noticed about interval + timeout + close = 10 s after its last frame
    (and up to two keepalive ticks, 0.75 s at these values)."""
    open_timeout: float = 5.0
    """Seconds allowed for the opening handshake (slowloris)."""


class WsPeer:
    """A room's handle on one connection: encode with its codec, send without blocking.

    :meth:`send` frames a message and keeps it; :meth:`flush` writes what was kept to the
    socket with one ``transport.write``. A room sends a whole batch (an update, then the result
    of its command) and flushes each peer once: one system call per client per batch.

    The frames are made here rather than by websockets' protocol (``send_text``), which builds
    a frame object per message: a server's frame is a 2-, 4- or 10-byte header (final, text or
    binary, unmasked, no extension: ``compression=None``) and the payload, and data frames
    change nothing in the protocol's state. Frames are only made while the protocol is OPEN,
    and written before anything can close it (a room sends and flushes without yielding).
    """

    __slots__ = (
        "_backlog", "_conn", "_dead", "_opcode", "_out", "_tasks", "_text", "codec",
        "codec_key",
    )

    def __init__(
        self,
        conn: ServerConnection,
        codec: Codec,
        backlog: int,
        tasks: set[asyncio.Task[None]],
    ) -> None:
        self._conn = conn
        self.codec = codec
        self.codec_key = codec.name
        self._text = not codec.binary
        self._opcode = 0x81 if self._text else 0x82  # FIN + text (1) or binary (2)
        self._backlog = backlog
        self._dead = False
        self._out: list[bytes] = []
        self._tasks = tasks

    def encode(self, message: Any, memo: EncodeMemo | None = None) -> bytes:
        if memo is None:
            return self.codec.encode(message)
        return self.codec.encode_shared(message, memo)

    def send(self, frame: bytes) -> None:
        if self._dead:
            return
        conn = self._conn
        transport = conn.transport
        if transport.get_write_buffer_size() > self._backlog:
            # A graceful close would wait for the backlog to drain, i.e. forever.
            self._dead = True
            self._out.clear()
            log.info("dropping %s: it stopped reading", conn.remote_address)
            transport.abort()
            return
        protocol = conn.protocol
        if protocol.state is not State.OPEN:
            return
        if protocol.extensions:  # never with compression=None; websockets knows how, then
            try:
                if self._text:
                    protocol.send_text(frame)
                else:
                    protocol.send_binary(frame)
                self._out.extend(protocol.data_to_send())
            except Exception as exc:  # the connection is closing: nothing to do
                log.debug("not sent to %s: %s", conn.remote_address, exc)
            return
        size = len(frame)
        if size < 126:
            header = bytes((self._opcode, size))
        elif size < 65536:
            header = _HEADER_16(self._opcode, 126, size)
        else:
            header = _HEADER_64(self._opcode, 127, size)
        self._out.append(header)
        self._out.append(frame)

    def flush(self) -> None:
        out = self._out
        if out:
            data = b"".join(out)
            out.clear()
            try:
                self._conn.transport.write(data)
            except Exception as exc:
                log.debug("not sent to %s: %s", self._conn.remote_address, exc)

    def send_message(self, message: Any) -> None:
        """Send one message now (the transport's own answers: pong, errors, bye)."""
        self.send(self.codec.encode(message))
        self.flush()

    def mute(self) -> None:
        """Send nothing more (the connection is about to be closed by its handler)."""
        self._dead = True

    def close(self, reason: str) -> None:
        self.flush()
        if self._dead:
            return
        self._dead = True
        close_later(self._conn, close_code_for(reason), reason, self._tasks)


class SecureConnection(HeardConnection):
    """A server connection whose refusals all carry the security headers (and that notes when
    its client last sent anything, for the :class:`~cibo.transports.keepalive.Keepalive`).

    websockets writes some responses itself, before or instead of ``process_request``: 426 for
    a ``GET /ws`` without an upgrade, 414/431 for a request line or headers too long, 503 while
    the server shuts down. All of them are made by the protocol's ``reject``, which is wrapped
    here, once per connection.
    """

    def __init__(self, protocol: ServerProtocol, *args: Any, **kwargs: Any) -> None:
        plain = protocol.reject

        def reject(status: StatusLike, text: str) -> Response:
            return secure(plain(status, text))

        protocol.reject = reject  # type: ignore[method-assign]
        super().__init__(protocol, *args, **kwargs)


def _address(conn: ServerConnection) -> str:
    try:
        return str(conn.remote_address[0])
    except (TypeError, IndexError):
        return "?"


class GameServer:
    """The game's port: HTTP routes and ``/ws``, over a :class:`~cibo.rooms.Registry`.

    Args:
        registry: the rooms.
        site: answers plain HTTP requests (None: 404 for everything but ``/ws``).
        limits: see :class:`ServerLimits`.
        allowed_hosts: accepted ``Host`` values (``host:port``, lower case); add more with
            :meth:`allow_host` once the port is known.
    """

    def __init__(
        self,
        registry: Registry,
        *,
        site: StaticSite | None = None,
        limits: ServerLimits = ServerLimits(),
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.registry = registry
        self.site = site
        self.limits = limits
        self.allowed_hosts: set[str] = {h.lower() for h in allowed_hosts}
        self.lockout = JoinLockout(limits.join_failures, limits.join_window, limits.join_lock)
        self.per_address: dict[str, int] = {}
        self.connections = 0
        self.codecs: dict[str, Codec] = {
            c.name: c
            for c in (
                JsonCodec(Limits(max_bytes=limits.max_frame)),
                MsgpackCodec(Limits(max_bytes=limits.max_frame)),
            )
        }
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self.keepalive = (
            None
            if limits.ping_interval is None
            else Keepalive(limits.ping_interval, limits.ping_timeout, self._tasks)
        )

    def allow_host(self, host: str, port: int) -> None:
        """Accept ``Host: host:port`` (and bare ``host`` when the port is 80)."""
        name = host.lower()
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"  # IPv6 literal
        self.allowed_hosts.add(f"{name}:{port}")
        if port == 80:
            self.allowed_hosts.add(name)

    def serve(self, host: str | Iterable[str] | None, port: int, **kwargs: Any) -> Server:
        """The websockets server (an awaitable async context manager)."""
        lim = self.limits
        return serve(
            self.handler,
            host,  # type: ignore[arg-type]  # create_server accepts a sequence of hosts
            port,
            process_request=self.process_request,
            create_connection=SecureConnection,
            subprotocols=[Subprotocol(s) for s in SUBPROTOCOLS],
            select_subprotocol=self._select_subprotocol,
            compression=None,
            max_size=lim.max_frame,
            ping_interval=None,  # one Keepalive for every connection instead of a task each
            close_timeout=lim.close_timeout,
            open_timeout=lim.open_timeout,
            server_header=None,
            **kwargs,
        )

    @staticmethod
    def _select_subprotocol(
        conn: ServerConnection, offered: Any
    ) -> Subprotocol | None:
        for name in SUBPROTOCOLS:  # the server's preference wins: msgpack, then JSON
            if name in offered:
                return Subprotocol(name)
        return None  # offered none we know: JSON, without a subprotocol header

    # -- the opening handshake ------------------------------------------------------------------

    async def process_request(
        self, conn: ServerConnection, request: Request
    ) -> Response | None:
        hosts = request.headers.get_all("Host")
        host = hosts[0].lower() if len(hosts) == 1 else ""
        if host not in self.allowed_hosts:
            return text_response(HTTPStatus.FORBIDDEN, "Unknown host\n")
        path = request.path.split("?", 1)[0]
        if path != "/ws":
            return await self._http(conn, request, path)
        origins = request.headers.get_all("Origin")
        if len(origins) > 1:
            return text_response(HTTPStatus.FORBIDDEN, "Foreign origin\n")
        if origins:
            parts = urlsplit(origins[0])
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != host:
                return text_response(HTTPStatus.FORBIDDEN, "Foreign origin\n")
        address = _address(conn)
        if self.lockout.locked(address, time.monotonic()):
            return text_response(HTTPStatus.TOO_MANY_REQUESTS, "Too many failed joins\n")
        if not self._has_room_for(address):
            return text_response(HTTPStatus.SERVICE_UNAVAILABLE, "Too many connections\n")
        return None

    async def _http(self, conn: ServerConnection, request: Request, path: str) -> Response:
        """A plain HTTP route; those that take a room code count toward the join lockout."""
        site = self.site
        if site is None:
            return text_response(HTTPStatus.NOT_FOUND, "Not found\n")
        method = getattr(request, "method", "GET")
        guarded = site.takes_code(path)
        address = _address(conn)
        if guarded and self.lockout.locked(address, time.monotonic()):
            return text_response(HTTPStatus.TOO_MANY_REQUESTS, "Too many failed joins\n")
        response = await site.respond_async(method, request.path)
        missed = guarded and response.status_code == HTTPStatus.NOT_FOUND
        if missed and self.lockout.fail(address, time.monotonic()):
            log.warning("%s locked out after repeated requests for unknown rooms", address)
        return response

    def _has_room_for(self, address: str) -> bool:
        return (
            self.connections < self.limits.max_connections
            and self.per_address.get(address, 0) < self.limits.max_per_address
        )

    # -- a connection ---------------------------------------------------------------------------

    async def handler(self, conn: ServerConnection) -> None:
        address = _address(conn)
        if not self._has_room_for(address):  # the caps are checked again: handshakes overlap
            await conn.close(CloseCode.TRY_AGAIN, "too many connections")
            return
        self.connections += 1
        self.per_address[address] = self.per_address.get(address, 0) + 1
        keepalive = self.keepalive
        heard = cast(HeardConnection, conn)  # made by create_connection=SecureConnection
        if keepalive is not None:
            keepalive.add(heard)
        try:
            await _Connection(self, conn, address).run()
        finally:
            if keepalive is not None:
                keepalive.discard(heard)
            self.connections -= 1
            left = self.per_address[address] - 1
            if left:
                self.per_address[address] = left
            else:
                del self.per_address[address]

    async def close_tasks(self) -> None:
        """Stop the keepalive; wait for the closing handshakes started by peers and by it."""
        if self.keepalive is not None:
            await self.keepalive.aclose()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class _Connection:
    """One client connection: decode, parse, rate-limit, dispatch."""

    def __init__(self, server: GameServer, conn: ServerConnection, address: str) -> None:
        self.server = server
        self.conn = conn
        self.address = address
        self.client = next(server._ids)
        codec = server.codecs.get(conn.subprotocol or "cibo.v1.json", server.codecs["cibo.v1.json"])
        self.codec = codec
        self.peer = WsPeer(conn, codec, server.limits.backlog, server._tasks)
        lim = server.limits
        self.bucket = TokenBucket(lim.rate, lim.burst, time.monotonic())
        self.errors = 0
        self.room: Room | None = None
        self.tried: set[Room] = set()
        self.closing: str | None = None

    async def run(self) -> None:
        try:
            async for frame in self.conn:
                if not self.bucket.take(time.monotonic()):
                    self.bye("protocol/rate_limited")
                    break
                try:
                    message = parse_client(self.codec.decode(frame))
                except ProtocolError as exc:
                    if not self.error(exc.code):
                        break
                    continue
                if not await self.dispatch(message):
                    break
        except ConnectionClosed:
            pass
        finally:
            for room in self.tried:
                await room.leave(self.client)
        if self.closing is not None:
            await self.conn.close(close_code_for(self.closing), self.closing)

    def send(self, message: dict[str, Any]) -> None:
        self.peer.send_message(message)

    def error(self, code: str) -> bool:
        """Tell the client; False once it has made too many mistakes (and is being closed)."""
        self.errors += 1
        if self.errors > self.server.limits.max_errors:
            self.bye("protocol/too_many_errors")
            return False
        self.send(outbound.error(code, error_message(code)))
        return True

    def bye(self, reason: str) -> None:
        """Say why, then close (after the read loop ends) with the reason's close code."""
        self.send(outbound.bye(reason, error_message(reason)))
        self.peer.mute()
        self.closing = reason

    async def dispatch(self, message: Any) -> bool:
        """Handle one message; False when the connection is being closed."""
        if isinstance(message, Ping):
            self.send(outbound.pong(message.t))
            return True
        if isinstance(message, CreateRoom):
            await self.create_room(message)
            return True
        room = self.room
        if room is None:
            if isinstance(message, Hello):
                return await self.hello(message)
            return self.error("protocol/hello_first")
        if isinstance(message, Cmd):
            await room.command(self.client, message.cmd_id, message.command, message.seen_seq)
        elif isinstance(message, Control) and message.action == "next_game":
            await self.server.registry.next_game(
                room, self.client, message.cmd_id, owner=self.address
            )
        elif isinstance(message, Control):
            await room.control(self.client, message.cmd_id, message.action, message.seat)
        elif isinstance(message, Sync):
            await room.sync(self.client, message.last_seq)
        elif isinstance(message, Texts):
            found = room.texts(message.lang)
            if found is None:
                return self.error("protocol/no_such_language")
            self.send(outbound.texts(room.ruleset_id, message.lang, found))
        else:  # a second hello
            return self.error("protocol/already_joined")
        return True

    async def create_room(self, message: CreateRoom) -> None:
        try:
            room, host_token = await self.server.registry.create(
                message.ruleset, message.difficulty, owner=self.address
            )
        except RoomRefused as exc:
            self.send(outbound.error(exc.code, exc.message))
            return
        except JournalError as exc:
            log.error("cannot create a room: %s", exc.message)
            self.send(outbound.error("room/failed", error_message("room/failed")))
            return
        self.send(outbound.room_created(room.code, host_token))

    async def hello(self, message: Hello) -> bool:
        server = self.server
        now = time.monotonic()
        if server.lockout.locked(self.address, now):
            self.bye("join/too_many_attempts")
            return False
        code = normalize_code(message.code)
        room = server.registry.get(code) if code is not None else None
        gone = server.registry.unavailable.get(code) if room is None and code else None
        if gone is not None:
            return self.failed_join(gone, error_message(gone), False)
        if room is None:
            return self.failed_join("join/no_such_room", error_message("join/no_such_room"), True)
        self.tried.add(room)
        outcome = await room.join(
            self.client,
            self.peer,
            role=message.role,
            name=message.name,
            token=message.token,
            host_token=message.host_token,
            last_seq=message.last_seq,
            stages=message.stages,
            lang=message.lang,
        )
        if outcome.ok:
            self.room = room
            return True
        return self.failed_join(outcome.code, outcome.message, outcome.failure)

    def failed_join(self, code: str, text: str, counts: bool) -> bool:
        self.send(outbound.error(code, text))
        if counts and self.server.lockout.fail(self.address, time.monotonic()):
            log.warning("%s locked out after repeated failed joins", self.address)
            self.bye("join/too_many_attempts")
            return False
        return True
