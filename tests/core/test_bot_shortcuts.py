"""The bots' shortcuts answer as the long way round would, on the positions of real games:
the short command list, and whether an action would be possible in another zone."""

from __future__ import annotations

from cibo.core.board import distances
from cibo.core.errors import RulesError
from cibo.core.policies import _possible_at
from cibo.core.rules import action_refusal, find_action, targets
from cibo.core.ruleset import Action, Ruleset
from cibo.core.state import GameState, HeroState, replace
from cibo.core.views import legal_actions, legal_commands
from cibo.simulation import bot_positions, game_seed

_KEYS = ("type", "hero", "action", "target", "cost")


def _positions(rs: Ruleset, games: int, policy: str = "greedy") -> list[GameState]:
    """Every state a bot chose a command in, over ``games`` games."""
    return [
        s
        for i in range(games)
        for s in bot_positions(
            rs, seed=game_seed("shortcuts", i), players=3, difficulty="normal", policy=policy,
            index=i,
        )
    ]


def _possible_the_long_way(
    s: GameState, hero: HeroState, name: str, action: Action, zone: str
) -> bool:
    """The play book's test as it was first written: on a state with the hero moved there."""
    moved = replace(hero, zone=zone, actions_left=max(hero.actions_left, action.cost))
    there = replace(s, heroes=tuple(moved if h.id == hero.id else h for h in s.heroes))
    try:
        if action_refusal(there, moved, name, action) is not None:
            return False
    except RulesError:
        return False
    return bool(targets(there, moved, action))


def test_legal_commands_are_legal_actions_without_the_screen_texts(any_ruleset: Ruleset) -> None:
    positions = _positions(any_ruleset, 2)
    assert len(positions) > 50
    for s in positions:
        for seat in (x.id for x in s.seats):
            full = legal_actions(s, seat)
            short = legal_commands(s, seat)
            assert [{k: c[k] for k in _KEYS if k in c} for c in full] == [
                {k: c[k] for k in _KEYS if k in c} for c in short
            ]


def test_possible_elsewhere_matches_the_moved_state(any_ruleset: Ruleset) -> None:
    rs = any_ruleset
    checked = 0
    for s in _positions(rs, 2)[::3]:
        for hero in s.heroes:
            for name in dict.fromkeys([*rs.heroes[hero.kind].actions, *rs.actions]):
                action = find_action(s, hero, name)
                assert action is not None
                for zone in distances(rs, hero.zone):
                    expected = _possible_the_long_way(s, hero, name, action, zone)
                    assert _possible_at(s, hero, name, action, zone) == expected, (name, zone)
                    checked += 1
    assert checked > 1000
