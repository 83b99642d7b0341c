"""One keepalive for every connection: ping the quiet ones, close those that never answer.

websockets' own keepalive runs a task per connection that pings it every ``interval`` seconds
whatever it does, and waits for each pong with a future and a timer. At 2,000 connections and
a 4-s interval that is 500 pings a second, each costing the event loop two task steps, a timer,
a future and the pong's read (docs/performance-peers.md: 13 % of the server's CPU at the peer
bench's scenario *c*). But a ping only asks whether the client is still there, and any frame
it sends answers that as well as a pong: the phones and the table send a heartbeat of their own
every 4 s (the server's interval is longer), and the players send commands. So one task
sweeps every connection each :attr:`Keepalive.tick` seconds:

* a connection heard from within ``interval`` seconds is left alone;
* a quiet one is sent a ping (an empty Ping frame, written as :class:`WsPeer
  <cibo.transports.websocket.WsPeer>` writes its frames; websockets answers the client's pong
  by ignoring it, as it does any pong it did not ask for);
* one still silent ``timeout`` seconds after its ping is closed with 1011 "keepalive ping
  timeout", as websockets would; its handler then ends as for any closed connection.

A frozen phone is thus noticed ``interval + timeout`` seconds after its last frame, plus up to
two ticks, plus the closing handshake's ``close_timeout``. A client that keeps sending but
never reads is alive by this test; the backlog bound drops it instead (``WsPeer.send``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.protocol import State

from cibo.protocol import CloseCode

__all__ = ["HeardConnection", "Keepalive", "close_later"]

log = logging.getLogger("cibo.transports.keepalive")

PING = b"\x89\x00"
"""A server's Ping frame with no payload: FIN + opcode 9, unmasked, length 0."""
TIMEOUT_REASON = "keepalive ping timeout"
_CLOSED = float("inf")
"""When a connection being closed was "pinged": never answered, never given up on again."""


def close_later(
    conn: ServerConnection, code: int, reason: str, tasks: set[asyncio.Task[None]]
) -> None:
    """Start ``conn``'s closing handshake (``code``, ``reason``) without waiting for it; its task
    is kept in ``tasks`` until it ends, for the server to wait on as it stops."""
    task = asyncio.get_running_loop().create_task(conn.close(code, reason))
    tasks.add(task)
    task.add_done_callback(tasks.discard)


class HeardConnection(ServerConnection):
    """A websockets server connection that notes when its client last sent anything.

    :attr:`heard` is the event loop's clock (``loop.time()``) when bytes last arrived: a frame,
    a part of one, a pong. Set when the connection is made, so a client that never sends is
    quiet from its handshake on.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heard = self.loop.time()

    def data_received(self, data: bytes) -> None:
        self.heard = self.loop.time()
        super().data_received(data)


class Keepalive:
    """Pings the quiet connections among those :meth:`add`-ed; closes the ones that never answer.

    Args:
        interval: seconds a connection may be quiet before it is pinged.
        timeout: seconds a pinged connection has to send anything (its pong) before it is closed.
        tasks: where the closing handshakes' tasks are kept (the server waits for them).

    The sweeping task runs only while there are connections, and :meth:`aclose` stops it.
    ``sent`` and ``closed`` count the pings sent and the connections closed, since the start.
    """

    def __init__(self, interval: float, timeout: float, tasks: set[asyncio.Task[None]]) -> None:
        if interval <= 0 or timeout <= 0:
            raise ValueError("the keepalive's interval and timeout must be positive")
        self.interval = interval
        self.timeout = timeout
        self.tick = min(interval, timeout) / 8
        """Seconds between sweeps: a ping or a close is at most this late."""
        self.sent = 0
        self.closed = 0
        self._tasks = tasks
        self._conns: dict[HeardConnection, None] = {}
        self._pinged: dict[HeardConnection, float] = {}
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._conns)

    @property
    def watched(self) -> frozenset[HeardConnection]:
        """The connections being watched now (a copy: adding or discarding does not change it)."""
        return frozenset(self._conns)

    @property
    def sweeping(self) -> bool:
        """Whether the sweeping task is running (it runs only while there are connections)."""
        return self._task is not None

    def add(self, conn: HeardConnection) -> None:
        """Watch ``conn`` (an open connection) from now on."""
        self._conns[conn] = None
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def discard(self, conn: HeardConnection) -> None:
        """Stop watching ``conn`` (it closed)."""
        self._conns.pop(conn, None)
        self._pinged.pop(conn, None)

    async def aclose(self) -> None:
        """Stop sweeping (the server is closing)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._conns:
            await asyncio.sleep(self.tick)
            try:
                self.sweep(loop.time())
            except Exception:  # a bug here must not leave every connection unwatched
                log.exception("keepalive sweep failed")
        self._task = None

    def sweep(self, now: float) -> None:
        """Close the pinged connections silent for ``timeout``; ping those quiet for ``interval``.

        ``now`` is the event loop's clock, the one :attr:`HeardConnection.heard` is read on.
        """
        pinged = self._pinged
        if pinged:
            gave_up = now - self.timeout
            for conn, sent in list(pinged.items()):
                if conn.heard > sent:  # its pong, or anything else: alive
                    del pinged[conn]
                elif sent <= gave_up:
                    pinged[conn] = _CLOSED  # neither pinged nor closed again; discard() forgets it
                    self._close(conn)
        quiet = now - self.interval
        for conn in self._conns:
            if conn.heard <= quiet and conn not in pinged and conn.protocol.state is State.OPEN:
                transport = conn.transport
                if not transport.is_closing():
                    transport.write(PING)
                    pinged[conn] = now
                    self.sent += 1

    def _close(self, conn: HeardConnection) -> None:
        if conn.protocol.state is not State.OPEN:
            return  # already closing: its handler ends with the connection
        self.closed += 1
        log.info("closing %s: it did not answer a ping", conn.remote_address)
        close_later(conn, CloseCode.INTERNAL, TIMEOUT_REASON, self._tasks)
