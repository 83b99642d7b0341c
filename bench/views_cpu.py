"""CPU of the views a room builds after every command, on the positions of real games.

Plays ``--games`` games of a ruleset with bots choosing uniformly random legal commands and
keeps every position; then builds, for each position in game order, what a room's flush
builds: the views of the table and of every seat (:func:`cibo.core.views.view_states`), and,
on their own, every hero's sheet (:func:`cibo.core.teach.hero_values`), the goal panel
(:func:`cibo.core.teach.goal_progress`) and every seat's legal actions. Prints the minimum over
``--repeats`` passes of the process's CPU time per position, so that two versions of the code
can be compared on the same positions (run each in its own process, alternating):

    uv run python bench/views_cpu.py
    uv run python bench/views_cpu.py --ruleset factory-raid --players 3
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from cibo.core.state import GameState
from cibo.core.teach import goal_progress, hero_values
from cibo.core.views import legal_actions, view_states
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.simulation import bot_positions, game_seed


def positions(ruleset: str, games: int, players: int) -> list[GameState]:
    """Every position of ``games`` games, random bots, normal difficulty."""
    rs = load_ruleset(find_ruleset(ruleset)).ruleset
    return [
        s
        for i in range(games)
        for s in bot_positions(
            rs, seed=game_seed("views", i), players=players, difficulty="normal",
            policy="random", index=i,
        )
    ]


def per_position(states: list[GameState], work: Callable[[GameState], Any], repeats: int) -> float:
    """The least CPU seconds per position over ``repeats`` passes."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for s in states:
            work(s)
        best = min(best, time.process_time() - start)
    return best / len(states)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ruleset", default="electro-fishers")
    parser.add_argument("--games", type=int, default=8)
    parser.add_argument("--players", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    states = positions(args.ruleset, args.games, args.players)
    audiences = ["table", *(f"seat:{x.id}" for x in states[0].seats)]
    parts: list[tuple[str, Callable[[GameState], Any]]] = [
        ("views of the table and every seat", lambda s: view_states(s, audiences)),
        ("every hero's sheet", lambda s: [hero_values(s, h.id) for h in s.heroes]),
        ("the goal panel", goal_progress),
        ("every seat's legal actions", lambda s: [legal_actions(s, x.id) for x in s.seats]),
    ]
    print(f"{args.ruleset}, {args.players} heroes: {len(states)} positions of {args.games} games")
    for name, work in parts:
        print(f"  {name}: {per_position(states, work, args.repeats) * 1e3:.4f} ms per position")


if __name__ == "__main__":
    main()
