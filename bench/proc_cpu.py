"""A running process's CPU over a window, split into user and kernel time, by thread.

Reads ``/proc/PID/task/*/stat`` at the start and the end of the window (Linux only), so that
it works on any server, whatever its language: Cibo, the Python floor, Colyseus. With
``--per N`` it also divides by N (the moves a load generator made in the window), which
tells whether one server spends more than another in its own code (user time) or in the
kernel's (system time: socket writes and reads on loopback, the disk, waking up).

    uv run python bench/proc_cpu.py --pid 12345 --seconds 15 --per 3000

A thread that starts or ends inside the window counts for what it ran inside it (a thread
gone by the end is not seen: the process's own line, from ``/proc/PID/stat``, still counts
it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def times(stat: Path) -> tuple[str, float, float]:
    """A ``stat`` file's command name, user and system CPU seconds."""
    text = stat.read_text()
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # Fields 14 and 15 of proc(5) (utime, stime), counted from the state (field 3) here.
    return name, int(fields[11]) / TICK, int(fields[12]) / TICK


def snapshot(pid: int) -> dict[str, tuple[str, float, float]]:
    """Each thread's name and CPU so far, by thread id, and the whole process's as ``""``."""
    out = {"": times(Path(f"/proc/{pid}/stat"))}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[task.name] = times(task / "stat")
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended between the listing and the read
    return out


def measure(pid: int, seconds: float) -> list[tuple[str, float, float]]:
    """CPU seconds spent in the window: (what, user, system), the process first, then each
    thread that ran, busiest first."""
    start = snapshot(pid)
    time.sleep(seconds)
    end = snapshot(pid)
    spent = {}
    for tid, (name, user, system) in end.items():
        _, user0, system0 = start.get(tid, (name, 0.0, 0.0))
        spent[tid] = (f"{name} ({tid})" if tid else "process", user - user0, system - system0)
    whole = spent.pop("")
    threads = [row for row in spent.values() if row[1] + row[2] > 0]
    return [whole, *sorted(threads, key=lambda row: -(row[1] + row[2]))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--per", type=float, metavar="N", help="also print ms per unit (N units)")
    args = parser.parse_args()
    if args.seconds <= 0:
        parser.error("--seconds must be above 0")
    if args.per is not None and args.per <= 0:
        parser.error("--per must be above 0")
    if not Path(f"/proc/{args.pid}/stat").exists():
        parser.error(f"no process {args.pid} (this tool reads /proc: Linux only)")
    try:
        rows = measure(args.pid, args.seconds)
    except (FileNotFoundError, ProcessLookupError):
        print(f"process {args.pid} ended during the window", file=sys.stderr)
        sys.exit(1)
    print(f"CPU seconds in {args.seconds:g} s (user, system)")
    for what, user, system in rows:
        line = f"  {what}: user {user:.2f} s, system {system:.2f} s"
        if args.per:
            line += f"; per unit {user / args.per * 1000:.3f} + {system / args.per * 1000:.3f} ms"
        print(line)


if __name__ == "__main__":
    main()
