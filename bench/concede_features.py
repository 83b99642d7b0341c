"""What the table knew at each round start, and how the game ended: data to write ``[[concede]]``.

Plays the balance matrix's games (same seeds as ``cibo simulate --matrix --seed SEED``) with
every concession refused, and writes one JSON line per game: its cell, outcome, the ``plan``
bot's value at each round start, and at each round start the values of a few expressions of the
ruleset (``route``, ``@scaling.route_goal``…). A candidate condition can then be tried on the
file without playing again: a game it would offer a concession in round ``r`` ends there, lost,
in a run where the table concedes (the games are the same up to the offer). Usage::

    nice -n 10 uv run python bench/concede_features.py factory-raid --games 300 \\
        --difficulties normal --out /tmp/fr.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from cibo.balance import cell_seed, hero_counts
from cibo.core import events as ev
from cibo.core.effects import Ctx
from cibo.core.reducer import apply
from cibo.rulesets import find_ruleset
from cibo.rulesets.loader import load_ruleset
from cibo.simulation import game_seed, play_game, setup_game

FEATURES = {
    "electro-fishers": ("round", "rounds", "route", "@scaling.route_goal", "convoy.launched",
                        "villagers", "@difficulty.min_survivors", "rations", "shield", "alert",
                        "parts", "units", "heroes_active"),
    "factory-raid": ("round", "rounds", "device", "@scaling.parts", "power", "alarm", "units",
                     "heroes_active", "count(heroes where zone != 'duct')"),
}


def _number(name: str, value: object) -> int:
    """A feature's value, which must be a number (booleans count as 0 and 1)."""
    if not isinstance(value, int):
        raise TypeError(f"feature {name!r} is not a number: {value!r}")
    return int(value)


def _game(args: tuple[str, int, str, str, int]) -> dict[str, Any]:
    ruleset, heroes, difficulty, seed, index = args
    rs = load_ruleset(find_ruleset(ruleset)).ruleset
    run = cell_seed(seed, heroes, difficulty)
    state = setup_game(rs, seed=game_seed(run, index), players=heroes, difficulty=difficulty,
                       index=index)
    rows: list[dict[str, int]] = []

    def note(s: Any) -> None:
        ctx = Ctx(s)
        rows.append({name: _number(name, ctx.value(name, {})) for name in FEATURES[ruleset]})

    note(state)
    box = [state]

    def on_event(event: ev.Event) -> None:
        box[0] = apply(box[0], event)
        if isinstance(event, ev.RoundStarted):
            note(box[0])

    result = play_game(rs, seed=game_seed(run, index), players=heroes, difficulty=difficulty,
                       policy="plan", index=index, on_event=on_event, refuse_concessions=True)
    return {"heroes": heroes, "difficulty": difficulty, "index": index, "status": result.status,
            "cause": result.cause, "rounds": result.rounds,
            "played": result.played, "round_values": list(result.round_values),
            "features": rows[: result.played]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ruleset", choices=sorted(FEATURES))
    parser.add_argument("--games", type=int, default=300)
    parser.add_argument("--difficulties", default="normal")
    parser.add_argument("--seed", default="balance")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rs = load_ruleset(find_ruleset(args.ruleset)).ruleset
    jobs = [(args.ruleset, h, d, args.seed, i) for d in args.difficulties.split(",")
            for h in hero_counts(rs) for i in range(args.games)]
    with ProcessPoolExecutor(args.workers) as pool, args.out.open("w") as out:
        for n, row in enumerate(pool.map(_game, jobs, chunksize=8), 1):
            out.write(json.dumps(row) + "\n")
            if n % 100 == 0:
                print(f"{n}/{len(jobs)}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
