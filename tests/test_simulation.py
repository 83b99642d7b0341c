"""``cibo simulate``: complete games, a reproducible report, and the chart."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cibo.commands import simulate as simulate_cmd
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.simulation import simulate


@pytest.mark.parametrize("name", ["electro-fishers", "factory-raid"])
def test_every_game_ends_in_victory_or_defeat(name: str) -> None:
    rs = load_ruleset(find_ruleset(name)).ruleset
    for policy in ("greedy", "random"):
        report = simulate(rs, games=12, players=3, difficulty="normal", policy=policy, seed="t")
        assert report.games == 12
        assert sum(report.causes.values()) == 12
        assert all(k.split(":")[0] in ("won", "lost") for k in report.causes)


def test_same_seed_same_report() -> None:
    rs = load_ruleset(find_ruleset("electro-fishers")).ruleset
    a = simulate(rs, games=8, players=4, difficulty="normal", policy="greedy", seed="same")
    b = simulate(rs, games=8, players=4, difficulty="normal", policy="greedy", seed="same")
    c = simulate(rs, games=8, players=4, difficulty="normal", policy="greedy", seed="other")
    assert a == b
    assert (a.causes, a.rounds_total) != (
        c.causes,
        c.rounds_total,
    ) or a.spawns_by_band != c.spawns_by_band


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    simulate_cmd.configure(parser)
    return simulate_cmd.run(parser.parse_args(argv))


def test_cli_prints_a_report_and_writes_the_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    chart = tmp_path / "chart.svg"
    assert _run(["electro-fishers", "--games", "10", "--seed", "s", "--plot", str(chart)]) == 0
    out = capsys.readouterr().out
    assert "games/s" in out
    assert "won" in out or "lost" in out  # the outcome table
    assert "calm" in out or "wary" in out  # spawns per alert band
    svg = chart.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Games ending in each round" in svg


def test_cli_rejects_bad_arguments(tmp_path: Path) -> None:
    assert _run(["electro-fishers", "--difficulty", "nightmare"]) == 1
    assert _run(["electro-fishers", "--plot", str(tmp_path / "x.gif")]) == 1
    assert _run([str(tmp_path / "missing.toml")]) == 1


def test_results_do_not_depend_on_the_number_of_workers() -> None:
    rs = load_ruleset(find_ruleset("factory-raid")).ruleset
    one = simulate(rs, games=20, players=3, difficulty="normal", policy="greedy", seed="w")
    seen: list[int] = []
    two = simulate(
        rs, games=20, players=3, difficulty="normal", policy="greedy", seed="w", workers=2,
        progress=seen.append,
    )
    three = simulate(
        rs, games=20, players=3, difficulty="normal", policy="greedy", seed="w", workers=3
    )
    assert one == two == three
    assert seen[-1] == 20 and seen == sorted(seen)
