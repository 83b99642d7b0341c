"""Plain HTTP on the game's port: the static clients, the join QR code and a health check.

Routes (GET and HEAD only; anything else is 405):

=============================  ==============================================================
``/``                          ``clients/index.html``
``/table``                     redirect to ``/table/`` (query kept)
``/table/<file>``              ``clients/table/<file>`` (``/table/`` is its ``index.html``)
``/phone``, ``/phone/<file>``  the same for ``clients/phone/``
``/j/<CODE>``                  ``clients/phone/index.html`` (the phone reads the code from the URL)
``/shared/<file>``             ``clients/shared/<file>``
``/favicon.ico``               ``clients/favicon.ico`` if present, else a built-in icon
``/api/rooms/<CODE>/qr.svg``   the QR code of the room's join URL (404 for no such room; counts
                               toward the join lockout, see :meth:`StaticSite.takes_code`)
``/api/health``                ``{"ok": true, "rooms": N}``, plus ``"mqtt": {"state", "detail"}``
                               when the MQTT bridge runs
``/api/games``, ``/api/...``   logged games and rulesets (:mod:`cibo.transports.replay_api`)
=============================  ==============================================================

The ``/api/games...`` and ``/api/rulesets...`` routes may read and fold whole journals (seconds
for a long game), so :meth:`StaticSite.respond_async` answers them in one worker thread of the
site's own: the event loop keeps serving every game meanwhile, and requests for the same
document queue behind the first one and find it cached.

Pages under ``/j/...`` are served at that path, so the clients must use absolute URLs
(``/phone/app.js``, ``/shared/...``). Every response carries an explicit content type, a strict
Content-Security-Policy, ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
Paths are decoded once and resolved inside their folder; ``..``, hidden files, backslashes and
NUL bytes are refused with 404, as is anything that resolves outside the folder.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Response

from cibo.journal import GameStore
from cibo.transports.replay_api import ROUTES as API_ROUTES
from cibo.transports.replay_api import ApiAnswer, ReplayApi

__all__ = ["CONTENT_TYPES", "CSP", "SECURITY_HEADERS", "StaticSite", "clients_dir", "secure"]

CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

CONTENT_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}
"""Explicit types: ``mimetypes`` answers differently from machine to machine."""

ENV_VAR: Final = "CIBO_CLIENTS"
MAX_FILE: Final = 8 * 1024 * 1024


def clients_dir() -> Path:
    """``$CIBO_CLIENTS`` if set, else ``clients/`` at the repository root (next to ``server/``)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return (Path(__file__).resolve().parents[3] / "clients").resolve()


def _favicon_png() -> bytes:
    """A 32x32 PNG: a teal disc on transparent ground (so no file is needed)."""
    size = 32
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            dx, dy = x - 15.5, y - 15.5
            inside = dx * dx + dy * dy <= 14.5 * 14.5
            ring = dx * dx + dy * dy <= 7 * 7
            if ring:
                row += bytes((0xF2, 0xE8, 0xCF, 0xFF))
            elif inside:
                row += bytes((0x1F, 0x6F, 0x6B, 0xFF))
            else:
                row += bytes((0, 0, 0, 0))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


FAVICON: Final = _favicon_png()

QrMaker = Callable[[str], bytes | None]
"""Returns the SVG QR code for a room code, or None if there is no such room."""


SECURITY_HEADERS: Final = (
    ("Cache-Control", "no-cache"),
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)
"""Headers every plain HTTP response carries (``Cache-Control`` unless it has its own)."""


def secure(response: Response) -> Response:
    """``response`` with every :data:`SECURITY_HEADERS` it lacks added (responses made by
    websockets itself have none); the 101 that opens a WebSocket is left as it is."""
    if response.status_code == HTTPStatus.SWITCHING_PROTOCOLS:
        return response
    for name, value in SECURITY_HEADERS:
        if name not in response.headers:
            response.headers[name] = value
    return response


def _response(
    status: HTTPStatus,
    body: bytes,
    content_type: str,
    *,
    head: bool = False,
    extra: tuple[tuple[str, str], ...] = (),
    cache: str = "no-cache",
) -> Response:
    headers = Headers(
        [
            ("Date", formatdate(usegmt=True)),
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", cache),
            ("Content-Security-Policy", CSP),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Connection", "close"),
            *extra,
        ]
    )
    return Response(status.value, status.phrase, headers, b"" if head else body)


def text_response(status: HTTPStatus, text: str, *, head: bool = False) -> Response:
    """A small text/plain response (errors)."""
    return _response(status, text.encode(), "text/plain; charset=utf-8", head=head)


class StaticSite:
    """Answers the plain HTTP requests of the game's port (see the module docstring).

    Args:
        root: the ``clients/`` folder.
        qr: makes a room's join QR code.
        health: returns the number of open rooms.
        status: more fields for ``/api/health`` (the MQTT bridge's state), if any.
        api: answers ``/api/games...`` and ``/api/rulesets...`` (default: a
            :class:`~cibo.transports.replay_api.ReplayApi` over the default data directory).
    """

    def __init__(
        self,
        root: Path,
        *,
        qr: QrMaker,
        health: Callable[[], int] = lambda: 0,
        status: Callable[[], Mapping[str, Any]] = dict,
        api: Callable[[str], ApiAnswer | None] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.qr = qr
        self.health = health
        self.status = status
        self.api = api if api is not None else ReplayApi(GameStore())
        self._worker: ThreadPoolExecutor | None = None

    async def respond_async(self, method: str, target: str) -> Response:
        """:meth:`respond`, with the routes that read journals run in the site's worker thread
        (one: the API's caches are not shared between threads, and one fold at a time is
        enough for a game night)."""
        if not urlsplit(target).path.startswith(API_ROUTES):
            return self.respond(method, target)
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="cibo-api")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self.respond, method, target)

    def close(self) -> None:
        """Stop the worker thread; requests still queued are dropped."""
        if self._worker is not None:
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker = None

    @staticmethod
    def takes_code(path: str) -> bool:
        """Does ``path`` name a room (or a game, whose id holds its room's code), so that a 404
        tells a guesser something? ``/j/<CODE>`` does not count: it serves the same page for
        any code."""
        segments = path.split("/")
        if len(segments) == 5 and segments[1:3] == ["api", "rooms"]:
            return True
        return len(segments) == 4 and segments[1:3] == ["api", "games"]

    def respond(self, method: str, target: str) -> Response:
        """The response to ``method`` on ``target`` (a request path with optional query)."""
        head = method == "HEAD"
        if method not in ("GET", "HEAD"):
            response = text_response(HTTPStatus.METHOD_NOT_ALLOWED, "GET and HEAD only\n")
            response.headers["Allow"] = "GET, HEAD"
            return response
        parts = urlsplit(target)
        path = parts.path
        if path in ("/table", "/phone"):
            location = path + "/" + (f"?{parts.query}" if parts.query else "")
            return _response(
                HTTPStatus.FOUND,
                b"",
                "text/plain; charset=utf-8",
                head=head,
                extra=(("Location", location),),
            )
        if path == "/":
            return self._file("", "index.html", head)
        if path == "/favicon.ico":
            found = self._file("", "favicon.ico", head)
            if found.status_code == HTTPStatus.OK:
                return found
            return _response(HTTPStatus.OK, FAVICON, "image/png", head=head, cache="max-age=86400")
        if path == "/api/health":
            body = json.dumps({"ok": True, "rooms": self.health(), **self.status()}).encode()
            return _response(HTTPStatus.OK, body, "application/json", head=head)
        segments = path.split("/")
        if len(segments) == 3 and segments[1] == "j" and segments[2]:
            return self._file("phone", "index.html", head)
        if len(segments) == 5 and segments[1:3] == ["api", "rooms"] and segments[4] == "qr.svg":
            svg = self.qr(unquote(segments[3]))
            if svg is None:
                return text_response(HTTPStatus.NOT_FOUND, "No such room\n", head=head)
            return _response(HTTPStatus.OK, svg, "image/svg+xml", head=head)
        answer = self.api(path) if path.startswith("/api/") else None
        if answer is not None:
            return _response(answer.status, answer.body, answer.content_type, head=head)
        for folder in ("table", "phone", "shared"):
            prefix = f"/{folder}/"
            if path.startswith(prefix):
                return self._file(folder, path[len(prefix) :] or "index.html", head)
        return text_response(HTTPStatus.NOT_FOUND, "Not found\n", head=head)

    def _file(self, folder: str, relative: str, head: bool) -> Response:
        base = (self.root / folder) if folder else self.root
        target = self._resolve(base, relative)
        if target is None:
            return text_response(HTTPStatus.NOT_FOUND, "Not found\n", head=head)
        content_type = CONTENT_TYPES.get(target.suffix.lower(), "application/octet-stream")
        try:
            if target.stat().st_size > MAX_FILE:
                return text_response(HTTPStatus.NOT_FOUND, "Not found\n", head=head)
            body = target.read_bytes()
        except OSError:
            return text_response(HTTPStatus.NOT_FOUND, "Not found\n", head=head)
        return _response(HTTPStatus.OK, body, content_type, head=head)

    @staticmethod
    def _resolve(base: Path, relative: str) -> Path | None:
        try:
            decoded = unquote(relative, errors="strict") if "%" in relative else relative
        except UnicodeDecodeError:
            return None
        if "\x00" in decoded or "\\" in decoded:
            return None
        pieces = decoded.split("/")
        if any(p in ("", ".", "..") or p.startswith(".") for p in pieces):
            return None
        base = base.resolve()
        target = base.joinpath(*pieces).resolve()
        if base not in target.parents or not target.is_file():
            return None
        return target
