"""``cibo check``: validate ruleset files and print every problem, grouped per file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from cibo.rulesets import Problem, check_file, find_ruleset

HELP = "validate ruleset files and print every problem"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", metavar="FILE",
        help="ruleset files, or names of shipped rulesets (electro-fishers, factory-raid)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing for good files")


def run(args: argparse.Namespace) -> int:
    return check(args.files, quiet=args.quiet, out=sys.stdout)


def check(files: list[str], *, quiet: bool = False, out: TextIO) -> int:
    """Check ``files``; print ``ok`` lines and every problem; return 1 if any file has one."""
    bad = 0
    total = 0
    for given in files:
        path = _resolve(given)
        problems = check_file(path)
        if not problems:
            if not quiet:
                print(f"ok  {path}", file=out)
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
