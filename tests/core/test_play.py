"""``play`` returns the events of ``decide`` and exactly the state their fold gives."""

from __future__ import annotations

from cibo.core import Decision, command_from_wire, decide, fold, new_game, play
from cibo.core.commands import Command, JoinSeat, PickHero, StartGame
from cibo.core.policies import choose
from cibo.core.rng import Rng
from cibo.core.ruleset import Ruleset
from cibo.core.state import GameState


def _next(state: GameState, rng: Rng) -> Command:
    for seat in ("s1", "s2"):
        found = choose(state, seat, "greedy", rng)
        if found is not None:
            return command_from_wire(seat, found)
    raise AssertionError("nobody can act while the game is playing")


def test_play_is_decide_plus_the_fold_of_its_events(any_ruleset: Ruleset) -> None:
    state = new_game(any_ruleset, ruleset_sha256="0" * 64, seed=bytes(range(32)))
    first, second = list(any_ruleset.heroes)[:2]
    lobby: list[Command] = [
        JoinSeat(seat="s1", name="Ann"),
        JoinSeat(seat="s2", name="Bob"),
        PickHero(seat="s1", hero=first),
        PickHero(seat="s2", hero=second),
        StartGame(seat="s1"),
    ]
    rng = Rng(b"play")
    played = 0
    while not state.over and played < 3000:
        command = lobby[played] if played < len(lobby) else _next(state, rng)
        decision = play(state, command)
        assert isinstance(decision, Decision)
        assert decision.events == decide(state, command)
        assert decision.state == fold(state, decision.events)
        state = decision.state
        played += 1
    assert state.over and played > 20
