"""Whole rolls, their record and description, and the distributions of common formulas."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping

import pytest

from cibo.core.dice import Roll, describe, roll
from cibo.core.expr import Die, ExprError, MapEnv
from cibo.core.rng import Rng

ENV = MapEnv({"@hero.attack": "2d6cs>=4", "@hero.tech": 2, "@difficulty.spawn_mod": -1})


class ScriptedRng(Rng):
    """Dice come from a list, so descriptions can be checked exactly."""

    def __init__(self, faces: list[int], counter: int = 0) -> None:
        super().__init__(b"", counter)
        self.faces = list(faces)

    def die(self, sides: int) -> int:
        self.counter += 1
        return self.faces.pop(0)


class TestRoll:
    def test_records_formula_purpose_dice_total_and_counters(self) -> None:
        rolled = roll("2d6 + @difficulty.spawn_mod", ENV, ScriptedRng([5, 2], 10), purpose="p")
        assert rolled == Roll(
            purpose="p",
            formula="2d6 + @difficulty.spawn_mod",
            dice=(Die(6, 5), Die(6, 2)),
            total=6,
            counter_start=10,
            counter_end=12,
        )

    def test_rolls_the_formula_a_name_holds(self) -> None:
        rolled = roll("@hero.attack", ENV, ScriptedRng([5, 2]), purpose="action:attack:zuru")
        assert rolled.total == 1
        assert len(rolled.dice) == 2

    def test_a_condition_counts_as_one_or_zero(self) -> None:
        assert roll("1d6 >= 4", ENV, ScriptedRng([5]), purpose="p").total == 1

    def test_formula_without_dice(self) -> None:
        rolled = roll("3 + 1", ENV, Rng(b"r", 7), purpose="p")
        assert rolled.total == 4
        assert rolled.dice == ()
        assert rolled.counter_start == rolled.counter_end == 7

    def test_same_seed_same_roll(self) -> None:
        a = roll("3d6kh2 + @hero.tech", ENV, Rng(b"same", 99), purpose="p")
        b = roll("3d6kh2 + @hero.tech", ENV, Rng(b"same", 99), purpose="p")
        assert a == b

    def test_the_record_recomputes_from_the_seed(self) -> None:
        seed = b"verify me"
        rng = Rng(seed, 40)
        roll("1d20", ENV, rng, purpose="before")
        rolled = roll("4d6dl1", ENV, rng, purpose="p")
        again = roll(rolled.formula, ENV, Rng(seed, rolled.counter_start), purpose=rolled.purpose)
        assert again == rolled

    def test_text_is_not_a_number(self) -> None:
        with pytest.raises(ExprError, match="not a number"):
            roll("'two'", ENV, Rng(b"r"), purpose="p")


class TestDescribe:
    @pytest.mark.parametrize(
        ("formula", "faces", "text"),
        [
            ("2d6cs>=4", [5, 2], "2d6cs>=4 → [5, 2] → 1"),
            ("4d6kh3", [1, 6, 6, 1], "4d6kh3 → [1, 6, 6, (1)] → 13"),
            ("2d6r1 + 1", [1, 5, 4], "2d6r1 + 1 → [(1r), 5, 4] → 10"),
            ("3d6kh2 + @hero.tech", [2, 6, 3], "3d6kh2 + @hero.tech → [(2), 6, 3] → 11"),
            ("3 + 1", [], "3 + 1 → 4"),
        ],
    )
    def test_text(self, formula: str, faces: list[int], text: str) -> None:
        assert describe(roll(formula, ENV, ScriptedRng(faces), purpose="p")) == text


# --------------------------------------------------------------------------- distributions


def chi_square_critical(df: int, z: float = 4.753) -> float:
    """Wilson–Hilferty approximation of the chi-square quantile for a one-sided z (1e-6 here)."""
    k = 2 / (9 * df)
    return df * (1 - k + z * math.sqrt(k)) ** 3


def chi_square(
    observed: Counter[int], probabilities: Mapping[int, float], n: int
) -> tuple[float, int]:
    """Pearson's statistic and degrees of freedom; outcomes expected under 5 times are pooled."""
    assert set(observed) <= set(probabilities), "an impossible outcome was observed"
    stat, bins = 0.0, 0
    pooled_obs, pooled_exp = 0, 0.0
    for outcome, p in sorted(probabilities.items()):
        expected = n * p
        if expected < 5:
            pooled_obs += observed[outcome]
            pooled_exp += expected
            continue
        stat += (observed[outcome] - expected) ** 2 / expected
        bins += 1
    if pooled_exp > 0:
        stat += (pooled_obs - pooled_exp) ** 2 / pooled_exp
        bins += 1
    return stat, bins - 1


def exact(faces: int, dice: int, score: object) -> dict[int, float]:
    """The exact distribution of ``score(outcome)`` over all outcomes of ``dice`` fair dice."""
    counts: Counter[int] = Counter()
    for outcome in itertools.product(range(1, faces + 1), repeat=dice):
        counts[score(outcome)] += 1  # type: ignore[operator]
    total = faces**dice
    return {k: v / total for k, v in counts.items()}


def sample(formula: str, n: int, seed: bytes) -> Counter[int]:
    rng = Rng(seed)
    return Counter(roll(formula, ENV, rng, purpose="test").total for _ in range(n))


DISTRIBUTIONS = [
    ("1d6", exact(6, 1, sum)),
    ("2d6", exact(6, 2, sum)),
    ("4d6kh3", exact(6, 4, lambda o: sum(sorted(o)[1:]))),
    ("3d6cs>=4", exact(6, 3, lambda o: sum(1 for f in o if f >= 4))),
]


@pytest.mark.parametrize(("formula", "probabilities"), DISTRIBUTIONS)
def test_distribution(formula: str, probabilities: dict[int, float]) -> None:
    n = 6000
    stat, df = chi_square(sample(formula, n, b"chi-square " + formula.encode()), probabilities, n)
    assert stat < chi_square_critical(df), (formula, stat, df)


def test_the_statistic_rejects_a_wrong_distribution() -> None:
    """The check has teeth: 1d6 does not pass for 2d6kh1 (same outcomes, different shape)."""
    n = 3000
    stat, df = chi_square(sample("1d6", n, b"teeth"), exact(6, 2, max), n)
    assert stat > chi_square_critical(df)
