"""The game-night controls in one session: a bot on a seat someone left, bots and the lobby,
and every new fact surviving a restore."""

from __future__ import annotations

from rooms_helpers import SEED, Harness

from cibo.core import new_game
from cibo.core.rng import Rng
from cibo.rooms.session import RoomSession
from cibo.rooms.tablebots import BOT_POLICY, bot_act, bots_due


def test_a_bot_takes_the_seat_someone_left_and_plays_it_and_a_restore_keeps_it() -> None:
    h = Harness("factory-raid")
    ann, bob = h.lobby(["Ann", "Bob"], ["killy", "cibo"])
    s = h.session
    assert h.control(bob, "add_bot", "s2")["error"]["code"] == "room/not_host"
    # Only a vacant seat can be given to a bot.
    assert h.control(ann, "add_bot", "s2")["error"]["code"] == "room/no_such_seat"
    assert h.control(ann, "kick", "s2")["ok"]
    assert h.control(ann, "add_bot", "s2")["ok"]
    seat = s.roster.seats["s2"]
    assert seat.bot == BOT_POLICY and seat.token_hash is not None
    info = h.last(ann, "room")["room"]
    assert [x["bot"] for x in info["seats"]] == [False, True]
    assert not info["seats"][1]["vacant"]
    assert h.control(ann, "move_seat", "s2")["error"]["code"] == "room/no_such_seat"
    # Nobody can take the bot's seat with a name: no seat is vacant any more.
    assert h.hello(900, name="Cat").code == "join/watch_only"

    # The bot acts when its hero's turn comes, through the room's own checks.
    rng = Rng(b"b" * 16)
    for _ in range(200):
        turn = s.state.hero(s.state.turn)
        if turn is not None and turn.seat == "s2" and not turn.done:
            break
        assert turn is not None
        assert h.cmd(ann, {"type": "end_turn", "hero": turn.id})["ok"]
    assert bots_due(s) == ["s2"]
    before = s.seq
    h.run(bot_act(s, "s2", rng))
    assert s.seq > before
    assert h.records[-1].seat == "s2" and h.records[-1].cmd_id.startswith("bot:")  # type: ignore[union-attr]
    assert h.control(ann, "pause")["ok"]
    assert bots_due(s) == []  # a paused game holds the bots too
    assert h.control(ann, "resume")["ok"]
    assert h.control(ann, "latecomers_on")["ok"]

    lr = h.ruleset
    fresh = RoomSession(
        code="BCDF", state=new_game(lr.ruleset, ruleset_sha256=lr.sha256, seed=SEED),
        host_token_hash="",
    )
    fresh.restore(h.records)
    assert fresh.roster.seats["s2"].bot == BOT_POLICY
    assert fresh.roster.latecomers is True
    assert fresh.seq == s.seq

    # Removing the bot makes the seat vacant again, for a person.
    assert h.control(ann, "kick", "s2")["ok"]
    assert s.roster.seats["s2"].bot == "" and s.roster.seats["s2"].token_hash is None
    assert h.hello(901, name="Cat").ok


def test_bots_in_the_lobby_take_free_heroes_until_the_table_is_full() -> None:
    h = Harness("factory-raid")
    ann = h.join("Ann")  # the first player is the host
    s = h.session
    names = []
    for _ in range(4):
        assert h.control(ann, "add_bot")["ok"]
        names.append(h.last(ann, "room")["room"]["seats"][-1]["name"])
    assert len(set(names)) == 4 and all("bot" in n for n in names)
    heroes = list(s.state.heroes)
    assert len(heroes) == 4 and all(s.roster.seats[x.seat].bot for x in heroes)
    # Factory Raid seats at most 5: Ann and 4 bots; Ann has not picked yet.
    refused = h.control(ann, "add_bot")
    assert refused["error"]["code"] == "room/table_full"
    assert h.cmd(ann, {"type": "pick_hero", "hero": "escort"})["ok"]
    assert h.cmd(ann, {"type": "start_game"})["ok"]
    assert s.state.status == "playing"
