from __future__ import annotations

from typing import Any

from attrs import evolve

from cibo.balance import Cell
from cibo.bands import TITLES, all_met, bands_markdown, check
from cibo.core.ruleset import Ruleset
from cibo.rulesets import find_ruleset, load_ruleset


def _rs() -> Ruleset:
    return load_ruleset(find_ruleset("factory-raid")).ruleset  # target 25-45 min, pool of 3


def _cell(policy: str, difficulty: str, heroes: int, win: float, **more: Any) -> Cell:
    base = Cell(
        heroes=heroes, difficulty=difficulty, policy=policy, games=300, win_rate=win,
        avg_rounds=8.0, minutes=35.0, causes={}, hopeless_share=0.2, after_hopeless=1.2,
        presence={}, actions={},
    )
    return evolve(base, **more)


def _matrix(heroes: range) -> list[Cell]:
    cells = []
    for h in heroes:
        cells += [
            _cell("plan", "easy", h, 0.70),
            _cell("plan", "normal", h, 0.45, presence={"killy": 0.10, "cibo": -0.12}),
            _cell("plan", "hard", h, 0.20),
        ]
        cells += [_cell("random", d, h, 0.01) for d in ("easy", "normal", "hard")]
        cells += [_cell("idle", d, h, 0.0) for d in ("easy", "normal", "hard")]
    return cells


def test_a_matrix_inside_every_band_meets_them_all() -> None:
    rows = check(_rs(), _matrix(range(2, 6)))
    assert [r.heroes for r in rows] == [2, 3, 4, 5]
    assert all_met(rows)
    table = bands_markdown(rows)
    assert "✘" not in table and "| 4 | ✔ 45.0 |" in table and "35 of 25-45" in table


def test_each_band_fails_on_its_own() -> None:
    rs = _rs()
    cells = _matrix(range(2, 4))

    def verdicts(change: dict[tuple[str, str], dict[str, Any]]) -> dict[str, bool | None]:
        changed = [evolve(c, **change.get((c.policy, c.difficulty), {})) for c in cells]
        row = check(rs, changed)[0]
        return {t: m.ok for t, m in row.marks.items()}

    assert verdicts({("plan", "normal"): {"win_rate": 0.56}})[TITLES[0]] is False
    assert verdicts({("plan", "easy"): {"win_rate": 0.59}})[TITLES[1]] is False
    assert verdicts({("plan", "hard"): {"win_rate": 0.31}})[TITLES[2]] is False
    assert verdicts({("random", "easy"): {"win_rate": 0.06}})[TITLES[3]] is False
    assert verdicts({("idle", "hard"): {"win_rate": 0.01}})[TITLES[4]] is False
    assert verdicts({("plan", "normal"): {"presence": {"tae": -0.16}}})[TITLES[5]] is False
    assert verdicts({("plan", "normal"): {"after_hopeless": 1.5}})[TITLES[6]] is False
    # With two and three heroes, the length is judged at three (the nearest to four).
    assert check(rs, cells)[1].marks[TITLES[7]].ok is True
    longer = [evolve(c, minutes=50.0) for c in cells]
    assert check(rs, longer)[1].marks[TITLES[7]].ok is False


def test_a_band_without_its_cells_is_not_met() -> None:
    plan_only = [c for c in _matrix(range(2, 4)) if c.policy == "plan"]
    rows = check(_rs(), plan_only)
    assert rows[0].marks[TITLES[3]].ok is None and not all_met(rows)
    # Two of a pool of three: no presence figure means too few games, not "no effect".
    assert check(_rs(), [_cell("plan", "normal", 2, 0.4)])[0].marks[TITLES[5]].ok is None
    assert "| 2 | ✔ 40.0 | – | – | – | – | – |" in bands_markdown(
        check(_rs(), [_cell("plan", "normal", 2, 0.4)])
    )
