"""Random damage to valid rulesets gives a LoadedRuleset or a RulesetError, never anything else."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rulesets_helpers import SHIPPED, minimal_text

from cibo.rulesets import LoadedRuleset, RulesetError, parse_ruleset
from cibo.rulesets.loader import check_data

TEXTS = [minimal_text(), *(p.read_text(encoding="utf-8") for p in SHIPPED)]
TOKENS = ['"', "'", "[", "]", "{", "}", "=", ",", ".", "\n", "#", " ", "0", "-1", "2.7", "true",
          '"false"', "[[round]]", "x", "wieght", "$each", "@difficulty.x", "2d6", "from",
          '"zones:tower"', "(", ")", "\\", '"""']

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _outcome(text: str) -> str:
    try:
        loaded = parse_ruleset(text, name="fuzz.toml")
    except RulesetError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == "fuzz.toml"
            assert problem.line is None or 1 <= problem.line <= text.count("\n") + 1
            assert str(problem)
        return "error"
    assert isinstance(loaded, LoadedRuleset)
    return "ok"


@st.composite
def damaged_text(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "swap_lines", "dup_line"]))
        if kind == "delete":
            end = draw(st.integers(at, min(len(text), at + 12)))
            text = text[:at] + text[end:]
        elif kind == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif kind == "replace":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at + 1 :]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "swap_lines":
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines.insert(j, lines[i])
            text = "\n".join(lines)
    return text


@pytest.mark.parametrize("text", [
    "a = " + "[" * 3000 + "]" * 3000,
    "a = " + "{b=" * 400 + "1" + "}" * 400,
    minimal_text().replace('{ activate = "all" }',
                           '{ consume = "food", short = [' * 150 + "]}" * 150),
    minimal_text().replace('{ activate = "all" }',
                           '{ consume = "food", short = [' * 900 + "]}" * 900),
], ids=["arrays", "tables", "effects", "effects_deeper"])
def test_ruleset_deep_nesting_never_crashes(text: str) -> None:
    _outcome(text)


@SETTINGS
@given(damaged_text())
def test_ruleset_text_mutations_never_crash(text: str) -> None:
    _outcome(text)


VALUES = st.recursive(
    st.integers(-5, 20) | st.booleans() | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "drone", "gate", "2d6", "$each", "@difficulty.spawn_mod",
                       "count(zones:tower)", "all", "near", ">=8", "zones:tower", "((", "1d0"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["add", "by", "range", "weight", "links", "do", "x", "from", "name"]),
        inner, max_size=3),
    max_leaves=6,
)


def _containers(node: Any, out: list[Any]) -> list[Any]:
    if isinstance(node, dict | list):
        out.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, out)
    return out


@st.composite
def damaged_data(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(tomllib.loads(draw(st.sampled_from(TEXTS))))
    for _ in range(draw(st.integers(1, 5))):
        containers = _containers(data, [])
        box = containers[draw(st.integers(0, len(containers) - 1))]
        keys: list[Any] = list(box) if isinstance(box, dict) else list(range(len(box)))
        action = draw(st.sampled_from(["set", "delete", "add"]))
        if action == "add" or not keys:
            if isinstance(box, dict):
                box[draw(st.sampled_from(["x", "wieght", "from", "do", "when"]))] = draw(VALUES)
            else:
                box.append(draw(VALUES))
        elif action == "delete":
            del box[draw(st.sampled_from(keys))]
        else:
            box[draw(st.sampled_from(keys))] = draw(VALUES)
    return data


@SETTINGS
@given(damaged_data())
def test_ruleset_data_mutations_never_crash(data: dict[str, Any]) -> None:
    ruleset, problems = check_data(data, name="fuzz")
    assert (ruleset is None) == bool(problems)
    for problem in problems:
        assert problem.file == "fuzz" and problem.message
