"""Where a running server's CPU goes, part by part: the thread CPU time of named functions.

Put this folder first on ``PYTHONPATH`` and name an output file; any way of starting the
server then works (``cibo serve``, the peer bench's adapter, a test)::

    PYTHONPATH=bench/server_parts CIBO_PARTS_OUT=/tmp/parts.txt uv run cibo serve --port 8765
    # ... load it (bench/load.py, the peer bench) ... then stop it (Ctrl+C, SIGTERM)
    cat /tmp/parts.txt

When the server's event loop starts, each part in :data:`PARTS` (and any named in
``CIBO_PARTS_MORE``, comma-separated ``module:Class:function`` or ``module::function``) is
wrapped so that its calls add up their thread CPU time (``time.thread_time``: what the
calling thread ran, not time spent waiting for a lock, the disk or the interpreter lock). At
exit the file lists, for each part, the CPU seconds, the calls, and the microseconds per call
and per unit (``CIBO_PARTS_UNIT``: the part whose calls are the unit, default
``Room._decide``, one per batch the room handled). Parts nest (``Room._decide`` holds
``RoomSession.command``): the figures are inclusive. The process's and the event loop
thread's whole CPU time come first, so what no part names is the difference.

With ``CIBO_PARTS_TASKS=1`` a second table splits the loop thread's CPU by what each turn of
the event loop ran: a task's step (by its coroutine: a room, a connection's handshake and
handler, a keepalive) or a callback (a socket ready to read, an accept, a journal round's
report and the room's sending that it runs), so that work no part names (handshakes, task
steps) is found too.

Being a ``sitecustomize``, it takes the place of any other one later on the path while it is
there. Each wrapped call costs two clock reads (~0.2-0.5 µs with the system call), so a part called
many times per command reads a little high; compare runs with the same parts wrapped. Nothing
is wrapped unless ``CIBO_PARTS_OUT`` is set.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import importlib.util
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PARTS = (
    "websockets.asyncio.connection:Connection:data_received",
    "cibo.protocol.codecs:JsonCodec:decode",
    "cibo.protocol.codecs:MsgpackCodec:decode",
    "cibo.transports.websocket::parse_client",
    "cibo.rooms.room:Room:_decide",
    "cibo.rooms.session:RoomSession:hello",
    "cibo.rooms.session:RoomSession:command",
    "cibo.rooms.session:RoomSession:run",
    "cibo.rooms.session:RoomSession:flush",
    "cibo.rooms.room:Room:_submit",
    "cibo.rooms.room:Room:_send",
    "cibo.rooms.room::deliver",
    "cibo.transports.websocket:WsPeer:encode",
    "cibo.transports.websocket:WsPeer:flush",
    "cibo.journal.writer:GroupCommit:_round",
    "gc::collect",
)
"""``module:Class:function`` (or ``module::function``): a function is wrapped where it is
looked up when called, i.e. in the module that calls it when it was imported by name."""

_totals: dict[str, list[float]] = {}
_by_task: dict[str, list[float]] = {}
_start: dict[str, float] = {}
"""Process CPU time, the loop thread's id and its CPU seconds when the loop started."""


def _wrap(spec: str) -> str | None:
    """Wrap one part; the reason it could not be, if it could not."""
    try:
        module_name, class_name, name = spec.split(":")
        owner: Any = importlib.import_module(module_name)
        if class_name:
            owner = getattr(owner, class_name)
        original: Callable[..., Any] = getattr(owner, name)
    except (ValueError, ImportError, AttributeError) as exc:
        return f"{spec}: {exc}"
    label = f"{class_name or module_name.rsplit('.', 1)[-1]}.{name}"
    total = _totals.setdefault(label, [0.0, 0])
    clock = time.thread_time

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return original(*args, **kwargs)
        finally:
            total[0] += clock() - start
            total[1] += 1

    timed.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(owner, name, timed)
    return None


def _install() -> list[str]:
    specs = list(PARTS)
    specs += [s for s in os.environ.get("CIBO_PARTS_MORE", "").split(",") if s.strip()]
    return [problem for spec in specs if (problem := _wrap(spec.strip())) is not None]


def _report(path: str, problems: list[str]) -> None:
    process = time.process_time() - _start["process"]
    unit_label = os.environ.get("CIBO_PARTS_UNIT", "Room._decide")
    units = _totals.get(unit_label, [0.0, 0])[1]
    lines = [
        f"process CPU {process:.3f} s since the loop started; "
        f"loop thread {_loop_seconds() - _start['loop']:.3f} s; "
        f"units ({unit_label} calls): {units:.0f}",
        f"{'part':34} {'CPU s':>9} {'calls':>9} {'µs/call':>9} {'µs/unit':>9}",
    ]
    for label, (seconds, calls) in sorted(_totals.items(), key=lambda kv: -kv[1][0]):
        per_call = 1e6 * seconds / calls if calls else 0.0
        per_unit = 1e6 * seconds / units if units else 0.0
        lines.append(f"{label:34} {seconds:9.3f} {calls:9.0f} {per_call:9.1f} {per_unit:9.1f}")
    if _by_task:
        lines += ["", f"{'loop turns: what ran':60} {'CPU s':>9} {'steps':>9} {'µs/step':>9}"]
        for label, (seconds, calls) in sorted(_by_task.items(), key=lambda kv: -kv[1][0])[:25]:
            lines.append(f"{label:60.60} {seconds:9.3f} {calls:9.0f} {1e6 * seconds / calls:9.1f}")
    lines += [f"not wrapped: {p}" for p in problems]
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


@functools.cache
def _proc_times() -> Callable[[Path], tuple[str, float, float]]:
    """``bench/proc_cpu.py``'s reader of a ``/proc`` stat file, loaded by its path (the
    server's own ``sys.path`` stays as it is) the first time it is asked for: every Python
    process on this path imports this module, only a measured one needs the reader."""
    spec = importlib.util.spec_from_file_location(
        "_cibo_bench_proc_cpu", Path(__file__).resolve().parents[1] / "proc_cpu.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reader: Callable[[Path], tuple[str, float, float]] = module.times
    return reader


def _loop_seconds() -> float:
    """The event loop thread's CPU seconds so far, user and system (from /proc: Linux)."""
    try:
        _, user, system = _proc_times()(Path(f"/proc/self/task/{_start['thread']:.0f}/stat"))
    except (OSError, ValueError, IndexError):
        return float("nan")
    return user + system


def _step_name(handle: Any) -> str:
    callback = handle._callback
    owner = getattr(callback, "__self__", None)
    if owner is not None and hasattr(owner, "get_coro"):  # a task's step
        coro = owner.get_coro()
        return f"task {getattr(coro, '__qualname__', type(coro).__name__)}"
    return str(getattr(callback, "__qualname__", type(callback).__name__))


def _count_steps() -> None:
    """Time every turn's handles (``asyncio.Handle._run``) by what they run."""
    import asyncio.events

    run = asyncio.events.Handle._run
    clock = time.thread_time

    def timed(handle: Any) -> None:
        start = clock()
        try:
            run(handle)
        finally:
            total = _by_task.setdefault(_step_name(handle), [0.0, 0])
            total[0] += clock() - start
            total[1] += 1

    asyncio.events.Handle._run = timed  # type: ignore[method-assign,assignment]


def _activate(path: str) -> None:
    import asyncio.runners

    run = asyncio.runners.Runner.run

    def run_measured(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not _start:
            problems = _install()
            if os.environ.get("CIBO_PARTS_TASKS") == "1":
                _count_steps()
            _start["process"] = time.process_time()
            _start["thread"] = threading.get_native_id()
            _start["loop"] = _loop_seconds()
            atexit.register(_report, path, problems)
        return run(self, *args, **kwargs)

    asyncio.runners.Runner.run = run_measured  # type: ignore[method-assign]


if os.environ.get("CIBO_PARTS_OUT"):
    _activate(os.environ["CIBO_PARTS_OUT"])
