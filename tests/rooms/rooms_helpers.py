"""A sans-I/O harness for RoomSession: feed it inputs, collect what each client received."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from cibo.core import new_game
from cibo.core.policies import choose
from cibo.core.rng import Rng
from cibo.journal.format import Record
from cibo.protocol.client_state import merge_update
from cibo.rooms import ClientId, Close, JoinOutcome, RoomSession, Send, Step
from cibo.rooms.tokens import token_hash
from cibo.rulesets import LoadedRuleset, find_ruleset, load_ruleset

HOST_TOKEN = "host-token-for-tests-0001"
SEED = bytes(range(32))


@functools.cache
def loaded(name: str) -> LoadedRuleset:
    return load_ruleset(find_ruleset(name))


class Harness:
    """One session plus the mailboxes of its clients (messages in delivery order)."""

    def __init__(self, ruleset: str = "electro-fishers", **options: Any) -> None:
        lr = loaded(ruleset)
        self.ruleset = lr
        state = new_game(lr.ruleset, ruleset_sha256=lr.sha256, seed=SEED)
        self.session = RoomSession(
            code="BCDF",
            state=state,
            host_token_hash=token_hash(HOST_TOKEN),
            ruleset_name=lr.ruleset.ruleset.name,
            clock=lambda: 1_700_000_000.0,
            **options,
        )
        self.inbox: dict[ClientId, list[dict[str, Any]]] = defaultdict(list)
        self.closed: dict[ClientId, str] = {}
        self.records: list[Record] = []
        self.tokens: dict[ClientId, str] = {}
        self.seats: dict[ClientId, str] = {}
        self._ids = 0

    def run(self, step: Step) -> Step:
        """Deliver a step, then the session's flush (as the room task does after a batch)."""
        self._deliver(step)
        self._deliver(self.session.flush())
        return step

    def _deliver(self, step: Step) -> None:
        self.records.extend(step.records)
        for action in step.actions:
            if isinstance(action, Send):
                for client in action.clients:
                    assert client not in self.closed, "sent to a closed client"
                    self.inbox[client].append(action.message)
            else:
                assert isinstance(action, Close)
                self.closed[action.client] = action.reason

    def hello(self, client: ClientId, **kw: Any) -> JoinOutcome:
        kw.setdefault("role", "player")
        step = self.run(self.session.hello(client, **kw))
        assert step.joined is not None
        if step.joined.ok:
            welcome = self.last(client, "welcome")
            if welcome.get("token"):
                self.tokens[client] = welcome["token"]
            if welcome.get("seat"):
                self.seats[client] = welcome["seat"]
        return step.joined

    def join(self, name: str, **kw: Any) -> ClientId:
        self._ids += 1
        client = 100 + self._ids
        outcome = self.hello(client, name=name, **kw)
        assert outcome.ok, outcome
        return client

    def cmd(self, client: ClientId, command: dict[str, Any], cmd_id: str | None = None,
            seen_seq: int | None = None) -> dict[str, Any]:
        self._ids += 1
        cid = cmd_id or f"c{self._ids}"
        self.run(self.session.command(client, cid, command, seen_seq))
        return self.result(client, cid)

    def control(self, client: ClientId, action: str, seat: str | None = None) -> dict[str, Any]:
        self._ids += 1
        cid = f"k{self._ids}"
        self.run(self.session.control(client, cid, action, seat))
        return self.result(client, cid)

    def result(self, client: ClientId, cmd_id: str) -> dict[str, Any]:
        found = [m for m in self.inbox[client] if m["type"] == "result" and m["cmd_id"] == cmd_id]
        assert found, f"no result for {cmd_id}"
        return found[-1]

    def last(self, client: ClientId, kind: str) -> dict[str, Any]:
        found = [m for m in self.inbox[client] if m["type"] == kind]
        assert found, f"{client} received no {kind}"
        return found[-1]

    def held_state(self, client: ClientId) -> dict[str, Any]:
        """The view ``client`` holds: its last welcome's state, then each update's ``state``
        or ``changes`` and ``patch`` applied in order (what the browser and Python clients
        do)."""
        state: dict[str, Any] = {}
        for m in self.inbox[client]:
            if m["type"] == "welcome":
                state = dict(m["state"])
            elif m["type"] == "update":
                state = merge_update(state, m)
        return state

    def of(self, client: ClientId, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.inbox[client] if m["type"] == kind]

    def events(self, client: ClientId) -> list[dict[str, Any]]:
        """Every event the client received, in order (welcome and updates)."""
        out: list[dict[str, Any]] = []
        for m in self.inbox[client]:
            if m["type"] in ("welcome", "update"):
                out.extend(m["events"])
        return out

    def lobby(self, names: list[str], heroes: list[str]) -> list[ClientId]:
        """Seat players (the first with the host token), pick one hero each, start."""
        clients = [self.join(n, host_token=HOST_TOKEN if i == 0 else None)
                   for i, n in enumerate(names)]
        for client, hero in zip(clients, heroes, strict=True):
            assert self.cmd(client, {"type": "pick_hero", "hero": hero})["ok"]
        result = self.cmd(clients[0], {"type": "start_game"})
        assert result["ok"], result
        return clients

    def play(self, clients: list[ClientId], *, max_commands: int = 5000) -> int:
        """Play with the greedy policy on the true state until the game ends."""
        rng = Rng(b"test-bots")
        sent = 0
        while self.session.state.status == "playing" and sent < max_commands:
            acted = False
            for client in clients:
                seat = self.seats[client]
                command = choose(self.session.state, seat, "greedy", rng)
                if command is None:
                    continue
                result = self.cmd(client, command)
                assert result["ok"], result
                sent += 1
                acted = True
            assert acted, "nobody can act while the game is playing"
        return sent
