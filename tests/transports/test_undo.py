"""Undo through real sockets: take back a move, the refusals, the host's undo, and the journal.

A seat takes back its latest commands while no die was rolled and nothing hidden shown since;
the host takes back anyone's. The journal holds each undo (format 2), so resuming, replaying
and ``cibo verify`` go back exactly as the room did, and a forged undo fails verification.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from live_server import live_server

from cibo.client import Client
from cibo.core import new_game, view_state
from cibo.journal import GameStore, read_journal
from cibo.journal.format import FORMAT, CommandRecord, encode_frame, record_to_payload
from cibo.journal.replay import rebuild_state, replay_steps
from cibo.journal.verify import verify_journal
from cibo.rooms.session import RoomSession


def _move(c: Client) -> dict[str, Any]:
    """A move the seat may make now (costs an action, rolls nothing)."""
    moves = [a for a in c.state["actions"] if a["type"] == "act" and a["action"] == "move"]
    assert moves, c.state["actions"]
    a = moves[0]
    return {"type": "act", "hero": a["hero"], "action": "move", "target": a["target"]}


def _hero(c: Client) -> dict[str, Any]:
    return next(h for h in c.state["heroes"] if h["seat"] == c.seat)


async def test_undo_takes_back_a_move_until_a_roll_and_the_journal_proves_it(
    tmp_path: Path,
) -> None:
    store = GameStore(tmp_path)
    async with live_server(ruleset="factory-raid", store=store) as live:
        ann = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        bob = Client(live.url, code=live.code, name="Bob")
        table = Client(live.url, code=live.code, role="table")
        for c in (ann, bob, table):
            await c.connect()
        assert (await ann.command({"type": "pick_hero", "hero": "killy"}))["ok"]
        assert (await bob.command({"type": "pick_hero", "hero": "cibo"}))["ok"]
        assert (await ann.command({"type": "start_game"}))["ok"]
        await table.wait_for(lambda c: c.state["status"] == "playing")
        session = live.registry.rooms[live.code].session
        turn = session.state.hero(session.state.turn)
        assert turn is not None
        active, waiting = (ann, bob) if turn.seat == ann.seat else (bob, ann)
        await active.wait_for(lambda c: c.seq == session.seq)

        # Nothing to take back right after the start (starting is never undone).
        first = await active.command({"type": "undo"})
        assert first["error"]["code"] == "undo/nothing"
        assert active.state["undo"] == {"seat": None, "can": False}

        before = _hero(active)
        assert (await active.command(_move(active)))["ok"]
        await table.wait_for(lambda c: c.seq == session.seq)
        await waiting.wait_for(lambda c: c.seq == session.seq)
        assert _hero(active)["zone"] != before["zone"]
        assert active.state["undo"] == {"seat": active.seat, "can": True}
        assert waiting.state["undo"] == {"seat": active.seat, "can": False}
        assert table.state["undo"]["seat"] == active.seat

        # Another player may not take it back (unless they are the host: see below).
        if waiting is bob:
            refused = await bob.command({"type": "undo"})
            assert refused["error"]["code"] == "undo/not_yours"
            refused = await bob.command({"type": "undo", "seat": ann.seat})
            assert refused["error"]["code"] == "undo/not_yours"
        malformed = await active.command({"type": "undo", "seat": 7})
        assert malformed["error"]["code"] == "command/malformed"

        undone = await active.command({"type": "undo"})
        assert undone["ok"]
        await table.wait_for(lambda c: c.seq == session.seq)
        assert _hero(active)["zone"] == before["zone"]
        assert _hero(active)["actions_left"] == before["actions_left"]
        said = table.events[-1]["event"]
        assert said["type"] == "command_undone" and said["seat"] == active.seat
        assert said["by"] == active.seat and said["action"] == "move"
        assert (await active.command({"type": "undo"}))["error"]["code"] == "undo/nothing"

        # The host takes back another seat's move.
        if active is ann:
            assert (await ann.control("transfer_host", bob.seat))["ok"]
            await bob.wait_for(lambda c: c.host)
        host = waiting if active is ann else ann
        assert (await active.command(_move(active)))["ok"]
        await host.wait_for(lambda c: c.seq == session.seq)
        assert host.state["undo"] == {"seat": active.seat, "can": False}
        assert (await host.command({"type": "undo", "seat": active.seat}))["ok"]
        await active.wait_for(lambda c: c.seq == session.seq)
        assert _hero(active)["zone"] == before["zone"]
        said = active.events[-1]["event"]
        assert said["type"] == "command_undone" and said["by"] == host.seat

        # End turns until one rolls dice (the Safeguard's phase): that is never taken back.
        rolled = None
        for _ in range(12):
            hero = session.state.hero(session.state.turn)
            assert hero is not None
            mover = ann if hero.seat == ann.seat else bob
            await mover.wait_for(lambda c: c.seq == session.seq)
            assert (await mover.command({"type": "end_turn", "hero": hero.id}))["ok"]
            if session.undo.latest is None and session.undo.blocker == "undo/rolled":
                rolled = mover
                break
        assert rolled is not None
        await rolled.wait_for(lambda c: c.seq == session.seq)
        assert rolled.state["undo"] == {"seat": None, "can": False}
        refused = await rolled.command({"type": "undo"})
        assert refused["error"]["code"] == "undo/rolled"
        assert refused["error"]["message"]
        live_state, live_seq = session.state, session.seq
        live_undo = [m.seat for m in session.undo.marks]
        for c in (ann, bob, table):
            await c.close()

    # The journal: format 2, every undo in it, and the game rebuilt exactly as it was.
    path = store.game_files()[0]
    contents = read_journal(path)
    assert contents.header.format == FORMAT == 2
    undos = [r for r in contents.records
             if isinstance(r, CommandRecord) and r.command["type"] == "undo"]
    assert len(undos) == 2
    assert view_state(rebuild_state(contents.header, contents.records), "table") == view_state(
        live_state, "table"
    )
    _, steps = replay_steps(contents.header, contents.records)
    assert steps[-1].seq == live_seq
    assert view_state(steps[-1].state, "table") == view_state(live_state, "table")
    # A room resumed from it (after a crash) agrees, down to what may be taken back.
    fresh = RoomSession(
        code="BCDF",
        state=new_game(live_state.ruleset, ruleset_sha256=contents.header.ruleset_sha256,
                       seed=bytes.fromhex(contents.header.seed)),
        host_token_hash="",
    )
    fresh.restore(contents.records)
    assert fresh.seq == live_seq
    assert view_state(fresh.state, "table") == view_state(live_state, "table")
    assert [m.seat for m in fresh.undo.marks] == live_undo
    assert fresh.undo.blocker == "undo/rolled"

    # cibo verify re-decides every undo...
    verdict = verify_journal(str(path))
    assert verdict.ok, verdict.failure
    assert any("2 taken back" in check for check in verdict.checks)

    # ...and rejects a forged one: an undo of the command that rolled the dice,
    payloads = [contents.header.to_payload(), *(record_to_payload(r) for r in contents.records)]
    last = max(e["seq"] for p in payloads[1:] for e in p.get("events", []))
    seat = next(p for p in reversed(payloads) if p.get("k") == "cmd")["seat"]
    forged_event = {"type": "command_undone", "seat": seat, "by": seat, "back_to": last - 1,
                    "command": "end_turn", "hero": "killy", "action": "", "target": ""}
    forged = [*payloads, {"k": "cmd", "ts": 1.0, "seat": seat, "cmd_id": "forged",
                          "command": {"type": "undo", "seat": seat, "of": seat},
                          "events": [{"seq": last + 1, "event": forged_event}]}]
    bad = verify_journal(b"".join(encode_frame(p) for p in forged))
    assert not bad.ok and "[undo/rolled]" in bad.failure, bad.failure
    # ...an honest undo whose event lies about where the game goes back to,
    lied = [dict(p) for p in payloads]
    i = next(i for i, p in enumerate(lied) if p.get("command", {}).get("type") == "undo")
    event = dict(lied[i]["events"][0]["event"], back_to=1)
    lied[i] = dict(lied[i], events=[{"seq": lied[i]["events"][0]["seq"], "event": event}])
    bad = verify_journal(b"".join(encode_frame(p) for p in lied))
    assert not bad.ok and "back_to" in bad.failure, bad.failure
    # ...and an undo by a seat that is neither the command's nor the host's.
    other = [dict(p) for p in payloads]
    first_undo = other[i]
    victim = first_undo["command"]["of"]
    stranger = next(s for s in ("s1", "s2") if s != victim)
    if stranger != _host_at(other, i):
        other[i] = dict(first_undo, seat=stranger,
                        command={"type": "undo", "seat": stranger, "of": victim})
        bad = verify_journal(b"".join(encode_frame(p) for p in other))
        assert not bad.ok and "[undo/not_yours]" in bad.failure, bad.failure


def _host_at(payloads: list[dict[str, Any]], index: int) -> str:
    host = ""
    for p in payloads[1:index]:
        data = p.get("data", {}) if p.get("k") == "meta" else {}
        if data.get("fact") == "host":
            host = data["seat"]
    return host
