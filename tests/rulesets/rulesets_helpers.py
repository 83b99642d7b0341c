"""Shared helpers for the ruleset tests."""

from __future__ import annotations

from pathlib import Path

from cibo.rulesets import Problem, RulesetError, parse_ruleset

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "rulesets").glob("*.toml"))
DATA = ROOT / "tests" / "data" / "rulesets"
MINIMAL = DATA / "minimal.toml"
BROKEN = sorted(DATA.glob("broken_*.toml"))


def minimal_text() -> str:
    return MINIMAL.read_text(encoding="utf-8")


def mutate(text: str, *replacements: tuple[str, str]) -> str:
    """Apply exact replacements, each of which must match exactly once."""
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def problems_of(text: str) -> list[Problem]:
    """The problems of ruleset ``text`` (an empty list when it loads)."""
    try:
        parse_ruleset(text, name="t.toml")
    except RulesetError as exc:
        return list(exc.problems)
    return []


def describe(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems) or "(no problems)"
