"""How the bridge reaches the broker and what it publishes: :class:`MqttSettings`.

``mqtt://[user[:password]@]host[:port]`` (1883) or ``mqtts://...`` (TLS, 8883). The user name
and password may be percent-encoded (``%40`` for ``@``). A user without a password in the URL
takes it from the ``CIBO_MQTT_PASSWORD`` environment variable, which keeps it out of the
process list.
"""

from __future__ import annotations

import os
import re
import ssl
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from attrs import field, frozen

from cibo.errors import CiboError
from cibo.transports.mqtt.devices import DeviceTable

__all__ = ["PASSWORD_ENV", "MqttSettings", "PayloadFormat", "SettingsError", "parse_url"]

PayloadFormat = Literal["json", "msgpack"]
PASSWORD_ENV = "CIBO_MQTT_PASSWORD"

_LEVEL = re.compile(r"[A-Za-z0-9_.-]+")


class SettingsError(CiboError, ValueError):
    """A bridge option that cannot work; the message says which and why."""

    code = "mqtt/settings"


@frozen
class MqttSettings:
    """Everything the bridge needs to know. Only ``host`` is required."""

    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    ca_file: Path | None = None
    prefix: str = "cibo"
    """First level(s) of every game topic: ``<prefix>/<code>/events``."""
    format: PayloadFormat = "json"
    devices: DeviceTable = field(factory=DeviceTable)
    ha: bool = False
    """Publish Home Assistant discovery configs for each room's public tracks."""
    ha_prefix: str = "homeassistant"
    queue_size: int = 1000
    """Events held for the broker; beyond it the oldest are dropped (then re-read from the room)."""
    keepalive: int = 10
    """Seconds; a broker that stops answering is noticed after about 1.5 times this."""
    timeout: float = 5.0
    """Seconds to wait for the broker to answer a connect, subscribe or publish."""
    backoff_min: float = 0.5
    backoff_max: float = 10.0
    """Delays between connection attempts: doubling from the first to the second, with jitter."""
    poll_interval: float = 0.5
    """How often the bridge looks for rooms that opened or closed."""
    client_id: str = ""
    """MQTT client identifier; empty picks ``cibo-<random>``."""
    device_rate: float = 5.0
    """Messages per second one device may send on average (burst: twice that)."""

    def __attrs_post_init__(self) -> None:
        check_prefix(self.prefix, "--mqtt-prefix")
        check_prefix(self.ha_prefix, "the Home Assistant prefix")
        if self.ha and self.format != "json":
            raise SettingsError(
                "--mqtt-ha needs --mqtt-format json: Home Assistant reads the state as JSON"
            )
        if not 0 < self.port < 65536:
            raise SettingsError(f"MQTT port {self.port} is out of range")
        if self.queue_size < 1:
            raise SettingsError("the MQTT queue needs room for at least one event")

    @property
    def url(self) -> str:
        """The broker's URL without the password (for logs and the banner)."""
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user}{host}:{self.port}"

    def tls_context(self) -> ssl.SSLContext | None:
        """The TLS context for the connection, or None for plain TCP."""
        if not self.tls:
            return None
        if self.ca_file is not None:
            return ssl.create_default_context(cafile=str(self.ca_file))
        return ssl.create_default_context()


def check_prefix(prefix: str, what: str) -> None:
    """A topic prefix: one or more plain levels (letters, digits, ``_ . -``) joined by ``/``."""
    levels = prefix.split("/")
    if not prefix or not all(_LEVEL.fullmatch(level) for level in levels):
        raise SettingsError(
            f"{what} {prefix!r} must be topic levels of letters, digits, '_', '.' or '-' "
            "separated by '/' (no wildcards, no leading or trailing '/')"
        )


def parse_url(url: str) -> tuple[str, int | None, str | None, str | None, bool]:
    """``mqtt://user:pw@host:port`` -> (host, port or None, user, password, tls).

    Raises:
        SettingsError: not an ``mqtt://`` or ``mqtts://`` URL with a host.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("mqtt", "mqtts"):
        raise SettingsError(f"--mqtt {_hide(url)!r}: use mqtt://[user:password@]host[:port]")
    tls = scheme == "mqtts"
    try:
        port = parts.port
    except ValueError as exc:
        raise SettingsError(f"--mqtt {_hide(url)!r}: bad port") from exc
    host = parts.hostname
    if not host:
        raise SettingsError(f"--mqtt {_hide(url)!r}: no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SettingsError(f"--mqtt {_hide(url)!r}: only user, password, host and port")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if user and password is None:
        password = os.environ.get(PASSWORD_ENV)
    return host, port, user, password, tls


def _hide(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
