"""The client side of the protocol without I/O: messages built, updates merged, closes judged."""

from __future__ import annotations

from typing import Any

import pytest

from cibo.protocol import CLOSE_CODES, ERRORS, CloseCode, parse_client
from cibo.protocol.client_state import (
    FINAL_CLOSE_CODES,
    FINAL_REASONS,
    FORGET_REASONS,
    ClientState,
    create_room,
    is_final,
    merge_update,
)
from cibo.protocol.messages import Cmd, Control, Hello, Sync


def welcome(**extra: Any) -> dict[str, Any]:
    return {
        "type": "welcome",
        "seat": "s1",
        "token": "tok",
        "host": True,
        "room": {"code": "BCDF", "host_seat": "s1"},
        "state": {"status": "lobby", "heroes": []},
        "seq": 3,
        "events": [{"seq": 2, "event": {"type": "a"}}, {"seq": 3, "event": {"type": "b"}}],
        **extra,
    }


def test_hello_names_a_new_seat_then_resumes_it_with_the_token() -> None:
    c = ClientState(code="BCDF", name="Ann", host_token="h")
    assert c.hello() == Hello(role="player", code="BCDF", name="Ann", host_token="h")
    assert c.receive(welcome()) == "welcome"
    hello = c.hello().to_dict()
    assert hello == {
        "type": "hello", "role": "player", "code": "BCDF", "token": "tok", "host_token": "h",
        "last_seq": 3,
    }
    assert parse_client(hello) == c.hello()  # what the server parses is what was built


def test_update_merges_changes_into_the_view_once_and_skips_seen_events() -> None:
    c = ClientState(code="BCDF", role="table")
    c.receive(welcome())
    assert [e["seq"] for e in c.events] == [2, 3]
    c.receive({
        "type": "update", "seq": 5, "changes": {"status": "playing"},
        "events": [{"seq": 3, "event": {"type": "b"}}, {"seq": 4, "event": {"type": "c"}},
                   {"seq": 5, "event": {"type": "d"}}],
    })
    assert c.state == {"status": "playing", "heroes": []} and c.seq == 5
    assert [e["seq"] for e in c.events] == [2, 3, 4, 5]
    c.receive({"type": "update", "seq": 6, "state": {"status": "won"}, "events": []})
    assert c.state == {"status": "won"}  # a whole view replaces the old one


def test_merge_update_replaces_top_level_keys_only() -> None:
    view = {"a": {"x": 1}, "b": 2}
    assert merge_update(view, {"changes": {"a": {"y": 2}}}) == {"a": {"y": 2}, "b": 2}
    assert merge_update(view, {"state": None}) == {}
    assert view == {"a": {"x": 1}, "b": 2}


def test_commands_wait_in_pending_until_their_result() -> None:
    c = ClientState(code="BCDF")
    c.receive(welcome())
    cmd = c.command({"type": "end_turn", "hero": "h1"}, seen_seq=3)
    ctl = c.control("kick", "s2")
    assert isinstance(cmd, Cmd) and isinstance(ctl, Control) and cmd.cmd_id != ctl.cmd_id
    assert parse_client(cmd.to_dict()) == cmd and parse_client(ctl.to_dict()) == ctl
    assert c.resend() == [cmd, ctl]
    assert c.receive({"type": "result", "cmd_id": cmd.cmd_id, "ok": True}) == "result"
    assert c.resend() == [ctl]
    c.abandon(ctl.cmd_id)
    assert c.resend() == []
    assert c.sync() == Sync(last_seq=3)


def test_room_messages_say_who_is_host() -> None:
    c = ClientState(code="BCDF")
    c.receive(welcome())
    assert c.host
    c.receive({"type": "room", "room": {"host_seat": "s2"}})
    assert not c.host


def test_create_room_is_the_modelled_message() -> None:
    assert create_room("village", None) == {"type": "create_room", "ruleset": "village"}
    assert parse_client(create_room()).to_dict() == {"type": "create_room"}


def test_every_close_code_means_one_thing() -> None:
    """A close code stands for final reasons only or for reconnectable ones only, so a close
    without a reason is judged the same as one with it."""
    for code in set(CLOSE_CODES.values()):
        reasons = {r for r, c in CLOSE_CODES.items() if c == code}
        assert len({r in FINAL_REASONS for r in reasons}) == 1, code
    assert FINAL_REASONS.issubset(CLOSE_CODES) and FORGET_REASONS.issubset(ERRORS)


@pytest.mark.parametrize(
    ("close_code", "reason", "final"),
    [
        (4001, None, True),
        (4003, "join/kicked", True),
        (4004, None, True),
        (1000, "seat/left", True),
        (1008, "protocol/rate_limited", True),
        (1008, None, True),
        (1001, "server/shutting_down", False),
        (1011, "room/crashed", False),
        (1006, None, False),
        (None, None, False),
        (4001, "bye", True),  # an unknown reason: the close code decides
    ],
)
def test_is_final(close_code: int | None, reason: str | None, final: bool) -> None:
    assert is_final(close_code, reason) is final


def test_the_bye_of_this_connection_decides_over_its_close_code() -> None:
    c = ClientState(code="BCDF")
    c.receive({"type": "bye", "code": "server/shutting_down", "message": "…"})
    assert not c.is_final(CloseCode.GOING_AWAY)
    c.opened()  # a later connection, closed without a bye
    assert c.is_final(CloseCode.KICKED) and c.bye is not None
    assert sorted(FINAL_CLOSE_CODES) == [1000, 1008, 4001, 4003, 4004]
