"""``cibo simulate``: balance a ruleset with many headless bot games."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cibo.core.bots import POLICIES
from cibo.plot import render_svg
from cibo.rulesets import RulesetError, find_ruleset, load_ruleset
from cibo.simulation import Report, SimulationError, default_workers, simulate

HELP = "play many headless games with bots and report balance figures"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ruleset", help="a ruleset file or the name of a shipped one")
    parser.add_argument("--games", type=int, default=200, help="games to play (default 200)")
    parser.add_argument("--players", type=int, default=4, help="players at the table (default 4)")
    parser.add_argument("--difficulty", default="normal", help="difficulty (default normal)")
    parser.add_argument(
        "--seed", default="cibo", help="run seed; the same seed gives the same report"
    )
    parser.add_argument("--policy", choices=POLICIES, default="greedy", help="bot policy")
    parser.add_argument("--plot", type=Path, help="write a chart to this .svg file")
    parser.add_argument(
        "--workers", type=int, default=0,
        help="processes playing games (default: one per core); results do not depend on it",
    )


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=False)
    err = Console(stderr=True)
    try:
        loaded = load_ruleset(find_ruleset(args.ruleset))
    except (RulesetError, OSError) as exc:
        err.print(f"[red]cannot load ruleset:[/red] {escape(str(exc))}")
        return 1
    rs = loaded.ruleset
    if args.difficulty not in rs.difficulty:
        err.print(
            f"[red]unknown difficulty[/red] {escape(repr(args.difficulty))}; "
            f"choose from {', '.join(rs.difficulty)}"
        )
        return 1
    if args.workers < 0:
        err.print("[red]--workers must be 0 (one per core) or more[/red]")
        return 1
    if not 1 <= args.players <= rs.ruleset.players.max or args.games < 1:
        err.print(
            f"[red]--players must be 1..{rs.ruleset.players.max} and --games at least 1[/red]"
        )
        return 1
    if args.plot is not None and args.plot.suffix.lower() != ".svg":
        err.print("[red]--plot writes SVG: give a file name ending in .svg[/red]")
        return 1
    started = time.perf_counter()
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=args.games < 20,
        ) as bar:
            task = bar.add_task(f"{rs.ruleset.id} {args.difficulty}", total=args.games)
            report = simulate(
                rs,
                games=args.games,
                players=args.players,
                difficulty=args.difficulty,
                policy=args.policy,
                seed=args.seed,
                progress=lambda n: bar.update(task, completed=n),
                workers=args.workers or default_workers(),
            )
    except SimulationError as exc:
        err.print(f"[red]simulation failed:[/red] {escape(str(exc))}")
        return 1
    elapsed = time.perf_counter() - started
    print_report(console, report)
    console.print(f"{report.games / elapsed:.1f} games/s ({elapsed:.2f} s)", style="dim")
    if args.plot is not None:
        args.plot.write_text(render_svg(report), encoding="utf-8")
        console.print(f"chart written to {args.plot}")
    return 0


def print_report(console: Console, r: Report) -> None:
    summary = Table(
        title=f"{r.ruleset} · {r.difficulty} · {r.players} players / {r.heroes} heroes"
        f" · {r.policy} bot · seed {r.seed!r}"
    )
    summary.add_column("games", justify="right")
    summary.add_column("win rate", justify="right")
    summary.add_column("avg rounds", justify="right")
    summary.add_column("avg commands", justify="right")
    summary.add_row(
        str(r.games),
        f"{r.win_rate:.1%}",
        f"{r.avg_rounds:.2f}",
        f"{r.commands_total / max(1, r.games):.1f}",
    )
    console.print(summary)
    ends = Table(title="How games ended")
    ends.add_column("outcome")
    ends.add_column("cause")
    ends.add_column("games", justify="right")
    ends.add_column("share", justify="right")
    for key, n in r.causes.most_common():
        status, _, cause = key.partition(":")
        ends.add_row(status, cause, str(n), f"{n / r.games:.1%}")
    console.print(ends)
    spawns = Table(title="Safeguard units spawned per game")
    spawns.add_column("band / deck")
    spawns.add_column("per game", justify="right")
    for band, n in r.spawns_by_band.items():
        spawns.add_row(band, f"{n / r.games:.2f}")
    console.print(spawns)
