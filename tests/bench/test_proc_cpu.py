"""``bench/proc_cpu.py``: a running process's CPU over a window, user and system, by thread.

A child process spins in user code on one thread and makes system calls on another; the tool,
run as a user would run it, must see each where it was spent.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "bench" / "proc_cpu.py"

CHILD = """
import os, threading, time
def syscalls():
    fd = os.open("/dev/zero", os.O_RDONLY)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        os.read(fd, 1 << 23)  # a few ms in the kernel, without the GIL
threading.Thread(target=syscalls, daemon=True).start()
print("ready", flush=True)
end = time.monotonic() + 30
x = 0
while time.monotonic() < end:
    x += 1
"""


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], check=False, capture_output=True, text=True, timeout=60
    )


def test_it_splits_a_process_cpu_by_thread_into_user_and_system() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # CPU spent before the window, which must not count
        done = run_tool("--pid", str(child.pid), "--seconds", "1.5", "--per", "500")
    finally:
        child.kill()
        child.wait()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "CPU seconds in 1.5 s (user, system)"
    found = {}
    for line in lines[1:]:
        m = re.fullmatch(
            r"  (.+): user ([\d.]+) s, system ([\d.]+) s; per unit ([\d.]+) \+ ([\d.]+) ms", line
        )
        assert m, line
        found[m[1]] = (float(m[2]), float(m[3]), float(m[4]), float(m[5]))
    assert next(iter(found)) == "process"
    user, system, user_ms, system_ms = found.pop("process")
    # Threads are named by their id; the main thread's is the process's.
    main = next(v for k, v in found.items() if k.endswith(f"({child.pid})"))
    (reader,) = (v for k, v in found.items() if not k.endswith(f"({child.pid})"))
    # The window's CPU, not the CPU since the child started: the counting thread ran a core's
    # worth at most (2.5 s since it started), and both together at most two (the reader runs
    # in the kernel without the interpreter lock); what the threads spent adds up to the
    # process's.
    assert 0.5 <= main[0] + main[1] <= 1.5 + 0.05
    assert 0.5 <= user + system <= 2 * 1.5 + 0.1
    # The files of one snapshot are read one after another, so a busy machine that pauses the
    # tool between them lets the threads run on meanwhile (seen: 0.07 s with a second test
    # run beside it); a tenth of a second is far below what a missing thread would take.
    assert abs(sum(v[0] for v in found.values()) - user) <= 0.1
    assert abs(sum(v[1] for v in found.values()) - system) <= 0.1
    busiest = [v[0] + v[1] for v in found.values()]
    assert busiest == sorted(busiest, reverse=True)
    assert main[0] > main[1]  # counting is user work
    assert reader[1] > 0  # reading /dev/zero is kernel work
    # Per unit: 500 units in the window, so ms a unit = 2 × the seconds (printed to 0.01 s).
    assert abs(user_ms - 2 * user) <= 0.011 and abs(system_ms - 2 * system) <= 0.011


def test_a_missing_process_is_refused_clearly() -> None:
    done = run_tool("--pid", "999999999", "--seconds", "0.1")
    assert done.returncode == 2
    assert "no process 999999999" in done.stderr


def test_a_window_must_have_a_length() -> None:
    done = run_tool("--pid", "1", "--seconds", "0")
    assert done.returncode == 2
    assert "--seconds must be above 0" in done.stderr
