"""A bot at the table through real sockets: one person and a bot teammate finish a game.

The host seats the bot from the lobby; the room plays it in-process, through the normal command
path (journaled like a person's commands, so the game verifies), at the configured pace.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

from live_server import live_server

from cibo.bot import play_seat
from cibo.client import Client
from cibo.journal import CommandRecord, GameStore, read_journal
from cibo.journal.verify import verify_journal
from cibo.rooms import RoomLimits
from cibo.rooms.tablebots import BOT_POLICY
from cibo.rulesets import find_ruleset, load_ruleset


async def test_one_player_and_a_bot_teammate_finish_a_game(tmp_path: Path) -> None:
    store = GameStore(tmp_path)
    pace = (0.002, 0.004)
    limits = RoomLimits(bot_pace=pace)
    rs = load_ruleset(find_ruleset("factory-raid")).ruleset
    async with live_server(ruleset="factory-raid", store=store, room_limits=limits) as live:
        ann = Client(live.url, code=live.code, name="Ann", host_token=live.host_token)
        table = Client(live.url, code=live.code, role="table")
        await ann.connect()
        await table.connect()
        # Only the host seats bots.
        assert (await ann.control("add_bot"))["ok"]
        await table.wait_for(lambda c: len(c.room["seats"]) == 2)
        bot = next(s for s in table.room["seats"] if s["seat"] != ann.seat)
        assert bot["bot"] is True and bot["name"].endswith("bot") and not bot["vacant"]
        assert next(s for s in table.room["seats"] if s["seat"] == ann.seat)["bot"] is False
        await table.wait_for(lambda c: any(h["seat"] == bot["seat"] for h in c.state["heroes"]))
        assert (await ann.control("add_bot", "s1"))["error"]["code"] == "room/no_such_seat"

        started = time.monotonic()
        async with asyncio.timeout(120):
            stats = await play_seat(ann, rs, policy="greedy", players=2, start=True)
        await table.wait_for(lambda c: c.state["status"] in ("won", "lost"))
        elapsed = time.monotonic() - started
        bot_hero = next(h["id"] for h in table.state["heroes"] if h["seat"] == bot["seat"])
        for c in (ann, table):
            await c.close()
    assert stats.commands > 0
    contents = read_journal(store.game_files()[0])
    by_bot = [r for r in contents.records
              if isinstance(r, CommandRecord) and r.seat == bot["seat"] and r.command["type"] in
              ("act", "end_turn")]
    # The game's length depends on its seed (a short one gave the bot five commands): what
    # holds in every game is that each of its hero's turns that ended was ended by the bot.
    ended_by = [r for r in contents.records if isinstance(r, CommandRecord)
                for item in r.events
                if item.event["type"] == "turn_ended" and item.event["hero"] == bot_hero]
    assert ended_by, "the bot's hero had turns"
    assert all(r.seat == bot["seat"] for r in ended_by), "the bot played its hero's every turn"
    assert len(by_bot) >= 2
    assert all(r.cmd_id.startswith("bot:") for r in by_bot)
    # At the pace asked for: never faster than the low end between two of its commands.
    gaps = [b.ts - a.ts for a, b in itertools.pairwise(by_bot)]
    assert min(gaps) >= pace[0] * 0.9, min(gaps)
    assert elapsed < 120
    verdict = verify_journal(str(store.game_files()[0]))
    assert verdict.ok, verdict.failure
    assert BOT_POLICY in ("plan", "greedy")
