"""The ``cibo`` command: a thin dispatcher over :mod:`cibo.commands`.

Each subcommand lives in its own module ``cibo.commands.<name>`` exposing
``configure(parser)`` and ``run(args) -> int``; its one-line help is in :data:`COMMANDS`, so
that ``cibo --help`` lists every command without importing any. Only the module of the command
being run is imported: ``cibo check`` does not pay for the server's imports, and a command whose
dependencies are broken does not stop the others.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, packages_distributions, version

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: dict[str, str] = {
    "serve": "run the game server (phones, table display, optional MQTT bridge)",
    "check": "validate ruleset files and print every problem",
    "simulate": "play many headless games with bots and report balance figures",
    "replay": "step through a logged game in the terminal",
    "verify": "prove a logged game: framing, rules, rolls and the seed commitment",
    "games": "list the logged games",
    "bot": "join a room with bot players that play through the public protocol",
}


def cibo_version() -> str:
    """The version of the installed distribution that holds the ``cibo`` package, whatever its
    name on a package index (``0+unknown`` when run from a tree that was never installed)."""
    for name in packages_distributions().get("cibo", ["cibo"]):
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "0+unknown"


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (it scans the installed
    distributions, ~50 ms that no other command should pay)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"cibo {cibo_version()}")
        parser.exit()


def command_named(argv: Sequence[str]) -> str | None:
    """The subcommand in ``argv``: the first word that is not an option (the top-level parser
    takes no option with a value), or ``None``."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: every subcommand is listed, but only the one ``argv`` names is
    imported and configured. Without ``argv`` every subcommand is configured (for tests and
    documentation)."""
    parser = argparse.ArgumentParser(
        prog="cibo",
        description="Cibo: a game-night companion server for a co-op village-defence game.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = None if argv is None else command_named(argv)
    for name, help_text in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if argv is None or name == wanted:
            importlib.import_module(f"cibo.commands.{name}").configure(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(words).parse_args(words)
    module = importlib.import_module(f"cibo.commands.{args.command}")
    try:
        code: int = module.run(args)
    except BrokenPipeError:
        # The reader went away (`cibo check ... | head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
