"""``verify``: passes on real journals, fails on every kind of tampering; rebuild_state."""

from __future__ import annotations

import copy
import hashlib
from functools import cache
from typing import Any

import pytest
from journal_helpers import bot_game, encode_journal, payloads, reframe

from cibo.core import apply, decide, new_game
from cibo.journal import CommandRecord, JournalError, read_journal
from cibo.journal.replay import rebuild_state, replay_steps
from cibo.journal.verify import ROOM_CMD_ID, first_difference, verify_journal
from cibo.rooms import steps


@cache
def finished() -> bytes:
    return encode_journal(*bot_game(players=3, policy="greedy"))


@cache
def unfinished() -> bytes:
    return encode_journal(*bot_game(players=2, policy="greedy", max_commands=20, index=1))


def _renumber(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seq = 0
    for p in items[1:]:
        for e in p.get("events", []):
            seq += 1
            e["seq"] = seq
    return items


def _first(items: list[dict[str, Any]], type_: str) -> tuple[dict[str, Any], int]:
    for p in items[1:]:
        for e in p.get("events", []):
            if e["event"]["type"] == type_:
                return p, p["events"].index(e)
    raise AssertionError(f"no {type_} event")


@pytest.mark.parametrize("make", [finished, unfinished])
def test_untouched_journals_pass(make: Any) -> None:
    verdict = verify_journal(make())
    assert verdict.ok, verdict.failure
    assert verdict.summary is not None and verdict.summary.events > 0
    if make is unfinished:
        assert any("unfinished: seed not yet revealed" in n for n in verdict.notes)
        assert verdict.summary.status == "playing"
    else:
        assert verdict.summary.status in ("won", "lost")
        assert any("revealed by game_ended" in c for c in verdict.checks)


def test_many_bot_games_verify_and_rebuild(tmp_path: Any) -> None:
    for i, (players, policy) in enumerate(
        [(1, "greedy"), (2, "random"), (4, "greedy"), (6, "random")]
    ):
        head, records = bot_game(players=players, policy=policy, index=i, seed=bytes([i]) * 32)
        data = encode_journal(head, records)
        assert verify_journal(data).ok
        contents = read_journal(data)
        state = rebuild_state(contents.header, contents.records)
        assert state.over and state.status == contents.records[-1].outcome  # type: ignore[union-attr]
        start, steps = replay_steps(contents.header, contents.records)
        assert steps[-1].state == state and start.status == "lobby"
        assert [s.seq for s in steps] == list(range(1, len(steps) + 1))


def test_rebuild_state_of_an_unfinished_game_equals_the_live_state() -> None:
    head, records = bot_game(players=3, policy="random", max_commands=30, index=2)
    # live: re-play the same commands through decide/apply
    from cibo.core import command_from_dict
    from cibo.journal.replay import load_ruleset

    live = new_game(
        load_ruleset(head),
        ruleset_sha256=head.ruleset_sha256,
        seed=bytes.fromhex(head.seed),
        difficulty=head.difficulty,
    )
    for r in records:
        if isinstance(r, CommandRecord):
            for e in decide(live, command_from_dict(r.command)):
                live = apply(live, e)
    assert rebuild_state(head, records) == live


def test_changed_roll_fails() -> None:
    items = payloads(finished())
    record, j = _first(items, "table_rolled")
    die = record["events"][j]["event"]["roll"]["dice"][0]
    die["value"] = die["value"] % 6 + 1  # another face, still a legal die
    verdict = verify_journal(reframe(items))
    assert not verdict.ok
    assert "table_rolled" in verdict.failure and "roll.dice[0].value" in verdict.failure
    assert "in the journal" in verdict.failure and "by the rules" in verdict.failure
    seq = record["events"][j]["seq"]
    assert (
        f"seq {seq} " in verdict.failure
        and f"record {items.index(record)} at byte" in verdict.failure
    )


def test_changed_total_of_an_action_roll_fails() -> None:
    items = payloads(finished())
    for p in items[1:]:
        for e in p.get("events", []):
            if e["event"]["type"] == "action_taken" and e["event"].get("roll"):
                e["event"]["roll"]["total"] += 1
                verdict = verify_journal(reframe(items))
                assert not verdict.ok and "roll.total" in verdict.failure
                return
    pytest.skip("no rolled action in this game")


def test_removed_event_fails_even_when_renumbered() -> None:
    items = payloads(finished())
    record, j = _first(items, "unit_spawned")
    del record["events"][j]
    gap = verify_journal(reframe(items))  # seq gap: caught by the framing check
    assert not gap.ok and "framing" in gap.failure and "missing" in gap.failure
    renumbered = verify_journal(reframe(_renumber(items)))  # a careful forger renumbers
    assert not renumbered.ok and "rules" in renumbered.failure


def test_removed_record_fails() -> None:
    items = payloads(finished())
    cmd_indexes = [i for i, p in enumerate(items) if p.get("k") == "cmd" and p["events"]]
    del items[cmd_indexes[len(cmd_indexes) // 2]]
    verdict = verify_journal(reframe(_renumber(items)))
    assert not verdict.ok
    assert "record" in verdict.failure


def test_illegal_event_with_a_valid_crc_fails() -> None:
    items = payloads(finished())
    record, j = _first(items, "track_changed")
    bonus = copy.deepcopy(record["events"][j])
    bonus["event"].update(track="rations", value=20, delta=10, cause="forged")
    record["events"].insert(j + 1, bonus)
    verdict = verify_journal(reframe(_renumber(items)))
    assert not verdict.ok, "an invented event passed"
    assert "by the rules" in verdict.failure or "do not give" in verdict.failure


def test_illegal_command_with_a_valid_crc_fails() -> None:
    items = payloads(finished())
    record = next(p for p in items[1:] if p.get("k") == "cmd" and p["command"]["type"] == "act")
    record["command"]["action"] = "beam_of_doom"
    verdict = verify_journal(reframe(items))
    assert not verdict.ok and "not legal here" in verdict.failure


def test_seed_not_matching_the_commitment_fails() -> None:
    items = payloads(finished())
    other = hashlib.sha256(b"another seed").digest().hex()
    record, j = _first(items, "game_ended")
    record["events"][j]["event"]["seed"] = other
    verdict = verify_journal(reframe(items))
    assert not verdict.ok and "does not match the commitment" in verdict.failure
    # Changing the commitment too (header) is caught by game_started's published commitment.
    items[0]["seed_commitment"] = hashlib.sha256(bytes.fromhex(other)).hexdigest()
    verdict = verify_journal(reframe(items))
    assert not verdict.ok and "game_started" in verdict.failure


def test_unfinished_game_with_a_wrong_header_seed_fails() -> None:
    items = payloads(unfinished())
    items[0]["seed"] = "00" * 32
    verdict = verify_journal(reframe(items))
    assert not verdict.ok and "header's seed does not match the commitment" in verdict.failure


def test_changed_ruleset_text_fails() -> None:
    items = payloads(finished())
    items[0]["ruleset_text"] = items[0]["ruleset_text"].replace("start = 8", "start = 9", 1)
    verdict = verify_journal(reframe(items))
    assert not verdict.ok and "does not match its sha256" in verdict.failure


def test_torn_tail_and_bit_flip_fail_verification() -> None:
    data = finished()
    torn = verify_journal(data[:-7])
    assert not torn.ok and "not a whole record" in torn.failure
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 1
    verdict = verify_journal(bytes(flipped))
    assert not verdict.ok and verdict.failure.startswith("framing:")


def test_rebuild_state_reports_unreadable_events() -> None:
    items = payloads(unfinished())
    record, j = _first(items, "round_started")
    record["events"][j]["event"]["round"] = "three"
    contents = read_journal(reframe(items))
    with pytest.raises(JournalError) as info:
        rebuild_state(contents.header, contents.records)
    assert info.value.code == "journal/corrupt" and "cannot be read" in info.value.message


def test_first_difference() -> None:
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) is None
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == (
        "a[1].b: 2 in the journal, 3 by the rules"
    )
    assert first_difference({"a": 1}, {"a": 1, "c": 0}) == "c: missing from the journal"
    assert first_difference([1], [1, 2]) == ": 1 items in the journal, 2 by the rules"
    assert first_difference(True, 1) is not None


def test_a_changed_header_difficulty_and_a_cut_end_record_are_noted() -> None:
    items = payloads(finished())
    played = verify_journal(finished()).summary
    assert played is not None
    items[0]["difficulty"] = "hard" if played.difficulty != "hard" else "easy"
    assert items[-1].get("k") == "end"
    del items[-1]
    verdict = verify_journal(reframe(items))
    assert verdict.ok, verdict.failure  # every move still holds: the notes say what is odd
    assert verdict.summary is not None and verdict.summary.difficulty == played.difficulty
    assert any(f"the lobby set {played.difficulty!r}" in n for n in verdict.notes)
    assert any("no end record" in n for n in verdict.notes)


def test_a_seat_repeating_a_command_id_fails() -> None:
    """A command id's first result is final for the whole game: a journal where a seat's
    command id comes back (the command applied a second time) fails, even though every
    command is legal and every roll right."""
    items = payloads(finished())
    by_seat: dict[str, list[dict[str, Any]]] = {}
    for p in items[1:]:
        if p.get("k") == "cmd":
            by_seat.setdefault(p["seat"], []).append(p)
    seat, records = max(by_seat.items(), key=lambda kv: len(kv[1]))
    assert len(records) > 10
    records[-1]["cmd_id"] = records[1]["cmd_id"]
    verdict = verify_journal(reframe(items))
    assert not verdict.ok
    assert f"seat {seat!r} already used command id {records[1]['cmd_id']!r}" in verdict.failure
    assert "applied twice" in verdict.failure
    # Two seats may use the same id, and the room's own commands all share one.
    items = payloads(finished())
    by_seat = {}
    for p in items[1:]:
        if p.get("k") == "cmd":
            by_seat.setdefault(p["seat"], []).append(p)
    first, second = list(by_seat.values())[:2]
    first[0]["cmd_id"] = first[1]["cmd_id"] = ROOM_CMD_ID
    first[2]["cmd_id"] = second[2]["cmd_id"] = "same"
    verdict = verify_journal(reframe(items))
    assert verdict.ok, verdict.failure
    assert any(c.startswith("command ids:") for c in verdict.checks)


def test_the_room_command_id_is_the_rooms() -> None:
    assert ROOM_CMD_ID == steps.ROOM_CMD_ID
