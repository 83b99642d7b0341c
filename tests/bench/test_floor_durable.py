"""``bench/floor_durable.py --contract``: the floor sends what a Cibo room sends for the peer
bench's toy game, so that the cost of Cibo's messages is measured apart from its engine.

The toy game is written here as a ruleset (six linked zones, four heroes taking one turn each,
one action that adds to a zone's noise and a move counter); one move is played in a real
``RoomSession`` and on a running floor, and the updates the five clients get are compared by
shape: the same events, the same patched collections, each seat's own ``changes``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rooms"))

from rooms_helpers import Harness

from cibo.core.views import legal_actions

FLOOR = Path(__file__).resolve().parents[2] / "bench" / "floor_durable.py"
TABLE = 900


def toy_ruleset() -> str:
    zones = [f"z{i}" for i in range(6)]
    lines = [
        "[ruleset]",
        'id = "test-toy"',
        'name = "Toy"',
        'version = "0.1.0"',
        "players = { min = 4, max = 4 }",
        "heroes = { min = 4, max = 4 }",
        "rounds = 1000",
        'text = "Six counters, one move."',
        "[rules]",
        'home = "z0"',
    ]
    for z in zones:
        lines += [f"[zones.{z}]", f"links = {json.dumps([o for o in zones if o != z])}"]
    lines += ["[tracks.moves]", "min = 0", "max = 100000", "start = 0"]
    for i in range(4):
        lines += [f"[heroes.h{i}]", f'name = "H{i}"', "hp = 1", "move = 1", 'attack = "1d6"']
    lines += [
        "[actions.scavenge]",
        "cost = 1",
        'target = "zone"',
        "here = true",
        'do = [ { noise = "$target", by = 1 }, { add = "moves", by = 1 } ]',
        'label = "Scavenge"',
        "[units.none]",
        'name = "None"',
        "hp = 1",
        "move = 0",
        "attack = 0",
        'behavior = ["attack_hero"]',
        "[[round]]",
        'phase = "turns"',
        'turns = "each_hero"',
        "actions = 1",
        "[end]",
        'victory = [ { id = "never", when = "round < 0" } ]',
        'defeat = [ { id = "out_of_time", when = "round > rounds" } ]',
        "[difficulty.normal]",
        'label = "Normal"',
    ]
    return "\n".join(lines) + "\n"


def cibo_updates(ruleset: Path) -> dict[str, dict[str, Any]]:
    """The updates of the first move of the game (hero h0 scavenges z2), by who got them:
    ``table``, ``mover``, ``next`` (the seat whose turn begins) and ``other``."""
    h = Harness(str(ruleset))
    phones = h.lobby(["Ann", "Bob", "Cy", "Di"], ["h0", "h1", "h2", "h3"])
    assert h.hello(TABLE, role="table").ok
    mover = next(p for p in phones if legal_actions(h.session.state, h.seats[p]))
    for client in h.inbox:
        h.inbox[client].clear()
    h.run(h.session.command(mover, "m1", {"type": "act", "hero": "h0", "action": "scavenge",
                                          "target": "z2"}))
    nxt = next(p for p in phones if legal_actions(h.session.state, h.seats[p]))
    other = next(p for p in phones if p not in (mover, nxt))
    got = {name: [m for m in h.inbox[c] if m["type"] == "update"]
           for name, c in (("table", TABLE), ("mover", mover), ("next", nxt), ("other", other))}
    assert all(len(updates) == 1 for updates in got.values()), got
    return {name: updates[0] for name, updates in got.items()}


async def floor_updates(port: int) -> dict[str, dict[str, Any]]:
    """The same move on the floor (seat 0 scavenges zone 2), by who got it."""
    url = f"ws://127.0.0.1:{port}/ws"
    conns = {}
    for seat in ("table", 0, 1, 2, 3):
        ws = await connect(url)
        await ws.send(json.dumps({"type": "join", "room": "r", "seat": seat}))
        assert json.loads(await ws.recv())["type"] == "joined"
        conns[seat] = ws
    await conns[0].send(json.dumps({"type": "move", "mid": 1,
                                    "action": {"type": "scavenge", "zone": 2}}))
    got = {name: json.loads(await asyncio.wait_for(conns[seat].recv(), 10))
           for name, seat in (("table", "table"), ("mover", 0), ("next", 1), ("other", 2))}
    for ws in conns.values():
        await ws.close()
    return got


def skeleton(value: Any) -> Any:
    """``value`` without its numbers and strings: the keys of its maps and the entries of its
    lists all the way down, each scalar replaced by its type's name but the kinds of things
    (a ``type``: of a message, an event, a command)."""
    if isinstance(value, dict):
        return {k: v if k == "type" else skeleton(v) for k, v in value.items()}
    if isinstance(value, list):
        return [skeleton(v) for v in value]
    return type(value).__name__


def shape(update: dict[str, Any]) -> Any:
    """What an update carries for the game, without its values: its events, its patch and its
    own changes (the harness's ``mid`` and ``turn`` beside them are the floor's protocol)."""
    return skeleton({k: update.get(k) for k in ("type", "seq", "events", "patch", "changes")})


def play_on_floor(*options: str) -> dict[str, dict[str, Any]]:
    """Start the floor with ``options`` on a free port, play :func:`floor_updates`' move on it,
    stop it; the updates by who got them."""
    server = subprocess.Popen(
        [sys.executable, str(FLOOR), "--host", "127.0.0.1", "--port", "0", *options],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # "floor on 127.0.0.1:PORT (...)"
        port = int(line.split()[2].rsplit(":", 1)[1])
        return asyncio.run(floor_updates(port))
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_contract_floor_sends_what_a_cibo_room_sends(tmp_path: Path) -> None:
    ruleset = tmp_path / "toy.toml"
    ruleset.write_text(toy_ruleset(), encoding="utf-8")
    cibo = cibo_updates(ruleset)

    floor = play_on_floor("--contract")

    for who in ("table", "mover", "next", "other"):
        assert shape(floor[who]) == shape(cibo[who]), who
    assert len(cibo["next"]["changes"]["actions"]) == 7, "the six zones and ending the turn"


@pytest.mark.parametrize("sync", [(), ("--sync-inline",)], ids=["writer-thread", "inline"])
def test_the_durable_floor_keeps_each_move_in_its_rooms_file(
    tmp_path: Path, sync: tuple[str, ...]
) -> None:
    updates = play_on_floor("--contract", "--durable", str(tmp_path), *sync)

    assert updates["mover"]["seq"] == 5
    (log,) = tmp_path.iterdir()  # the room's file
    (line,) = log.read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == {"type": "move", "mid": 1, "action": {"type": "scavenge", "zone": 2}}


def test_syncing_inline_needs_a_directory() -> None:
    run = subprocess.run(
        [sys.executable, str(FLOOR), "--sync-inline"],
        check=False, capture_output=True, text=True, timeout=30,
    )
    assert run.returncode == 2
    assert "--sync-inline needs --durable DIR" in run.stderr
