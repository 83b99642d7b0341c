"""The room task: journal before send, batching, journal failure, closing."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import msgpack  # type: ignore[import-untyped]  # msgpack ships no type hints
from rooms_helpers import HOST_TOKEN, SEED, loaded

from cibo.core import new_game
from cibo.journal.errors import JournalError
from cibo.journal.format import Record
from cibo.protocol import MSGPACK
from cibo.protocol.codecs import EncodeMemo
from cibo.rooms import MemoryLog, Room, RoomSession
from cibo.rooms.room import OUTBOX
from cibo.rooms.tokens import token_hash


class FakePeer:
    """Records frames; counts encodes to check that fan-out encodes once per codec."""

    encodes = 0

    def __init__(self, key: str = "cibo.v1.msgpack") -> None:
        self.codec_key = key
        self.frames: list[bytes] = []
        self.closed: str | None = None

    def encode(self, message: Mapping[str, Any], memo: EncodeMemo | None = None) -> bytes:
        FakePeer.encodes += 1
        return MSGPACK.encode(message) if memo is None else MSGPACK.encode_shared(message, memo)

    def send(self, frame: bytes) -> None:
        self.frames.append(frame)

    def flush(self) -> None:
        pass

    def close(self, reason: str) -> None:
        self.closed = reason

    def messages(self) -> list[dict[str, Any]]:
        return [msgpack.unpackb(f) for f in self.frames]


class SlowLog(MemoryLog):
    """A journal whose records become durable only when the test says so."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: list[asyncio.Future[None]] = []

    def submit(self, record: Record) -> asyncio.Future[None]:
        self.records.append(record)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        return future

    def release(self) -> None:
        for f in self.waiting:
            if not f.done():
                f.set_result(None)


def _session() -> RoomSession:
    lr = loaded("electro-fishers")
    state = new_game(lr.ruleset, ruleset_sha256=lr.sha256, seed=SEED)
    return RoomSession(code="BCDF", state=state, host_token_hash=token_hash(HOST_TOKEN))


async def test_nothing_is_sent_before_the_journal_has_it() -> None:
    log = SlowLog()
    room = Room(_session(), log)
    task = asyncio.create_task(room.run())
    table = FakePeer()
    assert (await room.join(1, table, role="table")).ok
    phone = FakePeer()
    joining = asyncio.create_task(room.join(2, phone, role="player", name="Ann"))
    await asyncio.sleep(0.05)
    assert log.records and not phone.frames  # journaled, not yet durable: nothing sent
    assert len(table.frames) == 1  # only the table's own welcome
    log.release()
    assert (await joining).ok
    kinds = [m["type"] for m in phone.messages()]
    assert kinds == ["welcome"]
    assert [m["type"] for m in table.messages()] == ["welcome", "update", "room"]
    await room.close()
    await task


async def test_batches_wait_for_the_disk_in_order_and_at_most_four_at_a_time() -> None:
    """While the journal holds their records, up to OUTBOX batches wait to be sent and the room
    takes no more requests; once durable they go out in the order they were decided."""
    log = SlowLog()
    room = Room(_session(), log)
    task = asyncio.create_task(room.run())
    table = FakePeer()
    assert (await room.join(1, table, role="table")).ok
    names = ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay"]
    joins = []
    for i, name in enumerate(names):  # each join is a batch of its own, journaled
        joins.append(asyncio.create_task(room.join(10 + i, FakePeer(), role="player", name=name)))
        await asyncio.sleep(0.02)
    assert len(room._outbox) == OUTBOX == 4  # the room task waits for room in the queue
    assert len(room.inbox) == 1  # and the sixth join waits for it
    assert [m["type"] for m in table.messages()] == ["welcome"]  # nothing sent yet
    while not all(j.done() for j in joins):
        log.release()  # each release makes the batches submitted so far durable
        await asyncio.sleep(0.01)
    assert all(j.result().ok for j in joins)
    updates = [m for m in table.messages() if m["type"] == "update"]
    seqs = [m["seq"] for m in updates]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == len(names)
    seated = [m["room"] for m in table.messages() if m["type"] == "room"][-1]
    assert [p["name"] for p in seated["seats"]] == names
    await room.close()
    await task


async def test_fan_out_encodes_once_per_codec() -> None:
    room = Room(_session(), MemoryLog())
    task = asyncio.create_task(room.run())
    peers = [FakePeer() for _ in range(5)] + [FakePeer("cibo.v1.json") for _ in range(5)]
    for i, peer in enumerate(peers):
        assert (await room.join(i, peer, role="spectator")).ok
    FakePeer.encodes = 0
    host = FakePeer()
    assert (await room.join(99, host, role="player", name="Ann")).ok
    # One update for the spectator audience (2 codecs), one room message (2 codecs), and the
    # welcome for the new player.
    assert FakePeer.encodes == 5
    assert all(p.frames[-1] == peers[0].frames[-1] for p in peers[:5])
    await room.close()
    await task


async def test_journal_failure_stops_the_game_and_never_acknowledges() -> None:
    log = MemoryLog(fail_after=3)  # the room fact, Ann's join (2 records), then failure
    session = _session()
    room = Room(session, log)
    task = asyncio.create_task(room.run())
    ann = FakePeer()
    assert (await room.join(1, ann, role="player", name="Ann")).ok
    bob = FakePeer()
    outcome = await room.join(2, bob, role="player", name="Bob")
    assert not outcome.ok and outcome.code == "room/stopped"
    assert not bob.frames  # the join was not saved, so nothing of it was sent
    messages = ann.messages()
    assert messages[-2]["type"] == "error" and messages[-2]["code"] == "room/stopped"
    assert messages[-1]["room"]["stopped"] is True
    assert not any(m["type"] == "update" for m in messages[1:])
    await room.command(1, "c1", {"type": "pick_hero", "hero": "killy"}, None)
    await room.close()
    await task
    results = [m for m in ann.messages() if m["type"] == "result"]
    assert results[-1]["error"]["code"] == "room/stopped"


async def test_a_journal_that_raises_at_submit_also_stops_the_game() -> None:
    class Broken(MemoryLog):
        def submit(self, record: Record) -> asyncio.Future[None]:
            raise JournalError("disk on fire", code="journal/io")

    room = Room(_session(), Broken())
    task = asyncio.create_task(room.run())
    outcome = await room.join(1, FakePeer(), role="player", name="Ann")
    assert outcome.code == "room/stopped"
    assert room.session.stopped
    await room.close()
    await task


async def test_close_ends_the_task_and_later_joins_are_refused() -> None:
    log = MemoryLog()
    room = Room(_session(), log)
    task = asyncio.create_task(room.run())
    peer = FakePeer()
    assert (await room.join(1, peer, role="table")).ok
    await room.close("server/shutting_down")
    await task
    assert peer.closed == "server/shutting_down"
    assert log.closed
    assert (await room.join(2, FakePeer(), role="table")).code == "room/closed"
    await room.leave(1)  # harmless after the end


class PickyPeer(FakePeer):
    """Cannot encode messages that mention ``poison`` (a stand-in for any encoding bug)."""

    def encode(self, message: Mapping[str, Any], memo: EncodeMemo | None = None) -> bytes:
        if "poison" in repr(message):
            raise ValueError("cannot encode this")
        return super().encode(message, memo)


async def test_a_message_that_cannot_be_encoded_is_logged_and_the_room_plays_on(
    caplog: Any,
) -> None:
    room = Room(_session(), MemoryLog())
    task = asyncio.create_task(room.run())
    ann, table = PickyPeer(), PickyPeer()
    assert (await room.join(1, ann, role="player", name="Ann")).ok
    assert (await room.join(2, table, role="table")).ok
    await room.command(1, "poison-1", {"type": "pick_hero", "hero": "killy"}, None)
    await room.command(1, "c2", {"type": "pick_hero", "hero": "cibo"}, None)
    for _ in range(100):
        if any(m.get("cmd_id") == "c2" for m in ann.messages()):
            break
        await asyncio.sleep(0.01)
    assert next(m for m in ann.messages() if m.get("cmd_id") == "c2")["ok"]
    assert "cannot encode" in caplog.text
    assert not task.done()
    await room.close()
    await task


async def test_a_room_that_fails_tells_its_clients_and_answers_waiting_joins() -> None:
    room = Room(_session(), MemoryLog())
    phone = FakePeer()
    room.peers[1] = phone
    room.abort("room/crashed")
    assert room.done.is_set() and phone.closed == "room/crashed"
    bye = phone.messages()[-1]
    assert bye["type"] == "bye" and bye["code"] == "room/crashed"
    assert not (await room.join(3, FakePeer(), role="table")).ok
