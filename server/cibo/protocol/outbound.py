"""Every message the server sends, built in one place.

Rooms decide who receives what (:mod:`cibo.rooms.session`); these functions fix the shape of each
map, and both codecs carry the same maps. ``docs/protocol.md`` shows each one with an example.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

__all__ = [
    "PATCHED",
    "Resumed",
    "Shared",
    "bye",
    "changed",
    "cue",
    "error",
    "pong",
    "result_error",
    "result_move",
    "result_next",
    "result_ok",
    "room",
    "room_created",
    "texts",
    "update",
    "welcome",
]

Resumed = Literal["new", "events", "snapshot"]


def welcome(
    *,
    role: str,
    seat: str | None,
    token: str | None,
    host: bool,
    room: Mapping[str, Any],
    seq: int,
    resumed: Resumed,
    events: Sequence[Mapping[str, Any]],
    state: Mapping[str, Any],
    ruleset: Mapping[str, Any],
) -> dict[str, Any]:
    """The answer to ``hello``: who you are, the room, its rules, what you missed, your view.

    ``ruleset`` is :func:`cibo.core.ruleset_summary` of the room's ruleset (the board, tracks,
    heroes and units a client draws; never a deck's cards), so that a room running a ruleset
    file from anywhere renders without another request.
    """
    out: dict[str, Any] = {
        "type": "welcome",
        "role": role,
        "seat": seat,
        "host": host,
        "room": room,
        "ruleset": ruleset,
        "seq": seq,
        "resumed": resumed,
        "events": events,
        "state": state,
    }
    if token is not None:
        out["token"] = token
    return out


Shared = tuple[dict[str, Any], dict[str, dict[str, Any]], Iterable[str]]
"""For :func:`update`: the ``changes`` and ``patch`` of what every audience of a fan-out shares
(worked out once by :func:`changed`), and the keys of the view at hand that are its own."""


def update(
    seq: int,
    events: Sequence[Mapping[str, Any]],
    state: Mapping[str, Any],
    *,
    previous: Mapping[str, Any] | None = None,
    reset: bool = False,
    shared: Shared | None = None,
) -> dict[str, Any]:
    """New events (each ``{"seq", "event"}``) and this audience's view after them.

    With ``previous`` (the view the receivers hold, i.e. the last one sent to them) the update
    carries what changed instead of ``state`` (see :func:`changed`): ``changes``, top-level keys
    whose values the client assigns over its copy, and ``patch``, for a collection of entries
    (:data:`PATCHED`) the fields that changed of the entries that changed, which the client
    assigns over copies of those entries. ``state`` is sent whole when there is no
    ``previous`` or its keys differ (a client never has to delete a key).

    ``shared``: when ``previous`` holds, for every key but the view's own, the very values the
    fan-out's other audiences held, what changed in them was worked out once; only the own
    keys are compared here (the audiences' views share their other values, and so do their
    updates).

    ``reset`` is set when events were skipped (the client was too far behind): the state is
    complete, the narration is not.
    """
    out: dict[str, Any] = {"type": "update", "seq": seq, "events": events}
    if previous is not None and not reset and previous.keys() == state.keys():
        if shared is None:
            changes, patch = changed(previous, state)
        else:
            base, patch, own = shared
            changes = dict(base)
            for key in own:
                value = state[key]
                if previous[key] != value:
                    changes[key] = value
        out["changes"] = changes
        if patch:
            out["patch"] = patch
    else:
        out["state"] = state
    if reset:
        out["reset"] = True
    return out


def changed(
    previous: Mapping[str, Any], state: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """What changed from ``previous`` to ``state`` (the same keys): ``changes``, the top-level
    values that differ, and ``patch``, for a key of :data:`PATCHED` whose map kept its keys or
    whose list kept its length and its entries' ids, and whose entries kept their fields, the
    fields that differ of the entries that differ (by the entry's key, or its position as a
    string). A move changes the noise of one zone of six and two fields of two heroes of four:
    the patch is a tenth of their bytes."""
    changes = {k: v for k, v in state.items() if previous[k] != v}
    patch: dict[str, dict[str, Any]] = {}
    for key in PATCHED.intersection(changes):
        found = _entries(previous[key], changes[key])
        if found is not None:
            patch[key] = found
            del changes[key]
    return changes, patch


PATCHED: Final = frozenset(
    {"heroes", "units", "seats", "zones", "tracks", "sheets", "markers", "decks", "teach"}
)
"""The keys of a view that :func:`update` may patch: what every audience shares and holds
many entries (a hero, a zone, a track...), of which a move changes few. The rest (a seat's
actions, its undo...) is small or changes whole, and is sent whole."""


def _entries(old: Any, new: Any) -> dict[str, Any] | None:
    """What changed in the entries of ``new`` from ``old``'s: by key (a map with the same keys)
    or by position as a string (a list as long, whose entries keep their ``id``), the fields
    that differ of each entry that differs (an entry is a map that keeps its fields). None when
    ``new`` must be sent whole: any other change."""
    if type(new) is dict:
        if type(old) is not dict or old.keys() != new.keys():
            return None
        differ = [(k, old[k], v) for k, v in new.items() if old[k] != v]
    elif type(new) is list:
        if type(old) is not list or len(old) != len(new):
            return None
        pairs = enumerate(zip(old, new, strict=True))
        differ = [(str(i), was, now) for i, (was, now) in pairs if was != now]
        for _, was, now in differ:
            if type(was) is not dict or type(now) is not dict or was.get("id") != now.get("id"):
                return None
    else:
        return None
    found: dict[str, Any] = {}
    for at, was, now in differ:
        if type(was) is not dict or type(now) is not dict or was.keys() != now.keys():
            return None
        found[at] = {f: v for f, v in now.items() if was[f] != v}
    return found


def room(info: Mapping[str, Any]) -> dict[str, Any]:
    """The room's roster or settings changed (presence, host, pause, lock, status)."""
    return {"type": "room", "room": info}


def cue(name: str) -> dict[str, Any]:
    """A presentation cue for the table displays (``skip_stage``: reveal the enemy's turn
    being staged at once). It changes nothing in the game and carries no ``seq``: a client
    that shows nothing of the kind ignores it."""
    return {"type": "cue", "cue": name}


def result_ok(cmd_id: str, seq: int) -> dict[str, Any]:
    """A command or control was applied; the room's last event then had number ``seq``."""
    return {"type": "result", "cmd_id": cmd_id, "ok": True, "seq": seq}


def result_next(cmd_id: str, seq: int, code: str, host_token: str) -> dict[str, Any]:
    """``next_game`` was applied: the next game's room ``code`` and, for the host only, the
    ``host_token`` that makes its first phone the host."""
    return {
        "type": "result",
        "cmd_id": cmd_id,
        "ok": True,
        "seq": seq,
        "next": {"code": code, "host_token": host_token},
    }


def result_move(cmd_id: str, seq: int, seat: str, token: str) -> dict[str, Any]:
    """``move_seat`` was applied: the one-time ``token`` that moves ``seat`` to the device
    that joins with it (for the host only, who shows it as a link or QR code)."""
    return {
        "type": "result",
        "cmd_id": cmd_id,
        "ok": True,
        "seq": seq,
        "move": {"seat": seat, "token": token},
    }


def result_error(cmd_id: str, code: str, message: str) -> dict[str, Any]:
    """A command or control was rejected and had no effect."""
    return {
        "type": "result",
        "cmd_id": cmd_id,
        "ok": False,
        "error": {"code": code, "message": message},
    }


def error(code: str, message: str) -> dict[str, Any]:
    """A problem not tied to a command (an unreadable frame, a refused hello)."""
    return {"type": "error", "code": code, "message": message}


def bye(code: str, message: str) -> dict[str, Any]:
    """Sent just before the server closes the connection, saying why."""
    return {"type": "bye", "code": code, "message": message}


def room_created(code: str, host_token: str) -> dict[str, Any]:
    """The answer to ``create_room``: the new room's code and its host token."""
    return {"type": "room_created", "code": code, "host_token": host_token}


def texts(ruleset: str, lang: str, values: Mapping[str, str]) -> dict[str, Any]:
    """The answer to ``texts``: the room's ruleset texts in ``lang`` (text path -> text), to
    be added to the welcome's ``ruleset.texts``."""
    return {"type": "texts", "ruleset": ruleset, "lang": lang, "texts": values}


def pong(t: int | float | str | None) -> dict[str, Any]:
    """The answer to ``ping``, echoing ``t``."""
    return {"type": "pong", "t": t}
