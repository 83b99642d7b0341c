"""Rooms: who may do what, event numbering, resume, fan-out, and the task that drives each room.

* :mod:`~cibo.rooms.session` — :class:`RoomSession`, sans I/O: joining, commands, ``seq``
  numbering, recovery; it answers each input with a :class:`Step` (:mod:`~cibo.rooms.steps`)
  and delegates to its parts:
  :mod:`~cibo.rooms.roster` (seats, tokens, connections, audiences),
  :mod:`~cibo.rooms.facts` (the roster's changes as typed, journaled facts),
  :mod:`~cibo.rooms.results` (the first result of every command id),
  :mod:`~cibo.rooms.fanout` (per-audience updates, resume, held results),
  :mod:`~cibo.rooms.controls` (host controls, the next game);
* :mod:`~cibo.rooms.room` — :class:`Room`, the one task per room with a bounded inbox that
  journals before it sends, and the query/subscribe API the rest of the server uses;
* :mod:`~cibo.rooms.registry` — :class:`Registry`, rooms by join code, caps, recovery;
* :mod:`~cibo.rooms.codes`, :mod:`~cibo.rooms.names`, :mod:`~cibo.rooms.tokens` — join codes,
  player names, seat and host tokens;
* :mod:`~cibo.rooms.ports` — what a room needs from transports and journals.
"""

from cibo.rooms.codes import ALPHABET, new_code, normalize_code
from cibo.rooms.names import name_key, normalize_name
from cibo.rooms.ports import GameLog, MemoryLog, MemoryStore, Peer
from cibo.rooms.registry import Registry, RoomLimits, RoomRefused, RulesetChoice, RulesetSource
from cibo.rooms.results import ResultCache
from cibo.rooms.room import Room
from cibo.rooms.session import RoomSession
from cibo.rooms.steps import ClientId, Close, JoinOutcome, Outcome, Send, Step
from cibo.rooms.tokens import new_token, token_hash

__all__ = [
    "ALPHABET",
    "ClientId",
    "Close",
    "GameLog",
    "JoinOutcome",
    "MemoryLog",
    "MemoryStore",
    "Outcome",
    "Peer",
    "Registry",
    "ResultCache",
    "Room",
    "RoomLimits",
    "RoomRefused",
    "RoomSession",
    "RulesetChoice",
    "RulesetSource",
    "Send",
    "Step",
    "name_key",
    "new_code",
    "new_token",
    "normalize_code",
    "normalize_name",
    "token_hash",
]
