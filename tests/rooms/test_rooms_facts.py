"""Room facts (typed, journaled, replayed through one fold) and the command-id result cache."""

from __future__ import annotations

from typing import Any

import pytest
from rooms_helpers import SEED, Harness

from cibo.core import new_game
from cibo.journal.format import MetaRecord
from cibo.rooms import ResultCache, RoomSession
from cibo.rooms.facts import (
    ControlApplied,
    HostLinkMinted,
    HostSet,
    Locked,
    Paused,
    SeatClaimed,
    SeatRevoked,
    fact_from_data,
    fact_to_data,
)


def test_facts_keep_the_journal_format_of_earlier_versions() -> None:
    """The data each fact writes is what journals have always held (old journals replay)."""
    assert fact_to_data(SeatClaimed("s1", "Ann", "ab" * 32)) == {
        "fact": "seat", "seat": "s1", "name": "Ann", "token_sha256": "ab" * 32
    }
    assert fact_to_data(SeatRevoked("s2", "join/kicked")) == {
        "fact": "revoke", "seat": "s2", "reason": "join/kicked"
    }
    assert fact_to_data(HostSet("s1")) == {"fact": "host", "seat": "s1"}
    assert fact_to_data(Paused(True)) == {"fact": "paused", "value": True}
    assert fact_to_data(Locked(False)) == {"fact": "locked", "value": False}
    assert fact_to_data(HostLinkMinted("cd" * 32, "Electro-Fishers")) == {
        "fact": "room", "host_token_sha256": "cd" * 32, "ruleset": "Electro-Fishers"
    }
    for fact in (SeatClaimed("s1", "Ann", "ab"), SeatRevoked("s1"), HostSet("s3"), Paused(False),
                 Locked(True), HostLinkMinted("cd"), ControlApplied("s1", "k1", 7)):
        assert fact_from_data(fact_to_data(fact)) == fact


@pytest.mark.parametrize(
    "data",
    [
        {"fact": "seat", "seat": "s1", "name": "Ann"},
        {"fact": "paused", "value": "yes"},
        {"fact": "control", "seat": "s1", "cmd_id": "k1", "seq": True},
        {"fact": "host", "seat": 3},
    ],
)
def test_a_malformed_fact_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="room fact"):
        fact_from_data(data)


def test_an_unknown_fact_is_ignored() -> None:
    assert fact_from_data({"fact": "weather", "value": "rain"}) is None
    assert fact_from_data({"seat_token_sha256": {"s1": "ab"}}) is None


def test_result_cache_keeps_final_results_and_the_latest_others() -> None:
    cache: ResultCache[int] = ResultCache(3, final=lambda r: r > 0)
    for i in range(10):
        cache.put(f"ok{i}", i + 1)
        cache.put(f"no{i}", -i)
    assert all(cache.get(f"ok{i}") == i + 1 for i in range(10))
    assert [cache.get(f"no{i}") for i in range(10)] == [None] * 7 + [-7, -8, -9]
    assert len(cache) == 13 and "no9" in cache and "no0" not in cache
    cache.put("no9", 5)  # a command that was running now has its result
    assert cache.get("no9") == 5 and len(cache) == 13
    cache.clear()
    assert len(cache) == 0


def _restored(h: Harness) -> RoomSession:
    """A new session of the same game, rebuilt from ``h``'s journal records."""
    lr = h.ruleset
    state = new_game(lr.ruleset, ruleset_sha256=lr.sha256, seed=SEED)
    fresh = RoomSession(code="BCDF", state=state, host_token_hash="", results_per_seat=4)
    fresh.restore(h.records)
    return fresh


def test_applied_commands_and_controls_are_answered_again_after_the_cache_and_a_restore() -> None:
    h = Harness(results_per_seat=4)
    ann = h.join("Ann")
    first = h.cmd(ann, {"type": "pick_hero", "hero": "killy"}, cmd_id="c0")
    paused = h.control(ann, "pause")
    resumed = h.control(ann, "resume")
    for i in range(1, 10):  # more rejections than the seat keeps
        assert not h.cmd(ann, {"type": "drop_hero", "hero": "none"}, cmd_id=f"n{i}")["ok"]
    assert h.cmd(ann, {"type": "drop_hero", "hero": "killy"}, cmd_id="c1")["ok"]
    seq, records = h.session.seq, len(h.records)
    assert h.cmd(ann, {"type": "pick_hero", "hero": "killy"}, cmd_id="c0") == first
    h.run(h.session.control(ann, paused["cmd_id"], "pause"))
    assert h.result(ann, paused["cmd_id"]) == paused
    assert h.session.seq == seq and len(h.records) == records and not h.session.roster.paused
    assert [r.data["fact"] for r in h.records if isinstance(r, MetaRecord)][-4:] == [
        "paused", "control", "paused", "control"
    ]

    fresh = _restored(h)
    assert fresh.seq == seq and not fresh.roster.paused
    fresh.hello(1, role="player", token=h.tokens[ann])
    step = fresh.command(1, "c0", {"type": "pick_hero", "hero": "killy"})
    assert step.records == []
    assert [a.message for a in fresh.flush().actions] == [first]  # type: ignore[union-attr]
    step = fresh.control(1, resumed["cmd_id"], "resume")
    assert step.records == [] and fresh.seq == seq
    assert [a.message for a in step.actions][-1] == resumed  # type: ignore[union-attr]
    step = fresh.control(1, paused["cmd_id"], "pause")
    assert step.records == [] and not fresh.roster.paused


def test_a_seat_given_to_a_newcomer_forgets_the_answers_of_the_kicked_player() -> None:
    h = Harness()
    ann = h.join("Ann")
    bob = h.join("Bob")
    assert h.cmd(ann, {"type": "pick_hero", "hero": "killy"})["ok"]
    bobs = h.cmd(bob, {"type": "pick_hero", "hero": "cibo"}, cmd_id="x")
    assert bobs["ok"]
    assert h.cmd(ann, {"type": "start_game"})["ok"]
    assert h.control(ann, "kick", "s2")["ok"]
    cy = h.join("Cy")
    assert h.seats[cy] == "s2"  # Bob's seat, vacant since the kick
    mine = h.cmd(cy, {"type": "pick_hero", "hero": "zuru"}, cmd_id="x")
    assert mine["error"]["code"] == "lobby/started"  # decided for Cy, not Bob's answer
    fresh = _restored(h)
    assert fresh.roster.seats["s2"].results.get("x") is None


def test_a_gadget_resend_is_answered_again_even_after_the_turn_has_passed() -> None:
    """``seat = "turn"`` names another seat by the time a resend comes: the room still knows
    the command id, live and after a restore, and never runs it for that seat."""
    h = Harness("factory-raid")  # heroes take turns one after the other
    h.lobby(["Ann", "Bob"], ["killy", "cibo"])
    end_turn = {"type": "end_turn", "hero": ""}
    turn = h.session.state.turn
    step = h.run(h.session.device_command("turn", "dev:pad:1", end_turn))
    assert step.outcome is not None and step.outcome.ok and step.records
    assert h.session.state.turn != turn
    seq, records = h.session.seq, len(h.records)
    again = h.run(h.session.device_command("turn", "dev:pad:1", end_turn))
    assert again.outcome == step.outcome and again.records == []
    assert h.session.seq == seq and len(h.records) == records
    fresh = _restored(h)
    step = fresh.device_command("turn", "dev:pad:1", end_turn)
    assert step.outcome is not None and step.outcome.ok and step.records == []
    assert fresh.seq == seq
