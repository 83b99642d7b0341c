"""A conceded game's journal: it verifies, rebuilds to the conceded state and replays in words."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest
from journal_helpers import bot_game, encode_journal

from cibo.commands import replay, verify
from cibo.journal import CommandRecord, JournalHeader, Record, read_journal
from cibo.journal.replay import rebuild_state
from cibo.journal.verify import verify_journal


def _answers(records: Sequence[Record]) -> list[str]:
    return [r.command["type"] for r in records if isinstance(r, CommandRecord)
            and r.command["type"] in ("concede", "play_on")]


@cache
def conceded() -> bytes:
    """A Factory Raid game of random bots that played on at least once and then conceded (the
    first such deal of a fixed list, so always the same game)."""
    for index in range(60):
        head, records = bot_game("factory-raid", players=2, policy="random", index=index,
                                 seed=bytes([index]) * 32)
        answers = _answers(records)
        if answers[-1:] == ["concede"] and "play_on" in answers:
            return encode_journal(head, records)
    raise AssertionError("no deal of the list had a concession played on, then taken")


def run(module: object, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    module.configure(parser)  # type: ignore[attr-defined]
    code: int = module.run(parser.parse_args(argv))  # type: ignore[attr-defined]
    return code


def _all_rounds(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``cibo replay --round N --print`` tells of every round, one after the other."""
    state = rebuild_state(*_contents(path.read_bytes()))
    out = []
    for round_no in range(1, state.round + 1):
        assert run(replay, str(path), "--round", str(round_no), "--print") == 0
        out.append(capsys.readouterr().out)
    return "\n".join(out)


def _contents(data: bytes) -> tuple[JournalHeader, list[Record]]:
    contents = read_journal(data)
    return contents.header, list(contents.records)


def test_a_conceded_game_verifies_and_rebuilds() -> None:
    data = conceded()
    verdict = verify_journal(data)
    assert verdict.ok, verdict.failure
    assert verdict.summary is not None and verdict.summary.status == "lost"
    contents = read_journal(data)
    state = rebuild_state(contents.header, contents.records)
    assert (state.status, state.outcome) == ("lost", "conceded")
    assert state.offer is not None and state.outcome_text == state.offer.text
    types = [e.event["type"] for r in contents.records if isinstance(r, CommandRecord)
             for e in r.events]
    assert types.count("concession_accepted") == 1
    assert types.index("concession_declined") < types.index("concession_accepted")
    assert types[-2:] == ["concession_accepted", "game_ended"]


def test_cibo_verify_and_replay_tell_the_concession(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "g.cibo"
    path.write_bytes(conceded())
    assert run(verify, str(path)) == 0
    capsys.readouterr()
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    english = _all_rounds(path, capsys)
    assert "The table may concede: " in english
    assert "concedes for the table." in english
    assert "The table conceded. " in english
    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    italian = _all_rounds(path, capsys)
    assert "Il tavolo può arrendersi: " in italian and "Il tavolo si è arreso. " in italian
    assert "al terminale mancano ancora" in italian.lower()


def test_every_answer_is_told_in_words() -> None:
    from cibo.journal.replay import load_ruleset
    from cibo.narration import Locale, Narrator

    contents = read_journal(conceded())
    lines = []
    for lang in ("en", "it"):
        narrator = Narrator(load_ruleset(contents.header), Locale(lang))
        lines += [narrator.line(e.event) for r in contents.records
                  if isinstance(r, CommandRecord) for e in r.events]
    assert "Bot 1 plays on." in lines or "Bot 2 plays on." in lines
    assert any(x and x.endswith("sceglie di continuare.") for x in lines)
    assert any(x and x.endswith("si arrende per tutto il tavolo.") for x in lines)
