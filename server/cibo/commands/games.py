"""``cibo games``: list the logged games of a data directory."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="data directory (default: $CIBO_DATA, else the user data dir, ~/.local/share/cibo)",
    )


def run(args: argparse.Namespace) -> int:
    from cibo.journal.listing import list_games
    from cibo.journal.store import GameStore

    store = GameStore(args.data)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    files = store.game_files()
    if not files:
        console.print(f"no logged games in {escape(str(store.games_dir))}")
        return 0
    table = Table(title=f"Games in {escape(str(store.games_dir))}", title_justify="left")
    for name, justify in [
        ("date", "left"),
        ("ruleset", "left"),
        ("players", "left"),
        ("outcome", "left"),
        ("rounds", "right"),
        ("events", "right"),
        ("file", "left"),
    ]:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    problems = []
    for game in list_games(files):
        date = (
            time.strftime("%Y-%m-%d %H:%M", time.localtime(game.created_at))
            if game.created_at is not None
            else "?"
        )
        style = {"won": "green", "lost": "red", "corrupt": "bold red"}.get(game.outcome, "")
        outcome = f"[{style}]{game.outcome}[/{style}]" if style else game.outcome
        if game.problem:
            problems.append(
                game.problem if game.outcome == "corrupt" else f"{game.path}: {game.problem}"
            )
        table.add_row(
            date,
            escape(game.ruleset_id),
            escape(", ".join(game.players)) or "-",
            outcome,
            str(game.rounds or "-"),
            str(game.events or "-"),
            escape(Path(game.path).name),
        )
    console.print(table)
    for problem in problems:
        console.print(f"[yellow]![/yellow] {escape(problem)}")
    return 0
