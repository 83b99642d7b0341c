"""One line per logged game, read from the journaled event dicts (no ruleset needed)."""

from __future__ import annotations

from pathlib import Path

from attrs import frozen

from cibo.journal.errors import JournalError
from cibo.journal.format import EndRecord
from cibo.journal.reader import JournalContents, read_journal

__all__ = ["GameListing", "list_games", "listing_of"]


@frozen
class GameListing:
    path: str
    game_id: str
    created_at: float | None
    ruleset_id: str
    players: tuple[str, ...]
    outcome: str
    """``won``/``lost``/``aborted``, ``in progress``, ``lobby`` or ``corrupt``."""
    rounds: int
    events: int
    problem: str = ""
    """Why the game is corrupt, or a torn tail still to be cut."""


def listing_of(contents: JournalContents) -> GameListing:
    seats: dict[str, str] = {}
    rounds = 0
    outcome = "lobby"
    events = 0
    for logged in contents.events():
        events += 1
        e = logged.event
        kind = e.get("type")
        if kind == "seat_joined":
            seats[str(e.get("seat"))] = str(e.get("name"))
        elif kind == "seat_left":
            seats.pop(str(e.get("seat")), None)
        elif kind == "game_started":
            outcome = "in progress"
        elif kind == "round_started" and isinstance(e.get("round"), int):
            rounds = max(rounds, e["round"])
        elif kind == "game_ended":
            outcome = str(e.get("status"))
    if contents.records and isinstance(contents.records[-1], EndRecord):
        outcome = contents.records[-1].outcome
    problem = ""
    if contents.torn is not None:
        problem = f"torn tail of {contents.torn.length} bytes (cut when the server resumes it)"
    h = contents.header
    return GameListing(
        path=contents.path or "",
        game_id=h.game_id,
        created_at=h.created_at,
        ruleset_id=h.ruleset_id,
        players=tuple(seats.values()),
        outcome=outcome,
        rounds=rounds,
        events=events,
        problem=problem,
    )


def list_games(files: list[Path]) -> list[GameListing]:
    """A listing for each file; unreadable ones are listed as ``corrupt`` with the reason."""
    out = []
    for path in files:
        try:
            out.append(listing_of(read_journal(path)))
        except JournalError as exc:
            out.append(
                GameListing(
                    path=str(path),
                    game_id=path.stem,
                    created_at=None,
                    ruleset_id="?",
                    players=(),
                    outcome="corrupt",
                    rounds=0,
                    events=0,
                    problem=exc.message,
                )
            )
    return out
