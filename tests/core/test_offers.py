"""What a seat is offered: no action that cannot help, and enough to tell look-alikes apart."""

from __future__ import annotations

from typing import Any

import pytest

from cibo.core import Ruleset, decide, legal_actions
from cibo.core.commands import Act
from cibo.core.state import GameState, replace
from cibo.rulesets import RulesetError, find_ruleset, parse_ruleset
from cibo.simulation import setup_game


def _at(state: GameState, hero_id: str, zone: str, **tracks: int) -> GameState:
    heroes = tuple(
        replace(h, zone=zone, actions_left=3, done=False) if h.id == hero_id
        else replace(h, done=True)
        for h in state.heroes
    )
    return replace(state, heroes=heroes, turn=hero_id, tracks={**state.tracks, **tracks})


def _offered(state: GameState, hero_id: str) -> list[dict[str, Any]]:
    seat = next(h.seat for h in state.heroes if h.id == hero_id)
    return [a for a in legal_actions(state, seat) if a.get("hero") == hero_id]


def test_an_action_that_cannot_help_is_not_offered_but_stays_legal() -> None:
    # The general rule, on a copy of the ruleset whose Secure has no offer_if of its own.
    text = find_ruleset("electro-fishers").read_text(encoding="utf-8")
    own = ' offer_if = "route < @scaling.route_goal",'
    assert own in text
    rs = parse_ruleset(text.replace(own, "", 1)).ruleset
    start = setup_game(rs, seed=b"o" * 32, players=2, difficulty="normal")
    hero = start.heroes[0].id
    top = rs.tracks["route"].max
    open_route = _at(start, hero, "bridge", route=top - 1, parts=3)
    assert "secure" in {a.get("action") for a in _offered(open_route, hero)}
    secured = _at(start, hero, "bridge", route=top, parts=3)
    assert "secure" not in {a.get("action") for a in _offered(secured, hero)}
    # Not offered is not forbidden: the rules still decide a command sent anyway.
    seat = next(h.seat for h in secured.heroes if h.id == hero)
    assert decide(secured, Act(seat, hero, "secure", ""))


def test_secure_is_offered_until_the_route_this_table_needs_is_secured(electro: Ruleset) -> None:
    for players in (2, 6):
        start = setup_game(electro, seed=b"o" * 32, players=players, difficulty="normal")
        goal = electro.scaling["route_goal"][str(len(start.heroes))]
        hero = start.heroes[0].id
        short = _at(start, hero, "bridge", route=goal - 1, parts=3)
        assert "secure" in {a.get("action") for a in _offered(short, hero)}
        done = _at(start, hero, "bridge", route=goal, parts=3)
        assert "secure" not in {a.get("action") for a in _offered(done, hero)}


def test_look_alike_zone_actions_carry_their_verbs_and_cost(electro: Ruleset) -> None:
    start = setup_game(electro, seed=b"k" * 32, players=2, difficulty="normal")
    killy = next((h for h in start.heroes if h.kind == "killy"), None)
    if killy is None:  # the seats picked other heroes: give the first seat Killy
        killy = replace(start.heroes[0], id="killy", kind="killy")
        start = replace(start, heroes=(killy, *start.heroes[1:]))
    state = _at(start, killy.id, "arcade")
    offered = _offered(state, killy.id)
    moves = [a for a in offered if a.get("action") == "move"]
    beams = [a for a in offered if a.get("action") == "beam"]
    assert moves and beams
    shared = {a["target"] for a in moves} & {a["target"] for a in beams}
    assert shared, "both target zones: the same buttons without more to tell them apart"
    for a in moves:
        assert a["target_kind"] == "zone" and a["verbs"] == ["move"] and a["cost"] == 1
    for a in beams:
        assert a["target_kind"] == "zone" and a["verbs"][0] == "damage_zone" and a["cost"] == 2
    end = next(a for a in offered if a["type"] == "end_turn")
    assert end["verbs"] == [] and end["target_kind"] == "none"


def test_a_rulesets_offer_if_decides_when_an_action_is_offered() -> None:
    text = find_ruleset("electro-fishers").read_text(encoding="utf-8")
    salvage = 'salvage  = { cost = 1, noise = 1, where = "salvage",'
    assert salvage in text
    rs = parse_ruleset(
        text.replace(salvage, salvage + ' offer_if = "parts < 2",', 1)
    ).ruleset
    start = setup_game(rs, seed=b"f" * 32, players=2, difficulty="normal")
    hero = start.heroes[0].id
    few = _at(start, hero, "arcade", parts=1)
    assert "salvage" in {a.get("action") for a in _offered(few, hero)}
    enough = _at(start, hero, "arcade", parts=2)
    assert "salvage" not in {a.get("action") for a in _offered(enough, hero)}
    seat = next(h.seat for h in enough.heroes if h.id == hero)
    assert decide(enough, Act(seat, hero, "salvage", ""))  # still legal
    # cibo check reads it like any condition.
    with pytest.raises(RulesetError) as bad:
        parse_ruleset(text.replace(salvage, salvage + ' offer_if = "nonsense < 2",', 1))
    assert "offer_if" in str(bad.value)
