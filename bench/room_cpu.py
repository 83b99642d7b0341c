"""CPU per command inside one room, without any I/O: the server's floor per command.

A room of 4 phones (msgpack) and 1 table display (JSON) plays games with bots picking uniformly
random legal commands, as in ``bench/load.py``, but through ``RoomSession`` directly: no
sockets, no WebSocket framing, no journal. Per command it times the session's ``command``
(decide + apply + journal records), its ``flush`` (every audience's events and view) and the
encoding of what was sent (each message once per codec its receivers use), and reports the
sizes of the updates sent. Times are the process's CPU time (``time.process_time``), not wall
time, so that other work on a shared machine inflates them less; the bots' own choice of a
command is not counted.

    uv run python bench/room_cpu.py
    uv run python bench/room_cpu.py --seconds 20 --seed 7
    uv run python bench/room_cpu.py --ruleset path/to/scavenge.toml   # the peer bench's toy game
    uv run python bench/room_cpu.py --commands 2000 --idle 5 --churn 2048   # as at a low rate

``--idle`` and ``--churn`` (not timed) make each command find the machine as a server at a low
rate does: the core idle for a while, the caches full of other connections' work.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "rooms"))

from rooms_helpers import Harness

from cibo.core.views import legal_actions
from cibo.protocol.codecs import JSON, MSGPACK
from cibo.rooms import Send, Step

cpu = time.process_time
TABLE = 900
HEROES = ["killy", "cibo", "zuru", "tae"]


def encode(steps: list[Step], sizes: dict[str, list[int]]) -> None:
    """Encode what was sent as the room's fan-out does: each message once per codec its
    receivers use, what the messages share once per codec (one memo per codec)."""
    phones: dict[int, Any] = {}
    table: dict[int, Any] = {}
    for step in steps:
        for action in step.actions:
            if not isinstance(action, Send):
                continue
            message = action.message
            to_table = TABLE in action.clients
            to_phones = any(c != TABLE for c in action.clients)
            if to_phones:
                data = MSGPACK.encode_shared(message, phones)
                if message["type"] == "update":
                    sizes["phone update (msgpack)"].append(len(data))
            if to_table:
                text = JSON.encode_shared(message, table)
                if message["type"] == "update":
                    sizes["table update (JSON)"].append(len(text))


def between(idle_ms: float, churn: bytearray) -> None:
    """What a server does between two moves at a low rate, not timed: write one byte of every
    64 (a cache line) of ``churn``, other memory (other connections' work evicts the caches),
    and/or sleep ``idle_ms`` (the core idles)."""
    for i in range(0, len(churn), 64):
        churn[i] = (churn[i] + 1) & 0xFF
    if idle_ms:
        time.sleep(idle_ms / 1000)


def run(
    seconds: float,
    seed: int,
    ruleset: str = "electro-fishers",
    commands_max: int | None = None,
    idle_ms: float = 0.0,
    churn_kb: int = 0,
) -> dict[str, Any]:
    """Play for ``seconds`` (or until ``commands_max`` commands): the same seed plays the same
    games, so a fixed count compares two versions of the code on the same work."""
    rng = random.Random(seed)
    totals = {"command": 0.0, "flush": 0.0, "encode": 0.0}
    sizes: dict[str, list[int]] = {"phone update (msgpack)": [], "table update (JSON)": []}
    commands = games = 0
    churn = bytearray(churn_kb * 1024)
    deadline = time.perf_counter() + seconds
    limit = commands_max if commands_max is not None else float("inf")
    while time.perf_counter() < deadline and commands < limit:
        h = Harness(ruleset)
        heroes = list(h.ruleset.ruleset.heroes)
        phones = h.lobby(["Ann", "Bob", "Cy", "Di"], HEROES if "killy" in heroes else heroes[:4])
        assert h.hello(TABLE, role="table").ok
        session = h.session
        games += 1
        while (
            session.state.status == "playing"
            and time.perf_counter() < deadline
            and commands < limit
        ):
            options = [(p, a) for p in phones for a in legal_actions(session.state, h.seats[p])]
            if not options:
                break
            phone, chosen = options[rng.randrange(len(options))]
            command: dict[str, Any] = {
                k: chosen[k] for k in ("type", "hero", "action", "target") if k in chosen
            }
            t0 = cpu()
            step = session.command(phone, f"c{commands}", command)
            t1 = cpu()
            flushed = session.flush()
            t2 = cpu()
            encode([step, flushed], sizes)
            t3 = cpu()
            totals["command"] += t1 - t0
            totals["flush"] += t2 - t1
            totals["encode"] += t3 - t2
            commands += 1
            between(idle_ms, churn)
    per = {k: round(v / commands * 1000, 3) for k, v in totals.items()}
    return {
        "games": games,
        "commands": commands,
        "ms_per_command": per,
        "ms_per_command_total": round(sum(per.values()), 3),
        "update_bytes": {
            k: {"p50": statistics.median(v), "mean": round(statistics.fmean(v))}
            for k, v in sizes.items()
            if v
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ruleset", default="electro-fishers", help="a name or a .toml path")
    parser.add_argument("--commands", type=int, help="stop after this many commands")
    parser.add_argument(
        "--idle", type=float, default=0.0, metavar="MS", help="sleep this long after each command"
    )
    parser.add_argument(
        "--churn", type=int, default=0, metavar="KB", help="write this much other memory after each"
    )
    args = parser.parse_args()
    result = run(args.seconds, args.seed, args.ruleset, args.commands, args.idle, args.churn)
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
