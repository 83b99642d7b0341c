"""The ``cibo`` command: a thin dispatcher over :mod:`cibo.commands`.

Each subcommand lives in its own module ``cibo.commands.<name>`` exposing ``HELP`` (one line),
``configure(parser)`` and ``run(args) -> int``. Modules are imported lazily so that ``cibo check``
does not pay for the server's imports.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cibo",
        description="Cibo: a game-night companion server for a co-op village-defence game.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"cibo.commands.{name}")
        module.configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
