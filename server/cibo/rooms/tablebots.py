"""Bots at the table: the host seats a bot, and the room plays it at a human pace.

``add_bot`` (a host control) seats a bot: in the lobby on a new seat, with the first free hero;
during the game on a vacant seat (``seat``: its player was removed) or, with no ``seat``, on a
new one with a free hero (as a latecomer would). A bot's seat is a seat like any other — its
token is made and thrown away, so no device can take it — marked with the bot's policy (a
:class:`~cibo.rooms.facts.BotSeated` fact: journaled, restored), and shown with ``"bot": true``
in the room's seats.

A bot acts through the normal command path (:meth:`RoomSession.result
<cibo.rooms.session.RoomSession.result>`): its commands are checked, journaled and fanned out
like a player's. It decides from its own seat's view (never the seed or a deck's order) with the
strongest policy of :mod:`cibo.core.policies` (:data:`BOT_POLICY`). :class:`BotDriver` is the
room's timer: after each change it waits a human-looking delay, then lets the bot act once, on
the state of that moment. The room never waits for it. A concession on offer is left to the
people at the table; at a table of bots only, the first bot answers it (its policy concedes).
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from cibo.core import IllegalCommand, view_state
from cibo.core.commands import JoinSeat, PickHero
from cibo.core.policies import POLICIES, choose, state_from_view
from cibo.core.rng import Rng
from cibo.core.rules import free_heroes
from cibo.protocol.errors import error_message
from cibo.rooms.facts import BotSeated, SeatClaimed
from cibo.rooms.handover import table_open
from cibo.rooms.names import name_key
from cibo.rooms.steps import ROOM_CMD_ID, Step
from cibo.rooms.tokens import new_token, token_hash

if TYPE_CHECKING:
    from cibo.rooms.session import RoomSession

__all__ = ["BOT_CMD_ID", "BOT_POLICY", "BotDriver", "add_bot", "bot_act", "bots_due"]

log = logging.getLogger("cibo.rooms")

BOT_POLICY = next((p for p in ("plan", "greedy") if p in POLICIES), "greedy")
"""The strongest policy available (``plan`` once it exists, else ``greedy``)."""
BOT_CMD_ID = "bot:"
"""The prefix of a bot's command ids (``bot:<seq before the command>``)."""


def add_bot(room: RoomSession, step: Step, seat_id: str | None) -> str:
    """Seat a bot (see the module docstring); its seat id.

    Raises:
        IllegalCommand: ``room/no_such_seat`` (``seat_id`` is not a vacant seat),
            ``room/table_full`` (no free hero or no room at the table), ``room/game_over``.
    """
    s = room.state
    if s.over:
        raise _illegal("room/game_over")
    if seat_id:
        seat = room.roster.seats.get(seat_id)
        if s.status != "playing" or seat is None or seat.token_hash is not None:
            raise _illegal("room/no_such_seat")
        room.record(step, SeatClaimed(seat.id, seat.name, token_hash(new_token())))
        room.record(step, BotSeated(seat.id, BOT_POLICY))
        return seat.id
    if not table_open(room):
        raise _illegal("room/table_full")
    kind = free_heroes(s)[0]
    name = _bot_name(room, s.ruleset.heroes[kind].name)
    seat_id = f"s{room.roster.next_seat}"
    room.run(step, seat_id, ROOM_CMD_ID, JoinSeat(seat=seat_id, name=name))
    room.record(step, SeatClaimed(seat_id, name, token_hash(new_token())))
    room.record(step, BotSeated(seat_id, BOT_POLICY))
    room.run(step, seat_id, f"{BOT_CMD_ID}pick", PickHero(seat=seat_id, hero=kind))
    return seat_id


def _bot_name(room: RoomSession, hero: str) -> str:
    taken = {name_key(s.name) for s in room.roster.seats.values()}
    for n in range(1, 100):
        name = f"{hero} bot" if n == 1 else f"{hero} bot {n}"
        if name_key(name) not in taken:
            return name
    return f"Bot {secrets.token_hex(2)}"


def bots_due(room: RoomSession) -> list[str]:
    """The bot seats that have something to do now."""
    if room.stopped or room.roster.paused or room.state.status != "playing":
        return []
    if room.state.offer is not None:
        # A concession is for the people at the table to take: bots answer it only at a
        # table of bots (the first bot seat, once).
        seats = list(room.roster.seats.values())
        if any(not seat.bot for seat in seats):
            return []
        return [seats[0].id] if seats else []
    turn = room.state.hero(room.state.turn)
    if turn is not None and not turn.done and room.roster.seats.get(turn.seat) is not None:
        return [turn.seat] if room.roster.seats[turn.seat].bot else []
    return [
        seat.id
        for seat in room.roster.seats.values()
        if seat.bot and any(h.seat == seat.id and not h.done for h in room.state.heroes)
    ]


def bot_act(room: RoomSession, seat_id: str, rng: Rng) -> Step:
    """Let the bot of ``seat_id`` send one command, decided now from its seat's view."""
    step = Step()
    if seat_id not in bots_due(room):
        return step
    seat = room.roster.seats[seat_id]
    audience = f"seat:{seat_id}"
    view = view_state(room.state, audience)
    legal = view.get("actions") or []
    if not legal:
        return step
    try:
        command = choose(state_from_view(view, room.state.ruleset), seat_id, seat.bot, rng, legal)
    except Exception:  # a policy's bug must not stop the room: the bot ends its turn
        log.exception("room %s: bot %s failed to choose", room.code, seat_id)
        command = ({"type": "play_on"} if room.state.offer is not None else
                   {"type": "end_turn", "hero": legal[0].get("hero", "")})
    if command is None:
        return step
    cmd_id = f"{BOT_CMD_ID}{room.seq}"  # unique: every command moves seq on
    result = room.result(
        step, audience=audience, seat_id=seat_id, cmd_id=cmd_id, data=command, seen_seq=None
    )
    if not result["ok"]:
        log.warning("room %s: bot %s sent %s: %s", room.code, seat_id, command, result["error"])
    return room.finish(step)


class BotDriver:
    """The timer of a room's bots: :meth:`poke` after every change; :meth:`run` waits a
    delay drawn from ``pace`` (seconds, low and high), then submits one bot command through
    ``submit`` (the room's inbox; it returns once the command was decided and sent), and
    repeats while a bot has something to do. So a bot's commands are at least ``pace[0]``
    apart, and the room goes on deciding everyone else's meanwhile."""

    def __init__(
        self,
        session: RoomSession,
        submit: Callable[[Callable[[], Step]], Awaitable[object]],
        pace: tuple[float, float],
    ) -> None:
        self.session = session
        self.submit = submit
        self.pace = pace
        self.rng = Rng(secrets.token_bytes(16))
        # The timer's task and event exist only once a bot sits down: most rooms never have
        # one, and 400 idle tasks with their events are ~0.6 MiB of a busy server.
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def poke(self) -> None:
        """Look for a bot with something to do (call it after every change; the first time a
        bot is seated it starts the timer's task on the running loop)."""
        # Only a room with a bot seated has anything to wake the timer for (bots_due is empty
        # otherwise): a wake-up per batch is a task step per command in every other room.
        if self._stopped or not any(seat.bot for seat in self.session.roster.seats.values()):
            return
        if self._wake is None:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(
                self._run(self._wake), name=f"bots-{self.session.code}"
            )
        self._wake.set()

    def stop(self) -> None:
        """End the timer for good (the room is over)."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()

    async def _run(self, wake: asyncio.Event) -> None:
        while True:
            await wake.wait()
            wake.clear()
            due = bots_due(self.session)
            if not due:
                continue
            low, high = self.pace
            await asyncio.sleep(random.uniform(low, high) if high > low else low)
            seat = due[0]
            await self.submit(lambda seat=seat: bot_act(self.session, seat, self.rng))  # type: ignore[misc]
            wake.set()  # look again now that it was decided (a no-op if nothing is due)


def _illegal(code: str) -> IllegalCommand:
    return IllegalCommand(error_message(code), code=code)
