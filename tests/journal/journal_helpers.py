"""Shared helpers for the journal tests: synthetic games made of plain dicts."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgpack  # type: ignore[import-untyped]

from cibo.journal import (
    CommandRecord,
    EndRecord,
    GameJournal,
    GameStore,
    JournalHeader,
    LoggedEvent,
    MetaRecord,
    Record,
)
from cibo.journal.format import encode_frame, record_to_payload

SEED = bytes(range(32))


def header(**over: Any) -> JournalHeader:
    fields: dict[str, Any] = {
        "game_id": "20261122T031500-ABCD-0001",
        "room_code": "ABCD",
        "created_at": 1_795_000_000.0,
        "ruleset_id": "test",
        "ruleset_sha256": "0" * 64,
        "ruleset_text": "[ruleset]\nid = 'test'\n",
        "difficulty": "normal",
        "seed_commitment": hashlib.sha256(SEED).hexdigest(),
        "seed": SEED.hex(),
        "engine_version": "1",
        "seats": (),
    }
    fields.update(over)
    return JournalHeader(**fields)


def cmd_payload(i: int, seq: int, n_events: int = 2) -> dict[str, Any]:
    return {
        "k": "cmd",
        "ts": 1_795_000_000.0 + i,
        "seat": f"s{i % 3}",
        "cmd_id": f"c{i}",
        "command": {"type": "act", "seat": f"s{i % 3}", "n": i},
        "events": [
            {"seq": seq + j, "event": {"type": "track_changed", "value": i, "j": j}}
            for j in range(n_events)
        ],
    }


def journal_bytes(n_cmds: int, n_events: int = 2) -> bytes:
    """A whole journal file: header, n_cmds command records, one meta in the middle."""
    out = [encode_frame(header().to_payload())]
    seq = 1
    for i in range(n_cmds):
        out.append(encode_frame(cmd_payload(i, seq, n_events)))
        seq += n_events
        if i == n_cmds // 2:
            out.append(encode_frame({"k": "meta", "ts": 1.0, "data": {"kick": "s9"}}))
    return b"".join(out)


async def new_journal(store: GameStore, room: str = "ABCD") -> GameJournal:
    return await store.create_game(
        room_code=room,
        ruleset_id="test",
        ruleset_sha256="0" * 64,
        ruleset_text="[ruleset]\n",
        seed=SEED,
        engine_version="1",
    )


async def play(journal: GameJournal, n_cmds: int, n_events: int = 2) -> None:
    for i in range(n_cmds):
        seq = journal.last_seq + 1
        await journal.append_command(
            seat=f"s{i % 3}",
            cmd_id=f"c{seq}",
            command={"type": "act", "seat": f"s{i % 3}"},
            events=[(seq + j, {"type": "track_changed", "value": j}) for j in range(n_events)],
        )


def frame_offsets(path: Path) -> list[int]:
    """Byte offset of every frame of a valid file, plus the file size at the end."""
    data = path.read_bytes()
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        pos += 10 + int.from_bytes(data[pos + 2 : pos + 6], "big")
    offsets.append(len(data))
    return offsets


# -- real games, played by the engine's bots ---------------------------------------------------

RULESETS = Path(__file__).resolve().parents[2] / "rulesets"


def bot_game(
    ruleset: str = "electro-fishers",
    *,
    seed: bytes = SEED,
    players: int = 3,
    policy: str = "greedy",
    difficulty: str = "normal",
    index: int = 0,
    max_commands: int | None = None,
) -> tuple[JournalHeader, list[Record]]:
    """Play a game with bots through decide/apply; return its header and journal records.

    ``max_commands`` stops early (an unfinished game); otherwise the game is played to its end
    and an ``end`` record closes it.
    """
    from cibo.core import apply as apply_event
    from cibo.core import command_to_dict, decide, event_to_dict
    from cibo.core import commands as cm
    from cibo.core.commands import command_from_wire
    from cibo.core.policies import choose
    from cibo.core.rng import Rng
    from cibo.core.rules import new_game
    from cibo.rulesets import load_ruleset
    from cibo.simulation import hero_lineup

    loaded = load_ruleset(RULESETS / f"{ruleset}.toml")
    rs = loaded.ruleset
    head = JournalHeader(
        game_id=f"20261122T031500-BOTS-{index:04x}",
        room_code="BOTS",
        created_at=1_795_000_000.0,
        ruleset_id=rs.ruleset.id,
        ruleset_sha256=loaded.sha256,
        ruleset_text=loaded.text,
        difficulty=difficulty,
        seed_commitment=hashlib.sha256(seed).hexdigest(),
        seed=seed.hex(),
        engine_version="1",
    )
    state = new_game(rs, ruleset_sha256=loaded.sha256, seed=seed, difficulty=difficulty)
    setup: list[Any] = [cm.JoinSeat(f"p{i + 1}", f"Bot {i + 1}") for i in range(players)]
    setup += [cm.PickHero(seat, kind) for seat, kind in hero_lineup(rs, players, index)]
    setup += [cm.SetDifficulty("p1", difficulty), cm.StartGame("p1")]
    records: list[Record] = []
    seq = 0
    bot_rng = Rng(hashlib.sha256(b"bot:" + seed).digest())

    def run(command: Any) -> None:
        nonlocal state, seq
        events = decide(state, command)
        logged = []
        for e in events:
            state = apply_event(state, e)
            seq += 1
            logged.append(LoggedEvent(seq, event_to_dict(e)))
        records.append(
            CommandRecord(
                ts=1_795_000_000.0 + len(records),
                seat=command.seat,
                cmd_id=f"c{len(records) + 1}",
                command=command_to_dict(command),
                events=tuple(logged),
            )
        )

    for command in setup:
        run(command)
    records.append(MetaRecord(ts=1_795_000_000.0, data={"host_token_sha256": "ab" * 32}))
    seats = [s.id for s in state.seats]
    while not state.over:
        if max_commands is not None and len(records) >= max_commands:
            return head, records
        for seat in seats:
            wire = choose(state, seat, policy, bot_rng)
            if wire is not None:
                break
        assert wire is not None, "nobody can act"
        run(command_from_wire(seat, wire))
    records.append(EndRecord(ts=1_795_000_001.0, outcome=state.status))
    return head, records


def encode_journal(head: JournalHeader, records: list[Record]) -> bytes:
    frames = [encode_frame(head.to_payload())]
    frames += [encode_frame(record_to_payload(r)) for r in records]
    return b"".join(frames)


def payloads(data: bytes) -> list[dict[str, Any]]:
    """Every frame's payload (header first), for tampering."""
    out, pos = [], 0
    while pos < len(data):
        n = int.from_bytes(data[pos + 2 : pos + 6], "big")
        out.append(msgpack.unpackb(data[pos + 10 : pos + 10 + n]))
        pos += 10 + n
    return out


def reframe(items: list[dict[str, Any]]) -> bytes:
    """Frame payloads again, each with a valid CRC (what a careful forger would do)."""
    return b"".join(encode_frame(p) for p in items)
