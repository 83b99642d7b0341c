"""Concessions: a ``[[concede]]`` entry that holds at a round's start opens an offer; any seat
concedes (the game ends, lost, ``conceded``) or plays on; hero commands wait for the answer."""

from __future__ import annotations

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from cibo.core import IllegalCommand, fold, new_game, play
from cibo.core import events as ev
from cibo.core.commands import (
    Act,
    Command,
    Concede,
    EndTurn,
    JoinSeat,
    PickHero,
    PlayOn,
    StartGame,
)
from cibo.core.ruleset import Concession, Ruleset
from cibo.core.state import GameState
from cibo.core.views import legal_actions, view_state

LOST_SOON = Concession(
    id="late",
    when="round >= 2",
    text="{played|round|rounds} gone and {left} to go.",
    values={"played": "round - 1", "left": "rounds - round + 1"},
)


def _game(rs: Ruleset, seed: int = 0) -> GameState:
    state = new_game(rs, ruleset_sha256="0" * 64, seed=bytes([seed]) * 32)
    first, second = list(rs.hero_pool())[:2]
    for command in (
        JoinSeat("s1", "Ann"),
        JoinSeat("s2", "Bob"),
        PickHero("s1", first),
        PickHero("s2", second),
        StartGame("s1"),
    ):
        state = play(state, command).state
    return state


def _end_round(state: GameState) -> GameState:
    """End every turn until the next round's heroes may act (or the game ends)."""
    start = state.round
    while not state.over and state.round == start and state.offer is None:
        hero = next(h for h in state.heroes if not h.done)
        state = play(state, EndTurn(hero.seat, hero.id)).state
    return state


@pytest.fixture
def rs(electro: Ruleset) -> Ruleset:
    return evolve(electro, concede=(LOST_SOON,))


def test_no_offer_while_no_entry_holds(rs: Ruleset) -> None:
    state = _game(rs)
    assert state.round == 1 and state.offer is None
    assert {c["type"] for c in legal_actions(state, "s1")} >= {"act", "end_turn"}


def test_an_entry_that_holds_opens_an_offer_with_its_numbers(rs: Ruleset) -> None:
    state = _end_round(_game(rs))
    assert state.round == 2 and state.status == "playing"
    assert state.offer is not None
    assert (state.offer.reason, state.offer.round) == ("late", 2)
    assert state.offer.values == {"played": 1, "left": 11}
    assert state.offer.text == "1 round gone and 11 to go."
    view = view_state(state, "table")
    assert view["concession"] == {"reason": "late", "round": 2, "values": {"played": 1, "left": 11},
                                  "text": "1 round gone and 11 to go."}
    for seat in ("s1", "s2"):
        assert [c["type"] for c in legal_actions(state, seat)] == ["concede", "play_on"]
    assert legal_actions(state, "nobody") == []


def test_hero_commands_wait_for_the_answer_and_change_nothing(rs: Ruleset) -> None:
    state = _end_round(_game(rs))
    hero = state.heroes[0]
    refused = (EndTurn(hero.seat, hero.id), EndTurn(hero.seat), Act(hero.seat, hero.id, "hide"))
    for command in refused:
        with pytest.raises(IllegalCommand) as caught:
            play(state, command)
        assert caught.value.code == "game/offer_open"


def test_play_on_dismisses_the_offer_until_the_next_round(rs: Ruleset) -> None:
    state = _end_round(_game(rs))
    decision = play(state, PlayOn("s2"))
    assert decision.events == (ev.ConcessionDeclined(seat="s2", round=2),)
    state = decision.state
    assert state.offer is None and state.status == "playing"
    assert "end_turn" in {c["type"] for c in legal_actions(state, "s1")}
    with pytest.raises(IllegalCommand) as caught:
        play(state, PlayOn("s1"))
    assert caught.value.code == "game/no_offer"
    state = _end_round(state)
    assert state.round == 3 and state.offer is not None and state.offer.round == 3


def test_concede_ends_the_game_lost_with_the_reason(rs: Ruleset) -> None:
    state = _end_round(_game(rs))
    decision = play(state, Concede("s1"))
    kinds = [type(e) for e in decision.events]
    assert kinds == [ev.ConcessionAccepted, ev.GameEnded]
    end = decision.events[-1]
    assert isinstance(end, ev.GameEnded)
    assert (end.status, end.cause, end.text) == ("lost", "conceded", "1 round gone and 11 to go.")
    assert end.seed == state.seed.hex()
    after = decision.state
    assert after == fold(state, decision.events)
    assert after.status == "lost" and after.outcome == "conceded"
    view = view_state(after, "table")
    assert view["outcome"]["cause"] == "conceded"
    assert view["concession"]["reason"] == "late"
    with pytest.raises(IllegalCommand) as caught:
        play(after, PlayOn("s1"))
    assert caught.value.code == "game/over"


@pytest.mark.parametrize("command", [Concede("s1"), PlayOn("s1")])
def test_an_answer_without_an_offer_is_refused_and_changes_nothing(
    rs: Ruleset, command: Command
) -> None:
    state = _game(rs)
    with pytest.raises(IllegalCommand) as caught:
        play(state, command)
    assert caught.value.code == "game/no_offer"
    lobby = new_game(rs, ruleset_sha256="0" * 64, seed=bytes(32))
    with pytest.raises(IllegalCommand) as caught:
        play(play(lobby, JoinSeat("s1", "Ann")).state, command)
    assert caught.value.code == "game/not_started"


def test_only_a_seat_at_the_table_may_answer(rs: Ruleset) -> None:
    state = _end_round(_game(rs))
    with pytest.raises(IllegalCommand) as caught:
        play(state, Concede("s9"))
    assert caught.value.code == "seat/unknown"


def test_the_host_ending_the_game_closes_the_offer(rs: Ruleset) -> None:
    from cibo.core.commands import EndGame

    state = play(_end_round(_game(rs)), EndGame("s1")).state
    assert state.status == "aborted" and state.offer is None
    assert view_state(state, "table")["concession"] is None


def test_a_ruleset_without_entries_never_offers(electro: Ruleset) -> None:
    state = _game(evolve(electro, concede=()))
    for _ in range(3):
        state = _end_round(state)
        assert state.offer is None


@settings(max_examples=25)
@given(seed=st.integers(0, 255), answers=st.lists(st.booleans(), min_size=1, max_size=14))
def test_each_round_offers_once_until_someone_concedes(
    electro: Ruleset, seed: int, answers: list[bool]
) -> None:
    """Whatever the deal and the answers: an offer opens at every round start from round 2
    (the entry holds), playing on leaves the game as it was without the offer, and the first
    concession ends it, lost, in that round."""
    rs = evolve(electro, concede=(LOST_SOON,))
    state = _game(rs, seed)
    offered: list[int] = []
    for concede in answers:
        state = _end_round(state)
        if state.over:
            break
        assert state.offer is not None
        offered.append(state.offer.round)
        seat = "s1" if len(offered) % 2 else "s2"
        if concede:
            state = play(state, Concede(seat)).state
            assert (state.status, state.outcome, state.round) == ("lost", "conceded", offered[-1])
            break
        before = state
        state = play(state, PlayOn(seat)).state
        assert state == evolve(before, offer=None)
    assert offered == list(range(2, 2 + len(offered)))
