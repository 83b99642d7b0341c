"""The plain HTTP side of the game's port: routes, types, CSP, traversal, QR codes."""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from pathlib import Path

import pytest
from live_server import live_server
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from cibo.transports.http import CSP, FAVICON, StaticSite


@pytest.fixture
def site(tmp_path: Path) -> StaticSite:
    root = tmp_path / "clients"
    for rel, body in {
        "index.html": "<p>landing</p>",
        "table/index.html": "<p>table</p>",
        "table/app.js": "export {}",
        "table/style.css": "p{}",
        "phone/index.html": "<p>phone</p>",
        "phone/app.mjs": "export {}",
        "shared/protocol.js": "export {}",
        "shared/.hidden": "secret",
        "shared/icon.svg": "<svg/>",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    (tmp_path / "outside.txt").write_text("outside")
    return StaticSite(root, qr=lambda code: b"<svg>qr</svg>" if code == "BCDF" else None,
                      health=lambda: 3)


@pytest.mark.parametrize(
    ("target", "body", "content_type"),
    [
        ("/", b"<p>landing</p>", "text/html; charset=utf-8"),
        ("/table/", b"<p>table</p>", "text/html; charset=utf-8"),
        ("/table/?code=BCDF", b"<p>table</p>", "text/html; charset=utf-8"),
        ("/table/app.js", b"export {}", "text/javascript; charset=utf-8"),
        ("/table/style.css", b"p{}", "text/css; charset=utf-8"),
        ("/phone/", b"<p>phone</p>", "text/html; charset=utf-8"),
        ("/phone/app.mjs", b"export {}", "text/javascript; charset=utf-8"),
        ("/j/BCDF", b"<p>phone</p>", "text/html; charset=utf-8"),
        ("/j/bcdf?x=1", b"<p>phone</p>", "text/html; charset=utf-8"),
        ("/shared/protocol.js", b"export {}", "text/javascript; charset=utf-8"),
        ("/shared/icon.svg", b"<svg/>", "image/svg+xml"),
        ("/api/rooms/BCDF/qr.svg", b"<svg>qr</svg>", "image/svg+xml"),
        ("/api/health", b'{"ok": true, "rooms": 3}', "application/json"),
        ("/favicon.ico", FAVICON, "image/png"),
    ],
)
def test_routes(site: StaticSite, target: str, body: bytes, content_type: str) -> None:
    response = site.respond("GET", target)
    assert response.status_code == 200
    assert response.body == body
    headers = response.headers
    assert headers["Content-Type"] == content_type
    assert headers["Content-Length"] == str(len(body))
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert len(headers.get_all("Content-Type")) == 1


def test_head_has_headers_and_no_body(site: StaticSite) -> None:
    response = site.respond("HEAD", "/table/app.js")
    assert response.status_code == 200 and response.body == b""
    assert response.headers["Content-Length"] == "9"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "TRACE"])
def test_only_get_and_head(site: StaticSite, method: str) -> None:
    response = site.respond(method, "/")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("target", ["/table", "/phone", "/table?code=BCDF"])
def test_folders_redirect_to_their_slash(site: StaticSite, target: str) -> None:
    response = site.respond("GET", target)
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"].startswith(target.split("?", 1)[0] + "/")
    if "?" in target:
        assert response.headers["Location"].endswith("?code=BCDF")


@pytest.mark.parametrize(
    "target",
    [
        "/table/../outside.txt",
        "/table/%2e%2e/%2e%2e/outside.txt",
        "/table/..%2f..%2foutside.txt",
        "/shared/.hidden",
        "/shared/%2ehidden",
        "/table/app.js%00.png",
        "/table/..\\..\\outside.txt",
        "/table//etc/passwd",
        "/table/%ff",
        "/nothing",
        "/j/",
        "/j/BCDF/extra",
        "/api/rooms/ZZZZ/qr.svg",
        "/api/rooms/BCDF/qr.png",
        "/table/missing.js",
        "/../outside.txt",
    ],
)
def test_not_found(site: StaticSite, target: str) -> None:
    response = site.respond("GET", target)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"outside" not in response.body and b"secret" not in response.body


def test_symlinks_out_of_the_folder_are_refused(site: StaticSite, tmp_path: Path) -> None:
    (site.root / "table" / "link.txt").symlink_to(tmp_path / "outside.txt")
    assert site.respond("GET", "/table/link.txt").status_code == HTTPStatus.NOT_FOUND


def test_unknown_extensions_are_octet_streams(site: StaticSite) -> None:
    (site.root / "shared" / "data.bin").write_bytes(b"\x00\x01")
    response = site.respond("GET", "/shared/data.bin")
    assert response.headers["Content-Type"] == "application/octet-stream"


async def _get(port: int, target: str, host: str | None = None) -> tuple[int, bytes, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    host = host or f"127.0.0.1:{port}"
    writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), head, body


async def test_the_live_server_serves_pages_and_the_join_qr(tmp_path: Path) -> None:
    (tmp_path / "phone").mkdir()
    (tmp_path / "phone" / "index.html").write_text("<p>phone</p>")
    async with live_server(clients=tmp_path) as live:
        status, head, body = await _get(live.port, f"/j/{live.code}")
        assert status == 200 and body == b"<p>phone</p>"
        assert b"Content-Security-Policy: default-src 'self'" in head
        status, head, body = await _get(live.port, f"/api/rooms/{live.code.lower()}/qr.svg")
        assert status == 200 and body.startswith(b"<?xml") and b"<svg" in body
        status, _, _ = await _get(live.port, "/api/rooms/ZZZZ/qr.svg")
        assert status == 404
        status, _, body = await _get(live.port, "/", host="evil.example")
        assert status == 403 and body == b"Unknown host\n"


SECURITY = (b"Content-Security-Policy: default-src 'self'", b"X-Content-Type-Options: nosniff",
            b"Referrer-Policy: no-referrer")


async def test_ws_without_an_upgrade_gets_426_with_the_security_headers() -> None:
    """So do the other responses the WebSocket library writes itself (a request too large)."""
    async with live_server() as live:
        status, head, _ = await _get(live.port, "/ws")
        assert status == 426
        for header in SECURITY:
            assert header in head, head
        status, head, _ = await _get(live.port, "/ws?" + "x" * 9000)
        assert status == 414
        for header in SECURITY:
            assert header in head, head
        status, head, _ = await _get(live.port, "/", host=f"127.0.0.1:{live.port}\r\nX-Long: "
                                     + "y" * 9000)
        assert status == 431
        for header in SECURITY:
            assert header in head, head


async def test_code_taking_routes_share_the_join_lockout() -> None:
    """Guessing codes through the QR route (or game ids, which hold a code) locks the address out
    exactly like failed joins: 429 with the security headers, on every route that takes a code
    and on the WebSocket handshake; and failed joins lock the QR route."""
    async with live_server(join_failures=4, join_lock=30.0) as live:
        status, _, _ = await _get(live.port, f"/api/rooms/{live.code}/qr.svg")
        assert status == 200  # a right code is no failure
        for guess in ("ZZZZ", "QQQQ", "XXXX"):
            status, _, _ = await _get(live.port, f"/api/rooms/{guess}/qr.svg")
            assert status == 404
        status, _, body = await _get(live.port, "/api/games/20261122T010000-BCDF-0001")
        assert status == 404 and b"replay/no_such_game" in body
        for target in (f"/api/rooms/{live.code}/qr.svg", "/api/games/20261122T010000-BCDF-0001"):
            status, head, _ = await _get(live.port, target)
            assert status == 429, target
            for header in SECURITY:
                assert header in head
        with pytest.raises(InvalidStatus) as info:
            await connect(live.url)
        assert info.value.response.status_code == 429
        # What takes no code still works: the pages (the phone page answers any code alike).
        for target in ("/api/health", f"/j/{live.code}"):
            status, _, _ = await _get(live.port, target)
            assert status in (200, 404), target
            assert status != 429

    async with live_server(join_failures=3, join_lock=30.0) as live:
        ws = await connect(live.url)
        for guess in ("ZZZZ", "QQQQ", "XXXX"):
            await ws.send(json.dumps({"type": "hello", "role": "table", "code": guess}))
            await ws.recv()
        status, _, _ = await _get(live.port, f"/api/rooms/{live.code}/qr.svg")
        assert status == 429
        await ws.close()
