"""Bots that play through the public protocol, one :class:`~cibo.client.Client` per seat.

A bot sees exactly what a phone sees: its seat view, with the legal commands in
``state["actions"]``. It picks heroes in the lobby, the host bot starts the game once every
expected player has joined and the hero count is right, and during the game each bot asks the
engine's policy (:func:`cibo.core.policies.choose`, on a state rebuilt from its view) what to send.
Used by ``cibo bot``, the tests and ``bench/load.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
from collections.abc import Callable
from typing import Any

from attrs import define, field

from cibo.client import Client, ClientError
from cibo.core.policies import POLICIES, choose, state_from_view
from cibo.core.rng import Rng
from cibo.core.ruleset import Ruleset

__all__ = ["POLICIES", "BotStats", "play_seat", "run_bots"]

log = logging.getLogger("cibo.bot")
SEND_ATTEMPTS = 3
"""Times a bot sends one command (same ``cmd_id``) before it gives up on the server."""

RulesetLoader = Callable[[str], Ruleset]


@define
class BotStats:
    """What one bot did."""

    commands: int = 0
    rejected: int = 0
    codes: dict[str, int] = field(factory=dict)
    """Rejections by error code."""
    outcome: str = ""


def _my_heroes(view: dict[str, Any], seat: str) -> list[dict[str, Any]]:
    return [h for h in view.get("heroes", []) if h.get("seat") == seat]


def _lobby_command(
    view: dict[str, Any], seat: str, rs: Ruleset, players: int, rng: Rng
) -> dict[str, Any] | None:
    """The hero to pick now, if this seat needs one more."""
    heroes = view.get("heroes", [])
    seats = max(players, len(view.get("seats", [])), 1)
    wanted = max(1, math.ceil(rs.ruleset.heroes.min / seats))
    if len(_my_heroes(view, seat)) >= wanted or len(heroes) >= rs.ruleset.heroes.max:
        return None
    taken = {h.get("kind") for h in heroes}
    free = [k for k in rs.hero_pool() if k not in taken or rs.heroes[k].repeatable]
    if not free:
        return None
    return {"type": "pick_hero", "hero": free[rng.below(len(free))]}


def _ready_to_start(view: dict[str, Any], rs: Ruleset, players: int) -> bool:
    seats = view.get("seats", [])
    heroes = view.get("heroes", [])
    if len(seats) < max(players, rs.ruleset.players.min):
        return False
    if any(not _my_heroes(view, s["id"]) for s in seats):
        return False
    return rs.ruleset.heroes.min <= len(heroes) <= rs.ruleset.heroes.max


def _game_command(
    view: dict[str, Any], seat: str, policy: str, rs: Ruleset, rng: Rng, *, failures: int
) -> dict[str, Any] | None:
    """The engine's policy's pick; after a refusal a random legal command instead, and after
    several in a row the end of the turn (the policy keeps proposing what the engine refuses)."""
    legal = view.get("actions") or []
    if not legal:
        return None
    if failures > 3:
        legal = [c for c in legal if c["type"] == "end_turn"][:1] or legal[:1]
    return choose(state_from_view(view, rs), seat, "random" if failures else policy, rng, legal)


async def play_seat(
    client: Client,
    rs: Ruleset,
    *,
    policy: str = "greedy",
    players: int = 1,
    start: bool = False,
    rng: Rng | None = None,
    pace: float = 0.0,
    max_commands: int | None = None,
    stop: asyncio.Event | None = None,
) -> BotStats:
    """Play ``client``'s seat until the game is over (or ``max_commands`` / ``stop``).

    Args:
        client: a connected player client.
        rs: the room's ruleset (to rebuild a state from the view and to pick heroes).
        policy: ``greedy`` or ``random``.
        players: players expected before the host starts the game.
        start: this bot sends ``start_game`` (it must be the host).
        pace: seconds to wait before each game command (0: as fast as possible).
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; choose from {', '.join(POLICIES)}")
    rng = rng or Rng(secrets.token_bytes(16))
    stats = BotStats()
    seat = client.seat
    assert seat is not None, "play_seat needs a player client"
    failures = 0
    while stop is None or not stop.is_set():
        if max_commands is not None and stats.commands >= max_commands:
            break
        view = client.state
        status = view.get("status")
        if status not in ("lobby", "playing") or client.closed.is_set():
            break
        command: dict[str, Any] | None = None
        if status == "lobby":
            command = _lobby_command(view, seat, rs, players, rng)
            if command is None and start and client.host and _ready_to_start(view, rs, players):
                command = {"type": "start_game"}
        else:
            command = _game_command(view, seat, policy, rs, rng, failures=failures)
        if command is None:
            try:
                await client.changed(timeout=30.0)
            except TimeoutError:
                log.warning("bot %s: nothing happened for 30 s", seat)
            continue
        if pace and status == "playing":
            await asyncio.sleep(pace)
        try:
            result = await _send(client, command)
        except (ClientError, TimeoutError) as exc:
            log.warning("bot %s: gave up on %s: %s", seat, command.get("type"), exc or "no answer")
            break
        stats.commands += 1
        if result.get("ok"):
            failures = 0
        else:
            failures += 1
            stats.rejected += 1
            code = str(result.get("error", {}).get("code"))
            stats.codes[code] = stats.codes.get(code, 0) + 1
            if status == "lobby":  # someone took that hero; wait for the next update
                await _wait_briefly(client)
    stats.outcome = str(client.state.get("status", ""))
    return stats


async def _send(
    client: Client, command: dict[str, Any], *, timeout: float = 10.0
) -> dict[str, Any]:
    """Send ``command`` and wait for its result; if none comes in time (a busy or restarting
    server), send it again under the same ``cmd_id`` -- the server applies an id once and
    answers a resend with the first result, so a retry can never play a move twice."""
    cmd_id = client.protocol.new_cmd_id()
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await client.command(command, cmd_id=cmd_id, timeout=timeout)
        except TimeoutError:
            if attempt == SEND_ATTEMPTS:
                raise
            log.info("bot %s: no answer to %s yet; sending it again", client.seat, cmd_id)
    raise AssertionError("unreachable")


async def _wait_briefly(client: Client) -> None:
    with contextlib.suppress(TimeoutError):
        await client.changed(timeout=1.0)


async def run_bots(
    url: str,
    code: str,
    players: int,
    *,
    load_ruleset: RulesetLoader,
    policy: str = "greedy",
    host_token: str | None = None,
    start: bool = False,
    codec: str = "msgpack",
    name_prefix: str = "Bot",
    pace: float = 0.0,
) -> list[BotStats]:
    """Join ``players`` bots to a room and play until the game ends.

    The first bot presents ``host_token`` (when given) so that it can start the game.
    """
    clients: list[Client] = []
    try:
        for i in range(players):
            client = Client(
                url,
                code=code,
                name=f"{name_prefix} {i + 1}",
                host_token=host_token if i == 0 else None,
                codec="json" if codec == "json" else "msgpack",
            )
            await client.connect()
            clients.append(client)
        rs = load_ruleset(str(clients[0].state.get("ruleset")))
        return list(
            await asyncio.gather(
                *(
                    play_seat(
                        c,
                        rs,
                        policy=policy,
                        players=players,
                        start=start and i == 0,
                        pace=pace,
                    )
                    for i, c in enumerate(clients)
                )
            )
        )
    finally:
        for c in clients:
            await c.close()
