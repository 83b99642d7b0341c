"""``cibo check`` warns about a ruleset in which nothing depends on the number of heroes."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from rulesets_helpers import MINIMAL, SHIPPED, minimal_text, mutate

from cibo.commands import check
from cibo.rulesets import parse_ruleset
from cibo.rulesets.scaling import scaling_warnings


def run_check(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    check.configure(parser)
    return check.run(parser.parse_args(list(argv)))


def test_a_ruleset_without_scaling_gets_a_warning_but_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_check("--static", str(MINIMAL)) == 0
    out = capsys.readouterr().out
    assert "ok  " in out
    assert "warning: nothing scales with the number of heroes (1 to 2)" in out


def test_the_shipped_rulesets_scale(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_check("--static", *(str(p) for p in SHIPPED)) == 0
    assert "warning" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('when = "food >= 10"', 'when = "food >= 4 + 3 * heroes"'),
        ('when = "food >= 10"', 'when = "food >= 10 + heroes_active"'),
    ],
)
def test_any_read_of_the_hero_count_is_scaling(old: str, new: str) -> None:
    rs = parse_ruleset(mutate(minimal_text(), (old, new))).ruleset
    assert scaling_warnings(rs) == []


def test_counting_heroes_in_a_zone_or_the_bots_play_book_is_not_scaling(tmp_path: Path) -> None:
    text = mutate(
        minimal_text(),
        ('when = "food >= 10"', 'when = "food >= 10 and count(heroes where hp > 0) > 0"'),
    )
    rs = parse_ruleset(text).ruleset
    assert len(scaling_warnings(rs)) == 1
