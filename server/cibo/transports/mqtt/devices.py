"""Table gadgets: which devices may send which commands, for which seat, and what they send.

The device file is TOML; each ``[devices.<name>]`` table describes one gadget. ``<name>`` is the
last level of its command topic (``cibo/<code>/cmd/<name>``) and, with the broker's ACL
(``pattern write cibo/+/cmd/%u``), its MQTT user name::

    [devices.end-turn]
    commands = ["end_turn"]          # command types it may send
    # seat = "turn"                  # the default: the seat whose hero has the turn

    [devices.red-button]
    commands = ["act:sabotage"]      # only the "sabotage" action
    seat = "s2"

    [devices.host-remote]
    commands = ["start_game", "end_game"]
    seat = "host"
    host = true                      # host-only commands need this, and the host's seat

``seat`` is a seat id (``s1``, ``s2``... in joining order), ``"host"`` (the host's seat) or
``"turn"``. It comes from this file only; a ``seat`` in a payload is ignored.

A payload is a JSON or msgpack map, ``{"type": "end_turn"}`` (an optional ``cmd_id`` makes
retries idempotent), or just the command type as text: ``end_turn``. Any listed device may also
ask the bridge to publish events again: ``{"type": "replay", "after": 41}``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import field, frozen

from cibo.core import GameState
from cibo.core.commands import COMMAND_TYPES
from cibo.errors import CiboError
from cibo.protocol import DecodeError, Limits
from cibo.protocol.codecs import JsonCodec, MsgpackCodec
from cibo.rooms.session import HOST_COMMANDS

__all__ = [
    "Device",
    "DeviceConfigError",
    "DeviceMessage",
    "DeviceTable",
    "PayloadError",
    "complete_command",
    "load_devices",
    "parse_devices",
    "parse_payload",
]

NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")
"""Device names: safe as an MQTT topic level and as a mosquitto user name."""
SEAT = re.compile(r"turn|host|s[0-9]{1,3}")
NEVER = frozenset({"join_seat", "leave_seat"})
"""Commands that only a person's own phone may send."""
MAX_PAYLOAD = 1024
_WORD = re.compile(rb"[a-z_]{1,32}")
_CMD_ID = re.compile(r"[A-Za-z0-9_.:-]{1,24}")
"""A device's own ``cmd_id``; the room sees ``dev:<device>:<cmd_id>`` (at most 61 characters)."""
_LIMITS = Limits(max_bytes=MAX_PAYLOAD, max_depth=4, max_str=64, max_array=16, max_map=16)
_JSON = JsonCodec(_LIMITS)
_MSGPACK = MsgpackCodec(_LIMITS)


class DeviceConfigError(CiboError, ValueError):
    """The device file is not valid; the message names the file and the key."""

    code = "mqtt/device_config"


class PayloadError(CiboError, ValueError):
    """A device sent something that is not a command."""

    code = "mqtt/payload"


@frozen
class Device:
    """One gadget: what it may send and for which seat."""

    name: str
    commands: frozenset[str]
    """Command types (``end_turn``), or ``act:<action>`` for one hero action only."""
    seat: str = "turn"
    host: bool = False
    label: str = ""

    def allows(self, command: Mapping[str, Any]) -> bool:
        kind = command.get("type")
        if not isinstance(kind, str) or kind in NEVER:
            return False
        if kind in HOST_COMMANDS and not self.host:
            return False
        if kind in self.commands:
            return True
        action = command.get("action")
        return kind == "act" and isinstance(action, str) and f"act:{action}" in self.commands


@frozen
class DeviceTable:
    """Devices by name. Empty: every device message is ignored."""

    devices: Mapping[str, Device] = field(factory=dict)

    def get(self, name: str) -> Device | None:
        return self.devices.get(name)

    def __len__(self) -> int:
        return len(self.devices)


@frozen
class DeviceMessage:
    """A decoded device payload: a command, or a replay request (``replay_after``)."""

    command: dict[str, Any]
    cmd_id: str | None = None
    replay_after: int | None = None


def load_devices(path: Path) -> DeviceTable:
    """Read a device file.

    Raises:
        DeviceConfigError: unreadable, not TOML, or not a valid device table.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeviceConfigError(f"{path}: cannot read the device file: {exc}") from exc
    return parse_devices(text, str(path))


def parse_devices(text: str, name: str = "devices.toml") -> DeviceTable:
    """Parse and check a device file (see the module docstring for the format)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeviceConfigError(f"{name}: not valid TOML: {exc}") from exc
    extra = set(data) - {"devices"}
    if extra:
        raise DeviceConfigError(f"{name}: unknown top-level key(s): {', '.join(sorted(extra))}")
    table = data.get("devices", {})
    if not isinstance(table, dict):
        raise DeviceConfigError(f"{name}: 'devices' must be a table of [devices.<name>] tables")
    devices: dict[str, Device] = {}
    for device_name, spec in table.items():
        devices[device_name] = _device(name, device_name, spec)
    return DeviceTable(devices)


def _device(file: str, name: str, spec: object) -> Device:
    where = f"{file}: devices.{name}"
    if not NAME.fullmatch(name):
        raise DeviceConfigError(
            f"{where}: a device name is 1-32 letters, digits, '_' or '-' "
            "(it is an MQTT topic level and the device's broker user name)"
        )
    if not isinstance(spec, dict):
        raise DeviceConfigError(f"{where} must be a table")
    extra = set(spec) - {"commands", "seat", "host", "label"}
    if extra:
        raise DeviceConfigError(f"{where}: unknown key(s): {', '.join(sorted(extra))}")
    commands = spec.get("commands")
    if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
        raise DeviceConfigError(f"{where}.commands must be a list of command types")
    seat = spec.get("seat", "turn")
    if not isinstance(seat, str) or not SEAT.fullmatch(seat):
        raise DeviceConfigError(
            f"{where}.seat must be a seat id like \"s1\", \"host\" or \"turn\", not {seat!r}"
        )
    host = spec.get("host", False)
    if not isinstance(host, bool):
        raise DeviceConfigError(f"{where}.host must be true or false")
    label = spec.get("label", "")
    if not isinstance(label, str):
        raise DeviceConfigError(f"{where}.label must be a string")
    for command in commands:
        kind, _, action = command.partition(":")
        if kind not in COMMAND_TYPES or (action and kind != "act"):
            known = ", ".join(sorted(set(COMMAND_TYPES) - NEVER))
            raise DeviceConfigError(
                f"{where}.commands: unknown command {command!r} (known: {known}, act:<action>)"
            )
        if kind in NEVER:
            raise DeviceConfigError(f"{where}.commands: {kind!r} can only come from a phone")
        if kind in HOST_COMMANDS and not host:
            raise DeviceConfigError(
                f"{where}.commands: {kind!r} is a host command; add host = true "
                "(and seat = \"host\") to allow it"
            )
    return Device(name, frozenset(commands), seat, host, label)


def parse_payload(payload: bytes) -> DeviceMessage:
    """Decode a device's message.

    Raises:
        PayloadError: empty, too large, not a map with a string ``type``, or a bad field.
    """
    if len(payload) > MAX_PAYLOAD:
        raise PayloadError(f"payload of {len(payload)} bytes (at most {MAX_PAYLOAD})")
    body = payload.strip()
    if not body:
        raise PayloadError("empty payload")
    if _WORD.fullmatch(body):
        word = body.decode()
        return DeviceMessage({"type": word}, replay_after=0 if word == "replay" else None)
    try:
        data = _JSON.decode(body) if body[:1] == b"{" else _MSGPACK.decode(payload)
    except DecodeError as exc:
        raise PayloadError(f"not a JSON or msgpack map: {exc}") from exc
    kind = data.get("type")
    if not isinstance(kind, str):
        raise PayloadError("no command 'type'")
    cmd_id = data.pop("cmd_id", None)
    if cmd_id is not None and (not isinstance(cmd_id, str) or not _CMD_ID.fullmatch(cmd_id)):
        raise PayloadError("'cmd_id' must be 1-24 letters, digits or '_.:-'")
    data.pop("seat", None)  # the seat comes from the device file, never from the payload
    if kind == "replay":
        after = data.get("after", 0)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise PayloadError("'after' must be a seq (an integer >= 0)")
        return DeviceMessage(data, cmd_id, replay_after=after)
    return DeviceMessage(data, cmd_id)


def complete_command(command: dict[str, Any], seat: str, state: GameState) -> dict[str, Any]:
    """Fill in the ``hero`` of an ``act`` that names none, when only one hero can be meant:
    the hero whose turn it is (``seat = "turn"``), or the seat's only standing hero. The room
    checks the command as usual; this only saves a button from knowing hero ids."""
    if command.get("type") != "act" or "hero" in command:
        return command
    if seat == "turn":
        hero = state.turn
    else:
        mine = [h.id for h in state.heroes if h.seat == seat and not h.downed]
        hero = mine[0] if len(mine) == 1 else ""
    return {**command, "hero": hero} if hero else command
