"""The session journal: one append-only, crash-safe file per game, and what reads it back.

The journal is the only source of truth for a game. A room acknowledges a command only after
the record holding it is durable (synced to disk); after a crash, :meth:`GameStore.recover`
reopens every unfinished game and the room rebuilds its state by folding the journaled events
(:func:`cibo.journal.replay.rebuild_state`). ``cibo verify`` re-decides every command from the
revealed seed; ``cibo replay`` steps through a game; ``cibo games`` lists them.

File format (version 2; version 1 is read too)
-----------------------
One file per game: ``<data>/games/<game_id>.cibo`` with ``game_id`` =
``YYYYMMDDTHHMMSS-<ROOM>-<4 hex>`` (UTC creation time, so names sort by time). The file is a
sequence of frames::

    MAGIC b"\\xc1\\xb0" | length: u32 BE | crc32: u32 BE (zlib.crc32 of payload) | payload

Each payload is one msgpack map (at most 16 MiB; read with explicit limits, ext types refused).
The first frame is the header::

    {"format": 2, "engine_version", "game_id", "room_code", "created_at": unix float,
     "ruleset_id", "ruleset_sha256", "ruleset_text", "difficulty",
     "seed_commitment": sha256(seed) hex, "seed": hex, "seats": [seat ids at creation]}

The header holds the secret seed (needed to resume): the file belongs to the host and its
header must never be sent to a client. Every later frame is a record, told apart by ``k``:

``{"k": "cmd", "ts", "seat", "cmd_id", "command": {...}, "events": [{"seq", "event": {...}}]}``
    One accepted command (``command_to_dict``) and the events it produced
    (``event_to_dict``). ``seq`` starts at 1 and increases by one across the file, no gap.
    Format 2: a command ``{"type": "undo", "seat", "of"}`` with one ``command_undone`` event
    takes back the latest command that may be (see :class:`cibo.journal.replay.Fold`).
``{"k": "meta", "ts", "data": {...}}``
    A room fact that is not a game command (seat token *hashes*, host token hash, names,
    kicks). Recovery returns them in order.
``{"k": "end", "ts", "outcome"}``
    The game is over; nothing follows it. (``GameEnded`` itself carries the revealed seed.)

Record numbers in messages count frames from 0: record 0 is the header.

Reading and recovery
--------------------
A frame that is not whole and valid (short header, bad magic, length over the limit, payload
past the end of file, CRC mismatch) ends the scan. If no valid frame starts anywhere after it,
the rest of the file is a **torn tail**: recovery cuts it off, saves the cut bytes to
``<file>.torn-<offset>`` and logs the byte count (logger ``cibo.journal``). If a valid frame
follows, the game is **corrupt** (``JournalError`` ``journal/corrupt`` with offset and record
number) and is not resumed, as is a record with a valid CRC but a bad payload, shape or seq. A
file cut exactly on a record boundary looks whole: clients reporting a last-seen seq beyond
the journal's is how a room notices that.

API for the room code
---------------------
At start-up::

    store = GameStore(data_dir)                 # one per server; holds one GroupCommit
    recovery = store.recover()                  # locks the directory; blocking
    for game in recovery.games:                 # RecoveredGame: unfinished, open for appending
        state = rebuild_state(game.header, game.records)   # cibo.journal.replay
        game.journal, game.metas, game.last_seq            # writer, room facts, last seq
    for bad in recovery.corrupt:                # CorruptGame: tell the host bad.error.message

For a new game, then for every accepted command::

    journal = await store.create_game(room_code=code, ruleset_id=rid, ruleset_sha256=sha,
                                      ruleset_text=text, seed=seed, difficulty=difficulty,
                                      engine_version=ENGINE_VERSION)
    await journal.append_command(seat=seat, cmd_id=cmd_id, command=command_to_dict(cmd),
                                 events=[(seq, event_to_dict(e)) for seq, e in numbered])
    # durable now: acknowledge and fan out
    await journal.append_meta({"seat_token_sha256": {...}})
    await journal.append_end(state.status)      # once the game is over
    await journal.aclose()

``append_*`` raise ``JournalError("journal/io")`` when the disk fails: the journal is then
failed for good, the record is *not* durable, and the room must stop the game and show
``error.message``. ``journal.submit(record)`` queues without waiting (pipelining).
"""

from __future__ import annotations

from cibo.journal.errors import JournalError
from cibo.journal.format import (
    CommandRecord,
    EndRecord,
    JournalHeader,
    LoggedEvent,
    MetaRecord,
    Record,
)
from cibo.journal.reader import JournalContents, TornTail, read_journal
from cibo.journal.store import (
    GAME_ID,
    CorruptGame,
    GameStore,
    RecoveredGame,
    Recovery,
    default_data_dir,
    new_game_id,
    replay_id,
)
from cibo.journal.writer import CommitStats, GameJournal, GroupCommit

__all__ = [
    "GAME_ID",
    "CommandRecord",
    "CommitStats",
    "CorruptGame",
    "EndRecord",
    "GameJournal",
    "GameStore",
    "GroupCommit",
    "JournalContents",
    "JournalError",
    "JournalHeader",
    "LoggedEvent",
    "MetaRecord",
    "Record",
    "RecoveredGame",
    "Recovery",
    "TornTail",
    "default_data_dir",
    "new_game_id",
    "read_journal",
    "replay_id",
]
