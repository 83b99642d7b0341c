"""The numbers the screens teach with, over whole bot games of every shipped ruleset: every
state view carries the goal panel's progress and each hero's dice and action values, worked
out into numbers (no formula, stat name or reference ever reaches a client)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from cibo.core.commands import command_from_wire
from cibo.core.policies import choose
from cibo.core.reducer import apply
from cibo.core.rng import Rng
from cibo.core.rules import decide
from cibo.core.views import legal_actions, view_states
from cibo.rulesets import load_ruleset
from cibo.simulation import setup_game

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "rulesets").glob("*.toml"))
DICE = re.compile(r"\d+d\d+((r|kh|kl|cs>=)\d+)*( [-+] \d+)?")


def _check_view(view: dict[str, Any], rs_teach: Any) -> None:
    teach = view["teach"]
    for side in ("goals", "defeats"):
        lines = getattr(rs_teach, side)
        # Every line is listed but one whose condition does not hold (a rule of one difficulty).
        assert set(teach[side]) <= set(lines)
        assert all(lines[name].when for name in set(lines) - set(teach[side]))
    assert set(teach["goals"]) == set(rs_teach.goals)
    for side in ("goals", "defeats"):
        for live in teach[side].values():
            assert all(isinstance(v, int) for v in live.values()), live
    assert all(isinstance(u.get("hp", 0), int) for u in teach["units"].values())
    assert set(view["sheets"]) == {hero["id"] for hero in view["heroes"]}
    for hero in view["heroes"]:
        assert "values" not in hero  # its sheet is apart: it changes far less often
        values = view["sheets"][hero["id"]]
        assert DICE.fullmatch(values["attack"]), values["attack"]
        for name, action in values["actions"].items():
            assert isinstance(action.get("range", 0), int), (name, action)
            roll = action.get("roll", "")
            assert roll == "" or DICE.fullmatch(roll), (name, roll)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
@pytest.mark.parametrize("players", [1, 4])
def test_every_view_of_a_bot_game_teaches_with_numbers(path: Path, players: int) -> None:
    rs = load_ruleset(path).ruleset
    seed = hashlib.sha256(f"teach:{path.stem}:{players}".encode()).digest()
    state = setup_game(rs, seed=seed, players=players, difficulty="normal")
    seats = [s.id for s in state.seats]
    bot_rng = Rng(hashlib.sha256(b"bot:" + seed).digest())
    for _ in range(400):
        if state.over:
            break
        views = view_states(state, ["table", *(f"seat:{s}" for s in seats)])
        _check_view(views["table"], rs.teach)
        for seat in seats:
            for entry in legal_actions(state, seat):
                assert "@" not in entry["roll"] and "$" not in entry["roll"], entry
        wire = None
        for seat in seats:
            wire = choose(state, seat, "greedy", bot_rng)
            if wire is not None:
                break
        assert wire is not None
        for event in decide(state, command_from_wire(seat, wire)):
            state = apply(state, event)
    _check_view(view_states(state, ["table"])["table"], rs.teach)
