"""``cibo simulate``: balance a ruleset with many headless bot games."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cibo.balance import (
    Cell,
    markdown,
    matrix_jobs,
    presence_markdown,
    summarise,
    without_actions,
)
from cibo.bands import all_met, bands_markdown, check
from cibo.core.policies import POLICIES
from cibo.core.ruleset import Ruleset
from cibo.plot import render_matrix_svg, render_svg
from cibo.rulesets import RulesetError, find_ruleset, load_ruleset
from cibo.simulation import (
    GameResult,
    Report,
    SimulationError,
    default_workers,
    run_games,
    simulate,
)

__all__ = ["configure", "print_report", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ruleset", help="a ruleset file or the name of a shipped one")
    parser.add_argument("--games", type=int, default=200, help="games to play (default 200)")
    parser.add_argument("--players", type=int, default=4, help="players at the table (default 4)")
    parser.add_argument("--difficulty", default="normal", help="difficulty (default normal)")
    parser.add_argument(
        "--seed", default="cibo", help="run seed; the same seed gives the same report"
    )
    parser.add_argument("--policy", choices=POLICIES, default="greedy", help="bot policy")
    parser.add_argument(
        "--matrix", action="store_true",
        help="every hero count x difficulty x policy (--games per cell): the balance report",
    )
    parser.add_argument(
        "--policies", default=",".join(POLICIES),
        help=f"with --matrix: comma-separated policies (default {','.join(POLICIES)})",
    )
    parser.add_argument(
        "--difficulties", default="", metavar="NAME,...",
        help="with --matrix: only these difficulties (default every one)",
    )
    parser.add_argument(
        "--refuse-concessions", action="store_true",
        help="play on whenever the table is offered a concession: how would those games end?",
    )
    parser.add_argument(
        "--without", default="", metavar="ACTION,...",
        help="play as if these actions did not exist (what are they worth?)",
    )
    parser.add_argument(
        "--markdown", type=Path, help="with --matrix: also write the table as Markdown here"
    )
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
    if args.without:
        try:
            rs = without_actions(rs, [a.strip() for a in args.without.split(",") if a.strip()])
        except ValueError as exc:
            err.print(f"[red]--without:[/red] {escape(str(exc))}")
            return 1
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
    if args.matrix:
        return run_matrix(args, rs, console, err)
    started = time.perf_counter()
    try:
        with _progress(err, disable=args.games < 20) as bar:
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
                refuse_concessions=args.refuse_concessions,
            )
    except SimulationError as exc:
        err.print(f"[red]simulation failed:[/red] {escape(str(exc))}")
        return 1
    elapsed = time.perf_counter() - started
    if args.without:
        console.print(f"played without: {args.without}")
    print_report(console, report)
    console.print(f"{report.games / elapsed:.1f} games/s ({elapsed:.2f} s)", style="dim")
    if args.plot is not None:
        args.plot.write_text(render_svg(report), encoding="utf-8")
        console.print(f"chart written to {args.plot}")
    return 0


def _progress(err: Console, *, disable: bool = False) -> Progress:
    """The progress bar of both runs, on stderr, gone once the run ends."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=disable,
    )


def run_matrix(args: argparse.Namespace, rs: Ruleset, console: Console, err: Console) -> int:
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    unknown = [p for p in policies if p not in POLICIES]
    if unknown or not policies:
        err.print(
            f"[red]unknown policy[/red] {escape(', '.join(unknown) or repr(args.policies))}; "
            f"choose from {', '.join(POLICIES)}"
        )
        return 1
    difficulties = [d.strip() for d in args.difficulties.split(",") if d.strip()] or None
    wrong = [d for d in difficulties or () if d not in rs.difficulty]
    if wrong:
        err.print(
            f"[red]unknown difficulty[/red] {escape(', '.join(wrong))}; "
            f"choose from {', '.join(rs.difficulty)}"
        )
        return 1
    keyed = matrix_jobs(
        rs,
        games=args.games,
        policies=policies,
        seed=args.seed,
        difficulties=difficulties,
        refuse_concessions=args.refuse_concessions,
    )
    started = time.perf_counter()
    try:
        with _progress(err) as bar:
            task = bar.add_task(f"{rs.ruleset.id} matrix", total=len(keyed))
            results = run_games(
                rs,
                [job for _, job in keyed],
                workers=args.workers or default_workers(),
                progress=lambda n: bar.update(task, completed=n),
            )
    except SimulationError as exc:
        err.print(f"[red]simulation failed:[/red] {escape(str(exc))}")
        return 1
    elapsed = time.perf_counter() - started
    if args.without:
        console.print(f"played without: {args.without}")
    if args.refuse_concessions:
        console.print("every concession offered was refused")
    grouped: dict[tuple[int, str, str], list[GameResult]] = {}
    for (key, _), result in zip(keyed, results, strict=True):
        grouped.setdefault(key, []).append(result)
    cells = [summarise(*key, rs_results) for key, rs_results in grouped.items()]
    print_matrix(console, rs, cells, args)
    console.print(f"{len(results) / elapsed:.1f} games/s ({elapsed:.1f} s)", style="dim")
    rows = check(rs, cells)
    console.print(
        "bands: every one met"
        if all_met(rows)
        else "bands: not all met or measured (see the Markdown table)",
        style="green" if all_met(rows) else "yellow",
    )
    if args.markdown is not None:
        by_hero = presence_markdown(cells)
        text = markdown(cells) + "\n"
        if by_hero:
            text += f"\nPresence of each hero (points, ± half the 95% interval):\n\n{by_hero}\n"
        text += "\nBands (plan bot; random and idle: their best difficulty):\n\n"
        args.markdown.write_text(text + bands_markdown(rows) + "\n", encoding="utf-8")
        console.print(f"table written to {args.markdown}")
    if args.plot is not None:
        title = f"{rs.ruleset.id} · win rate · {args.games} games per cell · seed {args.seed!r}"
        args.plot.write_text(render_matrix_svg(title, cells), encoding="utf-8")
        console.print(f"chart written to {args.plot}")
    return 0


def print_matrix(
    console: Console, rs: Ruleset, cells: list[Cell], args: argparse.Namespace
) -> None:
    table = Table(
        title=f"{rs.ruleset.id} · {args.games} games per cell · seed {args.seed!r}"
        f" · target {rs.ruleset.target_minutes[0]}-{rs.ruleset.target_minutes[1]} min"
    )
    for name in ("policy", "difficulty", "heroes", "win", "rounds", "min", "hopeless",
                 "after", "offered (won)", "presence", "endings", "top actions"):
        table.add_column(name, justify="left" if name in ("policy", "difficulty", "endings",
                                                         "presence", "top actions") else "right")
    for c in cells:
        kind, _ = c.max_presence
        table.add_row(
            c.policy,
            c.difficulty,
            str(c.heroes),
            f"{c.win_rate:.1%}",
            f"{c.avg_rounds:.1f}",
            f"{c.minutes:.0f}",
            f"{c.hopeless_share:.0%}",
            f"{c.after_hopeless:.2f}",
            f"{c.offered / max(1, c.games):.0%} ({c.offered_won})",
            c.presence_text(kind) if kind else "–",
            ", ".join(f"{k.split(':')[1]} {v / c.games:.0%}" for k, v in c.causes.items()),
            ", ".join(f"{k} {v:.0%}" for k, v in list(c.actions.items())[:5]),
        )
    console.print(table)
    console.print(
        "hopeless: share of games whose estimated chance (the plan bot's value, calibrated on"
        " this cell's games) fell under 5% at a round start; after: rounds such games still"
        " played; offered (won): share of games offered a concession (of those, games won"
        " anyway: only when refused); presence: the hero whose presence moves the win rate"
        " most (win rate with it minus without it, ± the half-width of its 95% interval)",
        style="dim",
    )


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
    if r.offered:
        console.print(
            f"offered a concession: {r.offered} games ({r.offered / r.games:.1%});"
            f" won all the same: {r.offered_won}"
        )
    spawns = Table(title="Safeguard units spawned per game")
    spawns.add_column("band / deck")
    spawns.add_column("per game", justify="right")
    for band, n in r.spawns_by_band.items():
        spawns.add_row(band, f"{n / r.games:.2f}")
    console.print(spawns)
