"""CPU to open one room's game, without any I/O: what scenario *d* of the peer bench asks.

A room is set up as the peer bench's Cibo adapter does it, through ``RoomSession`` directly:
the table display says hello, four phones join (the first with the host token), each picks a
hero, and the host starts the game; after each, the session's flush (as the room task does
after a batch). Reported per room, the least of ``--passes`` passes of ``--rooms`` rooms
(process CPU time, so that other work on a shared machine inflates it less):

* ``session``: the joins, picks and start, with every audience's events and views;
* ``encoding``: every message sent, as JSON (what browsers use), each once per step with the
  step's pieces shared (as the room's fan-out encodes them).

Run each version of the code in its own process, alternating, to compare two of them:

    uv run python bench/room_setup_cpu.py
    uv run python bench/room_setup_cpu.py --rooms 500 --passes 6
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "rooms"))

from rooms_helpers import HOST_TOKEN, Harness

from cibo.protocol.codecs import JSON, EncodeMemo
from cibo.rooms import Send, Step

cpu = time.process_time
TABLE = 900
PHONES = [101, 102, 103, 104]
HEROES = ["killy", "cibo", "zuru", "tae"]


def open_room(ruleset: str) -> tuple[float, list[Step]]:
    """One room set up; the session's CPU seconds and every step it gave."""
    session = Harness(ruleset).session
    steps: list[Step] = []
    t0 = cpu()

    def run(step: Step) -> None:
        steps.append(step)
        steps.append(session.flush())

    run(session.hello(TABLE, role="table"))
    for k, phone in enumerate(PHONES):
        token = HOST_TOKEN if k == 0 else None
        run(session.hello(phone, role="player", name=f"P{k}", host_token=token))
    for k, phone in enumerate(PHONES):
        run(session.command(phone, f"pick-{k}", {"type": "pick_hero", "hero": HEROES[k]}))
    run(session.command(PHONES[0], "start", {"type": "start_game"}))
    assert session.state.status == "playing", "the game did not start"
    return cpu() - t0, steps


def encode(steps: list[Step]) -> float:
    """CPU seconds to encode every message of ``steps`` as JSON, sharing each step's pieces."""
    t0 = cpu()
    for step in steps:
        memo: EncodeMemo = {}
        for action in step.actions:
            if isinstance(action, Send):
                JSON.encode_shared(action.message, memo)
    return cpu() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=300)
    parser.add_argument("--passes", type=int, default=4)
    parser.add_argument("--ruleset", default="electro-fishers")
    args = parser.parse_args()
    open_room(args.ruleset)  # the ruleset loaded and its summary made, as a server's start does
    best_session = best_encoding = float("inf")
    for _ in range(args.passes):
        session = encoding = 0.0
        for _ in range(args.rooms):
            spent, steps = open_room(args.ruleset)
            session += spent
            encoding += encode(steps)
        best_session = min(best_session, session / args.rooms)
        best_encoding = min(best_encoding, encoding / args.rooms)
    print(
        f"{args.ruleset}: per room (table + 4 phones, 4 picks, start), least of {args.passes} "
        f"passes of {args.rooms}: session {best_session * 1e3:.3f} ms, "
        f"encoding {best_encoding * 1e3:.3f} ms"
    )


if __name__ == "__main__":
    main()
