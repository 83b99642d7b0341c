"""The MQTT bridge without a broker: URL and options, device file and payloads, the outbox's
queue and cursors, Home Assistant configs."""

from __future__ import annotations

import argparse
import functools
import json
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest

from cibo.core import Event, GameState, new_game
from cibo.core import events as ev
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.transports.mqtt import (
    CommandOutcome,
    DeviceConfigError,
    MqttSettings,
    SettingsError,
    add_options,
    parse_url,
    settings_from_args,
)
from cibo.transports.mqtt.devices import PayloadError, parse_devices, parse_payload
from cibo.transports.mqtt.discovery import sensor_configs
from cibo.transports.mqtt.outbox import Outbox, Publish, Topics
from cibo.transports.mqtt.source import EventListener

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "devices.example.toml"


@functools.cache
def _state(ruleset: str = "electro-fishers") -> GameState:
    lr = load_ruleset(find_ruleset(ruleset))
    return new_game(lr.ruleset, ruleset_sha256=lr.sha256, seed=bytes(32))


class FakeRoom:
    """A room as the bridge sees it: a ring of events and listeners; durable at once."""

    def __init__(self, code: str = "BCDF", ring: int = 1024) -> None:
        self.code = code
        self.seq = 0
        self.durable_seq = 0
        self.state = _state()
        self.closed = False
        self.ring: deque[tuple[int, Event]] = deque(maxlen=ring)
        self.listeners: list[EventListener] = []
        self.commands: list[tuple[str, str, dict[str, Any]]] = []

    def events_after(self, seq: int) -> Sequence[tuple[int, Event]]:
        return [(n, e) for n, e in self.ring if n > seq]

    def attach(self, listener: EventListener) -> None:
        self.listeners.append(listener)

    def detach(self, listener: EventListener) -> None:
        self.listeners.remove(listener)

    async def device_command(
        self, seat: str, cmd_id: str, command: dict[str, Any]
    ) -> CommandOutcome:
        self.commands.append((seat, cmd_id, command))
        return CommandOutcome(True)

    def emit(self, n: int = 1) -> None:
        new = []
        for _ in range(n):
            self.seq += 1
            new.append((self.seq, ev.RoundStarted(round=self.seq)))
        self.ring.extend(new)
        self.durable_seq = self.seq
        for listener in list(self.listeners):
            listener(self.code, new, self.state)


def _encode(data: Any) -> bytes:
    return json.dumps(data).encode()


def drain(box: Outbox, limit: int = 100_000) -> list[Publish]:
    """Publish everything (the broker takes each message at once)."""
    out: list[Publish] = []
    for _ in range(limit):
        item = box.next()
        if item is None:
            return out
        out.append(item)
        item.commit()
    raise AssertionError("the outbox never ran dry")


def seqs(items: list[Publish], topic: str = "cibo/BCDF/events") -> list[int]:
    return [json.loads(i.payload)["seq"] for i in items if i.topic == topic]


# -- settings ---------------------------------------------------------------------------------


def test_url_parts_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_url("mqtt://broker.lan") == ("broker.lan", None, None, None, False)
    assert parse_url("mqtts://cibo:p%40ss@10.0.0.2:8884") == (
        "10.0.0.2", 8884, "cibo", "p@ss", True
    )
    monkeypatch.setenv("CIBO_MQTT_PASSWORD", "from-env")
    assert parse_url("mqtt://cibo@h:1883")[3] == "from-env"
    for bad in ("http://h", "mqtt://", "mqtt://h:99999", "mqtt://h/topic"):
        with pytest.raises(SettingsError):
            parse_url(bad)
    with pytest.raises(SettingsError) as caught:
        parse_url("ftp://u:secret@h")
    assert "secret" not in str(caught.value)


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_options(parser)
    return parser.parse_args(argv)


def test_cli_options_make_settings(tmp_path: Path) -> None:
    assert settings_from_args(_args()) is None
    with pytest.raises(SettingsError, match="--mqtt-ha needs --mqtt"):
        settings_from_args(_args("--mqtt-ha"))
    s = settings_from_args(
        _args("--mqtt", "mqtt://cibo:pw@127.0.0.1", "--mqtt-prefix", "home/cibo")
    )
    assert s is not None
    assert (s.host, s.port, s.username, s.password, s.prefix) == (
        "127.0.0.1", 1883, "cibo", "pw", "home/cibo"
    )
    assert "pw" not in repr(s) and s.url == "mqtt://cibo@127.0.0.1:1883"
    tls = settings_from_args(_args("--mqtt", "mqtt://h", "--mqtt-tls"))
    assert tls is not None and tls.tls and tls.port == 8883 and tls.tls_context() is not None
    with pytest.raises(SettingsError, match="Home Assistant reads"):
        settings_from_args(_args("--mqtt", "mqtt://h", "--mqtt-ha", "--mqtt-format", "msgpack"))
    for prefix in ("cibo/#", "/cibo", "a//b", ""):
        with pytest.raises(SettingsError):
            MqttSettings(host="h", prefix=prefix)
    devices = tmp_path / "devices.toml"
    devices.write_text("[devices.bad]\ncommands = ['start_game']\n")
    with pytest.raises(DeviceConfigError, match="host command"):
        settings_from_args(_args("--mqtt", "mqtt://h", "--mqtt-devices", str(devices)))


# -- devices ----------------------------------------------------------------------------------


def test_example_device_file_is_valid_and_means_what_it_says() -> None:
    table = parse_devices(EXAMPLE.read_text(), str(EXAMPLE))
    button = table.get("end-turn")
    assert button is not None and button.seat == "turn"
    assert button.allows({"type": "end_turn"})
    assert not button.allows({"type": "act", "action": "move", "target": "x"})
    red = table.get("red-button")
    assert red is not None
    assert red.allows({"type": "act", "action": "sabotage"})
    assert not red.allows({"type": "act", "action": "move"})
    remote = table.get("host-remote")
    assert remote is not None and remote.host and remote.seat == "host"
    assert remote.allows({"type": "start_game"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[devices.x]\ncommands = ['fly']\n", "unknown command"),
        ("[devices.x]\ncommands = ['end_turn:now']\n", "unknown command"),
        ("[devices.x]\ncommands = ['end_game']\n", "host command"),
        ("[devices.x]\ncommands = ['leave_seat']\n", "only come from a phone"),
        ("[devices.x]\ncommands = ['end_turn']\nseat = 'p1'\n", "seat"),
        ("[devices.x]\ncommands = 'end_turn'\n", "list"),
        ("[devices.x]\ncommands = []\nhost = 'yes'\n", "true or false"),
        ("[devices.x]\ncommands = []\ncolour = 'red'\n", "unknown key"),
        ("[devices.'a/b']\ncommands = []\n", "device name"),
        ("[devices.'+']\ncommands = []\n", "device name"),
        ("[device.x]\ncommands = []\n", "top-level"),
        ("[devices.x\n", "TOML"),
    ],
)
def test_bad_device_files_are_explained(text: str, message: str) -> None:
    with pytest.raises(DeviceConfigError, match=message):
        parse_devices(text, "d.toml")


def test_payloads() -> None:
    assert parse_payload(b"end_turn\n").command == {"type": "end_turn"}
    m = parse_payload(b'{"type": "act", "action": "beam", "seat": "s9", "cmd_id": "b-1"}')
    assert m.command == {"type": "act", "action": "beam"} and m.cmd_id == "b-1"
    assert parse_payload(msgpack.packb({"type": "end_turn"})).command == {"type": "end_turn"}
    assert parse_payload(b'{"type": "replay", "after": 7}').replay_after == 7
    assert parse_payload(b"replay").replay_after == 0
    assert parse_payload(b"end_turn").replay_after is None
    for bad in (b"", b"   ", b"[1]", b'{"no": 1}', b"x" * 2000, b'{"type": "replay", "after": -1}',
                b'{"type": "end_turn", "cmd_id": "' + b"x" * 40 + b'"}', b"\xff\xfe"):
        with pytest.raises(PayloadError):
            parse_payload(bad)


# -- the outbox -------------------------------------------------------------------------------


def test_events_then_state_then_status_and_nothing_twice() -> None:
    box = Outbox(Topics("cibo"), _encode, queue_size=100)
    room = FakeRoom()
    box.open(room, from_start=True)
    room.emit(3)
    out = drain(box)
    assert seqs(out) == [1, 2, 3]
    topics = [i.topic for i in out]
    assert topics.count("cibo/BCDF/state") == 1 and topics.count("cibo/BCDF/status") == 1
    state = next(i for i in out if i.topic == "cibo/BCDF/state")
    assert state.retain and json.loads(state.payload)["seq"] == 3
    assert drain(box) == []
    room.emit()
    assert seqs(drain(box)) == [4]
    box.connected()  # a reconnect: retained messages again, no old events
    again = drain(box)
    assert seqs(again) == [] and {i.topic for i in again} == {"cibo/BCDF/state", "cibo/BCDF/status"}


def test_unpublished_message_is_offered_again() -> None:
    box = Outbox(Topics("cibo"), _encode, queue_size=100)
    room = FakeRoom()
    box.open(room, from_start=True)
    room.emit(2)
    first = box.next()
    assert first is not None
    again = box.next()  # not committed (the publish failed): the same message
    assert again is not None and (again.topic, again.payload) == (first.topic, first.payload)


def test_unacknowledged_events_go_back_and_are_published_again() -> None:
    box = Outbox(Topics("cibo"), _encode, queue_size=100)
    room = FakeRoom()
    box.open(room, from_start=True)
    room.emit(5)
    handed: list[Publish] = []
    while (item := box.next()) is not None and len(handed) < 4:
        item.commit()  # handed to the broker...
        handed.append(item)
    assert seqs(handed) == [1, 2, 3]
    box.unsent(handed[2:])  # ...which acknowledged only the first ones before the link broke
    assert seqs(drain(box)) == [2, 3, 4, 5]


def test_overflow_drops_the_oldest_and_rereads_them_from_the_ring() -> None:
    box = Outbox(Topics("cibo"), _encode, queue_size=10)
    room = FakeRoom()
    box.open(room, from_start=True)
    room.emit(50)  # the broker is away: 40 dropped from the queue, but the ring has them
    assert box.dropped == 40 and len(box.events) == 10
    assert seqs(drain(box)) == list(range(1, 51))
    assert box.lost == 0


def test_events_gone_from_the_ring_too_are_counted_lost(caplog: pytest.LogCaptureFixture) -> None:
    box = Outbox(Topics("cibo"), _encode, queue_size=10)
    room = FakeRoom(ring=20)
    box.open(room, from_start=True)
    room.emit(50)
    got = seqs(drain(box))
    assert got == list(range(31, 51))
    assert box.lost == 30
    assert "events 1-30 never reached MQTT" in caplog.text


def test_a_quiet_room_whose_events_were_dropped_is_caught_up() -> None:
    box = Outbox(Topics("cibo"), _encode, queue_size=5)
    quiet, busy = FakeRoom("QQQQ"), FakeRoom("BBBB")
    box.open(quiet, from_start=True)
    box.open(busy, from_start=True)
    quiet.emit(3)
    busy.emit(20)  # pushes all of quiet's events out of the queue
    out = drain(box)
    assert seqs(out, "cibo/QQQQ/events") == [1, 2, 3]
    assert seqs(out, "cibo/BBBB/events") == list(range(1, 21))


def test_replay_publishes_old_events_again() -> None:
    box = Outbox(Topics("cibo"), _encode)
    room = FakeRoom()
    box.open(room, from_start=True)
    room.emit(10)
    drain(box)
    assert box.replay("BCDF", 6)
    assert seqs(drain(box)) == [7, 8, 9, 10]
    assert not box.replay("ZZZZ", 0)


def test_existing_room_starts_at_its_current_event() -> None:
    box = Outbox(Topics("cibo"), _encode)
    room = FakeRoom()
    room.emit(5)
    box.open(room, from_start=False)
    out = drain(box)
    assert seqs(out) == [] and json.loads(out[-1].payload)["seq"] == 5
    room.emit()
    assert seqs(drain(box)) == [6]


def test_closing_publishes_the_rest_then_closed_then_forgets() -> None:
    discovery = functools.partial(_configs, "cibo", "homeassistant")
    box = Outbox(Topics("cibo"), _encode, discovery=discovery)
    room = FakeRoom()
    box.open(room, from_start=True)
    room.emit()
    first = drain(box)
    assert (first[0].topic, first[0].payload) == ("cibo/BCDF/status", b"open")
    assert [p.payload for p in first if p.topic == "cibo/BCDF/status"] == [b"open"]
    room.emit(2)
    box.close("BCDF")
    out = drain(box)
    topics = [i.topic for i in out]
    assert seqs(out) == [2, 3]
    last_event = max(i for i, t in enumerate(topics) if t == "cibo/BCDF/events")
    closed = [i for i, p in enumerate(out) if p.payload == b"closed"]
    assert closed and closed[0] > last_event
    cleared = [p for p in out if p.topic.startswith("homeassistant/") and p.payload == b""]
    assert len(cleared) == len(_configs("cibo", "homeassistant", "BCDF", room.state))
    assert "BCDF" not in box.tracks and room.listeners == []


def test_results_go_first() -> None:
    box = Outbox(Topics("cibo"), _encode)
    room = FakeRoom()
    box.open(room, from_start=True)
    room.emit(3)
    box.result("cibo/BCDF/result/button", {"ok": True})
    assert drain(box)[0].topic == "cibo/BCDF/result/button"


def test_topics() -> None:
    t = Topics("home/cibo")
    assert t.parse_command("home/cibo/BCDF/cmd/button") == ("BCDF", "button")
    for bad in ("home/cibo/BCDF/cmd", "home/cibo/BCDF/state", "cibo/BCDF/cmd/x",
                "home/cibo//cmd/x", "home/cibo/BCDF/cmd/x/y"):
        assert t.parse_command(bad) is None


# -- Home Assistant ---------------------------------------------------------------------------


def _configs(prefix: str, ha: str, code: str, state: GameState) -> list[tuple[str, dict[str, Any]]]:
    return sensor_configs(prefix=prefix, ha_prefix=ha, code=code, state=state)


def test_one_sensor_per_public_track_plus_round_and_status() -> None:
    state = _state("electro-fishers")
    configs = dict(_configs("cibo", "homeassistant", "BCDF", state))
    public = [n for n, t in state.ruleset.tracks.items() if t.public]
    assert {"alert", "shield", "rations", "villagers"} <= set(public)
    assert len(configs) == len(public) + 2
    alert = configs["homeassistant/sensor/cibo_bcdf_alert/config"]
    assert alert["state_topic"] == "cibo/BCDF/state"
    assert alert["unique_id"] == "cibo_bcdf_alert"
    assert alert["value_template"] == '{{ value_json.state.tracks["alert"].value }}'
    assert "band" in alert["json_attributes_template"]
    assert [a["topic"] for a in alert["availability"]] == ["cibo/status", "cibo/BCDF/status"]
    assert configs["homeassistant/sensor/cibo_bcdf_round/config"]["value_template"] == (
        "{{ value_json.state.round }}"
    )
    for topic, config in configs.items():
        assert topic == f"homeassistant/sensor/{config['unique_id']}/config"
        json.dumps(config)
