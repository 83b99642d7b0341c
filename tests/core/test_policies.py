"""Bot policies: what the play book makes them do, and what they must never do."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from attrs import evolve

from cibo.core import events as ev
from cibo.core.commands import command_from_wire
from cibo.core.errors import RulesError
from cibo.core.policies import POLICIES, _is_move, choose, state_from_view
from cibo.core.reducer import apply
from cibo.core.rng import Rng
from cibo.core.rules import decide
from cibo.core.ruleset import Ruleset
from cibo.core.state import GameState
from cibo.core.views import legal_actions, view_state
from cibo.simulation import game_seed, setup_game, simulate


def _play(
    rs: Ruleset, policy: str, games: int, players: int
) -> list[tuple[GameState, ev.ActionTaken]]:
    """Every action taken in ``games`` bot games, with the state it was taken in."""
    taken: list[tuple[GameState, ev.ActionTaken]] = []
    for i in range(games):
        seed = game_seed("bots-test", i)
        state = setup_game(rs, seed=seed, players=players, difficulty="normal", index=i)
        rng = Rng(hashlib.sha256(b"bot:" + seed).digest())
        seats = [s.id for s in state.seats]
        while not state.over:
            seat, wire = next(
                (s, w) for s in seats if (w := choose(state, s, policy, rng)) is not None
            )
            before = state
            for event in decide(state, command_from_wire(seat, wire)):
                if isinstance(event, ev.ActionTaken):
                    taken.append((before, event))
                state = apply(state, event)
    return taken


def test_a_zone_target_is_not_a_move(electro: Ruleset) -> None:
    state = setup_game(electro, seed=b"s" * 32, players=6, difficulty="normal", index=0)
    killy = next(h for h in state.heroes if h.kind == "killy")
    assert _is_move(state, killy, "move")
    assert not _is_move(state, killy, "beam")  # aims at a zone, but Killy stays put


def test_greedy_never_walks_with_the_beam_and_fires_it_at_units(electro: Ruleset) -> None:
    beams = [(s, a) for s, a in _play(electro, "greedy", 12, 4) if a.action == "beam"]
    assert beams, "the play book fires the beam when units gather"
    for state, action in beams:
        assert any(u.zone == action.target for u in state.units), (
            f"beam at an empty zone {action.target} in round {state.round}"
        )


def test_bots_do_more_than_fabricate_in_factory_raid(factory: Ruleset) -> None:
    mix = Counter(a.action for _, a in _play(factory, "greedy", 8, 3))
    for action in ("fabricate", "scavenge", "reroute"):
        assert mix[action] > 0, f"greedy never plays {action}: {dict(mix)}"
    mix = Counter(a.action for _, a in _play(factory, "plan", 8, 4))
    for action in ("fabricate", "scavenge", "reroute", "hack"):
        assert mix[action] > 0, f"plan never plays {action}: {dict(mix)}"


def test_policies_are_deterministic_for_a_seed(any_ruleset: Ruleset) -> None:
    for policy in POLICIES:
        a = [(s.round, e) for s, e in _play(any_ruleset, policy, 2, 2)]
        b = [(s.round, e) for s, e in _play(any_ruleset, policy, 2, 2)]
        assert a == b


def test_a_bot_never_reads_the_game_seed(electro: Ruleset) -> None:
    state = setup_game(electro, seed=b"a" * 32, players=4, difficulty="normal", index=0)
    other = evolve(state, seed=b"b" * 32)
    for policy in POLICIES:
        assert choose(state, "p1", policy, Rng(b"r" * 32)) == choose(
            other, "p1", policy, Rng(b"r" * 32)
        )


def test_plan_clearly_beats_greedy(factory: Ruleset) -> None:
    for rs, players in ((factory, 3),):
        plan = simulate(rs, games=40, players=players, difficulty="normal", policy="plan",
                        seed="strength", workers=2)
        greedy = simulate(rs, games=40, players=players, difficulty="normal",
                          policy="greedy", seed="strength", workers=2)
        assert plan.wins >= greedy.wins + 6, (rs.id, plan.wins, greedy.wins)


def test_plan_reports_a_score_it_cannot_evaluate(electro: Ruleset) -> None:
    broken = evolve(electro, bots=evolve(electro.bots, score="route + no_such_track"))
    state = setup_game(broken, seed=b"s" * 32, players=2, difficulty="normal", index=0)
    with pytest.raises(RulesError, match="no_such_track"):
        for _ in range(30):  # until an action is worth looking at
            wire = choose(state, "p1", "plan", Rng(b"r" * 32))
            assert wire is not None
            for event in decide(state, command_from_wire("p1", wire)):
                state = apply(state, event)


def test_every_policy_plays_from_a_seat_view_as_cibo_bot_does(any_ruleset: Ruleset) -> None:
    """``cibo bot`` rebuilds the state from what its seat sees (no seed, no deck order)."""
    state = setup_game(any_ruleset, seed=b"v" * 32, players=2, difficulty="normal", index=0)
    for _ in range(12):  # a few commands in, with units and noise on the board
        seat = next(s.id for s in state.seats if legal_actions(state, s.id))
        wire = choose(state, seat, "greedy", Rng(b"g" * 32))
        assert wire is not None
        for event in decide(state, command_from_wire(seat, wire)):
            state = apply(state, event)
    seat = next(s.id for s in state.seats if legal_actions(state, s.id))
    rebuilt = state_from_view(view_state(state, f"seat:{seat}"), any_ruleset)
    legal = legal_actions(state, seat)  # what the server sends the seat
    for policy in POLICIES:
        wire = choose(rebuilt, seat, policy, Rng(b"r" * 32), legal)
        assert wire is not None
        decide(state, command_from_wire(seat, wire))  # legal in the real game


def test_every_policy_answers_a_concession(factory: Ruleset) -> None:
    """plan and greedy concede, idle plays on (the floor is measured on whole games), random
    picks either; the answer draws nothing from a bot's stream but random's."""
    from cibo.core.ruleset import Concession

    rs = evolve(factory, concede=(Concession(id="now", when="round >= 2", text="Lost."),))
    state = setup_game(rs, seed=game_seed("answer", 0), players=2, difficulty="normal")
    while state.offer is None:  # Factory Raid: one hero's turn at a time
        hero = state.hero(state.turn)
        assert hero is not None
        seat = hero.seat
        wire = choose(state, seat, "greedy", Rng(b"x"))
        assert wire is not None
        for event in decide(state, command_from_wire(seat, wire)):
            state = apply(state, event)
    seen: dict[str, set[str]] = {}
    for policy in POLICIES:
        for i in range(12):
            rng = Rng(bytes([i]) * 32)
            counter = rng.counter
            answer = choose(state, "p2", policy, rng)
            assert answer is not None
            seen.setdefault(policy, set()).add(answer["type"])
            if policy != "random":
                assert rng.counter == counter
    assert seen == {"plan": {"concede"}, "greedy": {"concede"}, "idle": {"play_on"},
                    "random": {"concede", "play_on"}}
    view = view_state(state, "seat:p2")
    rebuilt = state_from_view(view, rs)
    assert rebuilt.offer == state.offer
    assert choose(rebuilt, "p2", "plan", Rng(b"v"), view["actions"]) == {"type": "concede"}
