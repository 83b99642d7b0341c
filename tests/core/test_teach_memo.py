"""The teaching numbers (a hero's sheet, the goal panel) are remembered by what their formulas
read of a state: on every position of real games the remembered answer is the one worked out
afresh, and a change to anything a formula reads is seen at once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cibo.core.env import reads_of
from cibo.core.ruleset import Ruleset
from cibo.core.state import GameState, replace
from cibo.core.teach import _goal_progress, _hero_values, _Memo, goal_progress, hero_values
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.simulation import bot_positions, game_seed, setup_game

RULESETS = {name: load_ruleset(find_ruleset(name)).ruleset
            for name in ("electro-fishers", "factory-raid")}


def _positions(
    rs: Ruleset, index: int, players: int, difficulty: str, policy: str
) -> list[GameState]:
    """Every state of one game in which bots chose by ``policy``."""
    return list(bot_positions(
        rs, seed=game_seed("teach-memo", index), players=players, difficulty=difficulty,
        policy=policy, index=index,
    ))


def _check(states: list[GameState]) -> int:
    """Ask for every position's numbers (remembered or not) and compare with fresh ones."""
    for s in states:
        assert goal_progress(s) == _goal_progress(s)
        for h in s.heroes:
            assert hero_values(s, h.id) == _hero_values(s, h)
    return len(states)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(RULESETS)),
    index=st.integers(0, 10_000),
    players=st.integers(1, 6),
    difficulty=st.sampled_from(["easy", "normal", "hard"]),
    policy=st.sampled_from(["random", "greedy"]),
)
def test_remembered_numbers_are_the_numbers_worked_out_afresh(
    name: str, index: int, players: int, difficulty: str, policy: str
) -> None:
    rs = RULESETS[name]
    players = min(players, len(rs.heroes))
    assert _check(_positions(rs, index, players, difficulty, policy)) > 1


def test_two_games_asked_in_turn_each_get_their_own_numbers() -> None:
    """Positions of two games, interleaved (as rooms of one server ask): each gets its own."""
    rs = RULESETS["electro-fishers"]
    one = _positions(rs, 1, 2, "easy", "random")
    two = _positions(rs, 2, 5, "hard", "random")
    mixed = [s for pair in zip(one, two, strict=False) for s in pair]
    assert _check(mixed) == 2 * min(len(one), len(two))


def test_a_change_to_what_a_formula_reads_is_seen(electro: Ruleset) -> None:
    """Killy's attack counts the allies in her zone: moving one in changes her dice at once,
    and taking the move back gives the first answer again."""
    s = setup_game(electro, seed=b"memo" * 8, players=len(electro.heroes), difficulty="normal")
    killy = next(h for h in s.heroes if "allies_here" in electro.heroes[h.kind].attack)
    others = [h for h in s.heroes if h is not killy]
    alone = replace(s, heroes=(killy, *(replace(h, zone="__elsewhere__") for h in others)))
    joined = replace(alone, heroes=(killy, replace(others[0], zone=killy.zone), *alone.heroes[2:]))
    first = hero_values(alone, killy.id)
    assert hero_values(alone, killy.id) is first  # remembered
    assert hero_values(joined, killy.id) == _hero_values(joined, killy)
    assert hero_values(joined, killy.id)["attack"] != first["attack"]
    assert hero_values(alone, killy.id) == first == _hero_values(alone, killy)


def test_rooms_asking_in_turn_keep_their_own_answers(electro: Ruleset) -> None:
    """Many games asking in turn (a server's rooms) do not push each other's answers out:
    each game's next question about a state that reads the same is answered from memory."""
    zones = list(electro.zones)
    games = []
    for i in range(64):  # each reads differently: its first hero's zone and hit points
        s = setup_game(electro, seed=bytes([i]) * 32, players=4, difficulty="normal")
        h = s.heroes[0]
        h = replace(h, zone=zones[i % len(zones)], hp=1 + (i // len(zones)) % h.max_hp)
        games.append(replace(s, heroes=(h, *s.heroes[1:])))
    assert len({(s.heroes[0].zone, s.heroes[0].hp) for s in games}) > 16
    first = [(hero_values(s, s.heroes[0].id), goal_progress(s)) for s in games]
    again = [(hero_values(s, s.heroes[0].id), goal_progress(s)) for s in games]
    assert all(a[0] is b[0] and a[1] is b[1] for a, b in zip(first, again, strict=True))


def test_hero_fields_read_the_heroes_and_kind_numbers_read_nothing(electro: Ruleset) -> None:
    assert set(reads_of(electro, ["@hero.hp > 1"]).parts) == {"heroes"}
    assert set(reads_of(electro, ["2d6 + @hero.brace"]).parts) == set()
    assert set(reads_of(electro, ["@hero.move"]).parts) == set()
    # An attack formula is read in turn: Electro-Fisher's counts the allies beside the hero.
    assert set(reads_of(electro, ["@hero.attack"]).parts) == {"heroes"}


def test_games_that_read_alike_share_one_answer(electro: Ruleset) -> None:
    """Two games at the same opening position (other seeds, the same heroes and difficulty)
    are given the same answers, worked out once: a server opening many rooms pays once."""
    first = setup_game(electro, seed=b"one!" * 8, players=4, difficulty="easy")
    second = setup_game(electro, seed=b"two!" * 8, players=4, difficulty="easy")
    assert first.seed != second.seed
    assert goal_progress(second) is goal_progress(first)
    for h in first.heroes:
        assert hero_values(second, h.id) is hero_values(first, h.id)
    # Once chance has played, games differ: each works out its own (equal) answers.
    rolled = [
        replace(setup_game(electro, seed=seed * 8, players=4, difficulty="easy"), rng_counter=1)
        for seed in (b"3rd!", b"4th!")
    ]
    assert goal_progress(rolled[1]) == goal_progress(rolled[0])
    assert goal_progress(rolled[1]) is not goal_progress(rolled[0])


def test_a_game_that_reads_differently_gets_its_own_answer(electro: Ruleset) -> None:
    """The goal panel reads the difficulty: a hard game at the same position as an easy one
    is not given the easy one's numbers."""
    easy = setup_game(electro, seed=b"easy" * 8, players=4, difficulty="easy")
    hard = setup_game(electro, seed=b"hard" * 8, players=4, difficulty="hard")
    assert goal_progress(easy) == _goal_progress(easy)
    assert goal_progress(hard) == _goal_progress(hard) != goal_progress(easy)


def test_answers_for_any_game_are_bounded() -> None:
    """The answers kept for any game are dropped all at once when full, never grow past it."""
    memo = _Memo(RULESETS["electro-fishers"], reads_of(RULESETS["electro-fishers"], []))

    def game(seed: bytes) -> Any:
        return SimpleNamespace(seed=seed, rng_counter=0)  # what the memo reads of a state

    for i in range(_Memo.COMMON + 10):
        def work(i: int = i) -> dict[str, int]:
            return {"n": i}

        memo.answer(game(bytes([i % 256]) * 32), "h1", (f"zone{i}", ({"t": i},)), work)
    assert 0 < len(memo.common) <= _Memo.COMMON
    worked: list[int] = []
    memo.answer(game(b"\x00" * 32), "h1", ("zone3", ({"t": 3},)), lambda: worked.append(3))
    assert worked == [3]  # dropped: worked out again
    last = _Memo.COMMON + 9
    again = memo.answer(game(b"new" * 11 + b"!"), "h1", (f"zone{last}", ({"t": last},)),
                        lambda: worked.append(last))
    assert again == {"n": last} and worked == [3]  # another game, the same answer
