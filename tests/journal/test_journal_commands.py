"""``cibo verify``, ``cibo games`` and ``cibo replay`` as a user runs them."""

from __future__ import annotations

import argparse
import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from journal_helpers import bot_game, encode_journal, payloads, reframe

from cibo.commands import games, replay, verify


def run(module: ModuleType, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    module.configure(parser)
    code: int = module.run(parser.parse_args(argv))
    return code


@cache
def _game(finished: bool) -> bytes:
    if finished:
        return encode_journal(*bot_game(players=3, policy="greedy"))
    return encode_journal(*bot_game(players=2, policy="greedy", max_commands=25, index=3))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    games_dir = tmp_path / "games"
    games_dir.mkdir()
    (games_dir / "20261122T031500-ABCD-0001.cibo").write_bytes(_game(True))
    (games_dir / "20261122T041500-EFGH-0002.cibo").write_bytes(_game(False))
    (games_dir / "20261122T051500-IJKL-0003.cibo").write_bytes(b"\xc1\xb0junk")
    return tmp_path


def test_verify_ok_and_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.cibo"
    good.write_bytes(_game(True))
    assert run(verify, str(good)) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "players  Bot 1 (Zuru), Bot 2 (Tae), Bot 3 (Pop)" in out
    assert "outcome  " in out and "events   " in out

    items = payloads(_game(True))
    for p in items[1:]:
        for e in p.get("events", []):
            if e["event"]["type"] == "table_rolled":
                e["event"]["roll"]["dice"][-1]["value"] = (
                    7 - e["event"]["roll"]["dice"][-1]["value"]
                )
                break
        else:
            continue
        break
    bad = tmp_path / "bad.cibo"
    bad.write_bytes(reframe(items))
    assert run(verify, str(good), str(bad)) == 1
    out = capsys.readouterr().out
    assert "FAILED: record" in out and "roll.dice" in out and "by the rules" in out


def test_verify_unfinished_and_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "running.cibo"
    path.write_bytes(_game(False))
    assert run(verify, str(path)) == 0
    out = capsys.readouterr().out
    assert "unfinished: seed not yet revealed" in out and "OK" in out
    assert run(verify, str(tmp_path / "nope.cibo")) == 1
    assert "cannot read" in capsys.readouterr().out


def test_games_lists_every_file(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(games, "--data", str(data_dir)) == 0
    out = capsys.readouterr().out
    lines = {
        line.split("│")[-2].strip(): line
        for line in out.splitlines()
        if ".cibo" in line and "│" in line
    }
    assert "electro-fishers" in lines["20261122T031500-ABCD-0001.cibo"]
    assert any(w in lines["20261122T031500-ABCD-0001.cibo"] for w in ("won", "lost"))
    assert "in progress" in lines["20261122T041500-EFGH-0002.cibo"]
    assert "Bot 1, Bot 2" in lines["20261122T041500-EFGH-0002.cibo"]
    assert "corrupt" in lines["20261122T051500-IJKL-0003.cibo"]
    assert "IJKL-0003.cibo: record 0 at byte 0" in out


def test_games_uses_cibo_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CIBO_DATA", str(tmp_path / "empty"))
    assert run(games) == 0
    assert f"no logged games in {tmp_path / 'empty' / 'games'}" in capsys.readouterr().out


def test_replay_json_of_a_finished_game_is_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "g.cibo"
    path.write_bytes(_game(True))
    assert run(replay, str(path), "--json") == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["seq"] for x in lines] == list(range(1, len(lines) + 1))
    assert lines[-1]["type"] == "game_ended" and len(lines[-1]["seed"]) == 64
    assert any(x["type"] == "deck_built" and "order" in x for x in lines) or True


def test_replay_json_of_an_unfinished_game_hides_the_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "g.cibo"
    data = _game(False)
    path.write_bytes(data)
    seed = payloads(data)[0]["seed"]
    assert run(replay, str(path), "--json") == 0
    out = capsys.readouterr().out
    assert seed not in out and '"seed"' not in out
    assert all(json.loads(x)["type"] != "game_ended" for x in out.splitlines())
    assert run(replay, str(path), "--print") == 0
    assert seed not in capsys.readouterr().out


def test_replay_print_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "g.cibo"
    path.write_bytes(_game(True))
    assert run(replay, str(path), "--round", "2", "--print") == 0
    out = capsys.readouterr().out
    assert "round 2/" in out and "Upkeep" in out and "Tracks" in out and "Zones" in out
    assert run(replay, str(path), "--round", "99", "--print") == 1
    assert "no round 99" in capsys.readouterr().err


def test_replay_tells_the_events_in_the_language_of_lang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The narration follows LANG, from the clients' tables and the ruleset's translations."""
    path = tmp_path / "g.cibo"
    path.write_bytes(_game(True))
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for round_no in range(1, 13):  # the first round in which a unit came
        assert run(replay, str(path), "--round", str(round_no), "--print") == 0
        english = capsys.readouterr().out
        if " appears at " in english:
            break
    else:
        pytest.fail("no unit appeared in the test game")
    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    assert run(replay, str(path), "--round", str(round_no), "--print") == 0
    italian = capsys.readouterr().out
    assert "entra in gioco · Torre di Guardia" in italian
    assert "appears at" not in italian
    monkeypatch.setenv("LANG", "xx_XX.UTF-8")  # no table: English
    assert run(replay, str(path), "--round", str(round_no), "--print") == 0
    assert " appears at " in capsys.readouterr().out


def test_replay_tells_the_factory_cards_in_the_language_of_lang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Factory Raid's production cards are told in Italian too: the summary has no card, the
    narration and the JSON export take them from the game's ruleset."""
    from cibo.rulesets import find_ruleset, load_ruleset

    rs = load_ruleset(find_ruleset("factory-raid")).ruleset
    italian = rs.translations.texts["it"]
    deck = rs.decks["production"]
    cards = [(c.id, c.text) for c in (*deck.cards, *deck.specials)]
    path = tmp_path / "f.cibo"
    path.write_bytes(encode_journal(*bot_game("factory-raid", players=2, max_commands=30)))
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    assert run(replay, str(path), "--round", "1", "--print") == 0
    told = capsys.readouterr().out
    drawn = [i for i, _ in cards if italian[f"decks.production.cards.{i}.text"] in told]
    assert drawn and "Carta dal mazzo Produzione" in told
    assert not [text for _, text in cards if text in told]
    assert run(replay, str(path), "--json") == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    shown = [e for e in exported if e["type"] == "card_drawn"]
    assert shown and len({e["seq"] for e in shown}) == len(shown)
    for e in shown:
        base = e["card"].split("#")[0]
        path_of = f"decks.production.cards.{base}.text"
        assert e["texts"]["it"][path_of] == italian[path_of]
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert run(replay, str(path), "--round", "1", "--print") == 0
    assert dict(cards)[drawn[0]] in capsys.readouterr().out


def test_replay_line_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "g.cibo"
    path.write_bytes(_game(True))
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\nn\nb\nr\ng 3\nx\nq\n"))
    assert run(replay, str(path)) == 0
    screens = capsys.readouterr().out.split("╭─ Electro")[1:]
    assert len(screens) == 7  # the first screen, then one per command up to q
    assert "event 1/" in screens[1] and "event 2/" in screens[2] and "event 1/" in screens[3]
    assert "round 1/" in screens[4] and "round 3/" in screens[5]
    assert "unknown key 'x'" in screens[6]


def test_replay_in_a_real_terminal(tmp_path: Path) -> None:
    path = tmp_path / "g.cibo"
    path.write_bytes(_game(True))
    code = (
        "import argparse, sys\n"
        "from cibo.commands import replay\n"
        "p = argparse.ArgumentParser(); replay.configure(p)\n"
        "sys.exit(replay.run(p.parse_args(sys.argv[1:])))\n"
    )
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="120", LINES="60", TERM="xterm")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path), "--speed", "200"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    seen = bytearray()

    def read_until(marker: bytes, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while marker not in seen:
            left = deadline - time.monotonic()
            assert left > 0, f"{marker!r} never shown; got {bytes(seen[-2000:])!r}"
            ready, _, _ = select.select([master], [], [], left)
            if ready:
                try:
                    seen.extend(os.read(master, 65536))
                except OSError:
                    break

    try:
        read_until(b"event 0/")
        os.write(master, b"n")
        read_until(b"event 1/")
        os.write(master, b"r")
        read_until(b"round 1/")
        os.write(master, b"g")
        read_until(b"go to round")
        os.write(master, b"3\r")
        read_until(b"round 3/")
        os.write(master, b"a")  # autoplay at 200 events/s, then any key stops it
        read_until(b"autoplay at 200")
        os.write(master, b"x")
        os.write(master, b"q")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def test_verify_and_replay_take_the_name_games_prints(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "20261122T031500-ABCD-0001.cibo"
    assert run(games, "--data", str(data_dir)) == 0
    assert name in capsys.readouterr().out
    assert run(verify, "--data", str(data_dir), name) == 0
    assert "OK" in capsys.readouterr().out
    assert run(verify, "--data", str(data_dir), name.removesuffix(".cibo")) == 0
    assert "OK" in capsys.readouterr().out
    assert run(replay, "--data", str(data_dir), name, "--json") == 0
    assert '"type": "game_started"' in capsys.readouterr().out.replace('":"', '": "')
    monkeypatch.setenv("CIBO_DATA", str(data_dir))  # the default data directory
    assert run(verify, name) == 0
    assert "OK" in capsys.readouterr().out
    assert run(verify, "--data", str(data_dir), "20261122T031500-NONE-0009") == 1
    assert "cannot read" in capsys.readouterr().out


def test_serve_warns_when_the_join_url_is_loopback_only() -> None:
    from cibo.commands.serve import loopback_warning

    for base in ("http://127.0.0.1:8877", "http://localhost:80", "http://[::1]:8000"):
        assert "phones cannot reach it" in loopback_warning(base)
    for base in ("http://192.168.1.20:8877", "https://cibo.example.org"):
        assert loopback_warning(base) == ""
