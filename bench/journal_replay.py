"""Replay and verify speed over about 100,000 journaled events.

Two corpora, both built with the real engine (bots of ``cibo.core.policies`` playing the shipped
ruleset through ``decide``/``apply``, as in the journal tests):

* ``games``: as many complete bot games as it takes to reach ``--events`` events, one journal
  file each (a real game is a few hundred events). Measures read + fold (what a server does to
  resume a game: ``read_journal`` then ``rebuild_state``) and ``verify_journal`` (re-decides
  every command).
* ``long``: one file of ``--events`` events, made by repeating one game's command records with
  renumbered seqs. Only its reading is measured: it is framing-valid but not a real game.

    uv run python bench/journal_replay.py
    uv run python bench/journal_replay.py --events 20000 --policy random
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "journal"))

from journal_helpers import bot_game, encode_journal

from cibo.journal import CommandRecord, LoggedEvent, read_journal
from cibo.journal.replay import decode_events, load_ruleset, rebuild_state
from cibo.journal.verify import verify_journal
from cibo.rulesets import parse_ruleset


def build_games(target: int, policy: str, out: Path) -> tuple[list[Path], int, float]:
    started = time.perf_counter()
    files, events, i = [], 0, 0
    while events < target:
        head, records = bot_game(
            players=2 + i % 4, policy=policy, index=i, seed=i.to_bytes(4, "big") * 8
        )
        path = out / f"game{i:04d}.cibo"
        path.write_bytes(encode_journal(head, records))
        files.append(path)
        events += sum(len(r.events) for r in records if isinstance(r, CommandRecord))
        i += 1
    return files, events, time.perf_counter() - started


def build_long(source: Path, target: int, out: Path) -> tuple[Path, int]:
    contents = read_journal(source)
    commands = [r for r in contents.records if isinstance(r, CommandRecord) and r.events]
    records: list[CommandRecord] = []
    seq = 0
    while seq < target:
        for r in commands:
            events = []
            for e in r.events:
                seq += 1
                events.append(LoggedEvent(seq, e.event))
            records.append(CommandRecord(r.ts, r.seat, r.cmd_id, r.command, tuple(events)))
    path = out / "long.cibo"
    path.write_bytes(encode_journal(contents.header, list(records)))
    return path, seq


def best_of(n: int, fn: object) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--policy", default="greedy", choices=["greedy", "random"])
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cibo-bench-") as tmp:
        out = Path(tmp)
        files, events, took = build_games(args.events, args.policy, out)
        size = sum(p.stat().st_size for p in files)
        print(
            f"corpus: {len(files)} bot games ({args.policy}), {events:,} events, "
            f"{size / 1e6:.1f} MB, played in {took:.1f} s ({events / took:,.0f} events/s)"
        )

        def read_all() -> None:
            for p in files:
                read_journal(p)

        def read_fold_all() -> None:
            for p in files:
                c = read_journal(p)
                rebuild_state(c.header, c.records)

        parsed = [read_journal(p) for p in files]
        rulesets = [load_ruleset(c.header) for c in parsed]

        def fold_only() -> None:
            from cibo.core import apply
            from cibo.journal.replay import start_state

            for c, rs in zip(parsed, rulesets, strict=True):
                state = start_state(c.header, rs)
                for _, e in decode_events(c.records):
                    state = apply(state, e)

        def verify_all() -> None:
            for p in files:
                assert verify_journal(str(p)).ok

        for label, fn in [
            ("read (framing, CRC, msgpack, shape, seq)", read_all),
            ("read + fold (resume: read_journal + rebuild_state)", read_fold_all),
            ("decode + fold only (ruleset already parsed)", fold_only),
            ("verify (read, parse ruleset, re-decide every command)", verify_all),
        ]:
            t = best_of(args.repeat, fn)
            print(f"{label:<56} {events / t:>10,.0f} events/s  ({t:.2f} s)")
        text = parsed[0].header.ruleset_text
        parse = best_of(args.repeat, lambda: parse_ruleset(text))
        print(f"ruleset parse (once per ruleset and process, then cached): {parse * 1000:.1f} ms")

        long, n = build_long(files[0], args.events, out)
        t = best_of(args.repeat, lambda: read_journal(long))
        mb = long.stat().st_size / 1e6
        print(
            f"one {n:,}-event file ({mb:.1f} MB, repeated records): read {n / t:,.0f} events/s "
            f"({t:.2f} s)"
        )


if __name__ == "__main__":
    main()
