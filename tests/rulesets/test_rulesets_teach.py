"""``[teach]``: required by ``cibo check``, checked for what it names, shown with live values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rulesets_helpers import DATA, SHIPPED, describe, minimal_text, mutate, problems_of

from cibo.core import ruleset_summary
from cibo.core.expr import MapEnv
from cibo.core.teach import base_attack, resolve_formula
from cibo.rulesets import check_file, load_ruleset, parse_ruleset

UNTAUGHT = DATA / "untaught.toml"
GAP = re.compile(r"^# gap: (\d+) (\S+): (.+)$", re.MULTILINE)


def test_check_refuses_a_ruleset_without_teach_at_the_line_where_it_belongs() -> None:
    expected = [(int(line), path, message)
                for line, path, message in GAP.findall(UNTAUGHT.read_text(encoding="utf-8"))]
    problems = check_file(UNTAUGHT)
    assert [(p.line, p.path, p.message.split(":")[0]) for p in problems] == expected, \
        describe(problems)
    assert "before [translations]" in problems[0].message
    # Loading tolerates it: a journal written before [teach] existed still replays.
    assert parse_ruleset(UNTAUGHT.read_text(encoding="utf-8")).ruleset.teach.empty


@pytest.mark.parametrize(("old", "new", "path", "words"), [
    ('goals = { fed = { track = "food", text = "Food {value}/{of}: forage in the yard." } }\n', "",
     "teach.goals", "at least one way to win"),
    ('defeats = { late = { of = "rounds", text = "Lost after round {of}." } }\n', "",
     "teach.defeats", "at least one way to lose"),
    (', city = "The tower rolls; units act."', "", "teach.phases", "missing the phase 'city'"),
    ('glossary = { noise = { term = "Noise", text = "What the tower hears." } }\n', "",
     "teach.glossary", "explain the words"),
])
def test_check_names_each_missing_part_of_teach(tmp_path: Path, old: str, new: str, path: str,
                                                words: str) -> None:
    text = mutate(minimal_text(), (old, new))
    file = tmp_path / "t.toml"
    file.write_text(text, encoding="utf-8")
    problems = check_file(file)
    assert [p.path for p in problems] == [path], describe(problems)
    assert words in problems[0].message
    assert problems[0].line is not None


@pytest.mark.parametrize(("old", "new", "path", "words"), [
    ('track = "food"', 'track = "fod"', "teach.goals.fed.track", "unknown track 'fod'"),
    ('of = "rounds"', 'of = "roundz +"', "teach.defeats.late.of", "bad formula"),
    ('of = "rounds",', 'of = "rounds", when = "@difficulty.nope > 0",', "teach.defeats.late.when",
     "nope"),
    ('of = "rounds",', 'of = "rounds", when = "round >",', "teach.defeats.late.when",
     "bad condition"),
    ("{of}: forage", "{max}: forage", "teach.goals.fed.text", "unknown placeholder {max}"),
    ('heroes = "Each', 'heros = "Each', "teach.phases.heros", "the round has no phase 'heros'"),
    ('text = "Walk."', 'text = "Walk {far} zones."', "actions.move.text",
     "unknown placeholder {far}"),
])
def test_check_finds_what_teach_names_wrongly(old: str, new: str, path: str, words: str) -> None:
    base = minimal_text()
    if old == 'text = "Walk."':
        base = re.sub(r'(move\s*=\s*\{[^\n]*?)( \}\n)', r'\1, text = "Walk." }\n', base, count=1)
    problems = problems_of(mutate(base, (old, new)))
    assert any(p.path == path and words in p.message for p in problems), describe(problems)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_rulesets_teach_every_phase_and_show_no_formula(path: Path) -> None:
    rs = load_ruleset(path).ruleset
    assert set(rs.teach.phases) == {p.phase for p in rs.round}
    assert rs.teach.goals and rs.teach.defeats and rs.teach.glossary
    summary = ruleset_summary(rs)
    for hero in summary["heroes"].values():
        assert re.fullmatch(r"\d+d\d+(r\d+)?(cs>=\d+)?", hero["attack"]), hero["attack"]
    for lang, texts in summary["texts"].items():
        for key, text in texts.items():
            assert "MOVE" not in text and "@" not in text, (lang, key, text)
    assert summary["teach"]["phases"] == [p.phase for p in rs.round]


def test_formulas_resolve_to_the_numbers_of_the_moment() -> None:
    env = MapEnv(names={"allies_here": 2, "@hero.tech": 1, "@difficulty.spawn_mod": 0,
                        "@hero.attack": "(2 + min(1, allies_here))d6cs>=4"})
    assert resolve_formula("(2 + min(1, allies_here))d6cs>=4", env) == "3d6cs>=4"
    assert resolve_formula("@hero.attack", env) == "3d6cs>=4"
    assert resolve_formula("3d6kh2 + @hero.tech", env) == "3d6kh2 + 1"
    assert resolve_formula("2d6 + @difficulty.spawn_mod", env) == "2d6"
    assert resolve_formula("2d6r1cs>=4", env) == "2d6r1cs>=4"
    assert resolve_formula("1 + allies_here", env) == "3"
    zuru = load_ruleset(SHIPPED[0]).ruleset.heroes["zuru"]
    assert base_attack(zuru) == "2d6cs>=4"
