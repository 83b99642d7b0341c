"""RoomSession, sans I/O: joining, roles, resume, deduplication, host controls, recovery."""

from __future__ import annotations

from rooms_helpers import HOST_TOKEN, SEED, Harness

from cibo.core import new_game, view_state
from cibo.journal.format import CommandRecord, EndRecord, MetaRecord
from cibo.rooms import RoomSession
from cibo.rooms.tokens import token_hash


def test_every_client_holds_its_exact_view_through_changes() -> None:
    """Updates carry only changed keys; folding them gives each client exactly its view after
    every command, across joins, a late table, a spectator and a phone that reconnects."""
    from cibo.core.policies import choose
    from cibo.core.rng import Rng

    h = Harness()
    tables = [1]
    assert h.hello(1, role="table").ok
    players = h.lobby(["Ann", "Bob", "Cy"], ["killy", "cibo", "zuru"])
    token = {c: h.tokens[c] for c in players}
    rng = Rng(b"changes")
    s = h.session
    commands = 0
    while s.state.status == "playing" and commands < 400:
        for i, c in enumerate(players):
            command = choose(s.state, h.seats[c], "greedy", rng)
            if command is None:
                continue
            assert h.cmd(c, command)["ok"]
            commands += 1
            if commands % 7 == 0:  # this phone drops and comes back on a new connection
                h.run(s.disconnect(c))
                new = 1000 + commands
                assert h.hello(new, token=token[c], last_seq=s.seq - 1).ok
                h.seats[new] = h.seats[c]
                token[new] = token[c]
                players[i] = new
            if commands == 20:
                assert h.hello(2, role="table").ok
                tables.append(2)
            if commands == 30:
                assert h.hello(3, role="spectator").ok
                tables.append(3)
            for client in [*players, *tables]:
                audience = s.roster.clients[client].audience
                assert h.held_state(client) == s.fanout.view(audience, s.state), (client, commands)
    assert commands > 40
    updates = [m for c in [*players, *tables] for m in h.inbox[c] if m["type"] == "update"]
    partial = [m for m in updates if "changes" in m]
    assert len(partial) > 0.9 * len(updates)
    assert all(set(m["changes"]) < set(h.held_state(1)) | {"me", "peek", "actions"}
               for m in partial)
    # Most carry the heroes, zones or tracks as patches of the fields that changed.
    patched = [m for m in partial if "patch" in m]
    assert len(patched) > 0.5 * len(partial)
    assert {"heroes", "zones", "tracks"} <= {k for m in patched for k in m["patch"]}


def test_first_player_is_host_and_gets_a_token() -> None:
    h = Harness()
    table = 1
    assert h.hello(table, role="table").ok
    ann = h.join("Ann")
    welcome = h.last(ann, "welcome")
    assert welcome["seat"] == "s1" and welcome["host"] is True
    assert len(welcome["token"]) >= 22 and welcome["resumed"] == "new"
    assert welcome["state"]["me"] == "s1" and "actions" in welcome["state"]
    # The welcome carries the board and rules, so a room on any ruleset file can be drawn.
    assert welcome["ruleset"]["id"] == "electro-fishers"
    assert "village" in welcome["ruleset"]["zones"]
    # The table saw the seat join (an update with the event) and the new roster.
    update = h.last(table, "update")
    assert update["events"] == [{"seq": 1, "event": {"type": "seat_joined", "seat": "s1",
                                                      "name": "Ann"}}]
    # Only what changed in the table's view since its welcome: the roster.
    assert update["changes"] == {"seats": [{"id": "s1", "name": "Ann"}]}
    room = h.last(table, "room")["room"]
    assert room["host_seat"] == "s1" and room["seats"][0]["connected"] is True
    # Only hashes are journaled.
    facts = [r.data for r in h.records if isinstance(r, MetaRecord)]
    assert {"fact": "seat", "seat": "s1", "name": "Ann",
            "token_sha256": token_hash(welcome["token"])} in facts
    assert not any(welcome["token"] in repr(r) for r in h.records)


def test_host_token_makes_a_later_player_host() -> None:
    h = Harness()
    h.join("Ann")
    bob = h.join("Bob", host_token=HOST_TOKEN)
    assert h.last(bob, "welcome")["host"] is True
    assert h.session.roster.host_seat == h.seats[bob]
    outcome = h.hello(9, name="Eve", host_token="wrong")
    assert not outcome.ok and outcome.code == "join/bad_host_token" and outcome.failure


def test_names_are_normalized_and_unique() -> None:
    h = Harness()
    h.join("  Ann\u202e ")
    assert h.session.roster.seats["s1"].name == "Ann"
    taken = h.hello(5, name="ANN")
    assert not taken.ok and taken.code == "join/name_taken" and not taken.failure
    assert h.hello(6, name="\u202e\u200b").code == "join/name_invalid"
    assert h.session.seq == 1  # nothing happened for the refused joins


def test_resume_with_token_gets_exactly_the_missed_events() -> None:
    h = Harness()
    ann = h.join("Ann")
    bob = h.join("Bob")
    token = h.tokens[bob]
    seen = h.last(bob, "welcome")["seq"]
    h.run(h.session.disconnect(bob))
    assert h.last(ann, "room")["room"]["seats"][1]["connected"] is False  # away, still seated
    h.cmd(ann, {"type": "pick_hero", "hero": "killy"})
    h.join("Cat")
    again = 200
    assert h.hello(again, token=token, last_seq=seen).ok
    welcome = h.last(again, "welcome")
    assert welcome["seat"] == "s2" and "token" not in welcome and welcome["resumed"] == "events"
    assert [e["seq"] for e in welcome["events"]] == list(range(seen + 1, h.session.seq + 1))
    assert [e["event"]["type"] for e in welcome["events"]] == ["hero_picked", "seat_joined"]


def test_resume_far_behind_gets_a_snapshot() -> None:
    h = Harness(ring_size=3)
    ann = h.join("Ann")
    token = h.tokens[ann]
    h.run(h.session.disconnect(ann))
    for name in ("Bob", "Cat", "Dan", "Eve"):
        h.join(name)
    assert h.hello(300, token=token, last_seq=1).ok
    welcome = h.last(300, "welcome")
    assert welcome["resumed"] == "snapshot" and welcome["events"] == []
    assert len(welcome["state"]["seats"]) == 5
    # A client claiming a seq from the future is resynced too.
    h.run(h.session.disconnect(300))
    assert h.hello(301, token=token, last_seq=99).ok
    assert h.last(301, "welcome")["resumed"] == "snapshot"


def test_same_seat_on_a_second_device_replaces_the_first() -> None:
    h = Harness()
    ann = h.join("Ann")
    assert h.hello(400, token=h.tokens[ann]).ok
    assert h.closed[ann] == "seat/replaced"
    assert h.last(ann, "bye")["code"] == "seat/replaced"
    assert h.session.roster.seats["s1"].client == 400
    # The old connection is gone from every audience: commands from it do nothing.
    assert h.session.command(ann, "x", {"type": "start_game"}).actions == []
    assert h.session.flush().actions == []


def test_wrong_and_revoked_tokens() -> None:
    h = Harness()
    host = h.join("Ann")
    bob = h.join("Bob")
    bad = h.hello(500, token="not-a-token")
    assert not bad.ok and bad.code == "join/bad_token" and bad.failure
    assert h.control(host, "kick", h.seats[bob])["ok"]
    kicked = h.hello(501, token=h.tokens[bob])
    assert not kicked.ok and kicked.code == "join/kicked" and kicked.failure


def test_duplicate_cmd_id_is_applied_once_with_the_original_result() -> None:
    h = Harness()
    ann = h.join("Ann")
    first = h.cmd(ann, {"type": "pick_hero", "hero": "killy"}, cmd_id="same")
    seq = h.session.seq
    records = len(h.records)
    again = h.cmd(ann, {"type": "pick_hero", "hero": "cibo"}, cmd_id="same")
    assert again == first and first["ok"]
    assert h.session.seq == seq and len(h.records) == records
    assert [x.kind for x in h.session.state.heroes] == ["killy"]
    # Rejections are cached too: the same cmd_id keeps its first answer.
    no = h.cmd(ann, {"type": "pick_hero", "hero": "nobody"}, cmd_id="bad")
    assert not no["ok"]
    assert h.cmd(ann, {"type": "pick_hero", "hero": "tae"}, cmd_id="bad") == no


def test_result_cache_is_bounded() -> None:
    h = Harness(results_per_seat=4)
    ann = h.join("Ann")
    for i in range(10):
        h.cmd(ann, {"type": "drop_hero", "hero": "none"}, cmd_id=f"c{i}")
    assert len(h.session.roster.seats["s1"].results) == 4


def test_roles_and_host_only_commands() -> None:
    h = Harness()
    h.hello(1, role="table")
    h.hello(2, role="spectator")
    ann = h.join("Ann")
    bob = h.join("Bob")
    for client in (1, 2):
        h.run(h.session.command(client, "t", {"type": "start_game"}))
        assert h.result(client, "t")["error"]["code"] == "room/not_a_player"
    assert h.cmd(bob, {"type": "start_game"})["error"]["code"] == "room/not_host"
    assert h.cmd(bob, {"type": "set_difficulty", "difficulty": "hard"})["error"]["code"] == (
        "room/not_host"
    )
    assert h.cmd(bob, {"type": "join_seat", "name": "X"})["error"]["code"] == "room/room_only"
    assert h.control(bob, "pause")["error"]["code"] == "room/not_host"
    assert h.cmd(ann, {"type": "set_difficulty", "difficulty": "hard"})["ok"]
    # Every rejection went to its sender only.
    assert not [m for m in h.inbox[ann] if m["type"] == "result" and not m["ok"]]


def test_forged_seat_in_a_command_is_ignored() -> None:
    h = Harness()
    ann = h.join("Ann")
    h.join("Bob")
    assert h.cmd(ann, {"type": "pick_hero", "hero": "killy", "seat": "s2"})["ok"]
    assert h.session.state.hero("killy").seat == "s1"  # type: ignore[union-attr]


def test_out_of_turn_commands_are_rejected_without_effect() -> None:
    h = Harness("factory-raid")
    ann, bob = h.lobby(["Ann", "Bob"], ["killy", "cibo"])
    turn = h.session.state.turn
    waiting = bob if h.session.state.hero(turn).seat == "s1" else ann  # type: ignore[union-attr]
    mine = next(x for x in h.session.state.heroes if x.seat == h.seats[waiting])
    before = (h.session.seq, h.session.state)
    result = h.cmd(waiting, {"type": "end_turn", "hero": mine.id})
    assert not result["ok"] and result["error"]["code"].startswith("action/")
    assert result["error"]["message"]
    assert (h.session.seq, h.session.state) == before


def test_stale_commands_are_rejected_without_effect() -> None:
    h = Harness()
    ann = h.join("Ann")
    bob = h.join("Bob")
    seen = h.session.seq
    assert h.cmd(ann, {"type": "pick_hero", "hero": "killy"}, seen_seq=seen)["ok"]
    stale = h.cmd(bob, {"type": "pick_hero", "hero": "cibo"}, seen_seq=seen)
    assert stale["error"]["code"] == "command/stale"
    assert h.session.state.hero("cibo") is None
    assert h.cmd(bob, {"type": "pick_hero", "hero": "cibo"}, seen_seq=h.session.seq)["ok"]
    assert h.cmd(bob, {"type": "drop_hero", "hero": "cibo"}, seen_seq=10**6)["error"]["code"] == (
        "command/stale"
    )


def test_pause_blocks_commands_until_resume() -> None:
    h = Harness()
    ann = h.join("Ann")
    bob = h.join("Bob")
    assert h.control(ann, "pause")["ok"]
    assert h.last(bob, "room")["room"]["paused"] is True
    assert h.cmd(bob, {"type": "pick_hero", "hero": "killy"})["error"]["code"] == "room/paused"
    assert h.control(ann, "resume")["ok"]
    assert h.cmd(bob, {"type": "pick_hero", "hero": "killy"})["ok"]


def test_lock_blocks_new_players_and_spectators_only() -> None:
    h = Harness()
    ann = h.join("Ann")
    bob = h.join("Bob")
    token = h.tokens[bob]
    h.run(h.session.disconnect(bob))
    assert h.control(ann, "lock")["ok"]
    assert h.hello(600, name="Cat").code == "join/locked"
    assert h.hello(601, role="spectator").code == "join/locked"
    assert h.hello(602, role="table").ok
    assert h.hello(603, token=token).ok  # seated players come back
    assert h.control(ann, "unlock")["ok"]
    assert h.hello(604, name="Cat").ok


def test_kick_in_lobby_removes_the_seat() -> None:
    h = Harness()
    ann = h.join("Ann")
    bob = h.join("Bob")
    assert h.control(ann, "kick", "s1")["error"]["code"] == "room/cannot_kick_self"
    assert h.control(ann, "kick", "s9")["error"]["code"] == "room/no_such_seat"
    assert h.control(ann, "kick", "s2")["ok"]
    assert h.closed[bob] == "join/kicked" and h.last(bob, "bye")["code"] == "join/kicked"
    assert [s.id for s in h.session.state.seats] == ["s1"]
    assert "s2" not in h.session.roster.seats


def test_kick_in_game_leaves_a_vacant_seat_someone_else_can_take() -> None:
    h = Harness()
    ann, bob = h.lobby(["Ann", "Bob"], ["killy", "cibo"])
    assert h.hello(700, name="Cat").code == "join/watch_only"
    assert h.control(ann, "kick", "s2")["ok"]
    assert h.closed[bob] == "join/kicked"
    room = h.last(ann, "room")["room"]
    assert room["seats"][1]["vacant"] is True
    assert h.hello(701, name="Cat").ok
    welcome = h.last(701, "welcome")
    assert welcome["seat"] == "s2" and welcome["token"]
    assert h.hello(702, name="Dan").code == "join/watch_only"


def test_transfer_host() -> None:
    h = Harness()
    ann = h.join("Ann")
    bob = h.join("Bob")
    assert h.control(ann, "transfer_host", "s2")["ok"]
    assert h.last(ann, "room")["room"]["host_seat"] == "s2"
    assert h.control(ann, "pause")["error"]["code"] == "room/not_host"
    assert h.control(bob, "pause")["ok"]
    # The holder of the host link can always take it back.
    assert h.hello(800, token=h.tokens[ann], host_token=HOST_TOKEN).ok
    assert h.session.roster.host_seat == "s1"


def test_next_game_is_a_handshake_that_opens_one_room() -> None:
    h = Harness()
    ann = h.join("Ann")
    bob = h.join("Bob")
    assert not h.run(h.session.next_game(ann, "n1")).open_next
    assert h.result(ann, "n1")["error"]["code"] == "room/game_not_over"
    assert h.cmd(ann, {"type": "end_game"})["ok"]
    records = len(h.records)
    assert not h.run(h.session.next_game(bob, "n2")).open_next
    assert h.result(bob, "n2")["error"]["code"] == "room/not_host"

    assert h.run(h.session.next_game(ann, "n3")).open_next  # the transport opens the room now
    assert not [m for m in h.inbox[ann] if m.get("cmd_id") == "n3"]
    assert not h.run(h.session.next_game(ann, "n4")).open_next
    assert h.result(ann, "n4")["error"]["code"] == "room/next_pending"

    # Opening failed: the host is told why, and may try again.
    h.run(h.session.next_game_opened(ann, "n3", None, "room/limit"))
    assert h.result(ann, "n3")["error"]["code"] == "room/limit"
    assert h.session.room_info()["next"] is None
    assert h.run(h.session.next_game(ann, "n5")).open_next
    h.run(h.session.next_game_opened(ann, "n5", ("GHJK", "next-host-token"), ""))
    assert h.result(ann, "n5")["next"] == {"code": "GHJK", "host_token": "next-host-token"}
    for client in (ann, bob):
        assert h.last(client, "room")["room"]["next"] == "GHJK"
    assert all("next-host-token" not in repr(m) for m in h.inbox[bob])
    # Asked again (a second tap, a resend): the same room, and nothing opened.
    assert not h.run(h.session.next_game(ann, "n6")).open_next
    assert h.result(ann, "n6")["next"]["code"] == "GHJK"
    h.run(h.session.next_game(ann, "n5"))
    assert h.result(ann, "n5")["next"]["code"] == "GHJK"
    assert len(h.records) == records  # a finished game's journal is closed


def test_leaving_the_lobby_revokes_the_seat() -> None:
    h = Harness()
    ann = h.join("Ann")
    bob = h.join("Bob")
    assert h.cmd(bob, {"type": "leave_seat"})["ok"]
    assert h.closed[bob] == "seat/left"
    assert h.hello(900, token=h.tokens[bob]).code == "join/kicked"
    assert h.cmd(ann, {"type": "leave_seat"})["ok"]  # the host leaves: nobody is left
    assert h.session.roster.host_seat is None


def test_a_whole_game_is_journaled_and_every_audience_sees_increasing_seqs() -> None:
    h = Harness()
    h.hello(1, role="table")
    clients = h.lobby(["Ann", "Bob", "Cat", "Dan"], ["killy", "cibo", "zuru", "tae"])
    h.play(clients)
    assert h.session.state.over
    assert isinstance(h.records[-1], EndRecord)
    for client in [1, *clients]:
        seqs = [e["seq"] for e in h.events(client)]
        assert seqs == sorted(set(seqs))
        updates = h.of(client, "update")
        assert [u["seq"] for u in updates] == sorted(u["seq"] for u in updates)
    logged = [e.seq for r in h.records if isinstance(r, CommandRecord) for e in r.events]
    assert logged == list(range(1, h.session.seq + 1))
    # Nothing after the end goes to the journal (it is closed).
    n = len(h.records)
    h.control(clients[0], "pause")
    assert len(h.records) == n


def test_restore_rebuilds_the_room_from_its_records() -> None:
    h = Harness("factory-raid")
    ann, bob = h.lobby(["Ann", "Bob"], ["killy", "cibo"])
    cmd = {"type": "end_turn", "hero": h.session.state.turn}
    turn_client = ann if h.session.state.hero(cmd["hero"]).seat == "s1" else bob  # type: ignore[union-attr]
    done = h.cmd(turn_client, cmd, cmd_id="resend-me")
    assert done["ok"]
    h.control(ann, "lock")
    h.control(ann, "transfer_host", "s2")
    lr = h.ruleset
    state = new_game(lr.ruleset, ruleset_sha256=lr.sha256, seed=SEED)
    fresh = RoomSession(code="BCDF", state=state, host_token_hash="", ring_size=8)
    old_host = token_hash("old-host-link")
    fresh.restore([MetaRecord(ts=0, data={"fact": "room", "host_token_sha256": old_host}),
                   *h.records])
    assert fresh.seq == h.session.seq
    assert view_state(fresh.state, "table") == view_state(h.session.state, "table")
    roster = fresh.roster
    assert roster.locked and roster.host_seat == "s2" and roster.host_token_hashes == [old_host]
    # The host link printed before the restart still works after it (the room is locked, so
    # come back on a seat); a forged one does not.
    other = bob if turn_client == ann else ann
    back = fresh.hello(12, role="player", token=h.tokens[other], host_token="old-host-link")
    assert back.joined is not None and back.joined.ok
    forged = fresh.hello(13, role="player", token=h.tokens[other], host_token="forged")
    assert forged.joined is not None and forged.joined.code == "join/bad_host_token"
    assert fresh.fanout.ring.newest == fresh.seq and len(fresh.fanout.ring) == 8
    # Seat tokens still work, and a resend of an acknowledged command gets its result.
    step = fresh.hello(1, role="player", token=h.tokens[turn_client])
    assert step.joined is not None and step.joined.ok
    step = fresh.command(1, "resend-me", cmd)
    assert step.records == []
    assert [a.message for a in fresh.flush().actions] == [done]  # type: ignore[union-attr]
    # The next seat id continues after the restored ones.
    assert fresh.roster.next_seat == 3


def test_journal_stop_refuses_everything_after() -> None:
    h = Harness()
    ann = h.join("Ann")
    h.run(h.session.stop())
    assert h.last(ann, "error")["code"] == "room/stopped"
    assert h.last(ann, "room")["room"]["stopped"] is True
    assert h.cmd(ann, {"type": "pick_hero", "hero": "killy"})["error"]["code"] == "room/stopped"


def test_close_says_bye_to_everyone() -> None:
    h = Harness()
    h.hello(1, role="table")
    ann = h.join("Ann")
    h.run(h.session.close("server/shutting_down"))
    assert h.closed == {1: "server/shutting_down", ann: "server/shutting_down"}
    assert h.last(ann, "bye")["code"] == "server/shutting_down"
    assert h.hello(5, role="table").code == "room/closed"


def test_rooms_of_one_ruleset_share_its_summary_until_the_ruleset_is_gone() -> None:
    import gc

    from cibo.protocol.codecs import _PINNED
    from cibo.rooms.session import _SUMMARIES, shared_summary
    from cibo.rulesets import find_ruleset, load_ruleset

    first, second = Harness(), Harness()
    assert first.session.ruleset_summary() is second.session.ruleset_summary()
    rs = load_ruleset(find_ruleset("electro-fishers")).ruleset  # a ruleset object of its own
    summary = shared_summary(rs)
    assert summary is shared_summary(rs) and summary is not first.session.ruleset_summary()
    assert summary == first.session.ruleset_summary()
    # A welcome's: the source language, and the client's when the ruleset has it.
    italian, own = shared_summary(rs, "it"), shared_summary(rs, None)
    assert italian is shared_summary(rs, "it") and own is shared_summary(rs, "fr")
    assert own is shared_summary(rs, "en")
    assert italian["texts"] == summary["texts"] and own["texts"] == {"en": summary["texts"]["en"]}
    assert {k: v for k, v in own.items() if k != "texts"} == {
        k: v for k, v in summary.items() if k != "texts"
    }
    assert first.session.ruleset_summary("it") is second.session.ruleset_summary("it")
    keys = [id(summary), id(italian), id(own)]
    assert all(key in _PINNED for key in keys)
    del rs, summary, italian, own
    gc.collect()
    assert not any(key in _PINNED for key in keys)
    assert all(ref() is not None for ref, _ in _SUMMARIES.values())


def test_applied_results_are_kept_packed_and_answer_a_resend_unchanged() -> None:
    from cibo.protocol import outbound
    from cibo.rooms.roster import pack_result, result_cache, unpack_result

    ok = outbound.result_ok("c1", 42)
    assert pack_result("c1", ok) == 42 and unpack_result("c1", 42) == ok
    moved = outbound.result_move("c2", 43, "s2", "tok")
    assert pack_result("c2", moved) is moved and unpack_result("c2", moved) is moved
    cache = result_cache(2)
    cache.put("c1", ok)
    cache.put("c2", moved)
    cache.put("bad", outbound.result_error("bad", "x/y", "no"))
    assert cache.get("c1") == ok and cache.get("c2") == moved
    assert cache.get("bad") is not None and "c1" in cache and len(cache) == 3

    h = Harness()
    first, *_ = h.lobby(["Ann", "Bob", "Cy", "Di"], ["killy", "cibo", "zuru", "tae"])
    seat = h.session.roster.seats[h.seats[first]]
    answer = h.result(first, h.of(first, "result")[-1]["cmd_id"])
    assert seat.results.get(answer["cmd_id"]) == answer


def test_the_room_counts_the_table_displays_that_stage_the_enemys_turn() -> None:
    """A TV whose person asked for reduced motion stages nothing: the host's phone offers its
    Skip only while some table display stages (``staging_tables``)."""
    h = Harness()
    assert h.hello(1, role="table", stages=False).ok
    ann = h.join("Ann")
    info = h.last(ann, "welcome")["room"]
    assert (info["tables"], info["staging_tables"]) == (1, 0)
    assert h.hello(2, role="table").ok
    info = h.last(ann, "room")["room"]
    assert (info["tables"], info["staging_tables"]) == (2, 1)
    h.run(h.session.disconnect(2))
    info = h.last(ann, "room")["room"]
    assert (info["tables"], info["staging_tables"]) == (1, 0)
