"""``cibo serve`` as a process of its own, on 127.0.0.1 and a free port: started, found ready
through its ready file, and stopped by the test that started it (by its PID)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest


def start(
    tmp_path: Path, name: str, *extra: str, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """Start the server (journals in ``tmp_path/data``; its output in ``<name>.log``, its
    ready file ``<name>.json``, with ``env`` added to this process's environment) and wait
    until it is ready: the process and what its ready file says."""
    ready = tmp_path / f"{name}.json"
    ready.unlink(missing_ok=True)
    log = (tmp_path / f"{name}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cibo.cli", "serve", "--host", "127.0.0.1", "--port", "0",
         "--data", str(tmp_path / "data"), "--ready-file", str(ready), "--no-qr", *extra],
        stdout=log, stderr=subprocess.STDOUT,
        env=None if env is None else {**os.environ, **env},
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail((tmp_path / f"{name}.log").read_text())
        time.sleep(0.05)
    return proc, json.loads(ready.read_text())


def stop(proc: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM) -> int:
    """``sig`` to the server this test started (nothing if it has exited already); returns
    its exit status."""
    proc.send_signal(sig)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
