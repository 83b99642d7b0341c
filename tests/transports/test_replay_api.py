"""``/api/games`` and ``/api/rulesets``: logged games for the table's replay mode, public only."""

from __future__ import annotations

import json
import os
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from cibo.core import (
    ENGINE_VERSION,
    apply,
    command_to_dict,
    decide,
    event_to_dict,
    legal_actions,
    new_game,
    view_state,
)
from cibo.core.commands import Act, Command, EndTurn, JoinSeat, PickHero, StartGame
from cibo.core.rng import commitment
from cibo.journal import (
    CommandRecord,
    EndRecord,
    GameStore,
    JournalError,
    JournalHeader,
    LoggedEvent,
)
from cibo.journal.format import encode_frame, record_to_payload
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.transports.http import CSP, StaticSite
from cibo.transports.replay_api import ReplayApi, replay_document

SEED = bytes(range(1, 33))


class Game:
    """A journal written frame by frame from real engine events (no server, no asyncio)."""

    def __init__(self, store: GameStore, ruleset: str, game_id: str, created_at: float) -> None:
        loaded = load_ruleset(find_ruleset(ruleset))
        self.path = store.path_of(game_id)
        self.state = new_game(loaded.ruleset, ruleset_sha256=loaded.sha256, seed=SEED,
                              difficulty="easy")
        header = JournalHeader(
            game_id=game_id, room_code=game_id.split("-")[1], created_at=created_at,
            ruleset_id=loaded.ruleset.ruleset.id, ruleset_sha256=loaded.sha256,
            ruleset_text=loaded.text, difficulty="easy", seed_commitment=commitment(SEED),
            seed=SEED.hex(), engine_version=ENGINE_VERSION,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(encode_frame(header.to_payload()))
        self.seq = 0
        self.n = 0

    def append(self, payload: dict[str, Any]) -> None:
        with self.path.open("ab") as f:
            f.write(encode_frame(payload))

    def run(self, seat: str, command: Command) -> None:
        events = decide(self.state, command)
        logged = []
        for event in events:
            self.state = apply(self.state, event)
            self.seq += 1
            logged.append(LoggedEvent(self.seq, event_to_dict(event)))
        self.n += 1
        record = CommandRecord(ts=1_795_000_000.0 + self.n, seat=seat, cmd_id=f"c{self.n}",
                               command=command_to_dict(command), events=tuple(logged))
        self.append(record_to_payload(record))
        if self.state.over:
            self.append(record_to_payload(EndRecord(ts=1_795_000_999.0, outcome=self.state.status)))

    def seat(self, heroes: list[str]) -> None:
        self.run("s1", JoinSeat(seat="s1", name="Ann <b>"))
        for hero in heroes:
            self.run("s1", PickHero(seat="s1", hero=hero))
        self.run("s1", StartGame(seat="s1"))

    def end_turns(self, rounds: int) -> None:
        for _ in range(rounds):
            for action in legal_actions(self.state, "s1"):
                if action["type"] == "end_turn" and not self.state.over:
                    self.run("s1", EndTurn(seat="s1", hero=action["hero"]))

    def play_out(self) -> None:
        while not self.state.over:
            self.end_turns(1)

    def act(self, action: str, prefer: list[str]) -> bool:
        """Do ``action`` if legal, else walk towards the first zone of ``prefer`` possible."""
        legal = legal_actions(self.state, "s1")
        wanted = [a for a in legal if a.get("action") == action]
        if wanted:
            self.run("s1", Act(seat="s1", hero=wanted[0]["hero"], action=action))
            return True
        moves = {a["target"]: a for a in legal if a.get("action") == "move"}
        for zone in prefer:
            if zone in moves:
                self.run("s1", Act(seat="s1", hero=moves[zone]["hero"], action="move",
                                   target=zone))
                return False
        end = next(a for a in legal if a["type"] == "end_turn")
        self.run("s1", EndTurn(seat="s1", hero=end["hero"]))
        return False


@pytest.fixture
def store(tmp_path: Path) -> GameStore:
    return GameStore(tmp_path / "data")


def get(api: ReplayApi, path: str) -> tuple[HTTPStatus, Any]:
    answer = api.handle(path)
    assert answer is not None, path
    assert answer.content_type == "application/json"
    return answer.status, json.loads(answer.body)


def test_games_are_listed_newest_first(store: GameStore) -> None:
    old = Game(store, "electro-fishers", "20261122T010000-BCDF-0001", 1_795_000_000.0)
    old.seat(["zuru", "tae"])
    old.play_out()
    new = Game(store, "electro-fishers", "20261122T020000-GHJK-0002", 1_795_003_600.0)
    new.seat(["zuru", "tae"])
    new.play_out()
    live = Game(store, "electro-fishers", "20261122T030000-MNPQ-0003", 1_795_007_200.0)
    live.seat(["zuru", "tae"])  # in progress: never listed (its id holds the room code)
    Game(store, "electro-fishers", "20261122T040000-RSTV-0004", 1_795_010_800.0)  # in its lobby
    status, body = get(ReplayApi(store), "/api/games")
    assert status == HTTPStatus.OK
    games = body["games"]
    assert [g["game_id"] for g in games] == [
        "20261122T020000-0002",
        "20261122T010000-0001",
    ]
    assert games[0]["outcome"] == new.state.status
    assert games[1]["outcome"] == old.state.status
    assert games[1]["players"] == ["Ann <b>"]
    assert games[1]["ruleset_id"] == "electro-fishers"
    assert set(games[0]) == {"game_id", "created_at", "ruleset_id", "players", "outcome",
                             "rounds", "events"}


def test_the_document_rebuilds_every_public_state(store: GameStore) -> None:
    game = Game(store, "electro-fishers", "20261122T010000-BCDF-0001", 1_795_000_000.0)
    game.seat(["zuru", "killy"])
    game.play_out()
    status, doc = get(ReplayApi(store), "/api/games/20261122T010000-0001")
    assert status == HTTPStatus.OK
    assert doc["finished"] is True
    assert doc["outcome"] == game.state.status
    assert doc["ruleset"]["id"] == "electro-fishers"
    assert doc["ruleset"]["zones"]["village"]["pos"] == [18.0, 58.0]
    assert doc["commitment"] == commitment(SEED)
    steps = doc["steps"]
    assert [s["seq"] for s in steps] == list(range(1, game.seq + 1))
    # Folding the differences gives the public view after the last event, exactly.
    state = dict(doc["initial"])
    for step in steps:
        state.update(step["state"])
    assert state == json.loads(json.dumps(view_state(game.state, "public")))
    assert state["seed"] == SEED.hex()  # revealed: the game is over
    kinds = [s["event"]["type"] for s in steps]
    assert kinds[0] == "seat_joined" and kinds[-1] == "game_ended"


def test_an_unfinished_game_keeps_its_seed_and_private_events(store: GameStore) -> None:
    game = Game(store, "factory-raid", "20261122T010000-BCDF-0003", 1_795_000_000.0)
    game.seat(["cibo", "killy"])
    for _ in range(60):  # walk to the console and read the deck: a private peek
        if game.act("hack", ["control", "floor_b", "conveyor"]):
            break
    assert game.state.peeks.get("s1"), "the test game never peeked"
    # Never served over HTTP while unfinished (see test_live_games_are_never_shown); the
    # document itself still hides everything private.
    status, _ = get(ReplayApi(store), "/api/games/20261122T010000-0003")
    assert status == HTTPStatus.NOT_FOUND
    doc = replay_document(game.path)
    assert doc["finished"] is False
    text = json.dumps(doc)
    assert SEED.hex() not in text
    assert '"seed": null' in json.dumps(doc["initial"])
    assert '"order"' not in text
    drawn = {s["event"].get("card") for s in doc["steps"] if s["event"]["type"] == "card_drawn"}
    secret = [card for card in game.state.peeks["s1"] if card not in drawn]
    assert secret, "every peeked card was drawn already"
    for card in secret:  # still in the deck: only the seat that peeked may know them
        assert f'"{card}"' not in text, card
    peeks = [s["event"] for s in doc["steps"] if s["event"]["type"] == "cards_peeked"]
    assert peeks == [{"type": "cards_peeked", "seat": "s1", "deck": "production", "n": 3}]
    built = [s["event"] for s in doc["steps"] if s["event"]["type"] == "deck_built"]
    assert built and set(built[0]) == {"type", "deck", "size"}
    assert all("peek" not in s["state"] and "actions" not in s["state"] for s in doc["steps"])


def test_a_document_is_cached_until_the_file_changes(store: GameStore) -> None:
    game = Game(store, "electro-fishers", "20261122T010000-BCDF-0001", 1_795_000_000.0)
    game.seat(["zuru", "tae"])
    game.play_out()
    api = ReplayApi(store)
    first = api.handle("/api/games/20261122T010000-0001")
    again = api.handle("/api/games/20261122T010000-0001")
    assert first is not None and again is not None
    assert again.body is first.body
    stat = game.path.stat()
    os.utime(game.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    later = api.handle("/api/games/20261122T010000-0001")
    assert later is not None
    assert later.body is not first.body and later.body == first.body
    assert len(json.loads(later.body)["steps"]) == game.seq


@pytest.mark.parametrize(
    "path",
    [
        "/api/games/20261122T010000-0009",  # well formed, no such file
        "/api/games/20261122T010000-BCDF-0001",  # the journal's own id: it holds the code
        "/api/games/..%2F..%2Fetc%2Fpasswd",
        "/api/games/../../secret",
        "/api/games/20261122T010000-BCDF-0001.cibo",
        "/api/games/",
    ],
)
def test_unknown_or_malformed_game_ids_are_404(store: GameStore, path: str) -> None:
    Game(store, "electro-fishers", "20261122T010000-BCDF-0001", 1_795_000_000.0)
    answer = ReplayApi(store).handle(path)
    if answer is not None:  # None: not one of these routes at all (the site answers 404)
        assert answer.status == HTTPStatus.NOT_FOUND
        assert json.loads(answer.body)["error"]["code"] == "replay/no_such_game"


def test_a_corrupt_journal_is_refused_with_a_reason(store: GameStore) -> None:
    game = Game(store, "electro-fishers", "20261122T010000-BCDF-0001", 1_795_000_000.0)
    game.seat(["zuru", "tae"])
    game.play_out()
    api = ReplayApi(store)
    assert get(api, "/api/games")[1]["games"]
    raw = bytearray(game.path.read_bytes())
    raw[len(raw) // 3] ^= 0xFF  # damage in the middle, valid frames after it
    game.path.write_bytes(bytes(raw))
    # A corrupt journal cannot be shown finished: it is neither listed nor served (``cibo
    # games`` on the server's machine shows it, with the reason).
    status, body = get(api, "/api/games/20261122T010000-0001")
    assert status == HTTPStatus.NOT_FOUND
    assert body["error"]["code"] == "replay/no_such_game"
    assert get(api, "/api/games")[1] == {"games": []}
    with pytest.raises(JournalError) as info:
        replay_document(game.path)
    assert info.value.code == "journal/corrupt"


def test_rulesets_are_listed_and_summarised(store: GameStore) -> None:
    api = ReplayApi(store)
    status, body = get(api, "/api/rulesets")
    assert status == HTTPStatus.OK
    by_id = {r["id"]: r for r in body["rulesets"]}
    assert {"electro-fishers", "factory-raid"} <= set(by_id)
    assert by_id["electro-fishers"]["difficulties"] == {
        "easy": "Drifter", "normal": "Electro-Fisher", "hard": "Purge"}
    assert by_id["electro-fishers"]["rounds"] == 12  # the list of games shows no round past it
    status, summary = get(api, "/api/rulesets/factory-raid")
    assert status == HTTPStatus.OK
    assert summary["id"] == "factory-raid"
    assert summary["decks"] == ["production"]
    assert "cards" not in json.dumps(summary["decks"])
    for bad in ("/api/rulesets/nope", "/api/rulesets/..", "/api/rulesets/%2Fetc%2Fpasswd"):
        status, body = get(api, bad)
        assert status == HTTPStatus.NOT_FOUND, bad


def test_other_paths_are_left_to_the_site(store: GameStore) -> None:
    api = ReplayApi(store)
    for path in ("/api/health", "/api/rooms/BCDF/qr.svg", "/api/games/a/b", "/apix", "/"):
        assert api.handle(path) is None


def test_the_site_serves_the_api_with_its_headers(store: GameStore, tmp_path: Path) -> None:
    game = Game(store, "electro-fishers", "20261122T010000-BCDF-0001", 1_795_000_000.0)
    game.seat(["zuru", "tae"])
    game.play_out()
    site = StaticSite(tmp_path / "clients", qr=lambda code: None, api=ReplayApi(store))
    response = site.respond("GET", "/api/games")
    assert response.status_code == HTTPStatus.OK
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Security-Policy"] == CSP
    assert json.loads(response.body)["games"][0]["game_id"] == "20261122T010000-0001"
    head = site.respond("HEAD", "/api/games/20261122T010000-0001")
    assert head.status_code == HTTPStatus.OK and head.body == b""
    assert site.respond("GET", "/api/games/nope").status_code == HTTPStatus.NOT_FOUND
    assert site.respond("POST", "/api/games").status_code == HTTPStatus.METHOD_NOT_ALLOWED


async def test_reading_a_journal_never_stalls_the_games(store: GameStore) -> None:
    """The API runs beside the event loop: while a replay document is being built (held here
    until the room has been played in), players join and play, and the document then arrives."""
    import asyncio
    import threading
    import urllib.request

    from live_server import live_server

    from cibo.client import Client

    game = Game(store, "electro-fishers", "20261122T010000-BCDF-0001", 1_795_000_000.0)
    game.seat(["killy", "cibo"])
    game.play_out()
    real = ReplayApi(store)
    entered, release = threading.Event(), threading.Event()

    def held(path: str) -> Any:
        if path.startswith("/api/games/"):
            entered.set()
            release.wait(30)
        return real(path)

    def fetch(url: str) -> tuple[int, bytes]:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()

    async with live_server(api=held) as live:
        url = f"{live.http}/api/games/20261122T010000-0001"
        pending = asyncio.ensure_future(asyncio.to_thread(fetch, url))
        try:
            assert await asyncio.to_thread(entered.wait, 30)
            player = Client(live.url, code=live.code, name="Ann")
            await player.connect()
            picked = await player.command({"type": "pick_hero", "hero": "killy"})
            assert picked["ok"], picked
            health = await asyncio.to_thread(fetch, f"{live.http}/api/health")
            assert health[0] == 200
            assert not pending.done()
        finally:
            release.set()
        status, body = await pending
        assert status == 200
        assert json.loads(body)["game_id"] == "20261122T010000-0001"
        await player.close()


def test_live_games_are_never_shown_and_no_room_code_is(store: GameStore) -> None:
    """A room code is all it takes to join: a game in its lobby or in progress is answered
    exactly like an unknown id, and a finished one is named without its room's code."""
    lobby = Game(store, "electro-fishers", "20261122T010000-BCDF-0001", 1_795_000_000.0)
    playing = Game(store, "electro-fishers", "20261122T020000-GHJK-0002", 1_795_003_600.0)
    playing.seat(["zuru", "tae"])
    over = Game(store, "electro-fishers", "20261122T030000-MNPQ-0003", 1_795_007_200.0)
    over.seat(["zuru", "tae"])
    over.play_out()
    api = ReplayApi(store)
    unknown = get(api, "/api/games/20261122T050000-0009")
    assert unknown[0] == HTTPStatus.NOT_FOUND
    for game, replay in ((lobby, "20261122T010000-0001"), (playing, "20261122T020000-0002")):
        assert get(api, f"/api/games/{replay}") == unknown
        assert get(api, f"/api/games/{game.path.stem}") == unknown
    status, listing = get(api, "/api/games")
    assert [g["game_id"] for g in listing["games"]] == ["20261122T030000-0003"]
    status, doc = get(api, "/api/games/20261122T030000-0003")
    assert status == HTTPStatus.OK and doc["finished"] is True
    assert "room_code" not in doc and doc["game_id"] == "20261122T030000-0003"
    for text in (json.dumps(listing), json.dumps(doc)):
        for code in ("BCDF", "GHJK", "MNPQ"):
            assert code not in text
    assert get(api, f"/api/games/{over.path.stem}") == unknown  # the journal's own id
