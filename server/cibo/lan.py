"""The LAN address to advertise, and QR codes for the join URL. Sends no traffic.

:func:`lan_address` asks the kernel which source address it would use towards an address that
follows the default route: ``connect()`` on a UDP socket only picks a route, it sends no packet.
The probe address is TEST-NET-1 (RFC 5737), which nothing answers anyway. Tests pass their own
``open_socket`` (or a loopback probe) so that nothing is ever aimed at a real network.
"""

from __future__ import annotations

import io
import ipaddress
import socket
from collections.abc import Callable
from typing import Final

import segno

__all__ = ["PROBE", "is_lan_address", "lan_address", "qr_svg", "qr_terminal"]

PROBE: Final = "192.0.2.1"
"""TEST-NET-1: routed like any internet address, never answered."""

SocketFactory = Callable[[int, int], socket.socket]


def lan_address(probe: str = PROBE, *, open_socket: SocketFactory = socket.socket) -> str:
    """The IPv4 address this machine would use towards ``probe``; ``127.0.0.1`` with no route."""
    try:
        with open_socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect((probe, 9))  # UDP: picks the route, sends nothing
            address = str(sock.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    if address in ("0.0.0.0", ""):
        return "127.0.0.1"
    return address


def is_lan_address(address: str) -> bool:
    """True for private, link-local and loopback addresses (not reachable from the internet)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local


def qr_svg(data: str, *, scale: int = 8) -> bytes:
    """An SVG QR code for ``data`` (error correction M), for the table display."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", scale=scale, border=2, dark="#111")
    return out.getvalue()


def qr_terminal(data: str) -> str:
    """A QR code for ``data`` drawn with half blocks (fits an 80-column terminal)."""
    out = io.StringIO()
    segno.make(data, error="m").terminal(out=out, compact=True)
    return out.getvalue()
