"""The MQTT bridge for table gadgets, dashboards and Home Assistant (see ``docs/operations.md``).

* :mod:`~cibo.transports.mqtt.bridge` — :class:`Bridge`: connection, reconnects, status, devices;
* :mod:`~cibo.transports.mqtt.outbox` — the bounded queue and per-room cursors, sans I/O;
* :mod:`~cibo.transports.mqtt.source` — what the bridge needs from the rooms, and adapters;
* :mod:`~cibo.transports.mqtt.devices` — the device file and device payloads;
* :mod:`~cibo.transports.mqtt.discovery` — Home Assistant discovery configs;
* :mod:`~cibo.transports.mqtt.settings` — broker URL and options;
* :mod:`~cibo.transports.mqtt.options` — the ``cibo serve --mqtt...`` options.

The bridge itself (and with it the MQTT client library, ~4 MiB of a server's memory) is imported
only when it is first asked for: a server started without ``--mqtt`` never loads it.

Only public projections (:func:`cibo.core.view_event` and :func:`cibo.core.view_state` for the
``public`` audience) are ever published.
"""

from typing import TYPE_CHECKING, Any

from cibo.transports.mqtt.devices import Device, DeviceConfigError, DeviceTable, load_devices
from cibo.transports.mqtt.options import add_options, settings_from_args
from cibo.transports.mqtt.settings import MqttSettings, SettingsError, parse_url
from cibo.transports.mqtt.source import (
    BridgeSource,
    CommandOutcome,
    RegistrySource,
    RoomFeed,
    RoomHandle,
)

__all__ = [
    "Bridge",
    "BridgeSource",
    "BridgeStatus",
    "CommandOutcome",
    "Device",
    "DeviceConfigError",
    "DeviceTable",
    "MqttSettings",
    "RegistrySource",
    "RoomFeed",
    "RoomHandle",
    "SettingsError",
    "add_options",
    "load_devices",
    "parse_url",
    "settings_from_args",
]


if TYPE_CHECKING:
    from cibo.transports.mqtt.bridge import Bridge, BridgeStatus


def __getattr__(name: str) -> Any:
    # PEP 562: ``Bridge`` and ``BridgeStatus`` load the bridge module (and aiomqtt) on first use.
    if name in ("Bridge", "BridgeStatus"):
        from cibo.transports.mqtt import bridge

        return getattr(bridge, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
