"""LAN address discovery without traffic (mocked sockets only) and QR codes."""

from __future__ import annotations

import socket
from typing import Any

from cibo.lan import PROBE, is_lan_address, lan_address, qr_svg, qr_terminal


class FakeSocket:
    """Stands in for a UDP socket: records the connect, sends nothing anywhere."""

    def __init__(self, address: str | None, calls: list[Any]) -> None:
        self.address = address
        self.calls = calls

    def __enter__(self) -> FakeSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def connect(self, target: tuple[str, int]) -> None:
        self.calls.append(("connect", target))
        if self.address is None:
            raise OSError(101, "Network is unreachable")

    def getsockname(self) -> tuple[str, int]:
        assert self.address is not None
        return (self.address, 40000)

    def send(self, data: bytes) -> int:  # pragma: no cover - must never be called
        raise AssertionError("lan_address must not send anything")


def factory(address: str | None, calls: list[Any]) -> Any:
    def make(family: int, kind: int) -> FakeSocket:
        calls.append(("socket", family, kind))
        return FakeSocket(address, calls)

    return make


def test_lan_address_uses_the_route_towards_the_probe() -> None:
    calls: list[Any] = []
    assert lan_address(open_socket=factory("192.168.1.20", calls)) == "192.168.1.20"
    assert calls == [("socket", socket.AF_INET, socket.SOCK_DGRAM), ("connect", (PROBE, 9))]


def test_no_route_falls_back_to_loopback() -> None:
    assert lan_address(open_socket=factory(None, [])) == "127.0.0.1"
    assert lan_address(open_socket=factory("0.0.0.0", [])) == "127.0.0.1"


def test_loopback_probe_really_works_without_a_network() -> None:
    assert lan_address("127.0.0.1") == "127.0.0.1"


def test_lan_addresses() -> None:
    for ok in ("192.168.1.2", "10.0.0.5", "172.16.3.4", "127.0.0.1", "169.254.1.1", "fd00::1"):
        assert is_lan_address(ok)
    for public in ("8.8.8.8", "1.1.1.1", "not an address"):
        assert not is_lan_address(public)


def test_qr_codes() -> None:
    url = "http://192.168.1.20:8765/j/BCDF"
    svg = qr_svg(url)
    assert svg.startswith(b"<?xml") and b"<svg" in svg and b"<script" not in svg
    art = qr_terminal(url)
    lines = art.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    assert set("".join(lines)) <= {"█", "▀", "▄", " "}
