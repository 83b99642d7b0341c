"""The biggest Safeguard round: how many spawn rolls (table rolls and card draws that brought or
held back units) one round can have, over many simulated games of every ruleset.

The table display must show such a round without clipping (tests/browser/test_table_night.py
renders the game this finds). Usage::

    uv run python bench/spawn_rounds.py --games 1000

prints, per ruleset, the round with the most spawn rolls (ties: the most units), and the game
that had it (players, difficulty, index: ``cibo.simulation.play_game`` replays it exactly). The
bots play on through every concession: the biggest rounds come late in games a table could
have conceded, and a table that plays on must still see them whole.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from cibo.core import events as ev
from cibo.rulesets.loader import load_ruleset
from cibo.simulation import game_seed, play_game

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ("electro-fishers", "factory-raid")
SEED = "spawn-rounds"


@dataclass(frozen=True)
class Biggest:
    ruleset: str
    players: int
    difficulty: str
    index: int
    round: int
    rolls: int
    units: int


class RoundCounter:
    """Spawn rolls and units per round, counted as the table's spawn column tells them: every
    banded table roll and every card draw is a story, with the units it brought or held back."""

    def __init__(self) -> None:
        self.round = 0
        self.rounds: dict[int, list[int]] = {}

    def __call__(self, e: ev.Event) -> None:
        if isinstance(e, ev.RoundStarted):
            self.round = e.round
        counts = self.rounds.setdefault(self.round, [0, 0])
        if (isinstance(e, ev.TableRolled) and e.band) or isinstance(e, ev.CardDrawn):
            counts[0] += 1
        elif isinstance(e, ev.SpawnBlocked) or (
            isinstance(e, ev.UnitSpawned) and e.source.startswith(("table:", "card:"))
        ):
            counts[1] += 1


def biggest_round(ruleset: str, games: int) -> Biggest:
    """The round with the most spawn rolls in ``games`` games (players and difficulty vary)."""
    rs = load_ruleset(ROOT / "rulesets" / f"{ruleset}.toml").ruleset
    difficulties = list(rs.difficulty)
    low, high = rs.ruleset.heroes.min, rs.ruleset.heroes.max
    best = Biggest(ruleset, 0, "", -1, 0, 0, 0)
    for i in range(games):
        players = low + i % (high - low + 1)
        difficulty = difficulties[(i // (high - low + 1)) % len(difficulties)]
        counter = RoundCounter()
        play_game(rs, seed=game_seed(SEED, i), players=players, difficulty=difficulty,
                  policy="greedy", index=i, on_event=counter, refuse_concessions=True)
        for rnd, (rolls, units) in counter.rounds.items():
            if (rolls, units) > (best.rolls, best.units):
                best = Biggest(ruleset, players, difficulty, i, rnd, rolls, units)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=1000)
    args = parser.parse_args()
    out = [asdict(biggest_round(name, args.games)) for name in RULESETS]
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
