"""Journal throughput with group commit: N simulated rooms append records as fast as they can.

Each room submits ``--burst`` records (1: one command at a time, as a room awaiting each
acknowledgement; 4: several commands reaching a room in the same tick), awaits them, repeats.
Rooms share each group-commit round (one write per file, then one ``syncfs`` for all of them,
or one ``fdatasync`` per file with ``--sync fdatasync``); a room's records of one burst share
its round. Prints acknowledged records/s, records and files per sync, files per round and
append latency percentiles.

    uv run python bench/journal_commit.py                    # 1, 10, 50, 200 rooms; burst 1, 4
    uv run python bench/journal_commit.py --rooms 50 --burst 1 --sync syncfs fdatasync

``--rate R``: open loop instead, each room submitting R commands a second (a burst each, at a
random phase) and never more, as the peer bench's scenario c does (400 rooms, 1 a second):

    uv run python bench/journal_commit.py --rooms 400 --rate 1 --burst 1 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from cibo.journal import CommandRecord, GameJournal, GameStore, GroupCommit, LoggedEvent
from cibo.journal.writer import SyncMode

EVENT = {
    "type": "table_rolled",
    "table": "spawns",
    "band": "alert",
    "roll": {"formula": "2d6", "dice": [3, 5], "total": 8, "counter_end": 1234},
    "row": 3,
    "text": "Two Safeguard exterminators arrive",
    "at": "north_gate",
}


async def room(
    journal: GameJournal,
    deadline: float,
    events: int,
    burst: int,
    lat: list[float],
    rate: float = 0.0,
) -> None:
    """Submit bursts until ``deadline``: back to back, or ``rate`` bursts a second."""
    due = time.perf_counter()
    if rate > 0:
        due += random.random() / rate  # rooms start at random phases, as players do
        await asyncio.sleep(due - time.perf_counter())
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        futures = []
        for _ in range(burst):  # several commands reach the room in the same tick
            seq = journal.last_seq + 1
            record = CommandRecord(
                ts=time.time(),
                seat="p1",
                cmd_id=f"c{seq}",
                command={"type": "act", "seat": "p1", "hero": "h1", "action": "fish"},
                events=tuple(LoggedEvent(seq + i, EVENT) for i in range(events)),
            )
            futures.append(journal.submit(record))
        await asyncio.gather(*futures)
        lat.extend([time.perf_counter() - t0] * burst)
        if rate > 0:
            due += 1 / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))


async def run(
    rooms: int,
    seconds: float,
    events: int,
    burst: int,
    sync: SyncMode,
    base: Path,
    rate: float = 0.0,
) -> None:
    group = GroupCommit(sync=sync)
    store = GameStore(base / f"rooms{rooms}", group=group)
    journals = [
        await store.create_game(
            room_code=f"R{i}",
            ruleset_id="bench",
            ruleset_sha256="0" * 64,
            ruleset_text="",
            seed=bytes(32),
            engine_version="bench",
        )
        for i in range(rooms)
    ]
    lat: list[float] = []
    t0 = time.perf_counter()
    await asyncio.gather(*(room(j, t0 + seconds, events, burst, lat, rate) for j in journals))
    elapsed = time.perf_counter() - t0
    for j in journals:
        await j.aclose()
    group.close()
    s = group.stats
    q = statistics.quantiles(lat, n=100)
    print(
        f"{rooms:>5} rooms x{burst} {group.sync:>9}  {s.records / elapsed:>9,.0f} records/s  "
        f"{s.records * events / elapsed:>9,.0f} events/s  "
        f"{s.records / s.syncs:>6.2f} records/sync  {s.files / s.jobs:>6.1f} files/round  "
        f"{s.jobs / elapsed:>6,.0f} rounds/s  "
        f"p50 {q[49] * 1000:6.2f} ms  p99 {q[98] * 1000:6.2f} ms  max {max(lat) * 1000:6.2f} ms  "
        f"({s.bytes / s.records:.0f} B/record)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, nargs="*", default=[1, 10, 50, 200])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--events", type=int, default=4, help="events per command record")
    parser.add_argument(
        "--burst",
        type=int,
        nargs="*",
        default=[1, 4],
        help="records a room submits before awaiting them (default 1 and 4)",
    )
    parser.add_argument(
        "--sync",
        nargs="*",
        choices=["auto", "syncfs", "fdatasync"],
        default=["auto"],
        help="how a round is made durable (default auto: syncfs where available)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open loop: bursts per second per room (default 0: as fast as acknowledged)",
    )
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="cibo-bench-") as tmp:
        print(f"writing under {tmp}, {args.seconds:g} s per run, {args.events} events/record")
        for sync in args.sync:
            for burst in args.burst:
                for n in args.rooms:
                    run_dir = Path(tmp) / f"{sync}-b{burst}"
                    asyncio.run(
                        run(n, args.seconds, args.events, burst, sync, run_dir, args.rate)
                    )


if __name__ == "__main__":
    main()
