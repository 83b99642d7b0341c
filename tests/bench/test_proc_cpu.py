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
        time.sleep(0.2)
        done = run_tool("--pid", str(child.pid), "--seconds", "1.5", "--per", "1000")
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
    threads = {k: v for k, v in found.items() if k != "process"}
    main = threads.pop(f"python ({child.pid})")  # the main thread's id is the process's
    (reader,) = threads.values()
    user, system, user_ms, system_ms = found["process"]
    # Two busy threads (the reader without the interpreter lock while in the kernel): at
    # least a good part of the window's 1.5 s, at most two cores' worth of it.
    assert 0.5 <= user + system <= 2 * 1.5 + 0.1
    assert main[0] > main[1]  # counting is user work
    assert reader[1] > 0  # reading /dev/zero is kernel work
    assert (user_ms, system_ms) == (round(user, 3), round(system, 3))  # 1,000 units: ms = s


def test_a_missing_process_is_refused_clearly() -> None:
    done = run_tool("--pid", "999999999", "--seconds", "0.1")
    assert done.returncode == 2
    assert "no process 999999999" in done.stderr


def test_a_window_must_have_a_length() -> None:
    done = run_tool("--pid", "1", "--seconds", "0")
    assert done.returncode == 2
    assert "--seconds must be above 0" in done.stderr
