"""Journals written by earlier versions of Cibo still replay, verify and resume (see
tests/data/journals/README.md for where each one comes from)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cibo.journal.reader import read_journal
from cibo.journal.replay import rebuild_state, replay_steps
from cibo.journal.store import GameStore
from cibo.journal.verify import verify_journal

OLD = Path(__file__).parents[1] / "data" / "journals"
JOURNALS = sorted(OLD.glob("*/*.cibo"))


def test_there_are_old_journals_of_both_rulesets_and_an_unfinished_one() -> None:
    rulesets = {read_journal(p).header.ruleset_id for p in JOURNALS}
    assert rulesets == {"electro-fishers", "factory-raid"}
    statuses = [rebuild_state(c.header, c.records).status
                for c in (read_journal(p) for p in JOURNALS)]
    assert "playing" in statuses
    assert len([s for s in statuses if s != "playing"]) >= 3


@pytest.mark.parametrize("path", JOURNALS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_old_journal_verifies(path: Path) -> None:
    verdict = verify_journal(str(path))
    assert verdict.ok, verdict.failure
    assert any(c.startswith("command ids:") for c in verdict.checks)


@pytest.mark.parametrize("path", JOURNALS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_old_journal_replays_to_the_state_it_recorded(path: Path) -> None:
    contents = read_journal(path)
    state = rebuild_state(contents.header, contents.records)
    _, steps = replay_steps(contents.header, contents.records)
    assert steps[-1].state == state
    assert steps[-1].seq <= contents.last_seq
    assert state.round >= 1


def test_the_unfinished_old_game_is_resumed_by_the_store(tmp_path: Path) -> None:
    games = tmp_path / "games"
    games.mkdir()
    for p in JOURNALS:
        shutil.copy(p, games / p.name)
    store = GameStore(tmp_path)
    store.lock()
    try:
        recovery = store.recover()
    finally:
        store.close()
    assert not recovery.corrupt
    resumed = [g for g in recovery.games if not g.finished]
    contents = [read_journal(p) for p in JOURNALS]
    unfinished = [c for c in contents if rebuild_state(c.header, c.records).status == "playing"]
    assert len(resumed) == len(unfinished) == 2  # one in each format folder
    assert all(g.header.ruleset_id == "electro-fishers" for g in resumed)
    assert all(g.last_seq > 100 for g in resumed)

