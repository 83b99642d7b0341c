"""A whole-ruleset balance matrix: every hero count x difficulty x bot policy, summed up.

:func:`matrix_jobs` lists the games (the same per-game seeds as ``cibo simulate``: game ``i`` of
a cell is seeded from the run seed, the cell and ``i``), :func:`summarise` turns one cell's
results into a :class:`Cell`. The figures:

* **win rate**, **average rounds**, **estimated minutes** (:data:`SECONDS_PER_ACTION` per hero
  action plus :data:`SECONDS_PER_ROUND` per round, for the automatic phases);
* **causes** of every ending (``conceded`` when the table accepted a ``[[concede]]`` offer);
* **concessions**: games offered one, and of those the games won all the same (with
  concessions refused, ``cibo simulate --refuse-concessions``: the games a concession would
  have cost);
* **hopeless games**: the ``plan`` bot values the position at the start of every round
  (:func:`cibo.core.planner.value`). Its estimate of winning at the start of round ``r`` is the
  win rate of the games of the same cell whose value then was no higher than this game's (at
  least the :data:`PEERS` lowest). A game is hopeless from the first round where that estimate
  is under 5 %; ``after_hopeless`` is the mean number of rounds such games still play, that
  round included (a game conceded in the round it became hopeless counts 1; a round whose
  start ended the game, the clock run out, does not count: ``GameResult.played``);
* **presence**: for each hero, the win rate of games with that hero minus games without it
  (only when both groups have at least :data:`MIN_GROUP` games), with the standard error of
  that difference (``sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2)``): an effect is told from noise
  by its 95 % interval, about two standard errors either side;
* **action mix**: each action's share of all hero actions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from math import sqrt

from attrs import evolve, field, frozen

from cibo.core.ruleset import Action, Ruleset
from cibo.simulation import GameJob, GameResult

__all__ = [
    "HOPELESS",
    "MIN_GROUP",
    "PEERS",
    "SECONDS_PER_ACTION",
    "SECONDS_PER_ROUND",
    "Z95",
    "Cell",
    "cell_seed",
    "hero_counts",
    "markdown",
    "matrix_jobs",
    "presence_markdown",
    "summarise",
    "without_actions",
]

SECONDS_PER_ACTION = 30
SECONDS_PER_ROUND = 60
PEERS = 20
HOPELESS = 0.05
MIN_GROUP = 20
Z95 = 1.96
"""Standard errors either side of an estimate that make its 95 % interval."""


@frozen
class Cell:
    """One table of the matrix, summed up."""

    heroes: int
    difficulty: str
    policy: str
    games: int
    win_rate: float
    avg_rounds: float
    minutes: float
    causes: dict[str, int]
    hopeless_share: float
    """Share of games that became hopeless at some round start."""
    after_hopeless: float
    """Mean rounds played from the round a game became hopeless (those games only)."""
    presence: dict[str, float]
    """Hero kind -> win rate with it minus without it."""
    actions: dict[str, float]
    """Action name -> share of hero actions."""
    offered: int = 0
    """Games in which the table was offered a concession."""
    offered_won: int = 0
    """Of those, games won (only possible when the offers were refused)."""
    presence_se: dict[str, float] = field(factory=dict)
    """Hero kind -> standard error of its presence effect."""

    @property
    def max_presence(self) -> tuple[str, float]:
        if not self.presence:
            return ("", 0.0)
        return max(self.presence.items(), key=lambda kv: (abs(kv[1]), kv[0]))

    def presence_text(self, kind: str) -> str:
        """``"tae -12% ±9"``: the effect and the half-width of its 95 % interval."""
        effect = self.presence[kind]
        return f"{kind} {effect:+.0%} ±{Z95 * self.presence_se.get(kind, 0.0) * 100:.0f}"


def without_actions(rs: Ruleset, names: Sequence[str]) -> Ruleset:
    """``rs`` in which the actions ``names`` (shared or a hero's own) can never be taken: to
    measure what they are worth, e.g. a rush-only game without the defensive actions.

    Raises:
        ValueError: naming an action that the ruleset does not have.
    """
    known = set(rs.actions) | {a for h in rs.heroes.values() for a in h.actions}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"unknown action {', '.join(unknown)}; known: {', '.join(sorted(known))}")

    def ban(actions: dict[str, Action]) -> dict[str, Action]:
        return {k: evolve(a, needs="false") if k in names else a for k, a in actions.items()}

    heroes = {k: evolve(h, actions=ban(h.actions)) for k, h in rs.heroes.items()}
    return evolve(rs, actions=ban(rs.actions), heroes=heroes)


def hero_counts(rs: Ruleset) -> list[int]:
    """Every hero count the ruleset allows at a table (a lone player runs ``heroes.min``)."""
    meta = rs.ruleset
    low = max(meta.heroes.min, 1)
    high = min(meta.heroes.max, max(meta.players.max, meta.heroes.min))
    return list(range(low, high + 1))


def cell_seed(seed: str, heroes: int, difficulty: str) -> str:
    """The run seed of one cell: every policy plays the same deals in a cell."""
    return f"{seed}:{heroes}:{difficulty}"


def matrix_jobs(
    rs: Ruleset,
    *,
    games: int,
    policies: Sequence[str],
    seed: str,
    difficulties: Sequence[str] | None = None,
    refuse_concessions: bool = False,
) -> list[tuple[tuple[int, str, str], GameJob]]:
    """((heroes, difficulty, policy), job) for every game of the matrix, cell by cell.

    ``difficulties`` (default: every one, in the ruleset's order) picks some rows; a cell's
    games are the same whichever others are played (its seed is :func:`cell_seed`).
    """
    out = []
    chosen = [d for d in rs.difficulty if difficulties is None or d in difficulties]
    for policy in policies:
        for difficulty in chosen:
            for heroes in hero_counts(rs):
                run = cell_seed(seed, heroes, difficulty)
                for i in range(games):
                    job = GameJob(heroes, difficulty, policy, run, i, refuse_concessions)
                    out.append(((heroes, difficulty, policy), job))
    return out


def _hopeless_rounds(results: Sequence[GameResult]) -> list[int | None]:
    """For each game, the first round at whose start it was hopeless, or None."""
    first: list[int | None] = [None] * len(results)
    by_round: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(results):
        for rnd in range(len(r.round_values)):
            by_round[rnd].append(i)
    for rnd in sorted(by_round):
        members = sorted(by_round[rnd], key=lambda i: (results[i].round_values[rnd], i))
        if len(members) < PEERS:
            continue
        won = [results[i].status == "won" for i in members]
        values = [results[i].round_values[rnd] for i in members]
        end = 0
        while end < len(members):
            # Every game valued exactly like this one, and all those valued lower.
            v = values[end]
            while end < len(members) and values[end] == v:
                end += 1
            group = max(end, PEERS)
            if sum(won[:group]) / group >= HOPELESS:
                break  # a higher value cannot be more hopeless
            for i in members[:end]:
                if first[i] is None:
                    first[i] = rnd + 1
    return first


def summarise(
    heroes: int, difficulty: str, policy: str, results: Sequence[GameResult]
) -> Cell:
    n = len(results)
    wins = sum(r.status == "won" for r in results)
    minutes = [
        (sum(r.actions.values()) * SECONDS_PER_ACTION + r.rounds * SECONDS_PER_ROUND) / 60
        for r in results
    ]
    hopeless = _hopeless_rounds(results)
    after = [(r.played or r.rounds) - h + 1
             for r, h in zip(results, hopeless, strict=True) if h is not None]
    kinds = sorted({k for r in results for k in r.lineup})
    presence: dict[str, float] = {}
    presence_se: dict[str, float] = {}
    for kind in kinds:
        with_k = [r.status == "won" for r in results if kind in r.lineup]
        without = [r.status == "won" for r in results if kind not in r.lineup]
        if len(with_k) >= MIN_GROUP and len(without) >= MIN_GROUP:
            p1, p2 = sum(with_k) / len(with_k), sum(without) / len(without)
            presence[kind] = p1 - p2
            presence_se[kind] = sqrt(p1 * (1 - p1) / len(with_k) + p2 * (1 - p2) / len(without))
    mix: Counter[str] = Counter()
    for r in results:
        mix.update(r.actions)
    total = sum(mix.values()) or 1
    return Cell(
        heroes=heroes,
        difficulty=difficulty,
        policy=policy,
        games=n,
        win_rate=wins / n if n else 0.0,
        avg_rounds=sum(r.rounds for r in results) / n if n else 0.0,
        minutes=sum(minutes) / n if n else 0.0,
        causes=dict(Counter(f"{r.status}:{r.cause}" for r in results).most_common()),
        hopeless_share=len(after) / n if n else 0.0,
        after_hopeless=sum(after) / len(after) if after else 0.0,
        presence=presence,
        presence_se=presence_se,
        actions={k: v / total for k, v in mix.most_common()},
        offered=sum(r.offered > 0 for r in results),
        offered_won=sum(r.offered > 0 and r.status == "won" for r in results),
    )


def markdown(cells: Sequence[Cell]) -> str:
    """The matrix as a Markdown table, one row per cell."""
    lines = [
        "| policy | difficulty | heroes | win % | rounds | minutes | hopeless % | rounds after"
        " | offered % (won) | biggest presence effect | endings |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        kind, _ = c.max_presence
        ends = ", ".join(f"{k.split(':')[1]} {v / c.games:.0%}" for k, v in c.causes.items())
        lines.append(
            f"| {c.policy} | {c.difficulty} | {c.heroes} | {c.win_rate:.1%} | {c.avg_rounds:.1f}"
            f" | {c.minutes:.0f} | {c.hopeless_share:.0%} | {c.after_hopeless:.2f}"
            f" | {c.offered / max(1, c.games):.0%} ({c.offered_won})"
            f" | {c.presence_text(kind) if kind else '–'} | {ends} |"
        )
    return "\n".join(lines)


def presence_markdown(cells: Sequence[Cell]) -> str:
    """Every hero's presence effect in points, ``±`` the half-width of its 95 % interval, one
    row per cell that measures any (empty when none does)."""
    kinds = sorted({k for c in cells for k in c.presence})
    # A cell won never (or always) has no effect to show: every figure is +0 ±0.
    measured = [c for c in cells if c.presence and any(c.presence_se.values())]
    if not measured:
        return ""
    lines = [
        "| policy | difficulty | heroes | " + " | ".join(kinds) + " |",
        "|---|---|---|" + "---|" * len(kinds),
    ]
    for c in measured:
        shown = [
            f"{c.presence[k] * 100:+.0f} ±{Z95 * c.presence_se[k] * 100:.0f}"
            if k in c.presence else "–"
            for k in kinds
        ]
        lines.append(f"| {c.policy} | {c.difficulty} | {c.heroes} | " + " | ".join(shown) + " |")
    return "\n".join(lines)
