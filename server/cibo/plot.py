"""Charts for ``cibo simulate --plot``: a self-contained SVG, no plotting library needed.

Two panels: how many games ended in each round (wins and defeats stacked), and the average
number of Safeguard units spawned per game for each alert band (or deck).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

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
