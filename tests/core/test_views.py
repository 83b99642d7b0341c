"""Projections: private information reaches only its owner, in views and in events alike."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cibo.core import events as ev
from cibo.core.commands import command_from_wire
from cibo.core.events import event_to_dict
from cibo.core.policies import choose
from cibo.core.reducer import apply
from cibo.core.rng import Rng
from cibo.core.rules import decide
from cibo.core.ruleset import Ruleset
from cibo.core.texts import text_paths
from cibo.core.views import (
    SEAT_KEYS,
    SHOWN_WHOLE,
    legal_actions,
    legal_commands,
    ruleset_summary,
    shared_view,
    view_event,
    view_events,
    view_state,
)
from cibo.rulesets import find_ruleset, parse_ruleset
from cibo.simulation import next_command, setup_game

CANARY = "canary_5e1f0a"
CANARY_TEXTS = ("A secret order 5e1f.", "Un ordine segreto 5e1f.", "Ordine segreto 5e1f")
"""The canary card's English text, its Italian text and its Italian name: each appears nowhere
else in the ruleset, so finding one in a view means the card itself was shown."""


def canary_ruleset_text() -> str:
    """Factory Raid with one extra card whose id is a canary, written in both languages;
    peeking reveals it to one seat."""
    text = Path(find_ruleset("factory-raid")).read_text(encoding="utf-8")
    anchor = '  { id = "idle_line"'
    assert anchor in text
    assert text.rstrip().endswith('"')  # the file ends inside [translations.it]
    card = f'  {{ id = "{CANARY}", n = 1, text = "{CANARY_TEXTS[0]}" }},\n'
    italian = (
        f'\n"decks.production.cards.{CANARY}.text" = "{CANARY_TEXTS[1]}"'
        f'\n"decks.production.cards.{CANARY}.label" = "{CANARY_TEXTS[2]}"\n'
    )
    return text.replace(anchor, card + anchor, 1).rstrip() + italian


def _dump(value: object) -> str:
    return json.dumps(value, sort_keys=True)


def test_private_fields_never_reach_another_audience() -> None:
    rs = parse_ruleset(canary_ruleset_text(), name="canary.toml").ruleset
    assert rs.translations.texts["it"][f"decks.production.cards.{CANARY}.text"] == CANARY_TEXTS[1]
    summary = _dump(ruleset_summary(rs))
    assert CANARY not in summary and not [t for t in CANARY_TEXTS if t in summary]
    frames = 0
    shown_in_italian = 0  # frames that showed the canary, drawn or peeked, with its Italian text
    for game in range(6):
        seed = hashlib.sha256(f"canary-{game}".encode()).digest()
        state = setup_game(rs, seed=seed, players=3, difficulty="normal", index=game)
        seats = [s.id for s in state.seats]
        audiences = [f"seat:{s}" for s in seats] + ["table", "spectator", "public"]
        bot = Rng(hashlib.sha256(b"b" + seed).digest())
        for _ in range(400):
            if state.over:
                break
            seat, wire = next_command(state, seats, "random", bot, index=game)
            if wire["type"] == "concede":  # play on, so that the canary card has time to come out
                wire = {"type": "play_on"}
            for event in decide(state, command_from_wire(seat, wire)):
                state = apply(state, event)
                deck = state.decks.get("production")
                hidden = deck is not None and any(c.startswith(CANARY) for c in deck.draw)
                peeked_by = {s for s, cards in state.peeks.items() if CANARY in cards}
                for audience in audiences:
                    shown = view_event(event, audience, rs)
                    text = _dump(shown) + _dump(view_state(state, audience))
                    frames += 1
                    owner = audience.removeprefix("seat:") in peeked_by
                    if hidden and not owner:
                        assert CANARY not in text, (audience, event)
                        assert not [t for t in CANARY_TEXTS if t in text], (audience, event)
                    if CANARY_TEXTS[1] in _dump(shown):
                        shown_in_italian += 1
                    if not state.over:
                        assert seed.hex() not in text, (audience, event)
    assert frames > 1000
    assert shown_in_italian > 0  # the canary did come out, so the checks above can fail


def test_peek_is_shown_to_the_peeking_seat_only() -> None:
    rs = parse_ruleset(canary_ruleset_text(), name="canary.toml").ruleset
    peek = ev.CardsPeeked(seat="p1", deck="production", cards=(CANARY, "idle#2"))
    mine = view_event(peek, "seat:p1", rs)
    assert mine is not None and mine["cards"] == [CANARY, "idle#2"]
    assert mine["texts"]["it"] == {
        f"decks.production.cards.{CANARY}.label": CANARY_TEXTS[2],
        f"decks.production.cards.{CANARY}.text": CANARY_TEXTS[1],
        "decks.production.cards.idle.label": "Pausa",
        "decks.production.cards.idle.text": "La linea si inceppa per un momento.",
    }
    assert mine["texts"]["en"][f"decks.production.cards.{CANARY}.text"] == CANARY_TEXTS[0]
    for audience in ("seat:p2", "table", "spectator", "public"):
        shown = view_event(peek, audience, rs)
        assert shown is not None and shown["n"] == 2 and "texts" not in shown
        assert CANARY not in _dump(shown) and "Pausa" not in _dump(shown)


def test_deck_order_is_never_shown() -> None:
    built = ev.DeckBuilt(deck="production", order=(CANARY, "b"), rng_end=3)
    shuffled = ev.DeckReshuffled(deck="production", order=("b", CANARY), rng_end=5)
    for audience in ("seat:p1", "table", "public"):
        assert CANARY not in _dump(view_event(built, audience, None))
    # Nor when the journal's dicts, which hold the order, are at hand for the views.
    journal = {1: event_to_dict(built), 2: event_to_dict(shuffled)}
    assert CANARY in _dump(journal)
    shown = view_events([(1, built), (2, shuffled)], ["seat:p1", "table", "public"], None, journal)
    assert CANARY not in _dump(shown)


def test_a_peek_is_not_shown_whole_when_the_journal_dict_is_at_hand() -> None:
    rs = parse_ruleset(canary_ruleset_text(), name="canary.toml").ruleset
    peek = ev.CardsPeeked(seat="p1", deck="production", cards=(CANARY,))
    shown = view_events([(7, peek)], ["seat:p1", "seat:p2", "table"], rs, {7: event_to_dict(peek)})
    assert CANARY in _dump(shown["seat:p1"])
    assert CANARY not in _dump(shown["seat:p2"]) + _dump(shown["table"])


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


def test_a_drawn_card_comes_with_its_texts_in_both_languages(factory: Ruleset) -> None:
    """The summary has no card; a drawn card's event brings its name and text in English and
    Italian to every audience, and the cards still in the deck stay out of every view."""
    rs = factory
    italian = rs.translations.texts["it"]
    state = setup_game(rs, seed=b"\x07" * 32, players=2, difficulty="normal")
    audiences = ["seat:p1", "seat:p2", "table", "spectator", "public"]
    bot = Rng(b"\x08" * 32)
    frames: list[str] = [_dump(ruleset_summary(rs))]
    drawn: ev.CardDrawn | None = None
    while drawn is None:
        seat = next(s.id for s in state.seats if choose(state, s.id, "random", bot) is not None)
        wire = choose(state, seat, "random", bot)
        assert wire is not None
        for event in decide(state, command_from_wire(seat, wire)):
            state = apply(state, event)
            for audience in audiences:
                frames.append(_dump(view_event(event, audience, rs)))
                frames.append(_dump(view_state(state, audience)))
            if isinstance(event, ev.CardDrawn) and drawn is None:
                drawn = event
    base = drawn.card.split("#")[0]
    name, text = (f"decks.production.cards.{base}.{k}" for k in ("label", "text"))
    for audience in audiences:
        shown = view_event(drawn, audience, rs)
        assert shown is not None and shown["card"] == drawn.card
        assert shown["texts"]["it"] == {name: italian[name], text: italian[text]}
        assert shown["texts"]["en"][text] == drawn.text
        assert italian[text] != drawn.text
    # What no view may hold: the Italian and English texts of every kind of card not shown yet
    # (texts that a shown card or the summary shares, as the retool cards share theirs, aside).
    deck = state.decks["production"]
    out = {c.split("#")[0] for c in deck.draw} - {c.split("#")[0] for c in deck.discard}
    out -= {c.split("#")[0] for cards in state.peeks.values() for c in cards}
    source = text_paths(rs)
    texts_of = {
        card.id: {source.get(f"decks.production.cards.{card.id}.text", "")}
        | {italian[f"decks.production.cards.{card.id}.{k}"] for k in ("label", "text")}
        for card in (*rs.decks["production"].cards, *rs.decks["production"].specials)
    }
    shown_texts = set().union(*(texts_of[c] for c in texts_of if c not in out))
    other_texts = {t for p, t in (*source.items(), *italian.items()) if ".cards." not in p}
    secrets = set().union(*(texts_of[c] for c in out)) - shown_texts - other_texts - {""}
    assert len(secrets) >= 6, secrets
    leaks = [t for t in secrets for frame in frames if t in frame]
    assert not leaks


def test_events_shown_whole_are_their_journal_dicts(any_ruleset: Ruleset) -> None:
    """Over random games (every verb, deck and peek the ruleset has), an event of a type in
    ``SHOWN_WHOLE`` shows every audience what the journal keeps of it, and ``view_events``
    given the journal's dicts gives every audience the same lists as without them (the
    dicts shared, never copied); the other types are converted as before."""
    rs = any_ruleset
    shown_whole = seen_other = 0
    for game in range(5):
        seed = hashlib.sha256(f"whole-{rs.ruleset.id}-{game}".encode()).digest()
        state = setup_game(rs, seed=seed, players=3, difficulty="normal", index=game)
        seats = [s.id for s in state.seats]
        audiences = [f"seat:{s}" for s in seats] + ["table", "public"]
        bot = Rng(hashlib.sha256(b"w" + seed).digest())
        seq = 0
        for _ in range(300):
            if state.over:
                break
            seat, wire = next_command(state, seats, "random", bot, index=game)
            events = decide(state, command_from_wire(seat, wire))
            numbered = [(seq + i, e) for i, e in enumerate(events, 1)]
            seq += len(events)
            journal = {n: event_to_dict(e) for n, e in numbered}
            for n, event in numbered:
                state = apply(state, event)
                if type(event) in SHOWN_WHOLE:
                    shown_whole += 1
                    for audience in audiences:
                        assert view_event(event, audience, rs) == journal[n], event
                else:
                    seen_other += 1
            plain = view_events(numbered, audiences, rs)
            shared = view_events(numbered, audiences, rs, journal)
            assert shared == plain
            for audience in audiences:
                for item in shared[audience]:
                    if type(events[item["seq"] - numbered[0][0]]) in SHOWN_WHOLE:
                        assert item["event"] is journal[item["seq"]]
    assert shown_whole > 500
    assert seen_other > 0 or not rs.decks  # decks: drawn cards, peeks, reshuffles


def test_a_seat_view_lists_bare_commands_and_shows_each_action_once(any_ruleset: Ruleset) -> None:
    """A seat's ``actions`` are its legal commands with their cost; with the seat's ``menu``
    (label, text, kind of target, verbs by hero and action) and each hero's sheet (its dice),
    they tell a phone everything :func:`legal_actions` lists, entry by entry, and the menu is
    the same object from one view to the next (so an update leaves it out)."""
    rs = any_ruleset
    checked = 0
    for game in range(3):
        seed = hashlib.sha256(f"menu-{rs.ruleset.id}-{game}".encode()).digest()
        state = setup_game(rs, seed=seed, players=3, difficulty="normal", index=game)
        seats = [s.id for s in state.seats]
        bot = Rng(hashlib.sha256(b"m" + seed).digest())
        menus: dict[str, dict[str, Any]] = {}
        for _ in range(200):
            if state.over:
                break
            for seat in seats:
                view = view_state(state, f"seat:{seat}")
                full = legal_actions(state, seat)
                assert view["actions"] == legal_commands(state, seat)
                assert len(view["actions"]) == len(full)
                for bare, entry in zip(view["actions"], full, strict=True):
                    assert {k: entry[k] for k in bare} == bare
                    if entry["type"] != "act":
                        continue
                    look = view["menu"][entry["hero"]][entry["action"]]
                    sheet = view["sheets"][entry["hero"]]["actions"][entry["action"]]
                    assert {**bare, **look, "roll": str(sheet.get("roll", ""))} == entry
                    checked += 1
                assert set(view["menu"]) == {h.id for h in state.heroes if h.seat == seat}
                # What a seat adds to what every audience sees is SEAT_KEYS, no more.
                common = shared_view(state)
                assert set(view) - set(common) == set(SEAT_KEYS)
                assert {k: view[k] for k in common} == common
                if seat in menus and set(view["menu"]) == set(menus[seat]):
                    assert all(view["menu"][h] is menus[seat][h] for h in view["menu"])
                menus[seat] = view["menu"]
            seat, wire = next_command(state, seats, "random", bot, index=game)
            for event in decide(state, command_from_wire(seat, wire)):
                state = apply(state, event)
    assert checked > 100
