"""What expressions read of a state (:func:`cibo.core.env.reads_of`), and the end-condition
memo built on it: skipping a check must never hide an ending."""

from __future__ import annotations

import pytest

from cibo.core import events as ev
from cibo.core.effects import Ctx, GameOver, end_reads
from cibo.core.env import PARTS, reads_of
from cibo.core.ruleset import Ruleset
from cibo.core.state import GameState, replace
from cibo.simulation import setup_game


def _started(rs: Ruleset) -> GameState:
    return setup_game(rs, seed=b"reads" * 6 + b"!!", players=3, difficulty="normal")


@pytest.mark.parametrize(
    ("source", "parts"),
    [
        ("villagers < 3", {"tracks"}),
        ("round > rounds", {"round"}),
        ("heroes_active == 0 and rations == 0", {"heroes", "tracks"}),
        ("convoy.launched", {"markers", "tracks"}),
        ("villagers >= @difficulty.min_survivors", {"tracks", "difficulty"}),
        ("count(heroes where zone != 'shaft') == 0", {"heroes"}),
        ("noise_total > 2", {"noise"}),
    ],
)
def test_reads_of_names_the_parts_an_expression_reads(
    electro: Ruleset, source: str, parts: set[str]
) -> None:
    assert set(reads_of(electro, [source]).parts) == parts


@pytest.mark.parametrize(
    "source",
    ["$hero.hp > 0", "no_such_name > 0", "count(heroes where $each == 'x')"],
)
def test_what_reads_of_cannot_tell_reads_everything(electro: Ruleset, source: str) -> None:
    assert set(reads_of(electro, [source]).parts) == set(PARTS)


def test_zone_items_read_what_a_zone_shows(electro: Ruleset) -> None:
    parts = set(reads_of(electro, ["count(zones where units > 0 and dormant) > 1"]).parts)
    assert {"units", "dormant", "destroyed", "round", "noise", "heroes"} <= parts


def test_heroes_compare_by_what_names_can_read(electro: Ruleset) -> None:
    s = _started(electro)
    reads = reads_of(electro, ["heroes_active == 0"])
    h = s.heroes[0]
    busy = replace(s, heroes=(replace(h, actions_left=h.actions_left + 3), *s.heroes[1:]))
    moved = replace(s, heroes=(replace(h, zone="elsewhere"), *s.heroes[1:]))
    assert reads.key(s) == reads.key(busy)
    assert reads.key(s) != reads.key(moved)


def test_a_skipped_check_never_hides_an_ending(electro: Ruleset) -> None:
    s = _started(electro)
    assert set(end_reads(electro).parts) >= {"tracks", "heroes"}
    Ctx(s).check_end()  # nothing holds: remembered as failing
    # The same readable parts on another state object: still nothing (and no event).
    again = Ctx(replace(s, rng_counter=s.rng_counter + 5))
    again.check_end()
    assert again.events == []
    # Everyone down with no rations left: a defeat, however recently the memo failed.
    downed = tuple(replace(h, downed=True, hp=0) for h in s.heroes)
    lost = Ctx(replace(s, heroes=downed, tracks={**s.tracks, "rations": 0}))
    with pytest.raises(GameOver):
        lost.check_end()
    ended = lost.events[-1]
    assert isinstance(ended, ev.GameEnded) and ended.status == "lost"
