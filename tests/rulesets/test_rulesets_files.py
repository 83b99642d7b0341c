"""Shipped rulesets load; each broken fixture reports exactly the problems its header lists."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from rulesets_helpers import BROKEN, MINIMAL, SHIPPED, minimal_text, mutate

from cibo.core.ruleset import Ruleset
from cibo.rulesets import (
    ENV_VAR,
    LoadedRuleset,
    Problem,
    RulesetError,
    available_rulesets,
    check_file,
    default_ruleset_path,
    find_ruleset,
    load_ruleset,
    parse_ruleset,
)

EXPECT = re.compile(r"^# expect: (\d+) (\S+): (.+)$", re.MULTILINE)


def test_ruleset_files_are_shipped() -> None:
    names = {p.stem for p in SHIPPED}
    assert {"electro-fishers", "factory-raid"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_ruleset_passes_check(path: Path) -> None:
    assert check_file(path) == []
    loaded = load_ruleset(path)
    assert isinstance(loaded.ruleset, Ruleset)
    assert loaded.ruleset.id == path.stem
    assert loaded.text == path.read_bytes().decode("utf-8")
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.path == str(path)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_ruleset_reparses_identically_from_its_text(path: Path) -> None:
    loaded = load_ruleset(path)
    again = parse_ruleset(loaded.text, name="journal")
    assert again.ruleset == loaded.ruleset
    assert again.sha256 == loaded.sha256
    assert again.path == "journal"


def test_ruleset_shipped_pair_differs_where_the_design_says() -> None:
    fishers = load_ruleset(find_ruleset("electro-fishers")).ruleset
    raid = load_ruleset(find_ruleset("factory-raid")).ruleset
    assert fishers.tables and not fishers.decks
    assert raid.decks and not raid.tables
    assert any(p.turns == "each_hero" for p in raid.round)
    assert all(p.turns != "each_hero" for p in fishers.round)
    assert "kh2" in raid.actions["fabricate"].roll
    assert "cs>=" in fishers.heroes["killy"].attack
    assert raid.tracks["alarm"].values["production_rate"]
    assert any(h.repeatable for h in raid.heroes.values())
    assert set(fishers.difficulty) == set(raid.difficulty) == {"easy", "normal", "hard"}
    assert all(z.pos is not None for z in (*fishers.zones.values(), *raid.zones.values()))


def test_minimal_ruleset_fixture_is_valid() -> None:
    assert check_file(MINIMAL) == []


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem.removeprefix("broken_"))
def test_broken_ruleset_reports_expected_problems(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = EXPECT.findall(text)
    assert expected, "a broken fixture lists its expected problems"
    problems = check_file(path)
    report = "\n".join(str(p) for p in problems)
    assert len(problems) == len(expected), report
    for problem, (line, key_path, message) in zip(problems, expected, strict=True):
        assert problem.file == str(path)
        assert problem.line == int(line), report
        assert problem.path == ("" if key_path == "-" else key_path), report
        assert message in problem.message, report


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem.removeprefix("broken_"))
def test_broken_ruleset_load_raises_with_every_problem(path: Path) -> None:
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    error = info.value
    assert isinstance(error, ValueError)
    assert list(error.problems) == check_file(path)
    text = str(error)
    for problem in error.problems:
        assert str(problem) in text


def test_ruleset_three_problems_are_reported_at_once() -> None:
    problems = check_file(next(p for p in BROKEN if "three" in p.stem))
    assert len(problems) == 3
    assert "3 problems" in str(RulesetError(problems))


def test_ruleset_problem_str_is_file_line_path_message() -> None:
    assert str(Problem("a.toml", "zones.gate", "bad", 4)) == "a.toml:4: zones.gate: bad"
    assert str(Problem("a.toml", "", "bad", None)) == "a.toml: bad"
    assert str(Problem("a.toml", "x", "bad", None)) == "a.toml: x: bad"


def test_ruleset_syntax_error_has_line_and_column() -> None:
    text = mutate(minimal_text(), ('name = "Mini"', 'name = "Mini'))
    with pytest.raises(RulesetError) as info:
        parse_ruleset(text, name="x.toml")
    (problem,) = info.value.problems
    assert problem.line == 5
    assert problem.path == ""
    assert "TOML syntax error" in problem.message
    assert "column" in problem.message


def test_ruleset_duplicate_key_is_a_syntax_error() -> None:
    text = mutate(minimal_text(), ("rounds = 5", "rounds = 5\nrounds = 6"))
    with pytest.raises(RulesetError) as info:
        parse_ruleset(text)
    assert info.value.problems[0].line == 10


def test_ruleset_text_is_kept_exactly_with_crlf(tmp_path: Path) -> None:
    raw = minimal_text().replace("\n", "\r\n").encode("utf-8")
    path = tmp_path / "crlf.toml"
    path.write_bytes(raw)
    loaded = load_ruleset(path)
    assert loaded.text.encode("utf-8") == raw
    assert loaded.sha256 == hashlib.sha256(raw).hexdigest()


def test_ruleset_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    missing = check_file(tmp_path / "nope.toml")
    assert len(missing) == 1 and "cannot read" in missing[0].message
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b'[ruleset]\nname = "caf\xe9"\n')
    (problem,) = check_file(bad)
    assert "UTF-8" in problem.message and problem.line == 2
    with pytest.raises(RulesetError):
        load_ruleset(bad)


def test_ruleset_default_path_and_find_by_name() -> None:
    default = default_ruleset_path()
    assert default.name == "electro-fishers.toml" and default.is_file()
    assert find_ruleset("factory-raid").name == "factory-raid.toml"
    assert find_ruleset(str(default)) == default
    assert {"electro-fishers", "factory-raid"} <= set(available_rulesets())
    with pytest.raises(FileNotFoundError, match="no ruleset named 'nope'"):
        find_ruleset("nope")
    with pytest.raises(FileNotFoundError):
        find_ruleset("missing/file.toml")


def test_ruleset_env_var_directory_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mini.toml").write_text(minimal_text(), encoding="utf-8")
    (tmp_path / "factory-raid.toml").write_text(minimal_text(), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert find_ruleset("mini") == tmp_path / "mini.toml"
    assert find_ruleset("factory-raid") == tmp_path / "factory-raid.toml"
    assert find_ruleset("electro-fishers").parent.name == "rulesets"
    assert available_rulesets()["mini"] == tmp_path / "mini.toml"


def test_loaded_ruleset_is_frozen() -> None:
    loaded = load_ruleset(MINIMAL)
    assert isinstance(loaded, LoadedRuleset)
    with pytest.raises(AttributeError):
        loaded.sha256 = "x"  # type: ignore[misc]
