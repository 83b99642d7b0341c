"""Load a ruleset: TOML syntax, strict types, then semantic checks; every problem at once."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from cibo.core.ruleset import Ruleset
from cibo.resources import ENV_VARS, override, shipped_dir
from cibo.rulesets.checks import check_ruleset
from cibo.rulesets.checks.teach import teach_gaps
from cibo.rulesets.checks.texts import translation_gaps
from cibo.rulesets.locate import LineIndex
from cibo.rulesets.problems import Problem, RulesetError, format_path, sort_problems
from cibo.rulesets.structure import Issue, structure_ruleset

__all__ = [
    "DEFAULT_RULESET",
    "ENV_VAR",
    "TOO_DEEP",
    "LoadedRuleset",
    "available_rulesets",
    "check_data",
    "check_file",
    "default_ruleset_path",
    "find_ruleset",
    "load_ruleset",
    "parse_ruleset",
    "search_dirs",
    "shipped_rulesets_dir",
]

ENV_VAR = ENV_VARS["rulesets"]
"""Environment variable naming a directory of ruleset files, searched before the shipped ones."""

DEFAULT_RULESET = "electro-fishers"

TOO_DEEP = "tables, arrays or effects are nested too deeply"

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


@frozen
class LoadedRuleset:
    """A checked ruleset with the exact text it came from (journals embed the text)."""

    ruleset: Ruleset
    sha256: str
    """SHA-256 (hex) of the UTF-8 text."""
    text: str
    path: str
    """The file it was read from, or the name given to :func:`parse_ruleset`."""


def parse_ruleset(text: str, *, name: str = "<string>") -> LoadedRuleset:
    """Parse and check ruleset ``text``; raise :class:`RulesetError` listing every problem."""
    ruleset, problems = _parse(text, name)
    if ruleset is None or problems:
        raise RulesetError(problems)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedRuleset(ruleset=ruleset, sha256=digest, text=text, path=name)


def load_ruleset(path: str | Path) -> LoadedRuleset:
    """Read and check a ruleset file; raise :class:`RulesetError` listing every problem."""
    name = str(path)
    text = _read(Path(path), name)
    return parse_ruleset(text, name=name)


def check_file(path: str | Path) -> list[Problem]:
    """Every problem of a ruleset file (an empty list for a good file), a missing translation
    included (loading tolerates that one: see :func:`check_data`)."""
    name = str(path)
    try:
        text = _read(Path(path), name)
    except RulesetError as exc:
        return list(exc.problems)
    return _parse(text, name, texts=True)[1]


def _read(path: Path, name: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RulesetError([Problem(name, "", f"cannot read the file: {exc.strerror or exc}")])\
            from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RulesetError([Problem(name, "", "the file is not UTF-8 text", line)]) from None


def _parse(text: str, name: str, *, texts: bool = False) -> tuple[Ruleset | None, list[Problem]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [_syntax_problem(exc, name)]
    except RecursionError:
        return None, [Problem(name, "", TOO_DEEP)]
    return check_data(data, name=name, text=text, texts=texts)


def check_data(
    data: Mapping[str, Any], *, name: str = "<data>", text: str = "", texts: bool = False
) -> tuple[Ruleset | None, list[Problem]]:
    """Structure and check already parsed data (TOML tables as dicts, arrays as lists).

    Returns the ruleset and no problems, or None and every problem. ``text``, when given, is
    the source the data came from, used to find the line of each problem. ``texts`` also asks
    for ``[teach]`` and every text in every declared language (``cibo check`` does; loading
    does not, so that a ruleset whose translation lags behind still plays, in its first
    language where a text is missing, and a journal keeps replaying whatever its texts say).
    """
    try:
        structured = structure_ruleset(dict(data))
        issues: list[Issue] = list(structured.issues)
        issues += check_ruleset(structured.partial, structured.broken, structured.failed)
        if texts and not issues:
            issues += teach_gaps(structured.partial)
            issues += translation_gaps(structured.partial)
    except RecursionError:
        return None, [Problem(name, "", TOO_DEEP)]
    if not issues:
        return structured.partial, []
    index = LineIndex(text)
    problems = [Problem(name, format_path(path), message, _line_of(index, path, text))
                for path, message in issues]
    return None, sort_problems(_dedupe(problems))


def _line_of(index: LineIndex, path: tuple[Any, ...], text: str) -> int | None:
    """The line of ``path``; for a missing ``[teach]``, the line where it goes (the start of
    ``[translations]``, else the end of the file)."""
    line = index.line_of(path)
    if line is None and path[:1] == ("teach",) and text:
        return index.line_of(("translations",)) or max(1, len(text.splitlines()))
    return line


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out: list[Problem] = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out


def _syntax_problem(exc: tomllib.TOMLDecodeError, name: str) -> Problem:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    if match:
        line, column = int(match[1]), int(match[2])
        text = message[: match.start()]
        return Problem(name, "", f"TOML syntax error: {text} (column {column})", line)
    end = _TOML_END.search(message)
    if end:
        message = message[: end.start()] + " (at the end of the file)"
    return Problem(name, "", f"TOML syntax error: {message}")


# -- where rulesets live ------------------------------------------------------------------------


def shipped_rulesets_dir() -> Path:
    """The shipped rulesets: package data when installed, else the checkout's ``rulesets/``."""
    return shipped_dir("rulesets")


def search_dirs() -> list[Path]:
    """Where :func:`find_ruleset` looks: ``$CIBO_RULESETS`` first, then the shipped rulesets."""
    dirs: list[Path] = []
    extra = override("rulesets")
    if extra is not None:
        dirs.append(extra)
    dirs.append(shipped_rulesets_dir())
    return dirs


def default_ruleset_path() -> Path:
    """The default ruleset, ``electro-fishers.toml`` (see :func:`find_ruleset`)."""
    return find_ruleset(DEFAULT_RULESET)


def find_ruleset(name_or_path: str) -> Path:
    """A ruleset file by path (``my/rules.toml``) or by name (``electro-fishers``).

    A name is looked up as ``NAME.toml`` in ``$CIBO_RULESETS`` and then in the shipped
    ``rulesets/`` directory. Raises :class:`FileNotFoundError` naming the places searched.
    """
    given = Path(name_or_path).expanduser()
    if given.is_file():
        return given
    looks_like_name = given.suffix != ".toml" and len(given.parts) == 1
    if looks_like_name:
        for folder in search_dirs():
            candidate = folder / f"{name_or_path}.toml"
            if candidate.is_file():
                return candidate
        places = ", ".join(str(d) for d in search_dirs())
        raise FileNotFoundError(f"no ruleset named {name_or_path!r} (looked in {places})")
    raise FileNotFoundError(f"no ruleset file {name_or_path!r}")


def available_rulesets() -> dict[str, Path]:
    """Ruleset names and files found in the search directories (earlier directories win)."""
    found: dict[str, Path] = {}
    for folder in search_dirs():
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found.setdefault(path.stem, path)
    return found
