"""The balance bands a ruleset is held to, checked against a matrix of :class:`Cell`.

A shipped ruleset must meet, with the strongest bot (``plan``), at every hero count:

* normal wins :data:`NORMAL` (35-55 %); easy at least :data:`GAP` points above normal and hard
  at least :data:`GAP` below;
* random play wins at most :data:`RANDOM_MAX` at any difficulty, ending every turn at once
  (``idle``) never;
* no hero's presence moves the normal win rate by more than :data:`PRESENCE_MAX`;
* games go on for fewer than :data:`AFTER_MAX` rounds, on average, once the bot's own estimate of
  winning has fallen under 5 % (see :mod:`cibo.balance`);
* at :data:`LENGTH_HEROES` heroes (or the nearest count the ruleset allows), the average normal
  game lasts within the ruleset's ``target_minutes``.

:func:`check` gives one :class:`Row` per hero count; a band with no cell to judge it by is
``None`` (not measured), which :func:`all_met` does not count as met.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import frozen

from cibo.balance import Cell
from cibo.core.ruleset import Ruleset

__all__ = [
    "AFTER_MAX",
    "GAP",
    "LENGTH_HEROES",
    "NORMAL",
    "PRESENCE_MAX",
    "RANDOM_MAX",
    "STRONGEST",
    "TITLES",
    "Mark",
    "Row",
    "all_met",
    "bands_markdown",
    "check",
]

NORMAL = (0.35, 0.55)
GAP = 0.15
RANDOM_MAX = 0.05
PRESENCE_MAX = 0.15
AFTER_MAX = 1.5
LENGTH_HEROES = 4
STRONGEST = "plan"


@frozen
class Mark:
    """One band at one hero count: met or not (None: no cell to judge it), and the figure."""

    ok: bool | None
    figure: str


@frozen
class Row:
    heroes: int
    marks: dict[str, Mark]
    """Band title -> mark, in the order of :data:`TITLES`."""


TITLES = (
    "normal 35-55",
    "easy ≥ normal+15",
    "hard ≤ normal−15",
    "random ≤ 5",
    "idle = 0",
    "presence ≤ 15",
    "rounds after < 1.5",
    "minutes in target",
)


def _pct(x: float) -> str:
    return f"{x * 100:.1f}"


def check(rs: Ruleset, cells: Sequence[Cell]) -> list[Row]:
    """Judge every band at every hero count found in ``cells``."""
    by: dict[tuple[str, str, int], Cell] = {(c.policy, c.difficulty, c.heroes): c for c in cells}
    counts = sorted({c.heroes for c in cells})
    low, high = rs.ruleset.target_minutes
    length_at = min(counts, key=lambda h: (abs(h - LENGTH_HEROES), h)) if counts else None
    rows = []
    for h in counts:
        normal = by.get((STRONGEST, "normal", h))
        easy = by.get((STRONGEST, "easy", h))
        hard = by.get((STRONGEST, "hard", h))
        marks: dict[str, Mark] = {}
        if normal is None:
            marks[TITLES[0]] = Mark(None, "–")
        else:
            ok = NORMAL[0] <= normal.win_rate <= NORMAL[1]
            marks[TITLES[0]] = Mark(ok, _pct(normal.win_rate))
        for title, other, sign in ((TITLES[1], easy, 1), (TITLES[2], hard, -1)):
            if normal is None or other is None:
                marks[title] = Mark(None, "–")
            else:
                gap = (other.win_rate - normal.win_rate) * sign
                marks[title] = Mark(gap >= GAP - 1e-9, _pct(other.win_rate))
        for title, policy, most in ((TITLES[3], "random", RANDOM_MAX), (TITLES[4], "idle", 0.0)):
            rates = [c.win_rate for (p, _, n), c in by.items() if p == policy and n == h]
            if not rates:
                marks[title] = Mark(None, "–")
            else:
                marks[title] = Mark(max(rates) <= most + 1e-9, _pct(max(rates)))
        if normal is None:
            marks[TITLES[5]] = marks[TITLES[6]] = Mark(None, "–")
        else:
            kind, effect = normal.max_presence
            marks[TITLES[5]] = (
                Mark(abs(effect) <= PRESENCE_MAX + 1e-9, f"{kind} {effect * 100:+.0f}")
                if kind
                else Mark(True, "every hero in every game")
                if h >= len(rs.hero_pool())
                else Mark(None, "–")  # too few games with or without some hero
            )
            marks[TITLES[6]] = Mark(
                normal.after_hopeless < AFTER_MAX,
                f"{normal.after_hopeless:.2f} ({normal.hopeless_share:.0%} of games)",
            )
        if h == length_at and normal is not None:
            marks[TITLES[7]] = Mark(
                low <= normal.minutes <= high, f"{normal.minutes:.0f} of {low}-{high}"
            )
        else:
            marks[TITLES[7]] = Mark(True, "") if h != length_at else Mark(None, "–")
        rows.append(Row(h, marks))
    return rows


def all_met(rows: Sequence[Row]) -> bool:
    """Every band judged and met at every hero count."""
    return bool(rows) and all(m.ok is True for r in rows for m in r.marks.values())


def bands_markdown(rows: Sequence[Row]) -> str:
    """The verdicts as a Markdown table: ✔ or ✘ and the figure; ``–`` where not measured."""
    lines = [
        "| heroes | " + " | ".join(TITLES) + " |",
        "|---|" + "---|" * len(TITLES),
    ]
    for r in rows:
        cells = []
        for title in TITLES:
            m = r.marks[title]
            if not m.figure:
                cells.append("")
                continue
            sign = "–" if m.ok is None else ("✔" if m.ok else "✘")
            cells.append(f"{sign} {m.figure}" if m.figure != "–" else sign)
        lines.append(f"| {r.heroes} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
