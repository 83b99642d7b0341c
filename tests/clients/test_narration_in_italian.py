"""What the narration names by id, told in Italian: the clients' (clients/shared/narrate.js, run
in Deno) and the terminal's (cibo.narration), from real event views.

The ruleset summary has no card (the deck's list stays hidden); each drawn card's texts come with
its ``card_drawn`` event, and an effect of the card names it as its cause (``card:retool_1``).
What a unit does to a track names the unit's kind (``unit:infiltrator``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from deno import find_deno_bin  # type: ignore[import-untyped]

from cibo.core import events as ev
from cibo.core.commands import command_from_wire
from cibo.core.policies import choose
from cibo.core.reducer import apply
from cibo.core.rng import Rng
from cibo.core.rules import decide
from cibo.core.state import GameState
from cibo.core.texts import text_paths
from cibo.core.views import ruleset_summary, view_event, view_state
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.simulation import setup_game

CLIENTS = Path(__file__).resolve().parents[2] / "clients"
LOCALES = CLIENTS / "shared" / "locales"


def game_with_a_retool() -> tuple[GameState, list[dict[str, Any]]]:
    """A bot game of Factory Raid up to the first retool card (it raises the alarm), as the
    table sees its events."""
    rs = load_ruleset(find_ruleset("factory-raid")).ruleset
    for game in range(20):
        seed = hashlib.sha256(f"retool-{game}".encode()).digest()
        state = setup_game(rs, seed=seed, players=2, difficulty="normal")
        bot = Rng(seed)
        shown: list[dict[str, Any]] = []
        for _ in range(400):
            if state.over:
                break
            seat = next(s.id for s in state.seats if choose(state, s.id, "random", bot))
            wire = choose(state, seat, "random", bot)
            assert wire is not None
            for event in decide(state, command_from_wire(seat, wire)):
                state = apply(state, event)
                seen = view_event(event, "table", rs)
                if seen is not None:
                    shown.append(seen)
                if isinstance(event, ev.TrackChanged) and event.cause.startswith("card:retool"):
                    return state, shown
    raise AssertionError("no retool card in 20 games")


def feed(lang: str, state: GameState, events: list[dict[str, Any]], tmp_path: Path) -> list[str]:
    """The feed's lines for ``events`` of a game at ``state`` on a device in ``lang``."""
    imports = {"/shared/": (CLIENTS / "shared").as_uri() + "/"}
    (tmp_path / "map.json").write_text(json.dumps({"imports": imports}), encoding="utf-8")
    own = (LOCALES / f"{lang}.json").read_text(encoding="utf-8")
    english = (LOCALES / "en.json").read_text(encoding="utf-8")
    data = json.dumps([ruleset_summary(state.ruleset), view_state(state, "table"), events])
    script = tmp_path / "probe.mjs"
    script.write_text(
        'import { feedLines, Names } from "/shared/narrate.js";\n'
        'import { localizeRuleset, setTables } from "/shared/i18n.js";\n'
        f"setTables({json.dumps(lang)}, {own}, {english});\n"
        f"const [summary, state, events] = {data};\n"
        "const names = new Names(localizeRuleset(summary), state);\n"
        "console.log(JSON.stringify(feedLines(events, names).map((l) => l.text)));\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [find_deno_bin(), "run", "--no-config", "--quiet", "--import-map",
         str(tmp_path / "map.json"), str(script)],
        capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, "DENO_NO_UPDATE_CHECK": "1", "NO_COLOR": "1"},
    )
    lines: list[str] = json.loads(out.stdout)
    return lines


def test_drawn_cards_and_their_effects_are_told_in_italian(tmp_path: Path) -> None:
    state, events = game_with_a_retool()
    rs = state.ruleset
    italian = rs.translations.texts["it"]
    english = {p: t for p, t in text_paths(rs).items() if ".cards." in p}
    drawn = [e for e in events if e["type"] == "card_drawn"]
    retool = next(e for e in reversed(drawn) if e["card"].startswith("retool"))
    lines = feed("it", state, events, tmp_path)
    told = "\n".join(lines)
    for e in drawn:
        text = italian[f"decks.production.cards.{e['card'].split('#')[0]}.text"]
        assert f"Carta dal mazzo Produzione: {text}" in lines
    name = italian[f"decks.production.cards.{retool['card']}.label"]  # "Riattrezzaggio 2"
    assert [line for line in lines if line.startswith("Allarme +2") and f"({name})" in line]
    leaks = [t for p, t in english.items() if italian[p] != t and t in told]
    assert not leaks
    # The same events on an English device: the cards in English, the cause by its name.
    english_lines = feed("en", state, events, tmp_path)
    retool_name = english[f"decks.production.cards.{retool['card']}.label"]
    assert [line for line in english_lines if f"({retool_name})" in line]


def test_cibo_replay_tells_the_cards_and_their_effects_in_italian() -> None:
    """The terminal's narration (cibo.narration, for ``cibo replay``) says the same."""
    from cibo.narration import Locale, Narrator

    state, events = game_with_a_retool()
    italian = state.ruleset.translations.texts["it"]
    narrator = Narrator(state.ruleset, Locale("it"))
    lines = [narrator.line(e) or "" for e in events]
    retool = next(e for e in reversed(events) if e["type"] == "card_drawn")
    assert retool["card"].startswith("retool")
    name = italian[f"decks.production.cards.{retool['card']}.label"]
    assert [line for line in lines if line.startswith("Allarme +2") and f"({name})" in line]
    english = Narrator(state.ruleset, Locale("en"))
    in_english = text_paths(state.ruleset)[f"decks.production.cards.{retool['card']}.label"]
    assert [e for e in events if f"({in_english})" in (english.line(e) or "")]


def test_what_a_unit_does_to_a_track_names_its_kind_in_italian(tmp_path: Path) -> None:
    from cibo.narration import Locale, Narrator

    rs = load_ruleset(find_ruleset("electro-fishers")).ruleset
    state = setup_game(rs, seed=b"\x03" * 32, players=2, difficulty="normal")
    italian = rs.translations.texts["it"]
    kinds = [k for k, unit in rs.units.items() if italian[f"units.{k}.name"] != unit.name]
    assert kinds  # "Infiltrator" is "Infiltrato"
    events = [{"type": "track_changed", "track": "villagers", "delta": -1, "value": 9,
               "cause": f"unit:{kind}"} for kind in kinds]
    expected = [f"({italian[f'units.{kind}.name']})" for kind in kinds]
    lines = feed("it", state, events, tmp_path)
    assert [line[line.rindex("("):] for line in lines] == expected
    narrator = Narrator(rs, Locale("it"))
    told = [narrator.line(e) or "" for e in events]
    assert [line[line.rindex("("):] for line in told] == expected


def test_every_event_type_has_its_own_line_in_both_narrations() -> None:
    """An event type without its own case is told by its name made readable, in English
    ("Hero arrived") whatever the language: each narration names every type."""
    from cibo.core.events import EVENT_TYPES

    narrate_js = (CLIENTS / "shared" / "narrate.js").read_text(encoding="utf-8")
    narration_py = (Path(__file__).resolve().parents[2] / "server" / "cibo" / "narration.py")
    told_py = narration_py.read_text(encoding="utf-8")
    silent = re.search(r"const SILENT = new Set\(\[([^\]]*)\]\)", narrate_js)
    assert silent is not None
    told_js = set(re.findall(r'^  (\w+): \[', narrate_js, re.MULTILINE))  # LINES
    told_js |= set(re.findall(r'case "(\w+)":', narrate_js))
    told_js |= set(re.findall(r'"(\w+)"', silent.group(1)))
    assert [kind for kind in EVENT_TYPES if kind not in told_js] == []
    assert [kind for kind in EVENT_TYPES if f'"{kind}"' not in told_py] == []


def test_a_latecomer_and_an_undo_are_told_in_italian(tmp_path: Path) -> None:
    from cibo.narration import Locale, Narrator

    rs = load_ruleset(find_ruleset("factory-raid")).ruleset
    state = setup_game(rs, seed=b"\x04" * 32, players=2, difficulty="normal")
    name = state.seats[1].name  # the state names the seats for the clients
    events: list[dict[str, Any]] = [
        {"type": "seat_joined", "seat": "p2", "name": name},  # what cibo replay learns from
        {"type": "hero_arrived", "seat": "p2", "hero": "escort-2", "kind": "escort",
         "zone": "duct", "hp": 7},
        {"type": "command_undone", "seat": "p2", "by": "p2", "back_to": 12, "command": "act",
         "hero": "escort-2", "action": "move", "target": "conveyor"},
    ]
    expected = [f"Arriva {name}", f"{name} prende Scorta 2 · Condotto d'ingresso",
                f"{name} ha ripreso una mossa"]
    assert feed("it", state, events, tmp_path) == expected
    narrator = Narrator(rs, Locale("it"))
    assert [narrator.line(e) for e in events] == expected


def test_neither_narration_tells_the_round_past_the_last(tmp_path: Path) -> None:
    """A game lost on time starts the round after its last only to end: no "Round 13" line."""
    from cibo.narration import Locale, Narrator

    rs = load_ruleset(find_ruleset("factory-raid")).ruleset
    state = setup_game(rs, seed=b"\x04" * 32, players=2, difficulty="normal")
    last = rs.ruleset.rounds
    events = [{"type": "round_started", "round": last},
              {"type": "round_started", "round": last + 1}]
    for lang in ("en", "it"):  # "Round" in Italian too
        assert feed(lang, state, events, tmp_path) == [f"Round {last}"]
        narrator = Narrator(rs, Locale(lang))
        assert [narrator.line(e) for e in events] == [f"Round {last}", None]
