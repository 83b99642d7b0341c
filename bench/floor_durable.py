"""The peer bench's toy game on a bare ``websockets`` server, with Cibo's guarantees or without:
the floor under a Cibo move, measured by the same harness.

It speaks the harness's plain protocol (``ADAPTER-CONTRACT.md`` of the peer bench: ``join``,
``move``, ``update`` to the five clients of a room) and plays its toy game (six counters, turns
0-3), with nothing of Cibo: no rules engine, no per-seat legal actions, no lobby. Options add
what Cibo guarantees, one at a time, so that their cost on this machine is measured apart:

- ``--durable DIR``: each accepted move is appended to its room's file in ``DIR`` and made
  durable (``fdatasync``) before anyone is sent its update, by one writer thread that
  commits every room's waiting moves together (one write and one sync per file per round,
  one wake-up of the event loop), as Cibo's journal does.
- ``--sync-inline``: with ``--durable``, the move is written and synced on the event loop's
  own thread instead (no writer thread, no hand-off, no group commit): every room waits while
  the disk syncs. What durability costs a Python server without the threads' hand-off.
- ``--per-seat``: every connection gets its own update (its seat in it), encoded for it,
  instead of one encoding for all five, as Cibo's per-audience views are.
- ``--contract``: with ``--per-seat``, each update also carries what a Cibo update carries for
  the toy game (``docs/protocol.md``): the move's five numbered events, the ``patch`` of the
  counters and heroes that changed, and each seat's own ``changes`` (whose turn, what it may
  take back, and for the seats whose turn began or ended their legal commands). Written by hand
  for this one game: what is shared is encoded once and spliced into each seat's message, no
  view is built or compared. The cost of Cibo's messages without Cibo's engine.

Run through the harness's generic adapter, from the copy of the peer bench:

    node load.mjs --peer jsonws --scenario a --server-cmd \\
      "$PY /path/to/bench/floor_durable.py --host {host} --port {port} --durable /var/tmp/fd"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

_Job = tuple[int, bytes, asyncio.Future[None]]


class Writer:
    """One thread that appends and syncs what the rooms submit, in rounds (group commit)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.wake = threading.Condition()
        self.waiting: list[_Job] = []
        threading.Thread(target=self._run, name="floor-writer", daemon=True).start()

    def submit(self, fd: int, data: bytes) -> asyncio.Future[None]:
        future: asyncio.Future[None] = self.loop.create_future()
        with self.wake:
            self.waiting.append((fd, data, future))
            self.wake.notify()
        return future

    def _run(self) -> None:
        while True:
            with self.wake:
                while not self.waiting:
                    self.wake.wait()
                jobs, self.waiting = self.waiting, []
            by_file: dict[int, list[bytes]] = {}
            for fd, data, _ in jobs:
                by_file.setdefault(fd, []).append(data)
            for fd, chunks in by_file.items():
                os.write(fd, b"".join(chunks))
                os.fdatasync(fd)
            self.loop.call_soon_threadsafe(_resolve, [f for _, _, f in jobs])


def _resolve(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)


class Room:
    def __init__(self, name: str, durable: Path | None, number: int) -> None:
        self.conns: dict[Any, ServerConnection] = {}
        self.state: dict[str, Any] = {"turn": 0, "seq": 0, "lastMid": 0, "zones": [0] * 6,
                                      "log": []}
        self.fd = -1
        if durable is not None:
            path = durable / f"{number}-{abs(hash(name))}.log"
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.lock = asyncio.Lock()  # moves of a room reach the disk and the clients in order
        self.events = 0  # the events numbered so far (--contract)


class Floor:
    """The rooms, and how a move is made durable: not at all (``durable`` None), by a
    :class:`Writer` thread, or on the loop's own thread (``inline``). Made on the running loop."""

    def __init__(
        self, durable: Path | None, per_seat: bool, contract: bool = False, inline: bool = False
    ) -> None:
        self.rooms: dict[str, Room] = {}
        self.durable = durable
        self.per_seat = per_seat or contract
        self.contract = contract
        self.writer: Writer | None = None
        if durable is not None:
            durable.mkdir(parents=True, exist_ok=True)
            if not inline:
                self.writer = Writer(asyncio.get_running_loop())

    async def handler(self, ws: ServerConnection) -> None:
        room: Room | None = None
        seat: Any = None
        try:
            async for text in ws:
                msg = json.loads(text)
                if msg.get("type") == "join":
                    room = self.rooms.get(msg["room"])
                    if room is None:
                        room = self.rooms[msg["room"]] = Room(
                            msg["room"], self.durable, len(self.rooms)
                        )
                    seat = msg["seat"]
                    if seat in room.conns:
                        await ws.send(json.dumps({"type": "error", "code": "seat_taken"}))
                        continue
                    room.conns[seat] = ws
                    await ws.send(json.dumps(
                        {"type": "joined", "room": msg["room"], "seat": seat, "state": room.state}
                    ))
                elif msg.get("type") == "move" and room is not None:
                    await self.move(room, seat, msg)
        finally:
            if room is not None and room.conns.get(seat) is ws:
                del room.conns[seat]

    async def move(self, room: Room, seat: Any, msg: dict[str, Any]) -> None:
        st = room.state
        mid = msg.get("mid")
        ws = room.conns[seat]
        if seat != st["turn"]:
            await ws.send(json.dumps({"type": "error", "code": "not_your_turn", "mid": mid}))
            return
        action = msg.get("action") or {}
        zone = action.get("zone")
        if action.get("type") != "scavenge" or type(zone) is not int or not 0 <= zone <= 5:
            await ws.send(json.dumps({"type": "error", "code": "invalid_move", "mid": mid}))
            return
        st["zones"][zone] += 1
        st["seq"] += 1
        st["lastMid"] = mid
        st["log"] = [*st["log"], {"p": seat, "z": zone, "m": mid}][-8:]
        st["turn"] = (seat + 1) % 4
        async with room.lock:
            if self.durable is not None:
                record = json.dumps(msg).encode() + b"\n"
                if self.writer is not None:
                    await self.writer.submit(room.fd, record)
                else:  # --sync-inline: every room waits for this sync
                    os.write(room.fd, record)
                    os.fdatasync(room.fd)
            if self.contract:
                shared = _shared(st, room.events, seat, zone, mid)
                room.events += 5
                for who, conn in list(room.conns.items()):
                    with contextlib.suppress(Exception):
                        conn.transport.write(_frame(_own(shared, st["turn"], seat, who)))
                return
            update = {
                "type": "update", "mid": mid, "turn": st["turn"], "seq": st["seq"], "state": st
            }
            if self.per_seat:
                for who, conn in list(room.conns.items()):
                    with contextlib.suppress(Exception):
                        conn.transport.write(_frame(json.dumps({**update, "me": who})))
            else:
                frame = _frame(json.dumps(update))
                for conn in list(room.conns.values()):
                    with contextlib.suppress(Exception):
                        conn.transport.write(frame)


def _shared(st: dict[str, Any], n: int, seat: int, zone: int, mid: Any) -> str:
    """The start of every seat's update for ``seat``'s move on ``zone`` as Cibo sends it for
    the toy game (``st``: the state after it), encoded once for the five: the move's five
    events, numbered after ``n``, and the patch of what changed. Each seat's own ``changes``
    and the closing brace follow (:func:`_own`)."""
    turn = st["turn"]
    hero, nxt, z = f"h{seat}", f"h{turn}", f"z{zone}"
    events = [
        {"seq": n + 1, "event": {"type": "action_taken", "seat": f"s{seat + 1}", "hero": hero,
                                 "action": "scavenge", "target": z, "cost": 1, "noise": 0,
                                 "roll": None, "success": None}},
        {"seq": n + 2, "event": {"type": "noise_changed", "values": {z: st["zones"][zone]}}},
        {"seq": n + 3, "event": {"type": "track_changed", "track": "moves", "value": st["seq"],
                                 "delta": 1, "cause": "action:scavenge"}},
        {"seq": n + 4, "event": {"type": "turn_ended", "hero": hero}},
        {"seq": n + 5, "event": {"type": "turn_started", "hero": nxt, "actions": 1}},
    ]
    patch = {
        "tracks": {"moves": {"value": st["seq"]}},
        "heroes": {str(seat): {"actions_left": 0, "done": True},
                   str(turn): {"actions_left": 1, "done": False}},
        "zones": {z: {"noise": st["zones"][zone]}},
    }
    return (f'{{"type":"update","mid":{json.dumps(mid)},"turn":{turn},"seq":{n + 5},'
            f'"events":{json.dumps(events)},"patch":{json.dumps(patch)},"changes":')


def _own(shared: str, turn: int, seat: int, who: Any) -> str:
    """``who``'s update: ``shared`` and its own ``changes``: whose turn it is, what it may take
    back, and the legal commands of a seat whose turn ended (none) or began (the six zones and
    ending the turn)."""
    changes: dict[str, Any] = {"turn": f"h{turn}",
                               "undo": {"seat": f"s{seat + 1}", "can": who == seat}}
    if who == seat:
        changes["actions"] = []
    elif who == turn:
        hero = f"h{turn}"
        changes["actions"] = [
            *({"type": "act", "hero": hero, "action": "scavenge", "target": f"z{i}", "cost": 1}
              for i in range(6)),
            {"type": "end_turn", "hero": hero, "cost": 0},
        ]
    return shared + json.dumps(changes) + "}"


def _frame(text: str) -> bytes:
    """One unmasked text frame (what a server sends), as Cibo frames its messages."""
    data = text.encode()
    n = len(data)
    if n < 126:
        return bytes((0x81, n)) + data
    if n < 1 << 16:
        return bytes((0x81, 126)) + n.to_bytes(2, "big") + data
    return bytes((0x81, 127)) + n.to_bytes(8, "big") + data


async def main(
    host: str,
    port: int,
    durable: Path | None,
    per_seat: bool,
    contract: bool = False,
    inline: bool = False,
) -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    floor = Floor(durable, per_seat, contract, inline)
    async with serve(floor.handler, host, port, compression=None, ping_interval=None,
                     backlog=511) as server:
        port = server.sockets[0].getsockname()[1]  # the one picked, with --port 0
        print(f"floor on {host}:{port} (durable: {durable}, synced inline: {inline}, "
              f"per seat: {floor.per_seat}, contract: {contract})", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--durable", type=Path, metavar="DIR")
    parser.add_argument("--per-seat", action="store_true")
    parser.add_argument(
        "--contract", action="store_true", help="Cibo's updates (implies --per-seat)"
    )
    parser.add_argument(
        "--sync-inline", action="store_true", help="with --durable: sync on the loop's thread"
    )
    args = parser.parse_args()
    if args.sync_inline and args.durable is None:
        parser.error("--sync-inline needs --durable DIR")
    asyncio.run(
        main(args.host, args.port, args.durable, args.per_seat, args.contract, args.sync_inline)
    )
