"""What one durable record costs each thread: the event loop's and the journal writer's CPU.

One room appends command records one at a time, each awaited before the next (a closed loop,
as scenario *a* of the peer bench with one move in flight), to a real file in ``--dir``. Prints
records/s, and per record: the loop thread's CPU time (submitting it: the payload, its check,
the frame, the hand-over to the writer; and waiting: the wake-up when the writer reports the
round), and the whole process's (the writer thread's ``pwrite`` and ``fdatasync`` included).

    uv run python bench/journal_cpu.py
    uv run python bench/journal_cpu.py --records 20000 --events 4 --dir /var/tmp
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from cibo.journal import CommandRecord, GameStore, GroupCommit, LoggedEvent

EVENT = {"type": "action_taken", "hero": "h1", "action": "scavenge", "target": "z2", "cost": 1}


async def run(records: int, events: int, base: Path) -> None:
    group = GroupCommit()
    store = GameStore(base, group=group)
    journal = await store.create_game(
        room_code="BCDF",
        ruleset_id="bench",
        ruleset_sha256="0" * 64,
        ruleset_text="",
        seed=bytes(32),
        engine_version="bench",
    )
    submit = wait = 0.0
    loop0, proc0, wall0 = time.thread_time(), time.process_time(), time.perf_counter()
    for k in range(records):
        seq = journal.last_seq + 1
        a = time.thread_time()
        record = CommandRecord(
            ts=time.time(),
            seat="p1",
            cmd_id=f"m{k}",
            command={"type": "act", "hero": "h1", "action": "scavenge", "target": "z2"},
            events=tuple(LoggedEvent(seq + i, EVENT) for i in range(events)),
        )
        future = journal.submit(record)
        b = time.thread_time()
        await asyncio.shield(future)
        submit += b - a
        wait += time.thread_time() - b
    loop1, proc1, wall1 = time.thread_time(), time.process_time(), time.perf_counter()
    await journal.aclose()
    group.close()
    ms = 1e3 / records
    print(
        f"{records / (wall1 - wall0):,.0f} records/s ({group.sync}); CPU per record: loop thread "
        f"{(loop1 - loop0) * ms:.3f} ms (submitting {submit * ms:.3f}, waiting {wait * ms:.3f}), "
        f"whole process {(proc1 - proc0) * ms:.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--events", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None, help="on the disk to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        asyncio.run(run(args.records, args.events, Path(tmp)))


if __name__ == "__main__":
    main()
