"""The ``cibo serve`` options of the MQTT bridge, and the settings they make."""

from __future__ import annotations

import argparse
from pathlib import Path

from cibo.transports.mqtt.devices import DeviceTable, load_devices
from cibo.transports.mqtt.settings import MqttSettings, SettingsError, parse_url

__all__ = ["add_options", "settings_from_args"]


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``--mqtt...`` options (their own group in ``--help``)."""
    group = parser.add_argument_group(
        "MQTT bridge", "publish public game events to an MQTT broker; take gadget commands"
    )
    group.add_argument(
        "--mqtt", metavar="URL",
        help="broker URL, mqtt://[user[:password]@]host[:port] (mqtts:// for TLS); "
             "the password may come from $CIBO_MQTT_PASSWORD instead",
    )
    group.add_argument("--mqtt-tls", action="store_true", help="connect with TLS")
    group.add_argument("--mqtt-ca", type=Path, metavar="FILE",
                       help="CA certificate(s) that signed the broker's (implies --mqtt-tls)")
    group.add_argument("--mqtt-prefix", default="cibo", metavar="PREFIX",
                       help="first topic level(s) (default cibo)")
    group.add_argument("--mqtt-format", choices=["json", "msgpack"], default="json",
                       help="payload format of events and states (default json)")
    group.add_argument("--mqtt-devices", type=Path, metavar="FILE",
                       help="TOML file of the gadgets allowed to send commands")
    group.add_argument("--mqtt-ha", action="store_true",
                       help="publish Home Assistant discovery configs (needs json)")


def settings_from_args(args: argparse.Namespace) -> MqttSettings | None:
    """The bridge's settings, or None without ``--mqtt``.

    Raises:
        SettingsError: a bad URL or option combination.
        DeviceConfigError: the device file is not valid (both are ``ValueError``).
    """
    url: str | None = args.mqtt
    if not url:
        for option in ("mqtt_tls", "mqtt_ca", "mqtt_devices", "mqtt_ha"):
            if getattr(args, option):
                flag = "--" + option.replace("_", "-")
                raise SettingsError(f"{flag} needs --mqtt URL")
        return None
    host, port, user, password, tls = parse_url(url)
    ca: Path | None = args.mqtt_ca
    if ca is not None and not ca.is_file():
        raise SettingsError(f"--mqtt-ca {ca}: no such file")
    use_tls = tls or args.mqtt_tls or ca is not None
    devices = load_devices(args.mqtt_devices) if args.mqtt_devices else DeviceTable()
    return MqttSettings(
        host=host,
        port=port or (8883 if use_tls else 1883),
        username=user,
        password=password,
        tls=use_tls,
        ca_file=ca,
        prefix=args.mqtt_prefix,
        format=args.mqtt_format,
        devices=devices,
        ha=args.mqtt_ha,
    )
