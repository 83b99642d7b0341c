"""Headless Monte-Carlo games for balancing: bots play complete games on the pure engine.

Every game's secret seed is derived from the run's seed and the game's index, so the same
``--seed`` reproduces the same report exactly. Bots get their own random stream and see only
what their seat could see (:mod:`cibo.core.policies`).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import combinations
from multiprocessing import get_context
from typing import Any

from attrs import define, field, frozen

from cibo.core import commands as cm
from cibo.core import events as ev
from cibo.core.commands import command_from_wire
from cibo.core.errors import CoreError
from cibo.core.planner import value
from cibo.core.policies import choose
from cibo.core.reducer import apply
from cibo.core.rng import Rng
from cibo.core.rules import new_game, play
from cibo.core.ruleset import Ruleset
from cibo.core.state import GameState
from cibo.errors import CiboError

__all__ = [
    "MAX_COMMANDS",
    "GameResult",
    "Report",
    "SimulationError",
    "bot_positions",
    "game_seed",
    "hero_lineup",
    "next_command",
    "play_game",
    "setup_game",
    "simulate",
    "smoke_test",
]

MAX_COMMANDS = 20_000
"""A game that has not ended after this many commands is a ruleset bug (a loop with no clock)."""


class SimulationError(CiboError, RuntimeError):
    """A game could not be played to its end (a ruleset or engine bug)."""

    code = "simulation/failed"


@frozen
class GameResult:
    status: str
    cause: str
    rounds: int
    commands: int
    events: int
    spawns_by_band: dict[str, int]
    lineup: tuple[str, ...] = ()
    """The hero kinds in play."""
    actions: dict[str, int] = field(factory=dict)
    """Hero actions taken, by action name."""
    round_values: tuple[int, ...] = ()
    """The ``plan`` bot's value of the position at the start of each round (round 1 first),
    for the rounds ``played``."""
    offered: int = 0
    """The first round at whose start the table was offered a concession (0: never)."""
    played: int = 0
    """Rounds in which someone had a turn or answered an offer: ``rounds``, less one when the
    game ended as its last round started (the clock ran out before anyone played it)."""


@define
class Report:
    ruleset: str
    difficulty: str
    players: int
    heroes: int
    policy: str
    seed: str
    games: int = 0
    wins: int = 0
    rounds_total: int = 0
    commands_total: int = 0
    events_total: int = 0
    causes: Counter[str] = field(factory=Counter)
    spawns_by_band: Counter[str] = field(factory=Counter)
    won_by_round: Counter[int] = field(factory=Counter)
    lost_by_round: Counter[int] = field(factory=Counter)
    offered: int = 0
    """Games in which the table was offered a concession."""
    offered_won: int = 0
    """Of those, games won all the same (played on, see ``refuse_concessions``)."""

    def add(self, r: GameResult) -> None:
        self.games += 1
        self.offered += r.offered > 0
        self.offered_won += r.offered > 0 and r.status == "won"
        self.wins += r.status == "won"
        self.rounds_total += r.rounds
        self.commands_total += r.commands
        self.events_total += r.events
        self.causes[f"{r.status}:{r.cause}"] += 1
        self.spawns_by_band.update(r.spawns_by_band)
        (self.won_by_round if r.status == "won" else self.lost_by_round)[r.rounds] += 1

    @property
    def win_rate(self) -> float:
        return self.wins / self.games if self.games else 0.0

    @property
    def avg_rounds(self) -> float:
        return self.rounds_total / self.games if self.games else 0.0


def game_seed(run_seed: str, index: int) -> bytes:
    return hashlib.sha256(f"cibo-simulate:{run_seed}:{index}".encode()).digest()


def hero_lineup(rs: Ruleset, players: int, index: int) -> list[tuple[str, str]]:
    """(seat, hero kind) pairs for game ``index``: one hero per player, two for a lone player.

    A table with fewer heroes than the pool plays the pool's combinations in turn: game ``i``
    takes combination ``i % C`` of the ``C`` ways to choose the heroes (in the order of
    :func:`itertools.combinations`), so any ``C`` consecutive games play each combination once
    and every hero appears equally often with every partner; a hero's presence effect then
    measures the hero, not a fixed set of partners. Within a combination the seat order turns
    by one each time it comes back (``i // C``). A table with the whole pool or more plays the
    whole pool, turned by ``i``; extra seats take a repeatable template. The line-up depends
    only on the ruleset, ``players`` and ``index``.
    """
    meta = rs.ruleset
    n_heroes = max(meta.heroes.min, min(players, meta.heroes.max))
    pool = list(rs.hero_pool())
    if n_heroes < len(pool):
        combos = list(combinations(pool, n_heroes))
        chosen = list(combos[index % len(combos)])
        shift = (index // len(combos)) % n_heroes
        kinds = chosen[shift:] + chosen[:shift]
    else:
        shift = index % len(pool)
        rotated = pool[shift:] + pool[:shift]
        repeatable = [k for k in rotated if rs.heroes[k].repeatable]
        # Every unique hero, in turned order; extra seats take a repeatable template.
        kinds = [rotated[i] if i < len(rotated) else repeatable[i % len(repeatable)]
                 for i in range(n_heroes)]
    return [(f"p{i % players + 1}", kind) for i, kind in enumerate(kinds)]


def setup_game(
    rs: Ruleset, *, seed: bytes, players: int, difficulty: str, index: int = 0
) -> GameState:
    """A started game: seats joined, heroes picked, difficulty set."""
    state = new_game(rs, ruleset_sha256="", seed=seed, difficulty=difficulty)
    commands: list[cm.Command] = [cm.JoinSeat(f"p{i + 1}", f"Bot {i + 1}") for i in range(players)]
    commands += [cm.PickHero(seat, kind) for seat, kind in hero_lineup(rs, players, index)]
    commands += [cm.SetDifficulty("p1", difficulty), cm.StartGame("p1")]
    for command in commands:
        state = play(state, command).state
    return state


def bot_positions(
    rs: Ruleset, *, seed: bytes, players: int, difficulty: str, policy: str, index: int = 0
) -> Iterator[GameState]:
    """Every state of one bot game in which a command is chosen, in order: the game
    :func:`play_game` plays with the same arguments, as positions (for tests and benchmarks
    that check or time something on real games)."""
    state = setup_game(rs, seed=seed, players=players, difficulty=difficulty, index=index)
    bot_rng = _bot_stream(seed)
    seats = [s.id for s in state.seats]
    commands = 0
    while not state.over:
        if commands >= MAX_COMMANDS:
            raise SimulationError(f"game {index} did not end after {MAX_COMMANDS} commands")
        yield state
        seat, wire = next_command(state, seats, policy, bot_rng, index=index)
        state = play(state, _command(seat, wire)).state
        commands += 1


def _bot_stream(seed: bytes) -> Rng:
    """The bots' own random stream of the game played from ``seed``."""
    return Rng(hashlib.sha256(b"bot:" + seed).digest())


def next_command(
    state: GameState,
    seats: Sequence[str],
    policy: str,
    bot_rng: Rng,
    *,
    index: int,
    refuse_concessions: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The first seat (in ``seats`` order) that can act and its command, as ``policy``
    chooses it with ``bot_rng`` (``play_on`` to an offer when ``refuse_concessions``).

    Raises:
        SimulationError: nobody can act (``index`` names the game).
    """
    if refuse_concessions and state.offer is not None and seats:
        return seats[0], {"type": "play_on"}
    for seat in seats:
        wire = choose(state, seat, policy, bot_rng)
        if wire is not None:
            return seat, wire
    raise SimulationError(f"game {index}: nobody can act in round {state.round}")


def play_game(
    rs: Ruleset,
    *,
    seed: bytes,
    players: int,
    difficulty: str,
    policy: str,
    index: int = 0,
    on_event: Callable[[ev.Event], None] | None = None,
    refuse_concessions: bool = False,
) -> GameResult:
    """Play one complete game with bots; raises SimulationError if it cannot end (it loops,
    nobody can act, or the engine refuses where the ruleset led it).

    With ``refuse_concessions`` the table plays on whenever it is offered a concession,
    whatever the policy: the same seeds then show how the games it would have conceded end
    (answering an offer draws nothing from the bots' stream, so the games are the same up to
    the offer)."""
    try:
        state = setup_game(rs, seed=seed, players=players, difficulty=difficulty, index=index)
    except CoreError as exc:
        raise SimulationError(f"game {index} could not start: {exc}") from exc
    bot_rng = _bot_stream(seed)
    spawns: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    # Round 1 started with the game (in setup): its value is the first.
    round_values: list[int] = [value(state)] if state.status == "playing" else []
    offered = 0
    last: type | None = None
    band = ""
    commands = events = 0
    seats = [s.id for s in state.seats]
    while not state.over:
        if commands >= MAX_COMMANDS:
            raise SimulationError(f"game {index} did not end after {MAX_COMMANDS} commands")
        seat, wire = next_command(
            state, seats, policy, bot_rng, index=index, refuse_concessions=refuse_concessions
        )
        try:
            decision = play(state, _command(seat, wire))
        except CoreError as exc:
            raise SimulationError(f"game {index}, round {state.round}: {exc}") from exc
        decided = decision.events
        # The rules computed the state after the events already; fold them again only when
        # a round starts among them (its value is taken on the state right after it).
        fold_events = any(type(event) is ev.RoundStarted for event in decided)
        if not fold_events:
            state = decision.state
        for event in decided:
            if fold_events:
                state = apply(state, event)
            events += 1
            kind = type(event)
            if kind in _COUNTED:
                if isinstance(event, ev.TableRolled):
                    band = event.band or event.table
                elif isinstance(event, ev.CardDrawn):
                    band = event.deck
                elif isinstance(event, ev.UnitSpawned):
                    spawns[band if event.source.startswith(("table:", "card:")) else "other"] += 1
                elif isinstance(event, ev.ActionTaken):
                    actions[event.action] += 1
                elif isinstance(event, ev.RoundStarted):
                    round_values.append(value(state))
                elif isinstance(event, ev.ConcessionOffered) and not offered:
                    offered = event.round
            if on_event is not None:
                on_event(event)
            if kind is not ev.GameEnded:
                last = kind
        commands += 1
    played = state.round - 1 if last is ev.RoundStarted else state.round
    return GameResult(
        status=state.status,
        cause=state.outcome,
        rounds=state.round,
        commands=commands,
        events=events,
        spawns_by_band=dict(spawns),
        lineup=tuple(h.kind for h in state.heroes),
        actions=dict(actions),
        round_values=tuple(round_values[:played]),
        offered=offered,
        played=played,
    )


def _command(seat: str, wire: dict[str, Any]) -> cm.Command:
    """The command of a bot's wire dict: built directly for the kinds the policies send (they
    come from the engine's own legal list), parsed like a client's otherwise."""
    if all(type(v) is str and len(v) <= cm.MAX_TEXT for v in wire.values()):
        kind = wire.get("type")
        if kind == "act" and _ACT_NEEDS <= wire.keys() <= _ACT_KEYS:
            return cm.Act(seat, wire["hero"], wire["action"], wire.get("target", ""))
        if kind == "end_turn" and wire.keys() <= _END_TURN_KEYS:
            return cm.EndTurn(seat, wire.get("hero", ""))
    return command_from_wire(seat, wire)


_COUNTED = frozenset(
    (ev.TableRolled, ev.CardDrawn, ev.UnitSpawned, ev.ActionTaken, ev.RoundStarted,
     ev.ConcessionOffered)
)
"""The events :func:`play_game` counts or acts on (every other one it only passes on)."""

_ACT_NEEDS = frozenset(("type", "hero", "action"))
_ACT_KEYS = frozenset(("type", "hero", "action", "target"))
_END_TURN_KEYS = frozenset(("type", "hero"))


@frozen
class GameJob:
    """One game to play: the table, the bots, and where it sits in its run (its seed)."""

    players: int
    difficulty: str
    policy: str
    seed: str
    index: int
    refuse_concessions: bool = False
    """Play on whenever a concession is offered (see :func:`play_game`)."""


def play_job(rs: Ruleset, job: GameJob) -> GameResult:
    return play_game(
        rs,
        seed=game_seed(job.seed, job.index),
        players=job.players,
        difficulty=job.difficulty,
        policy=job.policy,
        index=job.index,
        refuse_concessions=job.refuse_concessions,
    )


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


_WORKER_RULESET: list[Ruleset] = []


def _worker_init(rs: Ruleset) -> None:
    _WORKER_RULESET[:] = [rs]


def _worker_chunk(jobs: Sequence[GameJob]) -> list[GameResult]:
    return [play_job(_WORKER_RULESET[0], job) for job in jobs]


def run_games(
    rs: Ruleset,
    jobs: Sequence[GameJob],
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk: int = 0,
) -> list[GameResult]:
    """Play every job; results come back in job order whatever the number of workers.

    Games are independent and each one's randomness comes from its own seed, so the results
    do not depend on ``workers``; with more than one, games run in that many processes, sent
    ``chunk`` at a time (0: up to 8, fewer for a short run, so that one worker does not play
    a last chunk alone while the others wait). ``progress`` is called with the number of
    games finished so far.
    """
    if chunk <= 0:
        chunk = max(1, min(8, len(jobs) // (8 * max(1, workers))))
    if workers <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            results.append(play_job(rs, job))
            if progress is not None:
                progress(len(results))
        return results
    chunks = [jobs[i : i + chunk] for i in range(0, len(jobs), chunk)]
    out: list[list[GameResult] | None] = [None] * len(chunks)
    done = 0
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("fork"),
        initializer=_worker_init,
        initargs=(rs,),
    ) as pool:
        pending: dict[Future[list[GameResult]], int] = {
            pool.submit(_worker_chunk, c): i for i, c in enumerate(chunks)
        }
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = pending.pop(future)
                    out[i] = future.result()
                    done += len(chunks[i])
                    if progress is not None:
                        progress(done)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [r for part in out if part is not None for r in part]


def simulate(
    rs: Ruleset,
    *,
    games: int,
    players: int,
    difficulty: str,
    policy: str,
    seed: str,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    refuse_concessions: bool = False,
) -> Report:
    """Play ``games`` games of one table and sum them up; the report depends only on the
    arguments, never on ``workers`` (the number of processes that play them)."""
    report = Report(
        ruleset=rs.ruleset.id,
        difficulty=difficulty,
        players=players,
        heroes=len(hero_lineup(rs, players, 0)),
        policy=policy,
        seed=seed,
    )
    jobs = [GameJob(players, difficulty, policy, seed, i, refuse_concessions)
            for i in range(games)]
    for result in run_games(rs, jobs, workers=workers, progress=progress):
        report.add(result)
    return report


def smoke_test(rs: Ruleset, *, games: int = 2) -> list[str]:
    """Play a few bot games per difficulty, with the fewest and the most players; returns what
    went wrong (one line: how many games failed, and the first failure), or nothing.

    The static checks cannot see everything a ruleset does while it is played — a table whose
    every row rolls it again, a trigger that never stops firing, a formula that divides by zero
    on some state — and a game night is a bad time to find out. Fixed seeds: the same file
    always gives the same answer.
    """
    failed: list[str] = []
    played = 0
    counts = sorted({max(1, rs.ruleset.players.min), rs.ruleset.players.max})
    for difficulty in rs.difficulty:
        for players in counts:
            for i in range(games):
                policy = "random" if i % 2 == 0 else "plan"  # plan runs the play book too
                played += 1
                try:
                    play_game(
                        rs,
                        seed=game_seed("cibo check", i),
                        players=players,
                        difficulty=difficulty,
                        policy=policy,
                        index=i,
                    )
                except SimulationError as exc:
                    who = f"{players} player{'s' if players != 1 else ''}"
                    failed.append(f"{difficulty}, {who}, {policy} bots: {exc}")
    if not failed:
        return []
    return [f"{len(failed)} of {played} test games failed; the first ({failed[0]})"]
