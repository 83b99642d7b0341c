"""The MQTT bridge: a lossy, public fan-out of every room, plus commands from table gadgets.

:class:`Bridge` runs one task that connects to the broker (aiomqtt 2.x, MQTT 3.1.1) and, while
connected, a writer and a reader:

* the writer publishes what :class:`~cibo.transports.mqtt.outbox.Outbox` holds: each room's
  public events to ``<prefix>/<code>/events`` (``{"seq", "event"}``, QoS 1), its public state
  retained at ``<prefix>/<code>/state`` (``{"seq", "state"}``), its status retained at
  ``<prefix>/<code>/status`` (``open``/``closed``), and the server's status retained at
  ``<prefix>/status`` (``online``; the last will says ``offline``);
* the reader takes device commands from ``<prefix>/<code>/cmd/<device>`` and runs those the
  device file allows through the room, like any other command; the outcome goes to
  ``<prefix>/<code>/result/<device>``.

The game never waits for the broker. Rooms only append to the outbox; when the broker is down,
slow or refuses the credentials the bridge retries with backoff (0.5 s doubling to 10 s, with
jitter) and :attr:`Bridge.status` and the ``cibo.mqtt`` log say so. After a reconnect it
subscribes again, publishes every retained message again and continues from each room's cursor.
Consumers dedupe events by ``seq``; one that notices a gap (the state's ``seq`` is ahead of the
last event it has) can ask for a replay as a listed device.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import secrets
import time
from collections import deque
from typing import Any, Literal

import aiomqtt
from aiomqtt.exceptions import MqttConnectError
from attrs import frozen

from cibo.protocol import JSON, MSGPACK
from cibo.transports.mqtt.discovery import sensor_configs
from cibo.transports.mqtt.inbox import DeviceInbox
from cibo.transports.mqtt.outbox import Outbox, Publish, Topics
from cibo.transports.mqtt.settings import MqttSettings
from cibo.transports.mqtt.source import BridgeSource, RoomFeed

__all__ = ["Bridge", "BridgeStatus", "State"]

log = logging.getLogger("cibo.mqtt")

State = Literal["starting", "connecting", "online", "denied", "offline", "refused", "stopped"]
ECHO_WAIT = 5.0
"""Seconds after connecting within which our own ``online`` must come back (else: ``denied``)."""
WINDOW = 32
"""Messages published but not yet acknowledged by the broker, at most."""


@frozen
class BridgeStatus:
    """What the bridge is doing, for logs and the server's status display."""

    state: State
    detail: str
    since: float
    """Wall-clock time of the last change."""
    queued: int = 0
    dropped: int = 0
    lost: int = 0
    published: int = 0

    @property
    def ok(self) -> bool:
        return self.state == "online"

    def line(self) -> str:
        extra = f", {self.queued} queued" if self.queued else ""
        if self.dropped or self.lost:
            extra += f", {self.dropped} dropped ({self.lost} lost)"
        return f"MQTT bridge {self.state}: {self.detail}{extra}"


class _QuietPaho(logging.Filter):
    """paho reports every broken socket as an error; the bridge reports the outage itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno = logging.DEBUG
        record.levelname = "DEBUG"
        return log.isEnabledFor(logging.DEBUG)


_PAHO_LOG = logging.getLogger("cibo.mqtt.paho")
_PAHO_LOG.addFilter(_QuietPaho())


class Bridge:
    """Publishes the public side of every room and takes commands from listed devices.

    Run :meth:`run` as a task; :meth:`aclose` flushes what is queued (briefly), publishes
    ``offline`` and ends it.
    """

    def __init__(self, settings: MqttSettings, source: BridgeSource) -> None:
        self.settings = settings
        self.source = source
        self.topics = Topics(settings.prefix)
        codec = JSON if settings.format == "json" else MSGPACK
        discovery = (
            functools.partial(_discovery, settings.prefix, settings.ha_prefix)
            if settings.ha
            else None
        )
        self.outbox = Outbox(
            self.topics, codec.encode, queue_size=settings.queue_size, discovery=discovery
        )
        self._wake = asyncio.Event()
        self.outbox.on_change = self._wake.set
        self._stopping = asyncio.Event()
        self._state: State = "starting"
        self._detail = settings.url
        self._since = time.time()
        self._synced = False
        self._echoed = True
        self._echo_deadline = 0.0
        self.inbox = DeviceInbox(settings, self.topics, self.outbox)
        self._runner: asyncio.Task[None] | None = None

    # -- status ---------------------------------------------------------------------------------

    @property
    def status(self) -> BridgeStatus:
        box = self.outbox
        return BridgeStatus(
            self._state,
            self._detail,
            self._since,
            queued=box.pending,
            dropped=box.dropped,
            lost=box.lost,
            published=box.published,
        )

    def _set_state(self, state: State, detail: str, level: int = logging.INFO) -> None:
        if (state, detail) == (self._state, self._detail):
            return
        self._state, self._detail, self._since = state, detail, time.time()
        log.log(level, "%s", self.status.line())

    # -- rooms ----------------------------------------------------------------------------------

    def sync_rooms(self) -> None:
        """Follow rooms that opened, and close those that ended (called every poll)."""
        feeds: dict[str, RoomFeed] = {f.code: f for f in self.source.open_rooms()}
        box = self.outbox
        for code, track in list(box.tracks.items()):
            if not track.closing and (code not in feeds or track.feed.closed):
                box.close(code)
        for code, feed in feeds.items():
            if code not in box.tracks:
                box.open(feed, from_start=self._synced)
        self._synced = True

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.settings.poll_interval)
            try:
                self.sync_rooms()
            except Exception:
                log.exception("MQTT bridge: looking at the rooms failed")

    # -- running --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and publish until :meth:`aclose` (or cancellation)."""
        self._runner = asyncio.current_task()
        self.sync_rooms()
        watcher = asyncio.get_running_loop().create_task(self._watch(), name="cibo-mqtt-rooms")
        try:
            await self._connect_forever()
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, self.inbox.aclose(), return_exceptions=True)
            for track in list(self.outbox.tracks.values()):
                if track.listener is not None:
                    track.feed.detach(track.listener)
            self._set_state("stopped", self.settings.url)

    async def aclose(self, timeout: float = 3.0) -> None:
        """Publish the rooms' last news and ``offline``, disconnect and end :meth:`run`."""
        with contextlib.suppress(Exception):
            self.sync_rooms()
        self._stopping.set()
        self._wake.set()
        runner = self._runner
        if runner is None or runner.done():
            return
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(runner)
        except TimeoutError:
            log.warning("MQTT bridge: the broker did not take the last messages in time")
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        except asyncio.CancelledError:
            if not runner.done():
                runner.cancel()
            raise

    def _client(self) -> aiomqtt.Client:
        s = self.settings
        client = aiomqtt.Client(
            s.host,
            s.port,
            username=s.username,
            password=s.password,
            identifier=s.client_id or f"cibo-{secrets.token_hex(4)}",
            will=aiomqtt.Will(self.topics.status, b"offline", qos=1, retain=True),
            clean_session=True,
            keepalive=s.keepalive,
            timeout=s.timeout,
            tls_context=s.tls_context(),
            logger=_PAHO_LOG,
            max_inflight_messages=WINDOW,
        )
        client.pending_calls_threshold = WINDOW + 16  # aiomqtt warns above it
        return client

    async def _connect_forever(self) -> None:
        s = self.settings
        delay = s.backoff_min
        while not self._stopping.is_set():
            self._set_state("connecting", s.url, logging.DEBUG)
            client: aiomqtt.Client | None = None
            try:
                client = self._client()
                async with client:
                    delay = s.backoff_min
                    await self._serve(client)
                if self._stopping.is_set():
                    return
                problem = "the connection ended"
                state: State = "offline"
            except MqttConnectError as exc:
                state, problem = "refused", f"{s.url} refused the bridge: {exc}"
            except aiomqtt.MqttError as exc:
                state, problem = "offline", f"{s.url}: {exc}"
            except Exception as exc:  # a bug must not end the bridge for the whole evening
                log.exception("MQTT bridge: unexpected failure")
                state, problem = "offline", f"{s.url}: internal error ({exc!r})"
            if client is not None:
                _discard(client)
            if self._stopping.is_set():
                return
            wait = delay * (0.75 + random.random() / 2)
            self._set_state(
                state, f"{problem}; retrying every {delay:.1f} s or so, play goes on",
                logging.WARNING,
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._stopping.wait()
            delay = min(delay * 2, s.backoff_max)

    async def _serve(self, client: aiomqtt.Client) -> None:
        """One connection: subscribe, say ``online``, then read and write until it breaks."""
        topics = self.topics
        await client.subscribe(topics.commands, qos=1)
        await client.subscribe(topics.status, qos=1)
        self._echoed = False
        self._echo_deadline = time.monotonic() + ECHO_WAIT
        await client.publish(topics.status, b"online", qos=1, retain=True)
        self.outbox.connected()
        self._set_state("online", f"{self.settings.url}, topics {topics.prefix}/#")
        loop = asyncio.get_running_loop()
        reader = loop.create_task(self._read(client), name="cibo-mqtt-reader")
        writer = loop.create_task(self._write(client), name="cibo-mqtt-writer")
        try:
            done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
        for task in done:
            exc = task.exception()
            if exc is not None:
                raise exc
        if self._stopping.is_set():
            await client.publish(topics.status, b"offline", qos=1, retain=True)

    async def _write(self, client: aiomqtt.Client) -> None:
        """Publish until there is nothing left and the bridge is stopping.

        Up to :data:`WINDOW` messages are in flight at once (QoS 1, in order on the one
        connection); if the connection breaks, those not acknowledged go back to the outbox.
        """
        box = self.outbox
        timeout = self.settings.timeout
        loop = asyncio.get_running_loop()
        inflight: deque[tuple[Publish, asyncio.Task[None]]] = deque()
        try:
            while True:
                while len(inflight) < WINDOW and (item := box.next()) is not None:
                    task = loop.create_task(client.publish(
                        item.topic, item.payload, qos=1, retain=item.retain, timeout=timeout
                    ))
                    item.commit()
                    inflight.append((item, task))
                if inflight:
                    await inflight[0][1]
                    inflight.popleft()
                    continue
                if self._stopping.is_set():
                    return
                self._wake.clear()
                self._check_echo()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self._wake.wait()
        finally:
            if inflight:
                box.unsent(item for item, _ in inflight)
                for _, task in inflight:
                    task.cancel()
                await asyncio.gather(*(task for _, task in inflight), return_exceptions=True)

    def _check_echo(self) -> None:
        if self._echoed or self._state != "online" or time.monotonic() < self._echo_deadline:
            return
        user = self.settings.username or "(anonymous)"
        self._set_state(
            "denied",
            f"connected to {self.settings.url}, but our own messages do not come back: "
            f"check that the broker's ACL lets {user} write and read {self.topics.prefix}/#",
            logging.WARNING,
        )

    async def _read(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic = message.topic.value
            payload = message.payload if isinstance(message.payload, bytes) else b""
            if topic == self.topics.status:
                if not message.retain and payload == b"online" and not self._echoed:
                    self._echoed = True
                    if self._state == "denied":
                        self._set_state("online", f"{self.settings.url}, topics "
                                        f"{self.topics.prefix}/#")
                continue
            self.on_device_message(topic, payload)

    # -- devices --------------------------------------------------------------------------------

    def on_device_message(self, topic: str, payload: bytes) -> None:
        """Check a message on a command topic and, if the device may, run it in its room."""
        self.inbox.on_message(topic, payload)


def _discard(client: aiomqtt.Client) -> None:
    """Close what a failed connection attempt left behind.

    aiomqtt 2.5 keeps the socket of an attempt whose CONNACK did not come in time. When the
    broker was only stalled it answers later, and that forgotten connection lives on with our
    last will: once it drops, the broker would announce ``offline`` while the bridge is online
    on its next connection. A DISCONNECT ends it cleanly. (This reaches into aiomqtt's client;
    on a connection that already ended it does nothing.)
    """
    disconnected = getattr(client, "_disconnected", None)
    if isinstance(disconnected, asyncio.Future):
        disconnected.add_done_callback(_retrieved)
    paho = getattr(client, "_client", None)
    if paho is not None:
        with contextlib.suppress(Exception):
            paho.disconnect()


def _retrieved(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()  # the outcome of a discarded connection is of no interest


def _discovery(prefix: str, ha_prefix: str, code: str, state: Any) -> list[tuple[str, Any]]:
    return sensor_configs(prefix=prefix, ha_prefix=ha_prefix, code=code, state=state)
