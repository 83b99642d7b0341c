"""Projections: private information reaches only its owner, in views and in events alike."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cibo.core import events as ev
from cibo.core.commands import command_from_wire
from cibo.core.policies import choose
from cibo.core.reducer import apply
from cibo.core.rng import Rng
from cibo.core.rules import decide
from cibo.core.views import ruleset_summary, view_event, view_state
from cibo.rulesets import find_ruleset, parse_ruleset
from cibo.simulation import setup_game

CANARY = "canary_5e1f0a"


def canary_ruleset_text() -> str:
    """Factory Raid with one extra card whose id is a canary; peeking reveals it to one seat."""
    text = Path(find_ruleset("factory-raid")).read_text(encoding="utf-8")
    anchor = '  { id = "idle_line"'
    assert anchor in text
    card = f'  {{ id = "{CANARY}", n = 1, text = "A secret order." }},\n'
    return text.replace(anchor, card + anchor, 1)


def _dump(value: object) -> str:
    return json.dumps(value, sort_keys=True)


def test_private_fields_never_reach_another_audience() -> None:
    rs = parse_ruleset(canary_ruleset_text(), name="canary.toml").ruleset
    assert CANARY not in _dump(ruleset_summary(rs))
    frames = 0
    for game in range(6):
        seed = hashlib.sha256(f"canary-{game}".encode()).digest()
        state = setup_game(rs, seed=seed, players=3, difficulty="normal", index=game)
        seats = [s.id for s in state.seats]
        audiences = [f"seat:{s}" for s in seats] + ["table", "spectator", "public"]
        bot = Rng(hashlib.sha256(b"b" + seed).digest())
        for _ in range(400):
            if state.over:
                break
            seat = next(s for s in seats if choose(state, s, "random", bot) is not None)
            wire = choose(state, seat, "random", bot)
            assert wire is not None
            for event in decide(state, command_from_wire(seat, wire)):
                state = apply(state, event)
                deck = state.decks.get("production")
                hidden = deck is not None and any(c.startswith(CANARY) for c in deck.draw)
                peeked_by = {s for s, cards in state.peeks.items() if CANARY in cards}
                for audience in audiences:
                    text = _dump(view_event(event, audience)) + _dump(view_state(state, audience))
                    frames += 1
                    owner = audience.removeprefix("seat:") in peeked_by
                    if hidden and not owner:
                        assert CANARY not in text, (audience, event)
                    if not state.over:
                        assert seed.hex() not in text, (audience, event)
    assert frames > 1000


def test_peek_is_shown_to_the_peeking_seat_only() -> None:
    peek = ev.CardsPeeked(seat="p1", deck="production", cards=(CANARY, "x"))
    assert view_event(peek, "seat:p1")["cards"] == [CANARY, "x"]  # type: ignore[index]
    for audience in ("seat:p2", "table", "spectator", "public"):
        shown = view_event(peek, audience)
        assert shown is not None and CANARY not in _dump(shown) and shown["n"] == 2


def test_deck_order_is_never_shown() -> None:
    built = ev.DeckBuilt(deck="production", order=(CANARY, "b"), rng_end=3)
    for audience in ("seat:p1", "table", "public"):
        assert CANARY not in _dump(view_event(built, audience))


def test_seed_is_revealed_when_the_game_ends() -> None:
    rs = parse_ruleset(canary_ruleset_text(), name="canary.toml").ruleset
    seed = b"\x01" * 32
    state = setup_game(rs, seed=seed, players=1, difficulty="easy")
    assert view_state(state, "table")["seed"] is None
    ended = decide(state, command_from_wire("p1", {"type": "end_game", "reason": "bedtime"}))
    final = state
    for event in ended:
        final = apply(final, event)
    assert final.status == "aborted"
    assert view_state(final, "public")["seed"] == seed.hex()
    assert hashlib.sha256(seed).hexdigest() == view_state(final, "public")["commitment"]
