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
    uv run python bench/room_cpu.py --commands 2000 --free-rules   # the room without its rules

``--idle`` and ``--churn`` (not timed) make each command find the machine as a server at a low
rate does: the core idle for a while, the caches full of other connections' work.

``--free-rules`` plays the same commands (``--commands`` of them, however long they take)
three times and prints the last two: once to record what the engine decides, once as they
are, then with the engine's rules costing nothing (each command's decision, its events and the
state after them, is the one the first pass made, handed back instead of worked out again, and
so is each seat's list of legal commands in each state, copied as the engine would make it).
The difference is what the rules cost in the room; the second figure is what a cheaper engine
leaves standing: the room's own bookkeeping, the views and the encoding.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "rooms"))

from rooms_helpers import Harness

import cibo.core.views
import cibo.rooms.session
from cibo.core import Command, Decision, GameState, play
from cibo.core.views import legal_actions, legal_commands
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


class RecordedRules:
    """Stands in for the room's ``play`` and the views' ``legal_commands``, in one of three
    modes (:attr:`mode`):

    - ``"record"``: the engine works, and each decision it makes and each seat's legal commands
      in each state are kept;
    - ``"engine"``: the engine works, nothing is kept (a pass to time against the replay with
      the same records in memory);
    - ``"replay"``: the decisions are handed back in the order they were made, each for the
      same command (checked), and the lists for the same states, copied as the engine makes
      them; a state not recorded (a new room's) is listed by the engine.
    """

    def __init__(self) -> None:
        self.real: Callable[[GameState, Command], Decision] = play
        self.mode: Literal["record", "engine", "replay"] = "record"
        self.made: list[tuple[Command, Decision]] = []
        self.lists: dict[tuple[int, str], tuple[GameState, list[dict[str, Any]]]] = {}
        """By the state's id and the seat: the state (kept, so that its id stays its own) and
        the seat's legal commands in it."""
        self.handed = 0
        """How many decisions the replay handed back."""
        self.copied = 0
        """How many lists the replay handed back."""
        self.strayed: str | None = None

    def __call__(self, state: GameState, command: Command) -> Decision:
        if self.mode != "replay":
            decision = self.real(state, command)
            if self.mode == "record":
                self.made.append((command, decision))
            return decision
        if self.handed < len(self.made) and self.made[self.handed][0] == command:
            self.handed += 1
            return self.made[self.handed - 1][1]
        # The room turns any engine failure into a rejected command and goes on: say it here,
        # where check() finds it, as well as by raising.
        self.strayed = self.strayed or f"replay diverged at decision {self.handed}: {command!r}"
        raise RuntimeError(self.strayed)

    def listed(self, state: GameState, seat: str) -> list[dict[str, Any]]:
        """The seat's legal commands in ``state``, as the mode says."""
        if self.mode == "replay":
            kept = self.lists.get((id(state), seat))
            if kept is not None and kept[0] is state:
                self.copied += 1
                return [dict(entry) for entry in kept[1]]
        listed = legal_commands(state, seat)
        if self.mode == "record":
            self.lists[id(state), seat] = (state, listed)
        return listed

    def check(self) -> None:
        """Raise ``RuntimeError`` unless the replay handed back every decision, in order, each
        for the command it was made for."""
        if self.strayed is None and self.handed != len(self.made):
            self.strayed = f"replay diverged: {self.handed} of {len(self.made)} decisions used"
        if self.strayed is not None:
            raise RuntimeError(self.strayed)


@contextlib.contextmanager
def recorded_rules() -> Iterator[RecordedRules]:
    """The rooms' ``play`` and the views' ``legal_commands`` replaced by a
    :class:`RecordedRules` while the block runs."""
    rules = RecordedRules()
    room_module = vars(cibo.rooms.session)  # where RoomSession.run finds the engine's play
    views_module = vars(cibo.core.views)  # where a seat's view finds its legal commands
    assert room_module["play"] is play
    assert views_module["legal_commands"] is legal_commands
    room_module["play"] = rules
    views_module["legal_commands"] = rules.listed
    try:
        yield rules
    finally:
        room_module["play"] = play
        views_module["legal_commands"] = legal_commands


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
    parser.add_argument(
        "--free-rules",
        action="store_true",
        help="time the same commands with the engine, then with its decisions and legal "
        "commands replayed from a recorded pass (needs --commands, which alone bounds them)",
    )
    args = parser.parse_args()
    if args.free_rules and args.commands is None:
        parser.error("--free-rules needs --commands (every pass plays the same commands)")

    # With --free-rules only the count bounds the passes: a first pass cut by the clock could
    # stop after opening a game whose lobby the later passes, bounded by the count, never play.
    seconds = float("inf") if args.free_rules else args.seconds

    def once(commands: int | None) -> dict[str, Any]:
        return run(seconds, args.seed, args.ruleset, commands, args.idle, args.churn)

    if not args.free_rules:
        for key, value in once(args.commands).items():
            print(f"{key}: {value}")
        return
    with recorded_rules() as rules:
        played = once(args.commands)["commands"]  # recorded, not reported
        rules.mode = "engine"  # the same commands, with what the replay reads in memory too
        passes = {"with the rules": once(played)}
        rules.mode = "replay"
        passes["rules free"] = once(played)
        rules.check()
    for name, result in passes.items():
        print(f"{name}: commands {result['commands']}, ms_per_command {result['ms_per_command']}, "
              f"total {result['ms_per_command_total']}")


if __name__ == "__main__":
    main()
