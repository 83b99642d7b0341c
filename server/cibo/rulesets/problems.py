"""What the loader reports: one :class:`Problem` per mistake, all in one :class:`RulesetError`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from attrs import frozen

from cibo.errors import CiboError

__all__ = ["PathPart", "Problem", "RulesetError", "format_path", "sort_problems"]

PathPart = str | int
"""One step of a key path: a table key or an array index."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def format_path(parts: Sequence[PathPart]) -> str:
    """``("tables", "spawn", "rows", 2, "count")`` -> ``tables.spawn.rows[2].count``."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
            continue
        key = part if _BARE_KEY.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
        out.append(f".{key}" if out else key)
    return "".join(out)


@frozen
class Problem:
    """One mistake in a ruleset file, located by key path and (best effort) line."""

    file: str
    path: str
    """Key path inside the file, e.g. ``spawn_tables.calm[2].count``; empty for the whole file."""
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """In file order (problems without a line last), keeping discovery order on ties."""
    return sorted(problems, key=lambda p: (p.file, p.line is None, p.line or 0))


class RulesetError(CiboError, ValueError):
    """A ruleset file that cannot be used; ``problems`` lists every mistake found."""

    code = "ruleset/invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._describe())

    def _describe(self) -> str:
        n = len(self.problems)
        files = sorted({p.file for p in self.problems})
        head = f"{', '.join(files) or 'ruleset'}: {n} problem{'s' if n != 1 else ''}"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def __str__(self) -> str:
        return self._describe()
