"""The directory of game journals: create, recover after a crash, list.

Layout: ``<data>/games/<game_id>.cibo``, ``game_id`` = ``YYYYMMDDTHHMMSS-<ROOM>-<4 hex>`` (UTC),
so names sort by creation time. A file is created as ``<game_id>.cibo.partial``, its header
synced, then renamed and the directory synced: a file under its final name always has a whole
header. ``<file>.torn-<offset>`` holds bytes cut off a torn tail by :meth:`GameStore.recover`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import secrets
import sys
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from attrs import frozen

from cibo.journal.errors import JournalError
from cibo.journal.format import (
    FRAME_HEADER,
    MAGIC,
    EndRecord,
    JournalHeader,
    MetaRecord,
    Record,
    RecordShapeError,
    decode_payload,
    encode_frame,
    parse_record,
    record_frame,
)
from cibo.journal.reader import JournalContents, read_journal
from cibo.journal.writer import GameJournal, GroupCommit

__all__ = [
    "GAME_ID",
    "CorruptGame",
    "GameStore",
    "RecoveredGame",
    "Recovery",
    "default_data_dir",
    "new_game_id",
    "replay_id",
]

log = logging.getLogger("cibo.journal")

SUFFIX = ".cibo"
_PARTIAL = ".partial"


def default_data_dir() -> Path:
    """Where Cibo keeps its data: ``$CIBO_DATA`` if set, else the platform's user data dir.

    Linux and others: ``$XDG_DATA_HOME/cibo`` or ``~/.local/share/cibo``; macOS:
    ``~/Library/Application Support/cibo``; Windows: ``%LOCALAPPDATA%\\cibo``.
    """
    env = os.environ.get("CIBO_DATA")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else Path.home() / "AppData" / "Local") / "cibo"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "cibo"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "cibo"


GAME_ID: Final = re.compile(r"[0-9]{8}T[0-9]{6}-([A-Z0-9]{1,12})-[0-9a-f]{4}")
"""What :func:`new_game_id` makes; group 1 is the room code."""


def replay_id(game_id: str) -> str:
    """``20261122T031500-ABCD-1f2e`` -> ``20261122T031500-1f2e`` (the room code left out; the
    replay API names finished games so); an id of another shape is returned as it is."""
    if GAME_ID.fullmatch(game_id) is None:
        return game_id
    return f"{game_id[:15]}-{game_id[-4:]}"


def new_game_id(room_code: str, now: float | None = None) -> str:
    """``20261122T031500-ABCD-1f2e``: UTC time, the room code (letters and digits), 4 hex."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(time.time() if now is None else now))
    code = re.sub(r"[^A-Z0-9]", "", room_code.upper())[:12] or "ROOM"
    return f"{stamp}-{code}-{secrets.token_hex(2)}"


@frozen
class RecoveredGame:
    """A game found by :meth:`GameStore.recover`: unfinished and open for appending again, or
    (:attr:`finished`) over a short while ago and reopened so its players can see the end."""

    journal: GameJournal
    contents: JournalContents
    torn_file: str | None
    """Where a cut-off torn tail was saved, if there was one."""

    @property
    def header(self) -> JournalHeader:
        return self.contents.header

    @property
    def records(self) -> tuple[Record, ...]:
        return self.contents.records

    @property
    def last_seq(self) -> int:
        return self.contents.last_seq

    @property
    def finished(self) -> bool:
        return self.contents.finished

    @property
    def metas(self) -> tuple[MetaRecord, ...]:
        return tuple(r for r in self.contents.records if isinstance(r, MetaRecord))


@frozen
class CorruptGame:
    """A game that cannot be resumed; ``error.message`` says where and why."""

    path: str
    error: JournalError

    @property
    def room_code(self) -> str | None:
        """The room code in the file's name (see :func:`new_game_id`), if it has one."""
        match = GAME_ID.fullmatch(Path(self.path).name.removesuffix(SUFFIX))
        return match.group(1) if match else None


@frozen
class Recovery:
    games: tuple[RecoveredGame, ...]
    corrupt: tuple[CorruptGame, ...]
    finished: int
    """Files skipped because their game is over (and not recent enough to reopen)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_dir(path: Path) -> None:
    if path.is_dir():
        return
    _ensure_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    _fsync_dir(path.parent)


def _modified_since(path: Path, since: float) -> bool:
    try:
        return path.stat().st_mtime >= since
    except OSError:
        return False


def _ended_since(contents: JournalContents, since: float) -> bool:
    last = contents.records[-1] if contents.records else None
    return isinstance(last, EndRecord) and last.ts >= since


def _ends_with_end_record(path: Path) -> bool:
    """Cheap check for a finished game: is the file's last frame a valid ``end`` record?"""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - 512))
            tail = f.read()
    except OSError:
        return False
    pos = tail.find(MAGIC)
    while pos >= 0:
        if len(tail) - pos > FRAME_HEADER.size:
            _, length, crc = FRAME_HEADER.unpack_from(tail, pos)
            body = tail[pos + FRAME_HEADER.size :]
            if length == len(body) and crc == zlib.crc32(body):
                try:
                    return isinstance(parse_record(decode_payload(body)), EndRecord)
                except RecordShapeError:
                    return False
        pos = tail.find(MAGIC, pos + 1)
    return False


class GameStore:
    """The games directory of a data dir. One server process owns it at a time.

    Args:
        data_dir: the data directory (default :func:`default_data_dir`); games go in
            ``data_dir/games``.
        group: the :class:`GroupCommit` shared by every journal (one is made if omitted).
    """

    def __init__(
        self, data_dir: str | os.PathLike[str] | None = None, *, group: GroupCommit | None = None
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.games_dir = self.data_dir / "games"
        self._own_group = group is None
        self.group = group if group is not None else GroupCommit()
        self._lock_fd: int | None = None

    def path_of(self, game_id: str) -> Path:
        return self.games_dir / f"{game_id}{SUFFIX}"

    def game_files(self) -> list[Path]:
        """Every journal file, oldest first (names sort by creation time)."""
        if not self.games_dir.is_dir():
            return []
        return sorted(
            p for p in self.games_dir.iterdir() if p.name.endswith(SUFFIX) and p.is_file()
        )

    # -- ownership ---------------------------------------------------------------------------

    def lock(self) -> None:
        """Take the directory for this process (``flock``; released on exit, even ``kill -9``).

        Raises:
            JournalError: ``journal/locked`` if another process holds it.
        """
        if self._lock_fd is not None:
            return
        _ensure_dir(self.games_dir)
        fd = os.open(self.games_dir / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise JournalError(
                f"{self.games_dir} is in use by another Cibo server; stop it or use another --data",
                code="journal/locked",
                path=str(self.games_dir),
            ) from exc
        self._lock_fd = fd

    def close(self) -> None:
        """Release the directory lock and stop the worker threads of a :class:`GroupCommit`
        the store made itself. Open journals are closed by their owners, before this."""
        if self._own_group:
            self.group.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- creating ---------------------------------------------------------------------------

    async def create_game(
        self,
        *,
        room_code: str,
        ruleset_id: str,
        ruleset_sha256: str,
        ruleset_text: str,
        seed: bytes,
        engine_version: str,
        difficulty: str = "normal",
        seats: Iterable[str] = (),
        created_at: float | None = None,
        metas: Iterable[MetaRecord] = (),
    ) -> GameJournal:
        """Create a game's file with its header and ``metas`` (the room's first facts, e.g.
        its host link), durably, and return it open for appending: written and synced with
        the header, they cost no commit round of their own.

        Raises:
            JournalError: ``journal/io`` if the file cannot be created and synced.
        """
        now = time.time() if created_at is None else created_at
        _ensure_dir(self.games_dir)
        while True:
            game_id = new_game_id(room_code, now)
            if not self.path_of(game_id).exists():
                break
        header = JournalHeader(
            game_id=game_id,
            room_code=room_code,
            created_at=now,
            ruleset_id=ruleset_id,
            ruleset_sha256=ruleset_sha256,
            ruleset_text=ruleset_text,
            difficulty=difficulty,
            seed_commitment=hashlib.sha256(seed).hexdigest(),
            seed=seed.hex(),
            engine_version=str(engine_version),
            seats=tuple(seats),
        )
        frame = encode_frame(header.to_payload())
        for meta in metas:
            frame += record_frame(meta)
        path = self.path_of(game_id)
        fd = await asyncio.to_thread(self._create_file, path, frame)
        return GameJournal(str(path), fd, header, self.group, end=len(frame))

    def _create_file(self, path: Path, frame: bytes) -> int:
        partial = path.with_name(path.name + _PARTIAL)
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise JournalError(
                f"cannot create {partial}: {exc.strerror}", code="journal/io", path=str(path)
            ) from exc
        try:
            view = memoryview(frame)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            os.rename(partial, path)
            _fsync_dir(path.parent)
        except OSError as exc:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise JournalError(
                f"cannot create the game journal {path}: {exc.strerror}",
                code="journal/io",
                path=str(path),
            ) from exc
        return fd

    # -- recovery -----------------------------------------------------------------------------

    def recover(self, *, keep_finished: float = 0.0, now: float | None = None) -> Recovery:
        """Take the directory (:meth:`lock`) and reopen every unfinished game.

        A torn tail is cut off, saved to ``<file>.torn-<offset>`` and logged; damage before
        the tail makes the game a :class:`CorruptGame` (logged, not resumed, file untouched).
        Games that ended less than ``keep_finished`` seconds before ``now`` are reopened too
        (their journal takes no more records): a crash just after the last move must not leave
        the table display without its end screen.
        Blocking: call it at start-up, before serving (or through ``asyncio.to_thread``).
        """
        now = time.time() if now is None else now
        self.lock()
        for leftover in self.games_dir.glob(f"*{SUFFIX}{_PARTIAL}"):
            log.warning("removing %s: a game whose creation never completed", leftover)
            leftover.unlink()
        games: list[RecoveredGame] = []
        corrupt: list[CorruptGame] = []
        finished = 0
        for path in self.game_files():
            if _ends_with_end_record(path) and not _modified_since(path, now - keep_finished):
                finished += 1
                continue
            try:
                contents = read_journal(path)
                torn_file = self._cut_torn_tail(path, contents) if contents.torn else None
                if contents.finished and not _ended_since(contents, now - keep_finished):
                    finished += 1
                    continue
                fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
            except JournalError as exc:
                log.error("cannot resume %s: %s", path, exc.message)
                corrupt.append(CorruptGame(str(path), exc))
                continue
            except OSError as exc:
                error = JournalError(
                    f"cannot reopen {path}: {exc.strerror}", code="journal/io", path=str(path)
                )
                log.error("cannot resume %s: %s", path, error.message)
                corrupt.append(CorruptGame(str(path), error))
                continue
            journal = GameJournal(
                str(path),
                fd,
                contents.header,
                self.group,
                end=contents.end,
                last_seq=contents.last_seq,
                finished=contents.finished,
            )
            games.append(RecoveredGame(journal, contents, torn_file))
            what = "reopening finished game" if contents.finished else "resuming"
            log.info("%s %s at seq %d", what, contents.header.game_id, contents.last_seq)
        return Recovery(tuple(games), tuple(corrupt), finished)

    def _cut_torn_tail(self, path: Path, contents: JournalContents) -> str:
        torn = contents.torn
        assert torn is not None
        side = path.with_name(f"{path.name}.torn-{torn.offset}")
        try:
            with path.open("rb") as f:
                f.seek(torn.offset)
                data = f.read()
            with side.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            _fsync_dir(path.parent)
            fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
            try:
                os.ftruncate(fd, torn.offset)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise JournalError(
                f"cannot cut the torn tail of {path}: {exc.strerror}",
                code="journal/io",
                path=str(path),
            ) from exc
        log.warning(
            "%s: cut %d bytes of torn tail at byte %d (%s); saved to %s",
            path,
            len(data),
            torn.offset,
            torn.reason,
            side,
        )
        return str(side)
