"""Creating games, recovery after a crash (torn tails, corruption), the data directory."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from journal_helpers import SEED, frame_offsets, new_journal, play

from cibo.journal import GameStore, JournalError, MetaRecord, default_data_dir, read_journal
from cibo.journal.format import RecordShapeError


async def test_create_game_is_durable_and_private(tmp_path: Path) -> None:
    store = GameStore(tmp_path / "data")
    journal = await store.create_game(
        room_code="ab-cd",
        ruleset_id="electro-fishers",
        ruleset_sha256="f" * 64,
        ruleset_text="[ruleset]\nid = 'electro-fishers'\n",
        seed=SEED,
        engine_version="3",
        difficulty="hard",
        seats=("s1",),
        created_at=1_795_000_000.0,
    )
    path = Path(journal.path)
    assert path.parent == tmp_path / "data" / "games"
    assert (
        path.name.startswith("20261118T110640-")
        and "-ABCD-" in path.name
        and path.suffix == ".cibo"
    )
    assert (path.stat().st_mode & 0o777) == 0o600
    assert not list(path.parent.glob("*.partial"))
    header = read_journal(path).header
    assert header == journal.header
    assert header.seed_commitment == hashlib.sha256(SEED).hexdigest()
    assert header.seed == SEED.hex() and header.difficulty == "hard" and header.seats == ("s1",)
    await journal.aclose()


async def test_a_new_games_first_facts_are_written_and_synced_with_its_header(
    tmp_path: Path,
) -> None:
    store = GameStore(tmp_path)
    link = MetaRecord(ts=1.5, data={"fact": "host_link", "token_sha256": "ab" * 32})
    journal = await store.create_game(
        room_code="EFGH", ruleset_id="electro-fishers", ruleset_sha256="f" * 64,
        ruleset_text="", seed=SEED, engine_version="1", metas=[link],
    )
    assert store.group.stats.jobs == 0  # no commit round: durable with the file
    assert read_journal(Path(journal.path)).records == (link,)
    await play(journal, 2)  # appends go after them
    await journal.aclose()
    contents = read_journal(Path(journal.path))
    assert contents.records[0] == link and len(contents.records) == 3 and not contents.torn
    assert contents.last_seq == journal.last_seq > 0
    with pytest.raises(RecordShapeError):  # what the reader would refuse is never written
        await store.create_game(
            room_code="IJKL", ruleset_id="x", ruleset_sha256="f" * 64, ruleset_text="",
            seed=SEED, engine_version="1", metas=[MetaRecord(ts=1.0, data={1: 2})],  # type: ignore[dict-item]
        )
    assert not list(tmp_path.glob("games/*IJKL*"))  # and nothing was created


async def _two_games(tmp_path: Path) -> tuple[Path, Path]:
    store = GameStore(tmp_path)
    a = await new_journal(store, "AAAA")
    b = await new_journal(store, "BBBB")
    await play(a, 3)
    await a.append_meta({"seat_token_sha256": {"s1": "ab" * 32}})
    await play(a, 3)
    await play(b, 4)
    await a.aclose()
    await b.aclose()
    return Path(a.path), Path(b.path)


async def test_recover_returns_unfinished_games_ready_to_append(tmp_path: Path) -> None:
    a, b = await _two_games(tmp_path)
    store = GameStore(tmp_path)
    done = await new_journal(store, "DONE")
    await play(done, 1)
    await done.append_end("won")
    await done.aclose()
    recovery = store.recover()
    assert recovery.finished == 1 and not recovery.corrupt
    games = {Path(g.journal.path): g for g in recovery.games}
    assert set(games) == {a, b}
    ga = games[a]
    assert ga.last_seq == 12 and ga.journal.last_seq == 12 and ga.torn_file is None
    assert ga.metas == (
        MetaRecord(ts=ga.metas[0].ts, data={"seat_token_sha256": {"s1": "ab" * 32}}),
    )
    assert len(ga.records) == 7
    await play(ga.journal, 1)  # the same seq numbers go on
    assert read_journal(a).last_seq == 14
    for g in recovery.games:
        await g.journal.aclose()
    store.close()


async def test_recover_reopens_games_that_ended_recently(tmp_path: Path) -> None:
    store = GameStore(tmp_path)
    done = await new_journal(store, "DONE")
    await play(done, 2)
    await done.append_end("won")
    await done.aclose()
    ended = read_journal(done.path).records[-1].ts
    recovery = store.recover(keep_finished=600, now=ended + 599)
    (game,) = recovery.games
    assert game.finished and game.journal.finished and recovery.finished == 0
    assert game.last_seq == 4
    with pytest.raises(JournalError) as info:  # over: nothing more may be written
        await play(game.journal, 1)
    assert info.value.code == "journal/closed"
    await game.journal.aclose()
    store.close()
    later = GameStore(tmp_path).recover(keep_finished=600, now=ended + 601)
    assert later.games == () and later.finished == 1


async def test_a_second_server_cannot_take_the_directory(tmp_path: Path) -> None:
    first = GameStore(tmp_path)
    first.recover()
    with pytest.raises(JournalError) as info:
        GameStore(tmp_path).recover()
    assert info.value.code == "journal/locked" and "another Cibo server" in info.value.message
    first.close()
    GameStore(tmp_path).recover()


async def test_truncation_at_every_byte_of_the_last_three_records(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Cut the file at every offset inside its last 3 records: recovery always lands on the
    last whole record, keeps the cut bytes, logs their count, and the game goes on cleanly."""
    src = tmp_path / "src"
    store = GameStore(src)
    journal = await new_journal(store)
    await play(journal, 8, n_events=3)
    await journal.aclose()
    original = Path(journal.path).read_bytes()
    offsets = frame_offsets(Path(journal.path))  # frame starts + file size
    whole = {end: i for i, end in enumerate(offsets)}  # cut at a boundary -> i frames remain
    first = offsets[-4]
    caplog.set_level(logging.WARNING, logger="cibo.journal")
    for cut in range(first, len(original)):
        data_dir = tmp_path / f"cut{cut}"
        games = data_dir / "games"
        games.mkdir(parents=True)
        path = games / Path(journal.path).name
        path.write_bytes(original[:cut])
        caplog.clear()
        recovery = GameStore(data_dir).recover()
        (game,) = recovery.games
        last_whole = max(o for o in offsets if o <= cut)
        records = whole[last_whole] - 1  # minus the header
        assert len(game.records) == records
        assert game.last_seq == 3 * records
        assert path.stat().st_size == last_whole
        side = games / f"{path.name}.torn-{last_whole}"
        if cut == last_whole:
            assert game.torn_file is None and not side.exists()
        else:
            assert game.torn_file == str(side)
            assert side.read_bytes() == original[last_whole:cut]
            assert f"cut {cut - last_whole} bytes" in caplog.text
        await play(game.journal, 1, n_events=3)
        await game.journal.aclose()
        after = read_journal(path)
        assert after.torn is None and after.last_seq == 3 * records + 3
        assert path.read_bytes()[:last_whole] == original[:last_whole]


async def test_zero_preallocation_and_a_bad_last_frame_are_torn_tails(tmp_path: Path) -> None:
    a, _ = await _two_games(tmp_path)
    original = a.read_bytes()
    end = len(original)
    last = frame_offsets(a)[-2]
    for damaged in (
        original + bytes(4096),  # zeroed preallocation
        original[:-5] + bytes([original[-5] ^ 0x10]) + original[-4:],  # bit flip in the last frame
        original[: last + 3] + b"\xff" + original[last + 4 :],  # its length field damaged
    ):
        a.write_bytes(damaged)
        store = GameStore(tmp_path)
        recovery = store.recover()
        assert not recovery.corrupt
        game = next(g for g in recovery.games if g.journal.path == str(a))
        cut = end if len(damaged) > end else last
        assert a.stat().st_size == cut and game.torn_file is not None
        for g in recovery.games:
            await g.journal.aclose()
        store.close()


async def test_bit_flip_in_the_middle_is_reported_and_other_games_resume(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = await _two_games(tmp_path)
    offsets = frame_offsets(a)
    data = bytearray(a.read_bytes())
    middle = offsets[3]
    data[middle + 14] ^= 0x04  # inside record 3's payload
    a.write_bytes(bytes(data))
    recovery = GameStore(tmp_path).recover()
    (bad,) = recovery.corrupt
    assert bad.path == str(a)
    assert bad.error.code == "journal/corrupt"
    assert bad.error.offset == middle and bad.error.index == 3
    assert (
        f"record 3 at byte {middle}: CRC mismatch, but a valid record follows" in bad.error.message
    )
    assert a.read_bytes() == bytes(data)  # left untouched for the host to look at
    assert [g.journal.path for g in recovery.games] == [str(b)]
    assert recovery.games[0].last_seq == 8
    assert "cannot resume" in caplog.text and str(a) in caplog.text
    await recovery.games[0].journal.aclose()


async def test_leftover_partial_file_is_removed_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    games = tmp_path / "games"
    games.mkdir()
    (games / "20261122T000000-ABCD-0000.cibo.partial").write_bytes(b"\xc1\xb0\x00")
    recovery = GameStore(tmp_path).recover()
    assert not recovery.games and not recovery.corrupt
    assert not list(games.glob("*.partial"))
    assert "never completed" in caplog.text


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CIBO_DATA", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert default_data_dir() == tmp_path / ".local" / "share" / "cibo"
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/xdg")
    assert default_data_dir() == Path("/srv/xdg/cibo")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert default_data_dir() == tmp_path / ".local" / "share" / "cibo"
    monkeypatch.setenv("CIBO_DATA", "~/games-night")
    assert default_data_dir() == tmp_path / "games-night"
    assert GameStore().data_dir == tmp_path / "games-night"
    assert os.environ["CIBO_DATA"] == "~/games-night"


@given(
    synced=st.integers(1, 6),
    unsynced=st.integers(1, 3),
    cut=st.floats(0, 1),
    damage=st.sampled_from(["drop", "zero", "garble", "zero-pages", "preallocate"]),
    seed=st.binary(min_size=8, max_size=8),
)
@settings(max_examples=150, deadline=None)
def test_simulated_power_loss_keeps_every_synced_record(
    synced: int, unsynced: int, cut: float, damage: str, seed: bytes
) -> None:
    """What was synced survives; whatever happened to the unsynced suffix is never accepted
    as records (a whole unsynced record that survived intact is fine: it was written)."""
    import random
    import tempfile

    rnd = random.Random(seed)
    frames = journal_frames(synced + unsynced)
    durable = sum(len(f) for f in frames[: synced + 1])  # header + synced records
    tail = b"".join(frames[synced + 1 :])
    keep = int(len(tail) * cut)
    if damage == "drop":
        lost = tail[:keep]
    elif damage == "zero":
        lost = tail[:keep] + bytes(len(tail) - keep)
    elif damage == "garble":
        lost = tail[:keep] + rnd.randbytes(len(tail) - keep)
    elif damage == "zero-pages":  # the file grew, its last pages never reached the disk
        lost = tail[: keep - keep % 512] + bytes(len(tail) - (keep - keep % 512))
    else:
        lost = tail + bytes(4096)
    data = b"".join(frames)[:durable] + lost
    with tempfile.TemporaryDirectory() as tmp:
        games = Path(tmp) / "games"
        games.mkdir()
        path = games / "20261122T000000-ABCD-0000.cibo"
        path.write_bytes(data)
        store = GameStore(tmp)
        recovery = store.recover()
        store.close()
        assert not recovery.corrupt, recovery.corrupt[0].error.message
        (game,) = recovery.games
        n = len(game.records)
        assert n >= synced
        # Every record read back is a true record (the fixture's), none invented.
        assert read_journal(b"".join(frames[: n + 1])).records == game.records
        assert path.read_bytes() == b"".join(frames[: n + 1])
        os.close(game.journal.fd)


def journal_frames(n: int) -> list[bytes]:
    from journal_helpers import cmd_payload, header

    from cibo.journal.format import encode_frame

    frames = [encode_frame(header().to_payload())]
    frames += [encode_frame(cmd_payload(i, 1 + 2 * i)) for i in range(n)]
    return frames
