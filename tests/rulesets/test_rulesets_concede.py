"""``[[concede]]``: checked like every other condition and text, translated like every text."""

from __future__ import annotations

from pathlib import Path

import pytest
from rulesets_helpers import SHIPPED, describe, minimal_text, mutate, problems_of

from cibo.core.texts import text_paths
from cibo.rulesets import check_file, load_ruleset, parse_ruleset

GOOD = """
[[concede]]
id = "starving"
when = "round >= 3 and food < 2"
values = { food = "food", left = "rounds - round + 1" }
text = "Only {food} food with {left|round|rounds} to go."
"""


def _with(block: str) -> str:
    return minimal_text() + block


def test_a_good_entry_loads_and_has_a_text_path() -> None:
    rs = parse_ruleset(_with(GOOD), name="t.toml").ruleset
    (entry,) = rs.concede
    assert (entry.id, entry.values["left"]) == ("starving", "rounds - round + 1")
    assert text_paths(rs)["concede.starving.text"] == entry.text


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        ('when = "round >= 3 and food < 2"', 'when = "round >= 3 and"', "concede[0].when",
         "bad condition"),
        ('when = "round >= 3 and food < 2"', 'when = "fuel < 2"', "concede[0].when", "fuel"),
        ('left = "rounds - round + 1"', 'left = "rounds - @scaling.nope"', "concede[0].values.left",
         "nope"),
        ("{left|round|rounds} to go", "{later} to go", "concede[0].text",
         "unknown placeholder {later}"),
        ('text = "Only {food} food with {left|round|rounds} to go."', 'text = " "',
         "concede[0].text", "the sentence is empty"),
    ],
)
def test_check_reports_a_bad_entry(old: str, new: str, path: str, message: str) -> None:
    problems = problems_of(_with(mutate(GOOD, (old, new))))
    report = describe(problems)
    assert any(p.path == path and message in p.message for p in problems), report


def test_check_reports_an_entry_defined_twice() -> None:
    problems = problems_of(_with(GOOD + GOOD))
    assert any(p.path == "concede[1].id" and "defined twice" in p.message for p in problems), (
        describe(problems))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_shipped_rulesets_concede_in_every_language(path: Path) -> None:
    rs = load_ruleset(path).ruleset
    assert rs.concede, "each shipped ruleset says when its game is lost in all but name"
    for entry in rs.concede:
        assert rs.translations.texts["it"][f"concede.{entry.id}.text"].strip()


def test_check_reports_a_missing_concede_translation(tmp_path: Path) -> None:
    source = next(p for p in SHIPPED if p.stem == "factory-raid")
    text = source.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith('"concede.behind.text"'))
    broken = tmp_path / "factory-raid.toml"
    broken.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    problems = check_file(broken)
    assert any("missing the 'it' text for concede.behind.text" in p.message for p in problems), (
        describe(problems))
    assert check_file(source) == []
