"""``cibo verify FILE...``: prove logged games (framing, seq, seed commitment, every roll)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="GAME",
        help="a game journal: a path, or a file name or game id as `cibo games` prints it",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="data directory to find games by name in (default: as for `cibo games`)",
    )
    parser.epilog = (
        "Re-decides every command from the embedded ruleset and the revealed seed and checks "
        "that it gives exactly the journaled events. Exit status 1 if any file fails."
    )


def run(args: argparse.Namespace) -> int:
    from cibo.journal.locate import locate_journal
    from cibo.journal.verify import verify_journal

    console = Console(highlight=False, soft_wrap=True)
    failed = 0
    for path in args.files:
        started = time.perf_counter()
        verdict = verify_journal(locate_journal(path, args.data))
        elapsed = time.perf_counter() - started
        console.print(f"[bold]{escape(path)}[/bold]")
        for check in verdict.checks:
            console.print(f"  [green]ok[/green]   {escape(check)}")
        for note in verdict.notes:
            console.print(f"  [yellow]note[/yellow] {escape(note)}")
        summary, header = verdict.summary, verdict.header
        if header is not None:
            created = time.strftime("%Y-%m-%d %H:%M", time.localtime(header.created_at))
            console.print(
                f"  game     {escape(header.game_id)} (room {escape(header.room_code)}, {created})"
            )
        if summary is not None and header is not None:
            outcome = summary.status + (f" ({summary.cause})" if summary.cause else "")
            console.print(
                f"  ruleset  {escape(summary.ruleset_name)} ({escape(summary.ruleset_id)}), "
                f"difficulty {escape(summary.difficulty)}"
            )
            console.print(f"  players  {escape(', '.join(summary.players)) or '-'}")
            console.print(f"  rounds   {summary.rounds}")
            console.print(f"  outcome  {escape(outcome)}")
            console.print(f"  events   {summary.events} in {summary.commands} commands")
        if verdict.ok:
            console.print(f"[bold green]OK[/bold green] ({elapsed:.2f} s)")
        else:
            failed += 1
            console.print(f"[bold red]FAILED[/bold red]: {escape(verdict.failure)}")
    return 1 if failed else 0
