"""``cibo replay FILE``: step through a logged game in the terminal.

Interactive keys: ``n``/space next event, ``r`` next round, ``p`` previous round, ``b`` back
one event, ``g`` go to a round, ``a`` autoplay at ``--speed`` events/s (any key stops it),
``s``/``e`` start/end, ``q`` quit. In a terminal keys are read one at a time (termios); when
stdin is not a terminal each input line is one command (``g 5`` jumps to round 5).

Events are told in the language of ``LC_ALL``/``LC_MESSAGES``/``LANG`` (English when there is
no table for it), from the clients' locale tables (:mod:`cibo.narration`, docs/i18n.md).

Scripts: ``--json`` prints the events as JSON lines; ``--round N --print`` prints the state at
the end of round N. An unfinished game never shows its seed, nor the private order of decks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

__all__ = ["FEED", "KEYS", "Replay", "configure", "export_json", "render", "run"]

if TYPE_CHECKING:
    from cibo.core import GameState
    from cibo.journal.format import JournalHeader
    from cibo.journal.replay import ReplayStep

KEYS = (
    "n/space next · r next round · p prev round · b back · g go to round · a autoplay"
    " · s/e start/end · q quit"
)
_ARROWS = {"\x1b[C": "n", "\x1b[D": "b", "\x1b[A": "p", "\x1b[B": "r"}
FEED = 14


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        metavar="GAME",
        help="a game journal: a path, or a file name or game id as `cibo games` prints it",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="data directory to find games by name in (default: as for `cibo games`)",
    )
    parser.add_argument("--speed", type=float, default=4.0, help="autoplay events per second (4)")
    parser.add_argument("--json", action="store_true", help="print the events as JSON lines")
    parser.add_argument("--round", type=int, metavar="N", help="start at (or print) round N")
    parser.add_argument(
        "--print", action="store_true", help="print the state at the end of --round N and exit"
    )


class Replay:
    """A game's states by position: 0 is the lobby, k the state after the k-th event."""

    def __init__(
        self, header: JournalHeader, start: GameState, steps: list[ReplayStep], lang: str = "en"
    ) -> None:
        from cibo.core import view_event
        from cibo.core.events import RoundStarted
        from cibo.narration import Locale, Narrator

        self.header = header
        self.start = start
        self.steps = steps
        self.pos = 0
        self.narrator = Narrator(start.ruleset, Locale(lang))
        self.lines: list[str] = []
        """Each step's event told in ``lang`` (the clients' tables), in order."""
        for step in steps:
            shown = view_event(step.event, "table", start.ruleset)
            told = self.narrator.line(shown) if shown is not None else None
            self.lines.append(told or _type_of(step))
        self.round_at: dict[int, int] = {}
        """Round number -> position just after its RoundStarted event."""
        for i, step in enumerate(steps):
            if isinstance(step.event, RoundStarted):
                self.round_at.setdefault(step.event.round, i + 1)

    @property
    def state(self) -> GameState:
        return self.steps[self.pos - 1].state if self.pos else self.start

    @property
    def revealed(self) -> bool:
        """True when the game is over in the journal: its seed is public then."""
        return bool(self.steps) and self.steps[-1].state.over

    def move(self, pos: int) -> None:
        self.pos = max(0, min(len(self.steps), pos))

    def next_round(self) -> None:
        later = [p for p in self.round_at.values() if p > self.pos]
        self.move(min(later) if later else len(self.steps))

    def prev_round(self) -> None:
        earlier = [p for p in self.round_at.values() if p < self.pos]
        self.move(max(earlier) if earlier else 0)

    def go_round(self, n: int) -> bool:
        if n in self.round_at:
            self.move(self.round_at[n])
            return True
        return False

    def end_of_round(self, n: int) -> int | None:
        """Position at the end of round ``n`` (before the next one starts, or the last event)."""
        if n not in self.round_at:
            return None
        nxt = self.round_at.get(n + 1)
        return nxt - 1 if nxt is not None else len(self.steps)


# -- rendering ---------------------------------------------------------------------------------


def _type_of(step: ReplayStep) -> str:
    from cibo.core.events import event_type

    return event_type(step.event)


def _event_line(replay: Replay, index: int) -> str:
    return f"{replay.steps[index].seq:>5}  {replay.lines[index]}"


def render(replay: Replay, message: str = "") -> RenderableType:
    from cibo.core import view_state

    s = replay.state
    rs = s.ruleset
    view = view_state(s, "table")
    phase = view["phase"]["label"] if view["phase"] else "-"
    shown = min(s.round, rs.ruleset.rounds)  # a game lost on time ends a round past the last
    title = Text.assemble(
        (rs.ruleset.name, "bold"),
        f"  ·  {replay.header.game_id}  ·  round {shown}/{rs.ruleset.rounds}  ·  {phase}  ·  ",
        (s.status, "bold green" if s.status == "won" else "bold red" if s.over else "bold"),
        f"  ·  event {replay.pos}/{len(replay.steps)}",
    )

    tracks = Table(title="Tracks", show_header=False, box=None, pad_edge=False)
    for name, t in view["tracks"].items():
        label = rs.tracks[name].label or name
        tracks.add_row(escape(label), str(t["value"]), escape(t["band"]))
    for name, m in view["markers"].items():
        where = m["at"] if m["launched"] else "not launched"
        tracks.add_row(escape(rs.markers[name].label or name), escape(where), "")

    seats = {x["id"]: x["name"] for x in view["seats"]}
    heroes = Table(title="Heroes", box=None, pad_edge=False)
    for col in ("hero", "player", "zone", "hp", "actions"):
        heroes.add_column(col)
    for h in view["heroes"]:
        hp = "downed" if h["downed"] else f"{h['hp']}/{h['max_hp']}"
        heroes.add_row(
            escape(h["name"]),
            escape(seats.get(h["seat"], h["seat"])),
            escape(_zone(s, h["zone"])),
            hp,
            "done" if h["done"] else str(h["actions_left"]),
        )

    zones = Table(title="Zones", box=None, pad_edge=False)
    for col in ("zone", "noise", "units", "heroes"):
        zones.add_column(col)
    for name, z in view["zones"].items():
        units = _counts([rs.units[u["kind"]].name for u in view["units"] if u["zone"] == name])
        here = [h["name"] for h in view["heroes"] if h["zone"] == name]
        label = _zone(s, name) + (
            "" if z["active"] else " (destroyed)" if z["destroyed"] else " (dormant)"
        )
        zones.add_row(escape(label), str(z["noise"] or ""), escape(units), escape(", ".join(here)))

    first = max(0, replay.pos - FEED)
    feed = Table.grid()
    feed.add_column(no_wrap=True, overflow="ellipsis")
    if replay.pos == 0:
        feed.add_row(Text("  (the lobby, before the first event)", style="dim"))
    for i in range(first, min(len(replay.steps), replay.pos + 3)):
        line = _event_line(replay, i)
        if i == replay.pos - 1:
            feed.add_row(Text("> " + line, style="bold reverse"))
        else:
            feed.add_row(Text("  " + line, style="dim" if i >= replay.pos else ""))
    if s.over and view["outcome"]:
        outcome = view["outcome"]
        told = replay.narrator.outcome(s.status, outcome["cause"], outcome["text"])
        feed.add_row(Text(f"{s.status.upper()}: {told}", style="bold"))
    top = Table.grid(padding=(0, 3))
    top.add_row(tracks, heroes)
    body = Group(top, Text(""), zones)
    parts: list[RenderableType] = [
        Panel(body, title=title, title_align="left"),
        Panel(feed, title="Events", title_align="left"),
    ]
    footer = Text(KEYS, style="dim")
    if message:
        footer = Text(message, style="bold yellow")
    parts.append(footer)
    return Group(*parts)


def _zone(s: GameState, name: str) -> str:
    zone = s.ruleset.zones.get(name)
    return (zone.label or name) if zone is not None else name


def _counts(names: list[str]) -> str:
    out: dict[str, int] = {}
    for n in names:
        out[n] = out.get(n, 0) + 1
    return ", ".join(f"{n}×{k}" if k > 1 else n for n, k in out.items())


# -- modes -------------------------------------------------------------------------------------


def export_json(replay: Replay) -> Iterator[str]:
    """One JSON object per event; an unfinished game gets the table's view (no private data)."""
    from cibo.core import event_to_dict, view_event

    for step in replay.steps:
        data: dict[str, Any] | None
        data = (
            event_to_dict(step.event)
            if replay.revealed
            else view_event(step.event, "table", replay.start.ruleset)
        )
        if data is None:
            continue
        yield json.dumps({"seq": step.seq, **data}, ensure_ascii=False, sort_keys=False)


def run(args: argparse.Namespace) -> int:
    from cibo.journal.errors import JournalError
    from cibo.journal.locate import locate_journal
    from cibo.journal.reader import read_journal
    from cibo.journal.replay import replay_steps

    err = Console(stderr=True, highlight=False)
    try:
        contents = read_journal(locate_journal(args.file, args.data))
        start, steps = replay_steps(contents.header, contents.records)
    except JournalError as exc:
        err.print(f"[red]cannot replay:[/red] {escape(exc.message)}")
        return 1
    if contents.torn is not None:
        err.print(
            f"[yellow]note:[/yellow] the last {contents.torn.length} bytes are a torn record "
            "and are not shown"
        )
    from cibo.narration import language_from_env

    replay = Replay(contents.header, start, steps, language_from_env())
    if args.json:
        try:
            for line in export_json(replay):
                sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into head
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if args.round is not None:
        end = replay.end_of_round(args.round) if args.print else replay.round_at.get(args.round)
        if end is None:
            rounds = f"1..{max(replay.round_at)}" if replay.round_at else "none"
            err.print(f"[red]no round {args.round} in this game[/red] (rounds: {rounds})")
            return 1
        replay.move(end)
    if args.print:
        if args.round is None:
            replay.move(len(steps))
        Console(highlight=False, width=120).print(render(replay, " "))
        return 0
    if sys.stdin.isatty() and sys.stdout.isatty():
        _interactive(replay, args.speed)
    else:
        _line_mode(replay, args.speed)
    return 0


def _apply_key(replay: Replay, key: str) -> str | None:
    """Move for one command key; returns None to quit, else a message ('' for none)."""
    if key in ("q", "\x03", "\x04"):
        return None
    if key in ("n", " ", "\r", "\n", ""):
        replay.move(replay.pos + 1)
    elif key == "b":
        replay.move(replay.pos - 1)
    elif key == "r":
        replay.next_round()
    elif key == "p":
        replay.prev_round()
    elif key == "s":
        replay.move(0)
    elif key == "e":
        replay.move(len(replay.steps))
    else:
        return f"unknown key {key!r} — {KEYS}"
    return ""


def _line_mode(replay: Replay, speed: float) -> None:
    console = Console(highlight=False, width=120)
    delay = 1.0 / max(0.1, speed)
    console.print(render(replay))
    for raw in sys.stdin:
        line = raw.strip()
        key, _, arg = line.partition(" ")
        message: str | None = ""
        if key == "g":
            if not (arg.strip().isdigit() and replay.go_round(int(arg))):
                message = f"no round {arg.strip()!r}"
        elif key == "a":
            while replay.pos < len(replay.steps):
                replay.move(replay.pos + 1)
                console.print(_event_line(replay, replay.pos - 1), overflow="ellipsis")
                time.sleep(delay)
            message = "autoplay reached the end"
        else:
            message = _apply_key(replay, key[:1] if key else "n")
        if message is None:
            return
        console.print(render(replay, message))


@contextlib.contextmanager
def _raw_keys() -> Iterator[int]:
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield fd
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class _Keys:
    """Single keys from a terminal in cbreak mode; keeps what one read returned beyond a key."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pending = ""

    def read(self, timeout: float | None) -> str | None:
        if not self.pending:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return None
            self.pending = os.read(self.fd, 64).decode("utf-8", "replace") or "q"
        if self.pending.startswith("\x1b"):
            seq, self.pending = self.pending[:3], self.pending[3:]
            return _ARROWS.get(seq, "?")
        key, self.pending = self.pending[0], self.pending[1:]
        return key


def _interactive(replay: Replay, speed: float) -> None:
    console = Console(highlight=False)
    delay = 1.0 / max(0.1, speed)
    with _raw_keys() as fd, console.screen(hide_cursor=True) as screen:
        keys = _Keys(fd)
        message = ""
        while True:
            screen.update(render(replay, message))
            key = keys.read(None) or ""
            if key == "a":
                while replay.pos < len(replay.steps):
                    replay.move(replay.pos + 1)
                    screen.update(render(replay, f"autoplay at {speed:g} events/s — any key stops"))
                    if keys.read(delay) is not None:
                        break
                message = ""
                continue
            if key == "g":
                digits = ""
                while True:
                    screen.update(
                        render(replay, f"go to round: {digits}_  (Enter to go, Esc to cancel)")
                    )
                    k = keys.read(None) or ""
                    if k.isdigit():
                        digits += k
                    elif k in ("\x7f", "\b"):
                        digits = digits[:-1]
                    elif k in ("\r", "\n"):
                        found = digits.isdigit() and replay.go_round(int(digits))
                        message = "" if found else f"no round {digits or '?'}"
                        break
                    else:
                        message = ""
                        break
                continue
            result = _apply_key(replay, key)
            if result is None:
                return
            message = result
