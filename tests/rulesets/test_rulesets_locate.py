"""The line locator finds keys, table headers and array elements in TOML text."""

from __future__ import annotations

import tomllib

from cibo.rulesets.locate import LineIndex
from cibo.rulesets.problems import format_path

TEXT = '''# a comment with [brackets] and "quotes"
title = "x # not a comment"

[zones.gate]
links = ["a",
         "b"]   # trailing comment
pos = [1, 2]

[zones]
yard = { links = ["gate"], tags = [] }
"odd key" = { links = [] }

[[round]]
phase = "one"

[[round]]
phase = "two"
steps = [
  { step = "a", do = [ { add = "x", by = 1 } ] },
  { step = "b", text = """multi
line ] } string""" },
  { step = "c" },
]

[round.sub]
x = 1

[tables.spawn.bands]
calm = [ { range = [2, 6] },
         { range = [7, 12] } ]
dotted.key = 'lit\\eral'
when = 1979-05-27T07:32:00Z
'''


def test_ruleset_locate_fixture_is_valid_toml() -> None:
    tomllib.loads(TEXT)


def test_ruleset_locate_keys_headers_and_elements() -> None:
    index = LineIndex(TEXT)
    assert index.line_of(("title",)) == 2
    assert index.line_of(("zones", "gate")) == 4
    assert index.line_of(("zones", "gate", "links")) == 5
    assert index.line_of(("zones", "gate", "links", 1)) == 6
    assert index.line_of(("zones", "gate", "pos")) == 7
    assert index.line_of(("zones", "yard", "links", 0)) == 10
    assert index.line_of(("zones", "odd key")) == 11
    assert index.line_of(("round", 0)) == 13
    assert index.line_of(("round", 0, "phase")) == 14
    assert index.line_of(("round", 1, "phase")) == 17
    assert index.line_of(("round", 1, "steps", 0, "do", 0, "by")) == 19
    assert index.line_of(("round", 1, "steps", 1)) == 20
    assert index.line_of(("round", 1, "steps", 2, "step")) == 22
    assert index.line_of(("round", 1, "sub", "x")) == 26
    assert index.line_of(("tables", "spawn", "bands", "calm", 1, "range")) == 30
    assert index.line_of(("tables", "spawn", "bands", "dotted", "key")) == 31
    assert index.line_of(("tables", "spawn", "bands", "when")) == 32


def test_ruleset_locate_falls_back_to_the_longest_known_prefix() -> None:
    index = LineIndex(TEXT)
    assert index.line_of(("zones", "gate", "missing_key")) == 4
    assert index.line_of(("round", 1, "steps", 0, "nope", 3)) == 19
    assert index.line_of(("nowhere",)) is None
    assert index.line_of(()) is None


def test_ruleset_locate_survives_text_it_does_not_understand() -> None:
    index = LineIndex('a = 1\n[[[broken\nb = 2\n')
    assert index.line_of(("a",)) == 1
    assert index.line_of(("b",)) is None


def test_ruleset_format_path() -> None:
    assert format_path(("tables", "spawn", "bands", "calm", 2, "count")) == (
        "tables.spawn.bands.calm[2].count")
    assert format_path(("round", 0, "steps")) == "round[0].steps"
    assert format_path(("zones", "odd key")) == 'zones."odd key"'
    assert format_path(("scaling", "surge", "4")) == "scaling.surge.4"
    assert format_path(()) == ""
