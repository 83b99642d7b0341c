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
    reads = reads_of(electro, ["count(heroes where zone != 'shaft') == 0"])
    h = s.heroes[0]
    busy = replace(s, heroes=(replace(h, actions_left=h.actions_left + 3), *s.heroes[1:]))
    moved = replace(s, heroes=(replace(h, zone="elsewhere"), *s.heroes[1:]))
    assert reads.key(s) == reads.key(busy)
    assert reads.key(s) != reads.key(moved)


@pytest.mark.parametrize(
    ("source", "bound"),
    [
        ("allies_here > 0", True),
        ("@hero.hp > 1", True),
        ("(2 + min(1, allies_here))d6cs>=4", True),
        ("@hero.attack", True),  # Electro-Fisher's attack counts the allies beside the hero
        ("allies_here + count(heroes where hp > 1) > 0", False),
        ("allies_here + heroes_active > 0", True),  # and by number: still not every hero
        ("count(heroes where zone != 'shaft') == 0", False),
        ("$hero.hp > 0", False),
        ("villagers < 3", False),
    ],
)
def test_reads_through_the_bound_hero_are_told_apart(
    electro: Ruleset, source: str, bound: bool
) -> None:
    """Only names about the bound hero (its fields, its allies) make a key per hero; any
    other read of the heroes keeps every hero in the key."""
    reads = reads_of(electro, [source])
    assert reads.bound is bound
    assert "heroes" in reads.parts or source == "villagers < 3"


def test_a_bound_key_reads_the_hero_and_who_stands_with_it(electro: Ruleset) -> None:
    """For ``allies_here``: another hero's hit points or a move between two other zones
    leave the key as it was; an ally arriving, the hero moving or being hurt change it. Asked
    without the hero, the key is every hero's, as for any other read."""
    s = setup_game(electro, seed=b"bound" * 6 + b"!!", players=4, difficulty="normal")
    reads = reads_of(electro, ["allies_here"])
    me, other, *rest = s.heroes
    zones = [z for z in electro.zones if z != me.zone]
    away = replace(s, heroes=(me, replace(other, zone=zones[0]), *rest))
    elsewhere = replace(s, heroes=(me, replace(other, zone=zones[1]), *rest))
    hurt = replace(away, heroes=(me, replace(away.heroes[1], hp=1), *rest))
    beside = replace(away, heroes=(me, replace(other, zone=me.zone), *rest))
    assert reads.key(away, me) == reads.key(elsewhere, me) == reads.key(hurt, me)
    assert reads.key(away) != reads.key(elsewhere)  # no hero given: every hero counts
    assert reads.key(beside, me) != reads.key(away, me)
    moved = replace(me, zone=zones[1])
    assert reads.key(replace(away, heroes=(moved, *away.heroes[1:])), moved) != reads.key(
        away, me
    )
    wounded = replace(me, hp=me.hp - 1)
    assert reads.key(replace(away, heroes=(wounded, *away.heroes[1:])), wounded) != (
        reads.key(away, me)
    )


@pytest.mark.parametrize(
    ("source", "counted"),
    [
        ("heroes_active == 0 and rations == 0", True),
        ("6 + 2 * heroes", True),
        ("@scaling.route_goal", True),
        ("heroes_active > 0 and count(heroes where zone != 'duct') == 0", False),
        ("allies_here > 0", False),
    ],
)
def test_reads_of_the_heroes_by_number_are_told_apart(
    electro: Ruleset, source: str, counted: bool
) -> None:
    assert reads_of(electro, [source]).counted is counted


def test_a_counted_key_reads_how_many_heroes_and_how_many_are_up(electro: Ruleset) -> None:
    """Heroes moving or hurt leave a key by number as it was; one going down changes it."""
    s = setup_game(electro, seed=b"count" * 6 + b"!!", players=4, difficulty="normal")
    reads = reads_of(electro, ["heroes_active == 0"])
    h = s.heroes[0]
    zone = next(z for z in electro.zones if z != h.zone)
    moved = replace(s, heroes=(replace(h, zone=zone, hp=1), *s.heroes[1:]))
    down = replace(s, heroes=(replace(h, downed=True, hp=0), *s.heroes[1:]))
    assert reads.key(s) == reads.key(moved) == reads.key(moved, h)
    assert reads.key(down) != reads.key(s)


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
