"""Commands from table gadgets: the MQTT bridge's inbound half.

A listed device publishes ``{"cmd_id", "command"}`` to ``<prefix>/<code>/cmd/<device>``;
:class:`DeviceInbox` checks the topic, the device file's allowlist, a token bucket per device and
the payload, runs an allowed command in its room (like any other command) and publishes the
outcome to ``<prefix>/<code>/result/<device>``. A resent ``cmd_id`` is answered again, never run
again. Nothing here waits for the broker: results go through the bridge's outbox.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from typing import Any

from cibo.protocol import TokenBucket
from cibo.rooms import ResultCache
from cibo.rooms.steps import DEVICE_CMD_ID
from cibo.transports.mqtt.devices import (
    Device,
    DeviceMessage,
    PayloadError,
    complete_command,
    parse_payload,
)
from cibo.transports.mqtt.outbox import Outbox, Topics
from cibo.transports.mqtt.settings import MqttSettings
from cibo.transports.mqtt.source import CommandOutcome, RoomFeed

__all__ = ["CURRENT", "MAX_INFLIGHT", "DeviceInbox"]

log = logging.getLogger("cibo.mqtt")

MAX_INFLIGHT = 16
"""Device commands waiting for their room at once; more are refused."""
RECENT = 64
"""``cmd_id`` values remembered per device, to answer resends without asking the room (which
keeps the first result of every applied device command for the whole game)."""
QUIET = 10.0
"""Seconds between two warnings about the same ignored device."""
CURRENT = "current"
"""Room code in a command topic meaning "the only open room" (for gadgets wired once)."""


class DeviceInbox:
    """Runs the commands that listed devices publish; owned by the bridge, one per server."""

    def __init__(self, settings: MqttSettings, topics: Topics, outbox: Outbox) -> None:
        self.settings = settings
        self.topics = topics
        self.outbox = outbox
        self._buckets: dict[str, TokenBucket] = {}
        self._warned: dict[str, float] = {}
        self._recent: dict[str, ResultCache[CommandOutcome | None]] = {}
        """By device, the outcome of each recent ``cmd_id`` (None while it runs)."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)
        self._boot = secrets.token_hex(3)

    async def aclose(self) -> None:
        """Cancel the commands still waiting for their rooms."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def on_message(self, topic: str, payload: bytes) -> None:
        """Check a message on a command topic and, if the device may, run it in its room."""
        parsed = self.topics.parse_command(topic)
        if parsed is None:
            self._ignore(topic, f"ignored a message on {topic}: not a command topic")
            return
        code, name = parsed
        device = self.settings.devices.get(name)
        if device is None:
            self._ignore(
                name, f"ignored a command from unknown device {name!r} on {topic} "
                "(it is not in the --mqtt-devices file)"
            )
            return
        now = time.monotonic()
        rate = self.settings.device_rate
        bucket = self._buckets.setdefault(name, TokenBucket(rate, 2 * rate, now))
        if not bucket.take(now):
            self._ignore(name, f"ignored a command from device {name!r}: it sends too fast")
            return
        try:
            message = parse_payload(payload)
        except PayloadError as exc:
            self._refuse(code, device, None, "device/malformed", str(exc))
            return
        room = self._room_for(code)
        track = self.outbox.tracks.get(room) if room else None
        if track is None or track.closing:
            why = "one open room" if code == CURRENT else f"an open room {code!r}"
            self._refuse(code, device, message.cmd_id, "device/no_such_room",
                         f"there is not exactly {why}")
            return
        if message.replay_after is not None:
            self.outbox.replay(track.code, message.replay_after)
            log.info("device %s asked for room %s's events after %d again",
                     name, code, message.replay_after)
            return
        if not device.allows(message.command):
            self._refuse(code, device, message.cmd_id, "device/not_allowed",
                         f"this device may not send {_describe(message.command)}")
            return
        if len(self._tasks) >= MAX_INFLIGHT:
            self._refuse(code, device, message.cmd_id, "device/busy", "too many commands waiting")
            return
        if message.cmd_id is not None and self._repeated(code, device, message.cmd_id):
            return
        cmd_id = f"{DEVICE_CMD_ID}{name}:{message.cmd_id or f'{self._boot}-{next(self._ids)}'}"
        task = asyncio.get_running_loop().create_task(
            self._command(track.feed, device, code, cmd_id, message)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _repeated(self, code: str, device: Device, cmd_id: str) -> bool:
        """A resend of a ``cmd_id`` this device used lately: answer it again, never rerun it
        (for ``seat = "turn"`` the room would see another seat by then)."""
        recent = self._recent.get(device.name)
        if recent is None:
            recent = self._recent[device.name] = ResultCache(RECENT)
        if cmd_id not in recent:
            recent.put(cmd_id, None)  # running
            return False
        outcome = recent.get(cmd_id)
        if outcome is not None:
            self._result(code, device, cmd_id, outcome)
        return True

    def _room_for(self, code: str) -> str | None:
        if code != CURRENT:
            return code
        open_rooms = [c for c, t in self.outbox.tracks.items() if not t.closing]
        return open_rooms[0] if len(open_rooms) == 1 else None

    async def _command(
        self, feed: RoomFeed, device: Device, code: str, cmd_id: str, message: DeviceMessage
    ) -> None:
        command = message.command
        track = self.outbox.tracks.get(feed.code)
        state = track.state if track is not None else None
        if state is not None:
            command = complete_command(command, device.seat, state)
        try:
            outcome = await feed.device_command(device.seat, cmd_id, command)
        except Exception:
            log.exception("device %s: the command failed in room %s", device.name, code)
            outcome = CommandOutcome(False, "room/failed", "the command failed on the server")
        if message.cmd_id is not None:
            recent = self._recent.get(device.name)
            if recent is not None and message.cmd_id in recent:
                recent.put(message.cmd_id, outcome)
        what = _describe(message.command)
        if outcome.ok:
            log.info("device %s: %s in room %s for seat %s", device.name, what, feed.code,
                     device.seat)
        else:
            log.info("device %s: %s in room %s refused: %s (%s)", device.name, what, feed.code,
                     outcome.message, outcome.code)
        self._result(code, device, message.cmd_id or cmd_id, outcome)

    def _refuse(
        self, code: str, device: Device, cmd_id: str | None, error: str, message: str
    ) -> None:
        log.info("ignored a command from device %s for room %s: %s", device.name, code, message)
        self._result(code, device, cmd_id, CommandOutcome(False, error, message))

    def _result(
        self, code: str, device: Device, cmd_id: str | None, outcome: CommandOutcome
    ) -> None:
        payload: dict[str, Any] = {"cmd_id": cmd_id, "ok": outcome.ok}
        if not outcome.ok:
            payload["error"] = {"code": outcome.code, "message": outcome.message}
        self.outbox.result(self.topics.result(code, device.name), payload)

    def _ignore(self, key: str, message: str) -> None:
        now = time.monotonic()
        if now - self._warned.get(key, -QUIET) >= QUIET:
            self._warned[key] = now
            if len(self._warned) > 1024:
                self._warned.clear()
            log.warning("%s", message)
        else:
            log.debug("%s", message)


def _describe(command: dict[str, Any]) -> str:
    kind = str(command.get("type"))
    action = command.get("action")
    return f"{kind}:{action}" if kind == "act" and action else kind
