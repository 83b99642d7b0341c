"""Properties of decide/apply over random games: the heart of replay and verification."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cibo.core import commands as cm
from cibo.core import events as ev
from cibo.core.commands import command_from_wire
from cibo.core.errors import IllegalCommand
from cibo.core.reducer import apply, fold
from cibo.core.rules import action_refusal, check_action, decide, find_action, new_game
from cibo.core.ruleset import Ruleset
from cibo.core.serial import to_data
from cibo.core.state import replace
from cibo.core.views import legal_actions
from cibo.simulation import play_game, setup_game

RULESETS = ["electro-fishers", "factory-raid"]


def snapshot(state: Any) -> Any:
    return to_data(state)


def garbage_commands(state: Any) -> list[cm.Command]:
    """Commands that must be rejected in most states: wrong seat, hero, action or target."""
    hero = state.heroes[0].id if state.heroes else "nobody"
    return [
        cm.Act("ghost", hero, "move", "village"),
        cm.Act("p1", "no-such-hero", "move", ""),
        cm.Act("p1", hero, "no-such-action", ""),
        cm.Act("p1", hero, "attack", "u999"),
        cm.EndTurn("ghost", ""),
        cm.PickHero("p1", "killy"),
        cm.JoinSeat("p9", "Late"),
        cm.StartGame("p1"),
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), seed=st.binary(min_size=32, max_size=32), which=st.sampled_from(RULESETS))
def test_random_play_is_replayable(
    electro: Ruleset, factory: Ruleset, data: st.DataObject, seed: bytes, which: str
) -> None:
    rs = electro if which == "electro-fishers" else factory
    players = data.draw(st.integers(1, 4), label="players")
    start = setup_game(rs, seed=seed, players=players, difficulty="normal")
    initial = new_game(rs, ruleset_sha256="", seed=seed, difficulty="normal")
    # Rebuild the same start through decide so the fold below starts from the lobby.
    state = start
    accepted: list[ev.Event] = []
    for _ in range(data.draw(st.integers(5, 60), label="steps")):
        if state.over:
            break
        seats = [s.id for s in state.seats]
        legal = [(seat, c) for seat in seats for c in legal_actions(state, seat)]
        if legal and bool(data.draw(st.booleans(), label="legal?")):
            seat, wire = data.draw(st.sampled_from(legal), label="legal command")
            body = {k: wire[k] for k in ("type", "hero", "action", "target") if k in wire}
            command = command_from_wire(seat, body)
        else:
            command = data.draw(st.sampled_from(garbage_commands(state)), label="garbage")
        before = snapshot(state)
        try:
            events = decide(state, command)
        except IllegalCommand as exc:
            assert exc.code and "/" in exc.code and exc.message
            assert snapshot(state) == before, "an illegal command changed the state"
            continue
        for event in events:
            state = apply(state, event)  # never raises on decided events
        accepted.extend(events)
    assert snapshot(fold(start, accepted)) == snapshot(state)
    assert initial.commitment == hashlib.sha256(seed).hexdigest()


def test_decide_is_deterministic(any_ruleset: Ruleset) -> None:
    seed = bytes(range(32))
    a = play_game(any_ruleset, seed=seed, players=3, difficulty="normal", policy="greedy")
    b = play_game(any_ruleset, seed=seed, players=3, difficulty="normal", policy="greedy")
    assert a == b


def test_full_game_replays_from_lobby(any_ruleset: Ruleset) -> None:
    """Every event of a complete game, folded from the lobby, reproduces the final state."""
    seed = hashlib.sha256(b"replay").digest()
    log: list[ev.Event] = []
    play_game(
        any_ruleset, seed=seed, players=2, difficulty="easy", policy="greedy", on_event=log.append
    )
    start = setup_game(any_ruleset, seed=seed, players=2, difficulty="easy")
    final = fold(start, log)
    assert final.over
    ended = [e for e in log if isinstance(e, ev.GameEnded)]
    assert len(ended) == 1 and bytes.fromhex(ended[0].seed) == seed


@pytest.mark.parametrize("policy", ["greedy", "random"])
def test_games_always_end(any_ruleset: Ruleset, policy: str) -> None:
    for i in range(5):
        seed = hashlib.sha256(f"end-{i}".encode()).digest()
        result = play_game(
            any_ruleset, seed=seed, players=4, difficulty="normal", policy=policy, index=i
        )
        assert result.status in ("won", "lost")
        assert result.cause


def test_illegal_commands_have_player_sentences(electro: Ruleset) -> None:
    state = setup_game(electro, seed=b"s" * 32, players=2, difficulty="normal")
    hero = state.heroes[0]
    other_seat = "p2" if hero.seat == "p1" else "p1"
    cases: dict[str, cm.Command] = {
        "action/not_your_hero": cm.Act(other_seat, hero.id, "move", ""),
        "action/unknown": cm.Act(hero.seat, hero.id, "fly", ""),
        "seat/unknown": cm.Act("ghost", hero.id, "move", ""),
        "lobby/started": cm.DropHero(hero.seat, hero.id),
        "game/has_hero": cm.PickHero(hero.seat, "killy"),
    }
    for code, command in cases.items():
        with pytest.raises(IllegalCommand) as info:
            decide(state, command)
        assert info.value.code == code
        assert info.value.message.endswith(".")


def test_refused_actions_say_why_and_are_not_listed(electro: Ruleset) -> None:
    """check_action's code and sentence for each reason; action_refusal gives the same code
    without raising, and legal_actions leaves the action out."""
    state = setup_game(electro, seed=b"s" * 32, players=2, difficulty="normal")
    first = state.heroes[0]
    killy = replace(first, kind="killy")
    away = next(z for z in electro.zones if z != killy.zone)
    cases = [
        (replace(killy, actions_left=1), "beam", "action/no_actions", "costs 2 actions; 1 left."),
        (replace(killy, last_used={"beam": state.round}), "beam", "action/limit",
         "can be used once every 4 rounds."),
        (replace(killy, uses_game={"cache": 1}), "cache", "action/limit",
         "is used up this game."),
        (replace(killy, zone=away), "cache", "action/wrong_zone", "zone."),
    ]
    for hero, name, code, sentence in cases:
        there = replace(state, heroes=(hero, *state.heroes[1:]))
        action = find_action(there, hero, name)
        assert action is not None
        assert action_refusal(there, hero, name, action) == code
        with pytest.raises(IllegalCommand) as info:
            check_action(there, hero, name, action)
        assert info.value.code == code and info.value.message.endswith(sentence)
        listed = {a.get("action") for a in legal_actions(there, hero.seat)}
        assert name not in listed
    fresh = replace(state, heroes=(killy, *state.heroes[1:]))
    beam = find_action(fresh, killy, "beam")
    assert beam is not None and action_refusal(fresh, killy, "beam", beam) is None


def test_wire_commands_never_take_the_seat_from_the_payload() -> None:
    command = command_from_wire("p2", {"type": "end_turn", "seat": "p1", "hero": ""})
    assert command == cm.EndTurn("p2", "")
    with pytest.raises(IllegalCommand) as info:
        command_from_wire("p1", {"type": "act", "hero": 3})
    assert info.value.code == "command/malformed"
    with pytest.raises(IllegalCommand) as info:
        command_from_wire("p1", {"type": "teleport"})
    assert info.value.code == "command/unknown"


def test_join_seat_applies_the_one_name_rule(electro: Ruleset) -> None:
    """The engine cuts long names to 16 characters (not 24 code points), refuses blank-looking
    ones and look-alikes of a seated name, exactly like the room does."""
    state = new_game(electro, ruleset_sha256="", seed=bytes(32))

    def join(seat: str, name: str) -> ev.SeatJoined:
        nonlocal state
        events = decide(state, cm.JoinSeat(seat, name))
        state = fold(state, events)
        assert isinstance(events[0], ev.SeatJoined)
        return events[0]

    assert join("s1", "🇫🇷" * 13).name == "🇫🇷" * 13  # 26 code points, 13 characters
    assert join("s2", "q\u0301" * 20).name == "q\u0301" * 16  # cut, not refused
    assert join("s3", "A\u200dnn").name == "Ann"
    for blank in ("\u3164", "\u115f", "\u2800", "\u200b"):
        with pytest.raises(IllegalCommand) as info:
            decide(state, cm.JoinSeat("s4", blank))
        assert info.value.code == "lobby/bad_name"
    for lookalike in ("ANN", "Ánn", "Аnn"):  # case, accent, Cyrillic А
        with pytest.raises(IllegalCommand) as info:
            decide(state, cm.JoinSeat("s4", lookalike))
        assert info.value.code == "lobby/name_taken"
        assert "looks the same" in info.value.message
