"""``cibo check``: validate ruleset files and print every problem, grouped per file.

A file without static problems is then played: a few short bot games per difficulty (see
:func:`cibo.simulation.smoke_test`), so that a ruleset that loads but cannot be played fails here
and not at the table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from cibo.rulesets import Problem, RulesetError, check_file, find_ruleset, load_ruleset
from cibo.rulesets.scaling import warn_unscaled
from cibo.simulation import smoke_test

__all__ = ["check", "configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", metavar="FILE",
        help="ruleset files, or names of shipped rulesets (electro-fishers, factory-raid)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing for good files")
    parser.add_argument(
        "--static", action="store_true", help="only the static checks: play no test games"
    )


def run(args: argparse.Namespace) -> int:
    return check(args.files, quiet=args.quiet, play=not args.static, out=sys.stdout)


def check(files: list[str], *, quiet: bool = False, play: bool = True, out: TextIO) -> int:
    """Check ``files``; print ``ok`` lines and every problem; return 1 if any file has one.
    With ``play``, a file without static problems is also played (a few bot games)."""
    bad = 0
    total = 0
    for given in files:
        path = _resolve(given)
        problems = check_file(path)
        if not problems and play:
            problems = _play(path)
        if not problems:
            if not quiet:
                print(f"ok  {path}", file=out)
                warn_unscaled(path, out)
            continue
        bad += 1
        total += len(problems)
        print(_report(str(path), problems), file=out)
    if len(files) > 1 or bad:
        if bad:
            print(f"{bad} of {len(files)} file(s) with problems, {total} problem(s) in all",
                  file=out)
        elif not quiet:
            print(f"all {len(files)} files ok", file=out)
    return 1 if bad else 0


def _play(path: Path) -> list[Problem]:
    try:
        loaded = load_ruleset(path)
    except RulesetError as exc:  # changed since check_file read it
        return list(exc.problems)
    return [Problem(str(path), "", message) for message in smoke_test(loaded.ruleset)]


def _resolve(given: str) -> Path:
    try:
        return find_ruleset(given)
    except FileNotFoundError:
        return Path(given)  # check_file reports that it cannot be read


def _report(name: str, problems: list[Problem]) -> str:
    n = len(problems)
    lines = [f"{name}: {n} problem{'s' if n != 1 else ''}"]
    lines.extend(f"  {problem}" for problem in problems)
    return "\n".join(lines)
