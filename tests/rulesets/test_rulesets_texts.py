"""Ruleset translations: every text in every declared language, found by ``cibo check``."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from rulesets_helpers import DATA, SHIPPED, minimal_text

from cibo.commands import check
from cibo.core import ruleset_summary
from cibo.core.texts import text_paths
from cibo.rulesets import Problem, check_file, load_ruleset, parse_ruleset

GAPS = DATA / "untranslated_gaps.toml"
GAP = re.compile(r"^# gap: (\d+) (\S+): (.+)$", re.MULTILINE)


def run_check(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    check.configure(parser)
    return check.run(parser.parse_args(list(argv)))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_rulesets_have_every_text_in_english_and_italian(path: Path) -> None:
    rs = load_ruleset(path).ruleset
    assert rs.translations.languages == ("en", "it")
    paths = text_paths(rs)
    assert set(rs.translations.texts) == {"it"}
    assert set(rs.translations.texts["it"]) == set(paths)
    assert all(text.strip() for text in rs.translations.texts["it"].values())
    assert check_file(path) == []


def test_check_reports_each_missing_or_misnamed_translation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = GAP.findall(GAPS.read_text(encoding="utf-8"))
    problems = check_file(GAPS)
    report = "\n".join(str(p) for p in problems)
    assert len(problems) == len(expected) == 3, report
    for problem, (line, key_path, message) in zip(problems, expected, strict=True):
        assert (problem.line, problem.path) == (int(line), key_path), report
        assert message in problem.message, report
    assert run_check(str(GAPS)) == 1
    assert "missing the 'it' text for zones.yard.label" in capsys.readouterr().out


def test_a_ruleset_with_gaps_still_loads_and_falls_back_to_its_first_language() -> None:
    rs = load_ruleset(GAPS).ruleset
    texts = ruleset_summary(rs)["texts"]
    assert texts["en"]["zones.yard.label"] == "yard"
    assert "zones.yard.label" not in texts["it"]
    assert "zones.yrd.label" not in texts["it"]  # a path that names nothing is not sent
    assert texts["it"]["zones.camp.label"] == "Accampamento"


def test_removing_one_italian_line_of_a_shipped_ruleset_is_reported() -> None:
    path = SHIPPED[0]
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith('"zones.gate.label" = '))
    problems = check_file_text(text.replace(line + "\n", ""), path.name)
    assert [p.message for p in problems] == [
        "missing the 'it' text for zones.gate.label (in 'en': 'Shield Gate')"
    ]


def check_file_text(text: str, name: str) -> list[Problem]:
    from cibo.rulesets.loader import _parse

    return list(_parse(text, name, texts=True)[1])


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ('[translations]\nlanguages = ["en", "Italian"]\n', "is not a language tag"),
        ('[translations]\nlanguages = ["en", "it", "it"]\n', "is listed twice"),
        ('[translations]\nlanguages = ["en"]\n[translations.it]\n"ruleset.name" = "Mini"\n',
         "is not in languages"),
        ('[translations]\nlanguages = ["en"]\n[translations.en]\n"ruleset.name" = "Mini"\n',
         "needs no table"),
        ('[translations]\nlanguages = "it"\n', "expected"),
        ('[translations.it]\n"ruleset.name" = 3\n', "expected a string"),
    ],
)
def test_translation_tables_that_cannot_be_meant_do_not_load(tail: str, message: str) -> None:
    from cibo.rulesets import RulesetError

    with pytest.raises(RulesetError) as info:
        parse_ruleset(minimal_text() + "\n" + tail, name="t.toml")
    assert any(message in p.message and p.path.startswith("translations")
               for p in info.value.problems), info.value


def test_summary_gives_every_language_and_never_a_card() -> None:
    raid = load_ruleset(next(p for p in SHIPPED if p.stem == "factory-raid")).ruleset
    summary = ruleset_summary(raid)
    assert summary["languages"] == ["en", "it"]
    assert set(summary["texts"]) == {"en", "it"}
    assert set(summary["texts"]["en"]) == set(summary["texts"]["it"])
    assert summary["texts"]["it"]["round.raid.label"] == "Incursione"
    assert not any(".cards." in p for texts in summary["texts"].values() for p in texts)
