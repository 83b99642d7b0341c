"""Games per CPU-second of the headless simulator, per ruleset and bot policy, in one process.

``cibo simulate`` spreads games over every core (``--workers``); this benchmark measures what
one core does, so two versions of the engine can be compared on a shared machine: it counts the
process's CPU time (``time.process_time``), not wall time, plays the same seeded games for every
version, and reports the best of ``--repeats`` runs (the one least disturbed by other work).

    uv run python bench/simulate_cpu.py
    uv run python bench/simulate_cpu.py --games 60 --policies greedy --ruleset old.toml

Each line: ruleset, policy, games, the best CPU seconds, games per CPU-second and commands per
CPU-second, and a digest of the results (win count and total commands), which must be the same
for two versions of the code that are meant to play identically.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cibo.rulesets.loader import load_ruleset, shipped_rulesets_dir
from cibo.simulation import game_seed, play_game


def _ruleset_path(name: str) -> Path:
    path = Path(name)
    return path if path.suffix == ".toml" else shipped_rulesets_dir() / f"{name}.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ruleset", action="append", help="shipped name or .toml (repeatable)")
    parser.add_argument("--policies", default="greedy,plan")
    parser.add_argument("--games", type=int, default=0, help="games per line (default: by policy)")
    parser.add_argument("--players", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", default="bench")
    args = parser.parse_args()
    names = args.ruleset or ["electro-fishers", "factory-raid"]
    print(
        "| ruleset | policy | games | best CPU s | games per CPU-s | commands per CPU-s | digest |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for name in names:
        rs = load_ruleset(_ruleset_path(name)).ruleset
        players = min(args.players, rs.ruleset.players.max)
        for policy in args.policies.split(","):
            games = args.games or (200 if policy != "plan" else 30)
            best = float("inf")
            digest = ""
            commands = 0
            for _ in range(args.repeats):
                start = time.process_time()
                wins = commands = 0
                for i in range(games):
                    r = play_game(
                        rs,
                        seed=game_seed(args.seed, i),
                        players=players,
                        difficulty="normal",
                        policy=policy,
                        index=i,
                    )
                    wins += r.status == "won"
                    commands += r.commands
                best = min(best, time.process_time() - start)
                digest = f"{wins} won, {commands} commands"
            print(
                f"| {Path(name).stem} | {policy} | {games} | {best:.2f} | {games / best:.1f}"
                f" | {commands / best:,.0f} | {digest} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
