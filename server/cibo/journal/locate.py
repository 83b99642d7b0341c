"""From what ``cibo games`` prints to a journal file: a path, a file name, or a game id.

``cibo games`` lists the file name of each game (``20261122T031500-ABCD-1f2e.cibo``); the game
id is that name without ``.cibo``. ``cibo verify`` and ``cibo replay`` accept any of the three:
an existing path is used as it is, anything else is looked up in the data directory's
``games`` folder (``--data``, else :func:`cibo.journal.store.default_data_dir`).
"""

from __future__ import annotations

from pathlib import Path

from cibo.journal.store import SUFFIX, default_data_dir

__all__ = ["locate_journal"]


def locate_journal(name: str, data_dir: Path | None = None) -> str:
    """The path to read for ``name``: itself if it exists, else the data directory's game of
    that file name or id; when none exists, ``name`` unchanged (reading it then says what is
    missing)."""
    if Path(name).exists() or "/" in name or "\\" in name:
        return name
    games = (data_dir if data_dir is not None else default_data_dir()) / "games"
    for candidate in (games / name, games / f"{name}{SUFFIX}"):
        if candidate.is_file():
            return str(candidate)
    return name
