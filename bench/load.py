"""Load benchmark: R rooms x (4 phones + 1 table display) playing through real WebSockets.

The server is ``cibo serve`` in its own process (journal on, in a temporary data directory);
this process runs every client. A command's latency is the time from sending it to the moment
the *last* of the room's five clients has received the update carrying its last event. Reports
latency p50/p95/p99/max, commands/s, the server's CPU seconds and peak RSS (from ``/proc``).

    uv run python bench/load.py                     # the three scenarios below, 20 s each
    uv run python bench/load.py --scenario single --seconds 10
    uv run python bench/load.py --rooms 50 --rate 4 --seconds 15

Scenarios: ``single`` (1 room, as fast as it goes: every seat acts as soon as it may);
``closed`` (1 room, one command in flight, as the peer bench's scenario *a*: the next command
is sent once all five clients have the update of the last); ``r100`` (100 rooms, 2 commands/s
each); ``r400`` (400 rooms, 1 command/s each: 2,000 connections). A game's restart (a new room,
its lobby) is no command's latency: a closed loop's latency is that of the moves between
restarts. Phones use msgpack, table displays JSON (as browsers do). Bots pick uniformly
random legal commands from their seat view. When a game ends the room's clients open a new room
and play on. Every loop is bounded by the scenario's duration.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import json
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proc_cpu import times  # this folder: the script's own, first on the path

from cibo.client import Client, ClientError, create_room

CLOSED = -1.0
"""The rate that means one command in flight per room (the ``closed`` scenario)."""
SCENARIOS = {
    "single": (1, 0.0),
    "closed": (1, CLOSED),
    "r100": (100, 2.0),
    "r400": (400, 1.0),
}


class Tracker:
    """When each update (by seq) reached one client."""

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.times: list[float] = []

    def __call__(self, client: Client, message: dict[str, Any]) -> None:
        if message.get("type") == "update":
            self.seqs.append(int(message["seq"]))
            self.times.append(time.perf_counter())

    def reached(self, seq: int) -> float | None:
        i = bisect.bisect_left(self.seqs, seq)
        return self.times[i] if i < len(self.times) else None


class Stats:
    def __init__(self, rooms: int) -> None:
        self.sent: list[tuple[float, int, list[Tracker]]] = []
        self.rejected = 0
        self.games = 0
        self.errors = 0
        self.setup_s = 0.0
        """Time spent opening rooms and seating players (summed over rooms)."""
        self.rooms = rooms
        self.ready = 0
        self.all_ready = asyncio.Event()
        self.deadline = float("inf")
        """Set once every room plays: the end of the measured window."""

    def running(self) -> bool:
        return time.perf_counter() < self.deadline


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a process."""
    _, user, system = times(Path(f"/proc/{pid}/stat"))
    return user, system


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(
    data: Path, rooms: int, *, journal: bool = True
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    ready = data / "ready.json"
    store = ["--data", str(data / "journal")] if journal else ["--no-journal"]
    caps = str(rooms * 3 + 10)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cibo.cli", "serve", "--host", "127.0.0.1", "--port", "0",
         *store, "--ready-file", str(ready), "--no-qr", "--rooms", str(rooms),
         "--max-rooms", caps, "--max-rooms-per-address", caps, "--max-connections", "10000",
         "--max-per-address", "10000", "--rate", "100000", "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    return proc, json.loads(ready.read_text())


async def open_room(url: str, code: str, host_token: str) -> tuple[list[Client], list[Tracker]]:
    # Browsers send no protocol pings (the server pings them); neither do these clients.
    table = Client(url, code=code, role="table", codec="json", reconnect=False, keep_events=64,
                   ping_interval=None)
    phones = [
        Client(
            url,
            code=code,
            name=f"P{i}",
            host_token=host_token if i == 0 else None,
            reconnect=False,
            keep_events=64,
            ping_interval=None,
        )
        for i in range(4)
    ]
    trackers = []
    for c in [table, *phones]:
        tracker = Tracker()
        c.on_message = tracker
        trackers.append(tracker)
        await c.connect(timeout=30)
    return [table, *phones], trackers


async def lobby(phones: list[Client], rng: random.Random) -> None:
    heroes = ["killy", "cibo", "zuru", "tae"]
    for phone, hero in zip(phones, heroes, strict=True):
        await phone.command({"type": "pick_hero", "hero": hero}, timeout=30)
    await phones[0].command({"type": "start_game"}, timeout=30)


def pick(client: Client, rng: random.Random) -> dict[str, Any] | None:
    legal = client.state.get("actions") or []
    if not legal:
        return None
    choice = legal[rng.randrange(len(legal))]
    return {k: choice[k] for k in ("type", "hero", "action", "target") if k in choice}


def pick_any(phones: list[Client], rng: random.Random) -> tuple[Client, dict[str, Any]] | None:
    """A random legal command of a random seat among those that may act, and its phone."""
    options = [(p, c) for p in phones if (c := pick(p, rng)) is not None]
    return options[rng.randrange(len(options))] if options else None


async def send(
    client: Client, command: dict[str, Any], trackers: list[Tracker], stats: Stats
) -> int | None:
    """Send ``command`` and note when it was sent; the seq of its last event, if accepted."""
    t0 = time.perf_counter()
    try:
        result = await client.command(command, timeout=30)
    except (ClientError, TimeoutError):
        stats.errors += 1
        return None
    if result.get("ok"):
        seq = int(result["seq"])
        stats.sent.append((t0, seq, trackers))
        return seq
    stats.rejected += 1
    return None


async def seat_loop(client: Client, trackers: list[Tracker], stats: Stats,
                    rng: random.Random) -> None:
    """As fast as it goes: act whenever this seat may."""
    while stats.running() and client.state.get("status") == "playing":
        command = pick(client, rng)
        if command is None:
            try:
                await client.changed(timeout=5.0)
            except TimeoutError:
                return
            continue
        await send(client, command, trackers, stats)


async def paced_loop(phones: list[Client], trackers: list[Tracker], stats: Stats,
                     rate: float, rng: random.Random) -> None:
    """``rate`` commands per second for the room, from whichever seat may act."""
    next_at = time.perf_counter() + rng.random() / rate
    while stats.running() and phones[0].state.get("status") == "playing":
        await asyncio.sleep(max(0.0, min(next_at, stats.deadline) - time.perf_counter()))
        if not stats.running():
            break
        next_at = max(next_at + 1.0 / rate, time.perf_counter())
        chosen = pick_any(phones, rng)
        if chosen is not None:
            await send(*chosen, trackers, stats)


def _caught_up(seq: int) -> Callable[[Client], bool]:
    """Whether a client has seen the room's event ``seq``."""
    return lambda c: (c.seq or 0) >= seq


async def closed_loop(clients: list[Client], trackers: list[Tracker], stats: Stats,
                      rng: random.Random) -> None:
    """One command in flight: a random legal command of any seat, then wait until every
    client of the room has its update."""
    phones = clients[1:]
    while stats.running() and phones[0].state.get("status") == "playing":
        chosen = pick_any(phones, rng)
        if chosen is None:
            try:
                await phones[0].changed(timeout=5.0)
            except TimeoutError:
                return
            continue
        seq = await send(*chosen, trackers, stats)
        if seq is None:
            continue
        for client in clients:
            try:
                await client.wait_for(_caught_up(seq), timeout=30)
            except (ClientError, TimeoutError):
                stats.errors += 1
                return


async def room_driver(url: str, code: str, host_token: str, rate: float, stats: Stats,
                      seed: int) -> None:
    rng = random.Random(seed)
    first = True
    while stats.running():
        t0 = time.perf_counter()
        clients, trackers = await open_room(url, code, host_token)
        phones = clients[1:]
        try:
            await lobby(phones, rng)
            await phones[0].wait_for(lambda c: c.state.get("status") == "playing", timeout=60)
            stats.setup_s += time.perf_counter() - t0
            if first:
                first = False
                stats.ready += 1
                if stats.ready == stats.rooms:
                    stats.all_ready.set()
                await stats.all_ready.wait()
            if rate == CLOSED:
                await closed_loop(clients, trackers, stats, rng)
            elif rate:
                await paced_loop(phones, trackers, stats, rate, rng)
            else:
                await asyncio.gather(*(seat_loop(p, trackers, stats, rng) for p in phones))
            stats.games += phones[0].state.get("status") in ("won", "lost")
        finally:
            for c in clients:
                await c.close()
        if stats.running():
            t0 = time.perf_counter()
            code, host_token = await create_room(url)
            stats.setup_s += time.perf_counter() - t0


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def run_scenario(
    name: str, rooms: int, rate: float, seconds: float, *, journal: bool = True
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cibo-bench-") as tmp:
        proc, info = await asyncio.to_thread(start_server, Path(tmp), rooms, journal=journal)
        try:
            url = f"ws://127.0.0.1:{info['port']}/ws"
            stats = Stats(rooms)
            start = time.perf_counter()
            tasks = []
            for i, room in enumerate(info["rooms"]):
                tasks.append(asyncio.create_task(
                    room_driver(url, room["code"], room["host_token"], rate, stats, i)))
                if i % 20 == 19:
                    await asyncio.sleep(0.05)  # spread the joins
            async with asyncio.timeout(180):
                await stats.all_ready.wait()
            ready_after = time.perf_counter() - start
            await asyncio.sleep(1.0)  # let the first commands and their fsyncs settle
            # This process's own collector pauses would show up as server latency: pause it
            # while measuring (memory grows for seconds only).
            gc.collect()
            gc.freeze()
            gc.disable()
            await asyncio.sleep(0.5)  # the commands that came due meanwhile go out first
            measured_from = time.perf_counter()
            deadline = stats.deadline = measured_from + seconds
            cpu0 = cpu_seconds(proc.pid)
            own0 = time.process_time()
            # CPU is read at the end of the window, not after the clients have closed.
            await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
            measured_to = time.perf_counter()
            cpu1 = cpu_seconds(proc.pid)
            user, system = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
            cpu = user + system
            own = time.process_time() - own0
            rss = peak_rss_mib(proc.pid)
            results = await asyncio.gather(*tasks, return_exceptions=True)
            gc.enable()
            gc.unfreeze()
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    failures = [r for r in results if isinstance(r, BaseException)]
    for failure in failures[:3]:
        print(f"driver failed: {failure!r}", file=sys.stderr)
    window = [(t0, seq, tr) for t0, seq, tr in stats.sent if measured_from <= t0 < measured_to]
    latencies = []
    missing = 0
    for t0, seq, trackers in window:
        reached = [t.reached(seq) for t in trackers]
        if any(r is None for r in reached):
            missing += 1
            continue
        latencies.append((max(r for r in reached if r is not None) - t0) * 1000)
    latencies.sort()
    elapsed = measured_to - measured_from
    return {
        "scenario": name,
        "journal": journal,
        "rooms": rooms,
        "connections": rooms * 5,
        "rate_per_room": "closed" if rate == CLOSED else rate or "max",
        "seconds": round(elapsed, 1),
        "commands": len(window),
        "commands_per_s": round(len(window) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "server_cpu_s": round(cpu, 1),
        "server_user_s": round(user, 1),
        "server_sys_s": round(system, 1),
        "server_cpu_pct": round(100 * cpu / elapsed, 0),
        "server_peak_rss_mib": round(rss, 1),
        "load_generator_cpu_pct": round(100 * own / elapsed, 0),
        "rejected": stats.rejected,
        "errors": stats.errors + len(failures),
        "missing_updates": missing,
        "games_finished": stats.games,
        "setup_s_per_room": round(stats.setup_s / rooms, 1),
        "all_rooms_ready_after_s": round(ready_after, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--rooms", type=int, help="a custom scenario: this many rooms")
    parser.add_argument("--rate", type=float, default=1.0, help="custom scenario: cmd/s/room")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per scenario")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--no-journal", action="store_true",
                        help="run the server without its journal (to see what durability costs)")
    args = parser.parse_args()
    if args.rooms:
        plan = [("custom", args.rooms, args.rate)]
    elif args.scenario == "all":
        plan = [(n, r, q) for n, (r, q) in SCENARIOS.items()]
    else:
        plan = [(args.scenario, *SCENARIOS[args.scenario])]
    seconds = min(max(args.seconds, 1.0), 120.0)
    results = []
    for name, rooms, rate in plan:
        result = asyncio.run(
            run_scenario(name, rooms, rate, seconds, journal=not args.no_journal)
        )
        results.append(result)
        print(json.dumps(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
