"""Read-only JSON API for the browser clients: logged games for the replay mode, and rulesets.

Routes (answered by :meth:`ReplayApi.handle`; the HTTP layer adds the headers):

============================  =================================================================
``/api/games``                ``{"games": [listing, ...]}``, newest first
``/api/games/<replay_id>``    the replay document of one game (below)
``/api/rulesets``             ``{"rulesets": [ruleset, ...]}``: the rulesets the server offers
``/api/rulesets/<id>``        :func:`cibo.core.ruleset_summary` of a ruleset the server offers
============================  =================================================================

A ruleset there is ``{"id", "name", "text", "rounds", "difficulties", "texts"}``.

A listing is ``{"game_id", "created_at", "ruleset_id", "players", "outcome", "rounds",
"events"}``; ``outcome`` is ``won``, ``lost`` or ``aborted``.

Who sees what: a room code is all it takes to join a room, so nothing here names one.

* Only *finished* games (:data:`FINISHED`) are listed or served. A game in its lobby or in
  progress, and a corrupt journal, are answered exactly like an unknown id (404
  ``replay/no_such_game``); ``cibo games`` on the server's machine lists them all.
* ``game_id`` here is the game's *replay id* (:func:`replay_id`): the journal's game id without
  its room code (``20261122T031500-1f2e``). A finished game's room may stay open for a while,
  and its room info names the room of the next game, so its code must not be learned either.

The replay document
-------------------
::

    {"game_id": <replay id>, "created_at", "ruleset": <ruleset_summary>,
     "finished": bool, "outcome": str, "commitment": <seed sha256 hex>,
     "initial": <public view_state before the first event>,
     "steps": [{"seq", "ts", "event": <public event>, "state": <changed keys>}, ...]}

``initial`` is :func:`cibo.core.view_state` of the game's lobby for the ``"public"`` audience.
Each step carries the event as :func:`cibo.core.view_event` shows it to ``"public"`` and the
public state *after* it as a shallow difference: only the top-level keys of the view whose value
changed (``units``, ``tracks``, ``round``...). A client rebuilds the state after step ``i`` by
starting from ``initial`` and assigning each step's ``state`` keys in order up to ``i``
(``Object.assign``); no key is ever removed. ``ts`` is the wall-clock time (Unix seconds) at
which the command that caused the event was accepted.

Nothing private leaves: the journal header (which holds the seed) is never sent, events go
through the public projection (no deck order, no peeked cards), and the state through the public
view, which shows the seed only once the game is over (as ``GameEnded`` does). An unfinished
game can be replayed up to its last durable event; its seed stays hidden.

Reading a journal folds every event, so the documents are cached per file (by size and
modification time): a finished game is read once.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any, Final, TypeVar

from attrs import frozen

from cibo.core import ruleset_summary, view_event, view_state
from cibo.journal import (
    GAME_ID,
    CommandRecord,
    GameStore,
    JournalError,
    read_journal,
    replay_id,
)
from cibo.journal.listing import GameListing, list_games
from cibo.journal.replay import Fold, load_ruleset, start_state
from cibo.rulesets import RulesetError, available_rulesets
from cibo.rulesets import load_ruleset as load_ruleset_file

__all__ = ["FINISHED", "REPLAY_ID", "ApiAnswer", "ReplayApi", "replay_document", "replay_id"]

ROUTES: Final = ("/api/games", "/api/rulesets")
"""The path prefixes :meth:`ReplayApi.handle` answers."""
FINISHED: Final = frozenset({"won", "lost", "aborted"})
"""The outcomes of games the API shows (see "Who sees what")."""
REPLAY_ID: Final = re.compile(r"([0-9]{8}T[0-9]{6})-([0-9a-f]{4})")
"""A game id without its room code: creation time (UTC, to the second) and 16 random bits."""
RULESET_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
JSON_TYPE: Final = "application/json"
AUDIENCE: Final = "public"

_LISTED: Final = frozenset({"ruleset.name", "ruleset.text"})
"""The texts a ruleset list gives in each language (with its difficulties' labels)."""

K = TypeVar("K")
V = TypeVar("V")


@frozen
class ApiAnswer:
    """An answer to wrap in an HTTP response."""

    status: HTTPStatus
    body: bytes
    content_type: str = JSON_TYPE


def _json(status: HTTPStatus, data: Any) -> ApiAnswer:
    return ApiAnswer(status, json.dumps(data, separators=(",", ":")).encode())


def _problem(status: HTTPStatus, code: str, message: str) -> ApiAnswer:
    return _json(status, {"error": {"code": code, "message": message}})


class _Lru(OrderedDict[K, V]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: K, value: V) -> V:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value

    def find(self, key: K) -> V | None:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value


def _stamp(path: Path) -> tuple[str, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_size, st.st_mtime_ns)


def _listing(game: GameListing) -> dict[str, Any]:
    return {
        "game_id": replay_id(game.game_id),
        "created_at": game.created_at,
        "ruleset_id": game.ruleset_id,
        "players": list(game.players),
        "outcome": game.outcome,
        "rounds": game.rounds,
        "events": game.events,
    }


def replay_document(path: Path) -> dict[str, Any]:
    """The replay document of the journal at ``path`` (see the module docstring).

    Raises:
        JournalError: the file cannot be read, is corrupt, or its ruleset does not load.
    """
    contents = read_journal(path)
    header = contents.header
    ruleset = load_ruleset(header)
    state = start_state(header, ruleset)
    fold = Fold(state)
    previous = view_state(state, AUDIENCE)
    initial = previous
    steps: list[dict[str, Any]] = []
    for record in contents.records:
        if not isinstance(record, CommandRecord):
            continue
        for seq, event, state in fold.record(record):
            view = view_state(state, AUDIENCE)
            changed = {k: v for k, v in view.items() if previous.get(k) != v}
            previous = view
            steps.append(
                {
                    "seq": seq,
                    "ts": record.ts,
                    "event": view_event(event, AUDIENCE, ruleset),
                    "state": changed,
                }
            )
    return {
        "game_id": replay_id(header.game_id),
        "created_at": header.created_at,
        "ruleset": ruleset_summary(ruleset),
        "finished": contents.finished,
        "outcome": state.status,
        "commitment": header.seed_commitment,
        "initial": initial,
        "steps": steps,
    }


class ReplayApi:
    """Answers the ``/api/games`` and ``/api/rulesets`` routes (see the module docstring).

    Args:
        store: the journal store whose games are listed (only read).
        rulesets: the rulesets offered, by id (default: :func:`cibo.rulesets.available_rulesets`).
        cache_size: replay documents and ruleset summaries kept in memory.
    """

    def __init__(
        self,
        store: GameStore,
        *,
        rulesets: Callable[[], dict[str, Path]] = available_rulesets,
        cache_size: int = 8,
    ) -> None:
        self.store = store
        self.rulesets = rulesets
        self._documents: _Lru[tuple[str, int, int], bytes] = _Lru(cache_size)
        self._listings: _Lru[tuple[str, int, int], GameListing] = _Lru(256)
        self._summaries: _Lru[tuple[str, int, int], dict[str, Any]] = _Lru(cache_size)

    def __call__(self, path: str) -> ApiAnswer | None:
        return self.handle(path)

    def handle(self, path: str) -> ApiAnswer | None:
        """The answer for a request path (no query), or None if it is not one of these routes."""
        parts = path.split("/")
        if len(parts) < 3 or parts[:2] != ["", "api"] or parts[2] not in ("games", "rulesets"):
            return None
        if len(parts) == 3:
            return self.games() if parts[2] == "games" else self.ruleset_list()
        if len(parts) != 4:
            return None
        if parts[2] == "games":
            return self.game(parts[3])
        return self.ruleset(parts[3])

    # -- games -----------------------------------------------------------------------------------

    def _listing(self, path: Path) -> GameListing:
        stamp = _stamp(path)
        found = self._listings.find(stamp) if stamp else None
        if found is None:
            found = list_games([path])[0]
            if stamp is not None:
                self._listings.put(stamp, found)
        return found

    @staticmethod
    def shown(game: GameListing) -> bool:
        """May any client on the LAN see this game? Only once it is finished."""
        return game.outcome in FINISHED and GAME_ID.fullmatch(game.game_id) is not None

    def _find(self, replay: str) -> Path | None:
        """The journal of the finished game with this replay id, if exactly one has it."""
        match = REPLAY_ID.fullmatch(replay)
        if match is None:
            return None
        stamp, tail = match.groups()
        found = [
            path
            for path in self.store.game_files()
            if path.name.startswith(stamp + "-")
            and path.stem.endswith("-" + tail)
            and replay_id(self._listing(path).game_id) == replay
            and self.shown(self._listing(path))
        ]
        return found[0] if len(found) == 1 else None

    def games(self) -> ApiAnswer:
        listed = [g for g in map(self._listing, self.store.game_files()) if self.shown(g)]
        listed.sort(key=lambda g: (g.created_at or 0.0, g.game_id), reverse=True)
        return _json(HTTPStatus.OK, {"games": [_listing(g) for g in listed]})

    def game(self, replay: str) -> ApiAnswer:
        missing = _problem(HTTPStatus.NOT_FOUND, "replay/no_such_game", "There is no such game.")
        path = self._find(replay)
        stamp = _stamp(path) if path is not None else None
        if path is None or stamp is None:
            return missing
        body = self._documents.find(stamp)
        if body is None:
            try:
                document = replay_document(path)
            except JournalError as exc:
                return _problem(HTTPStatus.UNPROCESSABLE_ENTITY, exc.code, exc.message)
            body = json.dumps(document, separators=(",", ":")).encode()
            self._documents.put(stamp, body)
        return ApiAnswer(HTTPStatus.OK, body)

    # -- rulesets --------------------------------------------------------------------------------

    def _summary(self, path: Path) -> dict[str, Any] | None:
        stamp = _stamp(path)
        if stamp is None:
            return None
        found = self._summaries.find(stamp)
        if found is None:
            try:
                loaded = load_ruleset_file(path)
            except (OSError, RulesetError):
                return None
            found = self._summaries.put(stamp, ruleset_summary(loaded.ruleset))
        return found

    def ruleset_list(self) -> ApiAnswer:
        out = []
        for name, path in self.rulesets().items():
            summary = self._summary(path)
            if summary is not None:
                out.append(
                    {
                        "id": name,
                        "name": summary["name"],
                        "text": summary["text"],
                        # A game lost on time lists one round past the last (the engine's
                        # `round > rounds`): the list shows it as all of them, as the end does.
                        "rounds": summary["rounds"],
                        "difficulties": summary["difficulties"],
                        "texts": {
                            lang: {
                                p: t for p, t in texts.items()
                                if p in _LISTED or p.startswith("difficulty.")
                            }
                            for lang, texts in summary["texts"].items()
                        },
                    }
                )
        return _json(HTTPStatus.OK, {"rulesets": out})

    def ruleset(self, name: str) -> ApiAnswer:
        path = self.rulesets().get(name) if RULESET_ID.fullmatch(name) else None
        summary = self._summary(path) if path is not None else None
        if summary is None:
            return _problem(
                HTTPStatus.NOT_FOUND, "room/bad_ruleset", "That ruleset is not available."
            )
        return _json(HTTPStatus.OK, summary)
