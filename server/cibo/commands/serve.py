"""``cibo serve``: the game server — phones, the table display and the static clients, one port.

With no options it binds the LAN address (found without sending traffic) and 127.0.0.1 on port
8765, resumes every unfinished game from the data directory, opens one room with the default
ruleset when there is none, and prints the table URL, the join URL and code, a QR code and a host
link. SIGINT/SIGTERM close every connection with 1001 and flush the journals.

``--port 0`` picks a free port; ``--ready-file F`` writes the URL, port and rooms (with host
tokens) as JSON once the server accepts connections (for scripts and benchmarks).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from cibo.journal import (
    CorruptGame,
    GameStore,
    JournalError,
    RecoveredGame,
    default_data_dir,
)
from cibo.lan import is_lan_address, lan_address, qr_svg, qr_terminal
from cibo.rooms import MemoryStore, Registry, Room, RoomLimits, RoomRefused, RulesetChoice
from cibo.rooms.codes import normalize_code
from cibo.rooms.ports import GameStorePort
from cibo.rulesets import DEFAULT_RULESET, RulesetError, find_ruleset, load_ruleset, parse_ruleset
from cibo.transports.http import StaticSite, clients_dir
from cibo.transports.mqtt import MqttSettings, RegistrySource, add_options
from cibo.transports.mqtt import settings_from_args as mqtt_settings
from cibo.transports.replay_api import ReplayApi
from cibo.transports.websocket import GameServer, ServerLimits

__all__ = [
    "DEFAULT_PORT",
    "GC_FULL_EVERY",
    "GC_YOUNG_EVERY",
    "configure",
    "log",
    "run",
    "serve",
]

DEFAULT_PORT = 8765
GC_YOUNG_EVERY = 0.05
"""Seconds between collections of the young generations (see :func:`_collect_garbage`).

Each collection walks every container that survived since the previous one: at 2,000
connections every 2 s paused the loop for ~40 ms (p99 ~100 ms), every 0.2 s for 5-10 ms, every
0.05 s for a quarter of that, for the same total (docs/performance-peers.md, scenario c)."""
GC_FULL_EVERY = 600.0
"""Seconds between full collections."""

log = logging.getLogger("cibo.serve")


def configure(parser: argparse.ArgumentParser) -> None:
    net = parser.add_argument_group("network")
    net.add_argument(
        "--host", action="append", metavar="ADDR",
        help="address to bind (repeatable); default: the LAN address and 127.0.0.1",
    )
    net.add_argument("--port", type=int, default=DEFAULT_PORT,
                     help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    net.add_argument("--public-url", metavar="URL",
                     help="the URL phones should open, when it differs (e.g. behind a proxy)")
    game = parser.add_argument_group("game")
    game.add_argument("--ruleset", default=None,
                      help=f"ruleset name or file for the first room (default {DEFAULT_RULESET})")
    game.add_argument("--difficulty", default=None, help="difficulty of the first room")
    game.add_argument("--rooms", type=int, default=1, metavar="N",
                      help="rooms to open at start when none was resumed (default 1)")
    store = parser.add_argument_group("journal")
    store.add_argument("--data", type=Path, metavar="DIR",
                       help=f"data directory for the journals (default {default_data_dir()})")
    store.add_argument("--no-journal", action="store_true",
                       help="keep nothing on disk (games cannot be resumed or replayed)")
    lim = parser.add_argument_group("limits")
    lim.add_argument("--max-rooms", type=int, default=64)
    lim.add_argument("--max-rooms-per-address", type=int, default=4)
    lim.add_argument("--max-connections", type=int, default=1024)
    lim.add_argument("--max-per-address", type=int, default=16,
                     help="WebSocket connections from one address (default 16)")
    lim.add_argument("--rate", type=float, default=10.0,
                     help="messages per second per connection (burst: twice that)")
    out = parser.add_argument_group("output")
    out.add_argument("--ready-file", type=Path, metavar="FILE",
                     help="write the URL, port and rooms as JSON once ready")
    out.add_argument("--no-qr", action="store_true", help="do not draw the QR code")
    out.add_argument("--log-level", default="INFO",
                     choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    add_options(parser)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return asyncio.run(serve(args, out=sys.stdout))
    except KeyboardInterrupt:
        return 0


class _Rulesets:
    """Finds and loads rulesets by name, once each."""

    def __init__(self, default: str | None) -> None:
        self.default = default or DEFAULT_RULESET
        self.cache: dict[str, RulesetChoice] = {}

    def __call__(self, name: str | None) -> RulesetChoice:
        key = name or self.default
        found = self.cache.get(key)
        if found is None:
            try:
                loaded = load_ruleset(find_ruleset(key))
            except (FileNotFoundError, RulesetError) as exc:
                raise LookupError(str(exc)) from exc
            found = self.cache[key] = RulesetChoice(loaded.ruleset, loaded.sha256, loaded.text)
        return found


def _hosts(args: argparse.Namespace, lan: str) -> list[str]:
    if args.host:
        return list(dict.fromkeys(args.host))
    return list(dict.fromkeys([lan, "127.0.0.1"]))


def _allow_hosts(
    game: GameServer, bound: list[tuple[str, int]], lan: str, public: str | None
) -> None:
    """Accept the ``Host`` values that name an address a socket is bound to: IP literals are
    treated like names, so ``[::1]`` is refused unless an IPv6 socket can be reached at it."""
    for bound_host, port in bound:
        loopback: tuple[str, ...] = ()
        if bound_host in ("0.0.0.0", "::"):
            game.allow_host(lan, port)
            loopback = ("127.0.0.1", "::1") if bound_host == "::" else ("127.0.0.1",)
        elif bound_host in ("127.0.0.1", "::1"):
            loopback = (bound_host,)
        else:
            game.allow_host(bound_host, port)
        for name in loopback:
            game.allow_host(name, port)
        if loopback:
            game.allow_host("localhost", port)
    if public:
        netloc = urlsplit(public).netloc.lower()
        if netloc:
            game.allowed_hosts.add(netloc)


async def serve(args: argparse.Namespace, *, out: TextIO) -> int:
    """Run until SIGINT/SIGTERM; returns the exit status."""
    lan = lan_address()
    if not is_lan_address(lan):
        log.warning("%s is a public address: Cibo is meant for a home network", lan)
    rulesets = _Rulesets(args.ruleset)
    try:
        rulesets(None)
    except LookupError as exc:
        print(f"cibo serve: {exc}", file=sys.stderr)
        return 2
    try:
        mqtt = mqtt_settings(args)
    except ValueError as exc:  # a bad --mqtt URL or option, or device file
        print(f"cibo serve: {exc}", file=sys.stderr)
        return 2

    store: GameStorePort
    recovered: tuple[RecoveredGame, ...] = ()
    corrupt: tuple[CorruptGame, ...] = ()
    disk: GameStore | None = None
    if args.no_journal:
        store = MemoryStore(keep=False)
    else:
        disk = GameStore(args.data)
        try:
            recovery = await asyncio.to_thread(
                disk.recover, keep_finished=RoomLimits().finished_idle_seconds
            )
        except JournalError as exc:
            print(f"cibo serve: {exc.message}", file=sys.stderr)
            return 1
        recovered, corrupt = recovery.games, recovery.corrupt
        for bad in corrupt:
            print(f"cibo serve: cannot resume {bad.path}: {bad.error.message}", file=sys.stderr)
        store = disk

    limits = RoomLimits(
        max_rooms=args.max_rooms, max_rooms_per_address=args.max_rooms_per_address
    )
    try:
        async with Registry(store=store, rulesets=rulesets, limits=limits) as registry:
            for bad in corrupt:
                if bad.room_code is not None:
                    registry.mark_unavailable(bad.room_code, "join/damaged")
            return await _serve_rooms(args, registry, recovered, lan, out, mqtt=mqtt)
    finally:
        if disk is not None:
            disk.close()


async def _restore(registry: Registry, games: tuple[RecoveredGame, ...]) -> dict[str, str]:
    tokens: dict[str, str] = {}
    for game in games:
        header = game.header
        try:
            loaded = parse_ruleset(header.ruleset_text, name=header.ruleset_id)
            choice = RulesetChoice(loaded.ruleset, loaded.sha256, loaded.text)
            room, token = await registry.restore(header, game.records, game.journal, choice)
        except Exception as exc:
            log.error("cannot resume game %s: %s", header.game_id, exc)
            registry.mark_unavailable(header.room_code, "join/damaged")
            await game.journal.aclose()
            continue
        if token is not None:  # not for a finished game, reopened only for its end screen
            tokens[room.code] = token
    return tokens


async def _serve_rooms(
    args: argparse.Namespace,
    registry: Registry,
    recovered: tuple[RecoveredGame, ...],
    lan: str,
    out: TextIO,
    *,
    mqtt: MqttSettings | None = None,
) -> int:
    host_tokens = await _restore(registry, recovered)
    if not host_tokens:  # nothing resumed that can still be played
        for _ in range(max(0, args.rooms)):
            try:
                room, token = await registry.create(args.ruleset, args.difficulty)
            except RoomRefused as exc:
                print(f"cibo serve: {exc.message}", file=sys.stderr)
                return 2
            host_tokens[room.code] = token

    limits = ServerLimits(
        max_connections=args.max_connections,
        max_per_address=args.max_per_address,
        rate=args.rate,
        burst=2 * args.rate,
    )

    def qr(code: str) -> bytes | None:
        normal = normalize_code(code)
        room = registry.get(normal) if normal else None
        return None if room is None else qr_svg(registry.join_url(room.code))

    # The replay API reads (never writes) the data directory the journals are written to.
    replay = ReplayApi(GameStore(args.data))
    bridge = None
    if mqtt is not None:
        from cibo.transports.mqtt import Bridge  # loads the MQTT client only when it is used

        bridge = Bridge(mqtt, RegistrySource(registry))

    def status() -> dict[str, Any]:
        """The bridge's state for /api/health (a gadget or a script can watch it)."""
        if bridge is None:
            return {}
        return {"mqtt": {"state": bridge.status.state, "detail": bridge.status.detail}}

    site = StaticSite(
        clients_dir(), qr=qr, health=lambda: len(registry.rooms), status=status, api=replay
    )
    game = GameServer(registry, site=site, limits=limits)
    hosts = _hosts(args, lan)
    if args.port == 0 and len(hosts) > 1:
        hosts = hosts[:1]  # one free port cannot be shared by several binds
    try:
        server = await game.serve(hosts, args.port)
    except OSError as exc:
        print(f"cibo serve: cannot listen on {', '.join(hosts)}:{args.port}: {exc}",
              file=sys.stderr)
        return 1
    bound = [(str(s.getsockname()[0]), int(s.getsockname()[1])) for s in server.sockets]
    port = bound[0][1]
    _allow_hosts(game, bound, lan, args.public_url)
    shown = hosts[0] if args.host and hosts[0] not in ("0.0.0.0", "::") else lan
    base = (args.public_url or f"http://{_netloc(shown, port)}").rstrip("/")
    registry.set_base_url(base)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    collector = loop.create_task(_collect_garbage(), name="cibo-gc")
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if bridge is not None:
        bridge.sync_rooms()  # follow the rooms from their current event on
        bridge_task = loop.create_task(bridge.run(), name="cibo-mqtt")
    try:
        rooms = [registry.rooms[c] for c in host_tokens if c in registry.rooms]
        _banner(out, base, rooms=rooms, tokens=host_tokens, args=args, bound=bound)
        if mqtt is not None:
            print(f"MQTT bridge: {mqtt.url}, topics {mqtt.prefix}/#", file=out, flush=True)
        if args.ready_file is not None:
            _write_ready(args.ready_file, base, port, rooms, host_tokens)
        await stop.wait()
        print("cibo serve: shutting down", file=out, flush=True)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await registry.close_all("server/shutting_down")
        if bridge is not None:  # after the rooms: their "closed" goes out, then "offline"
            await bridge.aclose()
            await bridge_task
        server.close()  # 1001 to connections that never joined a room
        await server.wait_closed()
        await game.close_tasks()
        site.close()
        collector.cancel()
        gc.enable()
    return 0


async def _collect_garbage() -> None:
    """Run the cyclic garbage collector on a schedule instead of on allocation counts.

    Play makes no reference cycles (measured: none in 15 s of 400 rooms at 1 command/s);
    connections opening and closing do. Left automatic, the collector still walked the heap
    every few thousand allocations and paused the event loop for 40-130 ms at 2,000
    connections, which was the whole tail of the command latency. So: what lives as long as
    the server (modules, rulesets, resumed rooms) is frozen out of every collection; the young
    generations are collected every :data:`GC_YOUNG_EVERY` s (a few milliseconds), the whole
    heap every :data:`GC_FULL_EVERY` s.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    loop = asyncio.get_running_loop()
    last_full = loop.time()
    try:
        while True:
            await asyncio.sleep(GC_YOUNG_EVERY)
            if loop.time() - last_full >= GC_FULL_EVERY:
                gc.collect()
                last_full = loop.time()
            else:
                gc.collect(1)
    finally:
        gc.enable()


def _netloc(host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    return name if port == 80 else f"{name}:{port}"


def _banner(
    out: TextIO,
    base: str,
    *,
    rooms: list[Room],
    tokens: dict[str, str],
    args: argparse.Namespace,
    bound: list[tuple[str, int]],
) -> None:
    listening = ", ".join(f"http://{_netloc(h, p)}" for h, p in bound)
    lines = [f"Cibo is listening on {listening}"]
    for room in rooms:
        code = room.code
        join = f"{base}/j/{code}"
        status = room.status
        lines += [
            "",
            f"  Room {code}  ({room.ruleset_name}, {status})",
            f"  Table display:  {base}/table/?code={code}",
            f"  Join:           {join}    code {code}",
            f"  Host link:      {join}#host={tokens[code]}",
        ]
    if rooms and not args.no_qr:
        lines += ["", qr_terminal(f"{base}/j/{rooms[0].code}")]
    warning = loopback_warning(base)
    if warning:
        lines += ["", warning]
    if args.no_journal:
        lines.append("Journal: off (games are not saved)")
    else:
        lines.append(f"Journals: {(args.data or default_data_dir()) / 'games'}")
    lines.append("Press Ctrl+C to stop.")
    print("\n".join(lines), file=out, flush=True)


def loopback_warning(base: str) -> str:
    """A warning when the join URL ``base`` names this machine only (phones cannot reach
    it); empty otherwise."""
    host = (urlsplit(base).hostname or "").lower()
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if not loopback:
        return ""
    return (
        f"Warning: the join URL ({base}) is loopback only: phones cannot reach it. "
        "Bind the LAN address (cibo serve without --host, or --host 0.0.0.0) or set --public-url."
    )


def _write_ready(
    path: Path, base: str, port: int, rooms: list[Room], tokens: dict[str, str]
) -> None:
    data: dict[str, Any] = {
        "url": base,
        "port": port,
        "pid": os.getpid(),
        "rooms": [
            {
                "code": r.code,
                "host_token": tokens[r.code],
                "join_url": f"{base}/j/{r.code}",
                "table_url": f"{base}/table/?code={r.code}",
            }
            for r in rooms
        ],
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)
