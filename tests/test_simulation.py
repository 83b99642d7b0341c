"""``cibo simulate``: complete games, a reproducible report, and the chart."""

from __future__ import annotations

import argparse
from collections import Counter
from itertools import combinations
from math import comb
from pathlib import Path

import pytest

from cibo.balance import matrix_jobs, presence_markdown, summarise, without_actions
from cibo.commands import simulate as simulate_cmd
from cibo.rulesets import find_ruleset, load_ruleset
from cibo.simulation import GameResult, hero_lineup, simulate


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


def test_matrix_reports_every_hero_count_difficulty_and_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "240")
    chart, table = tmp_path / "m.svg", tmp_path / "m.md"
    argv = ["factory-raid", "--matrix", "--games", "3", "--policies", "greedy,random",
            "--plot", str(chart), "--markdown", str(table), "--workers", "2"]
    assert _run(argv) == 0
    out = capsys.readouterr().out
    matrix, bands = table.read_text(encoding="utf-8").split("\n\nBands", 1)
    rows = [line for line in matrix.splitlines()[2:] if line]
    assert len(rows) == 2 * 3 * 4  # policies x difficulties x hero counts 2..5
    # Without the plan bot, the bands cannot be judged: every row says so.
    assert all(f"| {h} | – | – | – | ✔ " in bands for h in range(2, 6)) and "✘" not in bands
    assert "bands: not all met or measured" in out
    for heroes in range(2, 6):
        assert f"| greedy | hard | {heroes} |" in "\n".join(rows)
    assert "hopeless" in out and "games/s" in out
    assert chart.read_text(encoding="utf-8").count("<polyline") == 2 * 3
    assert "Presence" not in matrix  # 3 games a cell are too few to compare heroes
    assert _run(["factory-raid", "--matrix", "--policies", "clever"]) == 1


def test_matrix_plays_only_the_difficulties_asked_for_on_the_same_deals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rs = load_ruleset(find_ruleset("factory-raid")).ruleset
    some = matrix_jobs(rs, games=3, policies=["greedy"], seed="d", difficulties=["hard"])
    every = matrix_jobs(rs, games=3, policies=["greedy"], seed="d")
    assert {key[1] for key, _ in some} == {"hard"}
    assert some == [(key, job) for key, job in every if key[1] == "hard"]
    table = tmp_path / "m.md"
    argv = ["factory-raid", "--matrix", "--games", "2", "--policies", "idle",
            "--difficulties", "normal,easy", "--markdown", str(table), "--workers", "1"]
    assert _run(argv) == 0
    rows = table.read_text(encoding="utf-8").partition("\n\n")[0].splitlines()[2:]
    assert [row.split(" | ")[1] for row in rows] == ["easy"] * 4 + ["normal"] * 4
    capsys.readouterr()
    assert _run(["factory-raid", "--matrix", "--difficulties", "nightmare"]) == 1
    assert "unknown difficulty nightmare" in capsys.readouterr().err


@pytest.mark.parametrize("heroes", [2, 3, 4, 5])
def test_lineups_spread_evenly_over_every_combination_of_the_pool(heroes: int) -> None:
    rs = load_ruleset(find_ruleset("electro-fishers")).ruleset
    pool = rs.hero_pool()
    n_combos = comb(len(pool), heroes)
    lineups = [hero_lineup(rs, heroes, i) for i in range(3 * n_combos)]
    kinds = [tuple(kind for _, kind in lineup) for lineup in lineups]
    assert all(len(set(k)) == heroes for k in kinds)  # no hero twice
    for start in range(0, len(kinds), n_combos):  # every C games: each combination once
        block = {frozenset(k) for k in kinds[start : start + n_combos]}
        assert len(block) == n_combos
    appearances = Counter(kind for k in kinds for kind in k)
    assert set(appearances) == set(pool) and len(set(appearances.values())) == 1
    pairs = Counter(frozenset(p) for k in kinds for p in combinations(k, 2))
    assert len(pairs) == comb(len(pool), 2) and len(set(pairs.values())) == 1
    firsts = Counter(k[0] for k in kinds)  # the seat order turns too
    assert len(firsts) > 1
    assert [seat for seat, _ in lineups[0]] == [f"p{i + 1}" for i in range(heroes)]
    assert lineups == [hero_lineup(rs, heroes, i) for i in range(3 * n_combos)]  # repeatable


def test_a_lone_player_runs_two_heroes_and_a_full_table_the_whole_pool() -> None:
    ef = load_ruleset(find_ruleset("electro-fishers")).ruleset
    solo = [hero_lineup(ef, 1, i) for i in range(15)]
    assert all([seat for seat, _ in lineup] == ["p1", "p1"] for lineup in solo)
    assert {frozenset(k for _, k in lineup) for lineup in solo} == {
        frozenset(c) for c in combinations(ef.hero_pool(), 2)
    }
    full = hero_lineup(ef, 6, 2)
    assert sorted(k for _, k in full) == sorted(ef.hero_pool())
    assert [seat for seat, _ in full] == [f"p{i}" for i in range(1, 7)]
    fr = load_ruleset(find_ruleset("factory-raid")).ruleset  # pool of 3, "escort" repeatable
    five = [kind for _, kind in hero_lineup(fr, 5, 1)]
    assert sorted(five) == ["cibo", "escort", "escort", "escort", "killy"]


def _result(won: bool, values: tuple[int, ...], lineup: tuple[str, ...]) -> GameResult:
    return GameResult(
        status="won" if won else "lost", cause="x", rounds=len(values), commands=1, events=1,
        spawns_by_band={}, lineup=lineup, actions={"attack": 3}, round_values=values,
    )


def test_hopeless_games_and_presence_are_measured_from_the_cell() -> None:
    # 40 games: those at value 0 from round 2 on never win; those at 10 win half the time.
    games = [_result(i % 2 == 0, (5, 10, 10, 10), ("a", "b")) for i in range(20)]
    games += [_result(False, (5, 0, 0, 0, 0, 0), ("a", "c")) for _ in range(20)]
    cell = summarise(2, "normal", "plan", games)
    assert cell.win_rate == 0.25
    assert cell.hopeless_share == 0.5  # the value-0 half, detected at round 2
    assert cell.after_hopeless == 5.0  # rounds 2..6 played after that
    assert cell.presence == {"b": 0.5, "c": -0.5}  # "a" is in every game: no comparison
    # with "b": 10 of 20 won, without: 0 of 20 -> sqrt(0.5 * 0.5 / 20 + 0)
    assert cell.presence_se == pytest.approx({"b": 0.1118, "c": 0.1118}, abs=1e-4)
    assert cell.presence_text("b") == "b +50% ±22"
    assert presence_markdown([cell]).splitlines()[2] == "| plan | normal | 2 | +50 ±22 | -50 ±22 |"
    # A cell never won has nothing to show (every effect +0 ±0): it gets no row.
    never = summarise(2, "normal", "idle", [_result(False, (5,), ("a", "b")) for _ in range(40)]
                      + [_result(False, (5,), ("a", "c")) for _ in range(40)])
    assert never.presence == {"b": 0.0, "c": 0.0} and presence_markdown([never]) == ""
    assert cell.actions == {"attack": 1.0}
    assert cell.minutes == pytest.approx(sum((90 + 60 * g.rounds) / 60 for g in games) / 40)


def test_without_plays_as_if_the_actions_did_not_exist(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    rs = load_ruleset(find_ruleset("electro-fishers")).ruleset
    banned = without_actions(rs, ["hide", "jam"])
    assert banned.actions["hide"].needs == "false"
    assert banned.heroes["cibo"].actions["jam"].needs == "false"
    assert banned.actions["repair"] == rs.actions["repair"]
    argv = ["electro-fishers", "--games", "4", "--without", "hide,jam,repair", "--workers", "1"]
    assert _run(argv) == 0
    assert "played without: hide,jam,repair" in capsys.readouterr().out
    assert _run(["electro-fishers", "--games", "4", "--without", "fly"]) == 1


def test_idle_bots_never_win() -> None:
    for name in ("electro-fishers", "factory-raid"):
        rs = load_ruleset(find_ruleset(name)).ruleset
        report = simulate(rs, games=6, players=2, difficulty="easy", policy="idle", seed="i")
        assert report.wins == 0 and report.games == 6


def test_bots_concede_and_refusing_shows_how_those_games_end(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """plan and greedy take every concession; with concessions refused the same deals are
    played on: the conceded games are exactly the ones offered a concession, and none of them
    is a game the other run won."""
    from cibo.simulation import GameJob, run_games

    rs = load_ruleset(find_ruleset("factory-raid")).ruleset
    for policy in ("greedy", "plan"):
        jobs = [GameJob(2, "normal", policy, "concede", i) for i in range(16)]
        taken = run_games(rs, jobs)
        refused = run_games(rs, [GameJob(2, "normal", policy, "concede", i, True) for i in
                                 range(16)])
        conceded = [r.cause == "conceded" for r in taken]
        assert any(conceded), policy
        assert conceded == [r.offered > 0 for r in refused]
        for a, b in zip(taken, refused, strict=True):
            assert a.offered == b.offered
            if a.cause == "conceded":
                assert (a.status, a.rounds, a.played) == ("lost", a.offered, a.offered)
                assert b.rounds >= a.rounds and b.cause != "conceded"
            else:
                assert (a.status, a.cause, a.rounds) == (b.status, b.cause, b.rounds)
    monkeypatch.setenv("COLUMNS", "240")
    argv = ["factory-raid", "--matrix", "--games", "6", "--policies", "plan",
            "--difficulties", "normal", "--refuse-concessions", "--workers", "1"]
    assert _run(argv) == 0
    out = capsys.readouterr().out
    assert "every concession offered was refused" in out and "conceded" not in out
    assert _run(["factory-raid", "--matrix", "--difficulties", "nightmare"]) == 1


def test_a_conceded_game_counts_the_round_it_was_conceded_in() -> None:
    games = [_result(True, (5, 10, 10), ("a",)) for _ in range(20)]
    lost = GameResult(status="lost", cause="conceded", rounds=2, commands=1, events=1,
                      spawns_by_band={}, round_values=(5, 0), offered=2, played=2)
    games += [lost] * 20
    cell = summarise(2, "normal", "plan", games)
    assert cell.causes["lost:conceded"] == 20 and cell.offered == 20
    assert cell.after_hopeless == 1.0
