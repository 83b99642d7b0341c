"""Charts for ``cibo simulate --plot``: a self-contained SVG, no plotting library needed.

With ``--matrix``, one chart of win rate by hero count (:func:`render_matrix_svg`); otherwise two
panels: how many games ended in each round (wins and defeats stacked), and the average
number of Safeguard units spawned per game for each alert band (or deck).
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from cibo.balance import Cell
from cibo.simulation import Report

__all__ = ["render_svg"]

WIDTH, HEIGHT = 900, 420
PANEL_W, PANEL_H = 380, 260
# Colour-blind-safe pair (blue / orange) from the Okabe–Ito palette.
WIN, LOSS, BAR = "#0072B2", "#E69F00", "#009E73"


def _text(x: float, y: float, s: str, size: int = 13, anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="sans-serif" fill="#222">{escape(s)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>'


def render_svg(report: Report) -> str:
    """The chart as SVG text."""
    outcomes_by_round = {
        r: (report.won_by_round[r], report.lost_by_round[r])
        for r in set(report.won_by_round) | set(report.lost_by_round)
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">',
        _rect(0, 0, WIDTH, HEIGHT, "#fff"),
    ]
    title = (
        f"{report.ruleset} · {report.difficulty} · {report.heroes} heroes · {report.policy} "
        f"bot · {report.games} games · win rate {report.win_rate:.0%}"
    )
    parts.append(_text(WIDTH / 2, 28, title, 16))
    # Panel 1: games ending per round.
    x0, y0 = 60, 80
    rounds = sorted(outcomes_by_round)
    peak = max((w + lo for w, lo in outcomes_by_round.values()), default=1) or 1
    parts.append(_text(x0 + PANEL_W / 2, y0 - 12, "Games ending in each round"))
    if rounds:
        bw = PANEL_W / (max(rounds) - min(rounds) + 1)
        for r in rounds:
            wins, losses = outcomes_by_round[r]
            x = x0 + (r - min(rounds)) * bw
            hl, hw = PANEL_H * losses / peak, PANEL_H * wins / peak
            parts.append(_rect(x + 1, y0 + PANEL_H - hl, bw - 2, hl, LOSS))
            parts.append(_rect(x + 1, y0 + PANEL_H - hl - hw, bw - 2, hw, WIN))
            parts.append(_text(x + bw / 2, y0 + PANEL_H + 16, str(r), 11))
    parts.append(_text(x0 + PANEL_W / 2, y0 + PANEL_H + 34, "round", 12))
    parts.append(_rect(x0, y0 + PANEL_H + 44, 12, 12, WIN))
    parts.append(_text(x0 + 18, y0 + PANEL_H + 55, "victory", 12, "start"))
    parts.append(_rect(x0 + 90, y0 + PANEL_H + 44, 12, 12, LOSS))
    parts.append(_text(x0 + 108, y0 + PANEL_H + 55, "defeat", 12, "start"))
    # Panel 2: spawns per game by band.
    x1 = x0 + PANEL_W + 80
    parts.append(_text(x1 + PANEL_W / 2, y0 - 12, "Units spawned per game, by band"))
    bands = list(report.spawns_by_band)
    if bands and report.games:
        per_game = {b: report.spawns_by_band[b] / report.games for b in bands}
        top = max(per_game.values()) or 1.0
        bw = PANEL_W / len(bands)
        for i, b in enumerate(bands):
            h = PANEL_H * per_game[b] / top
            x = x1 + i * bw
            parts.append(_rect(x + 6, y0 + PANEL_H - h, bw - 12, h, BAR))
            parts.append(_text(x + bw / 2, y0 + PANEL_H - h - 4, f"{per_game[b]:.1f}", 11))
            parts.append(_text(x + bw / 2, y0 + PANEL_H + 16, b, 11))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# Okabe–Ito colours for the difficulties, dashes for the policies.
_DIFFICULTY_COLOURS = ("#009E73", "#0072B2", "#D55E00", "#CC79A7", "#56B4E9")
_POLICY_DASHES = ("", "6,4", "2,3", "10,3,2,3")


def render_matrix_svg(title: str, cells: Sequence[Cell]) -> str:
    """Win rate by hero count: one line per difficulty (colour) and policy (dash)."""
    width, height = 760, 460
    x0, y0, pw, ph = 70, 60, 460, 320
    heroes = sorted({c.heroes for c in cells})
    difficulties = list(dict.fromkeys(c.difficulty for c in cells))
    policies = list(dict.fromkeys(c.policy for c in cells))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        _rect(0, 0, width, height, "#fff"),
        _text(width / 2, 30, title, 16),
    ]

    def x_of(h: int) -> float:
        span = max(1, heroes[-1] - heroes[0]) if heroes else 1
        return x0 + pw * ((h - heroes[0]) / span if heroes else 0)

    def y_of(rate: float) -> float:
        return y0 + ph * (1 - rate)

    for pct in range(0, 101, 20):
        y = y_of(pct / 100)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(_text(x0 - 8, y + 4, f"{pct}%", 11, "end"))
    for h in heroes:
        parts.append(_text(x_of(h), y0 + ph + 18, str(h), 11))
    parts.append(_text(x0 + pw / 2, y0 + ph + 38, "heroes in play", 12))
    parts.append(_text(x0 - 50, y0 - 16, "win rate", 12, "start"))
    legend_y = y0
    for di, difficulty in enumerate(difficulties):
        colour = _DIFFICULTY_COLOURS[di % len(_DIFFICULTY_COLOURS)]
        for pi, policy in enumerate(policies):
            dash = _POLICY_DASHES[pi % len(_POLICY_DASHES)]
            line = sorted(
                (c for c in cells if c.difficulty == difficulty and c.policy == policy),
                key=lambda c: c.heroes,
            )
            if not line:
                continue
            points = " ".join(f"{x_of(c.heroes):.1f},{y_of(c.win_rate):.1f}" for c in line)
            style = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{style}/>'
            )
            for c in line:
                parts.append(
                    f'<circle cx="{x_of(c.heroes):.1f}" cy="{y_of(c.win_rate):.1f}" r="3" '
                    f'fill="{colour}"/>'
                )
            parts.append(
                f'<line x1="{x0 + pw + 24}" y1="{legend_y:.1f}" x2="{x0 + pw + 54}" '
                f'y2="{legend_y:.1f}" stroke="{colour}" stroke-width="2"{style}/>'
            )
            parts.append(_text(x0 + pw + 60, legend_y + 4, f"{difficulty} · {policy}", 12, "start"))
            legend_y += 20
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
