"""Client messages are parsed strictly; every mistake is an InvalidMessage."""

from __future__ import annotations

from typing import Any

import pytest

from cibo.protocol import Cmd, Control, CreateRoom, Hello, InvalidMessage, Ping, Sync, parse_client
from cibo.protocol.messages import MAX_NAME_INPUT, ClientMessage


@pytest.mark.parametrize(
    "message",
    [
        Hello(role="player", code="BCDF", name="Ann"),
        Hello(role="player", code="BCDF", token="t" * 22, host_token="h" * 22, last_seq=12),
        Hello(role="table", code="bcdf"),
        Hello(role="table", code="BCDF", stages=False),
        Hello(role="spectator", code="BCDF", last_seq=0),
        Cmd(cmd_id="c1", command={"type": "end_turn", "hero": ""}),
        Cmd(cmd_id="c2", command={"type": "act", "hero": "killy"}, seen_seq=4),
        Control(cmd_id="c3", action="pause"),
        Control(cmd_id="c4", action="kick", seat="s2"),
        Sync(),
        Sync(last_seq=9),
        Ping(),
        Ping(t=123.5),
        Ping(t="abc"),
        CreateRoom(),
        CreateRoom(ruleset="factory-raid", difficulty="hard"),
    ],
)
def test_round_trip(message: ClientMessage) -> None:
    assert parse_client(message.to_dict()) == message


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"type": 3},
        {"type": "nope"},
        {"type": "hello"},
        {"type": "hello", "role": "admin", "code": "BCDF"},
        {"type": "hello", "role": "player", "code": ""},
        {"type": "hello", "role": "player", "code": "BCDF", "seat": "s1"},  # unknown key
        {"type": "hello", "role": "player", "code": "BCDF", "token": 5},
        {"type": "hello", "role": "player", "code": "BCDF", "token": "x" * 65},
        {"type": "hello", "role": "table", "code": "BCDF", "stages": "no"},
        {"type": "hello", "role": "table", "code": "BCDF", "stages": 0},
        {"type": "cmd", "cmd_id": "c", "command": "end_turn"},
        {"type": "cmd", "command": {}},
        {"type": "cmd", "cmd_id": "", "command": {}},
        {"type": "cmd", "cmd_id": "c", "command": {}, "seat": "s2"},  # forged seat: refused
        {"type": "control", "cmd_id": "c", "action": "explode"},
        {"type": "control", "cmd_id": "c", "action": "kick"},
        {"type": "ping", "t": [1]},
        {"type": "ping", "t": "x" * 100},
        {"type": "create_room", "ruleset": 3},
    ],
)
def test_invalid(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidMessage) as info:
        parse_client(data)
    assert info.value.code == "protocol/invalid"
    assert info.value.message  # a sentence for players


@pytest.mark.parametrize(
    "data",
    [
        {"type": "hello", "role": "player", "code": "BCDF", "last_seq": -1},
        {"type": "hello", "role": "player", "code": "BCDF", "last_seq": True},
        {"type": "hello", "role": "player", "code": "BCDF", "last_seq": 1.5},
        {"type": "hello", "role": "player", "code": "BCDF", "last_seq": "3"},
        {"type": "hello", "role": "player", "code": "BCDF", "last_seq": 2**53 + 1},
        {"type": "sync", "last_seq": -1},
        {"type": "cmd", "cmd_id": "c", "command": {}, "seen_seq": -7},
    ],
)
def test_bad_event_numbers_have_their_own_code(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidMessage) as info:
        parse_client(data)
    assert info.value.code == "protocol/bad_seq"


def test_a_long_raw_name_is_a_name_error_not_an_invalid_message() -> None:
    hello = {"type": "hello", "role": "player", "code": "BCDF"}
    # Up to the cap the name is only cut later (to 16 characters), never refused here.
    assert parse_client({**hello, "name": "x" * MAX_NAME_INPUT}) == Hello(
        role="player", code="BCDF", name="x" * MAX_NAME_INPUT
    )
    with pytest.raises(InvalidMessage) as info:
        parse_client({**hello, "name": "x" * (MAX_NAME_INPUT + 1)})
    assert info.value.code == "join/name_too_long"
    assert "16 characters" in info.value.message
