"""Roll tables: ranges, weights, clamp, bands, drawing without replacement, and static checks."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibo.core.errors import RulesError
from cibo.core.expr import ExprError, MapEnv, evaluate_int
from cibo.core.rng import Rng
from cibo.core.ruleset import Band, Row, Table
from cibo.core.tables import (
    MAX_ATTEMPTS,
    band_for,
    check_ranges,
    default_formula,
    formula_bounds,
    pick_row,
    roll_table,
    rows_for,
)

ENV = MapEnv({"@difficulty.spawn_mod": 1, "@hero.attack": "2d6cs>=4", "villagers": 7})


def ranged(*spans: tuple[int, int]) -> tuple[Row, ...]:
    return tuple(Row(range=span, text=f"{span[0]}-{span[1]}") for span in spans)


def weighted(*weights: int) -> tuple[Row, ...]:
    return tuple(Row(weight=w, text=f"w{i}") for i, w in enumerate(weights))


def chi_square_critical(df: int, z: float = 4.753) -> float:
    """Wilson–Hilferty approximation of the chi-square quantile for a one-sided z (1e-6 here)."""
    k = 2 / (9 * df)
    return df * (1 - k + z * math.sqrt(k)) ** 3


class TestHelpers:
    def test_default_formula_sums_the_weights(self) -> None:
        assert default_formula(weighted(1, 3, 0, 2)) == "1d6"

    def test_default_formula_needs_weight(self) -> None:
        with pytest.raises(RulesError) as info:
            default_formula(weighted(0, 0))
        assert info.value.code == "rules/table_weights"

    @pytest.mark.parametrize(
        ("value", "band"),
        [(0, "calm"), (2, "calm"), (3, "alert"), (5, "alert"), (6, "panic"), (99, "panic")],
    )
    def test_band_for_takes_the_highest_band_started(self, value: int, band: str) -> None:
        bands = (Band("alert", 3), Band("calm", 0), Band("panic", 6))  # any order
        assert band_for(value, bands) == band

    def test_band_for_below_every_band(self) -> None:
        with pytest.raises(RulesError) as info:
            band_for(-1, (Band("calm", 0),))
        assert info.value.code == "rules/band_gap"

    def test_rows_for(self) -> None:
        plain = Table(formula="1d6", rows=ranged((1, 6)))
        assert rows_for(plain, "") == plain.rows
        assert rows_for(plain, "whatever") == plain.rows
        banded = Table(
            formula="1d6", bands={"calm": ranged((1, 6)), "panic": ranged((1, 3), (4, 6))}
        )
        assert rows_for(banded, "panic") == banded.bands["panic"]
        with pytest.raises(RulesError) as info:
            rows_for(banded, "storm")
        assert info.value.code == "rules/unknown_band"

    @pytest.mark.parametrize(("total", "index"), [(1, 0), (2, 1), (5, 1), (6, 2)])
    def test_pick_row_by_range(self, total: int, index: int) -> None:
        assert pick_row(ranged((1, 1), (2, 5), (6, 6)), total) == index

    @pytest.mark.parametrize(("total", "index"), [(1, 0), (2, 2), (3, 2), (4, 3), (6, 3)])
    def test_pick_row_by_weight(self, total: int, index: int) -> None:
        assert pick_row(weighted(1, 0, 2, 3), total) == index

    @pytest.mark.parametrize(
        ("rows", "total"),
        [
            (ranged((1, 1), (3, 6)), 2),
            (ranged((1, 6)), 7),
            (ranged((1, 6)), 0),
            (weighted(1, 2), 0),
            (weighted(1, 2), 4),
        ],
    )
    def test_pick_row_outside_every_row(self, rows: tuple[Row, ...], total: int) -> None:
        with pytest.raises(RulesError) as info:
            pick_row(rows, total)
        assert info.value.code == "rules/table_gap"


class TestRollTable:
    def test_by_range(self) -> None:
        table = Table(formula="2d6 + @difficulty.spawn_mod", rows=ranged((3, 6), (7, 9), (10, 13)))
        rng = Rng(b"ranges")
        for _ in range(50):
            result = roll_table("spawn", table, band="", env=ENV, rng=rng, purpose="table:spawn")
            low, high = result.row.range or (0, 0)
            assert low <= result.total <= high
            assert result.total == result.roll.total
            assert result.row is table.rows[result.row_index]
            assert (result.table, result.band, result.roll.purpose) == ("spawn", "", "table:spawn")
            assert result.roll.formula == table.formula
            assert result.rejected == ()

    def test_clamp_applies_before_the_pick(self) -> None:
        table = Table(formula="1d6 + 11", clamp=(2, 12), rows=ranged((2, 11), (12, 12)))
        rng = Rng(b"clamp")
        for _ in range(20):
            result = roll_table("t", table, band="", env=ENV, rng=rng, purpose="p")
            assert result.row_index == 1
            assert result.total == 12
            assert 12 <= result.roll.total <= 17
        low = Table(formula="1d6 - 10", clamp=(2, 12), rows=ranged((2, 2), (3, 12)))
        assert roll_table("t", low, band="", env=ENV, rng=rng, purpose="p").row_index == 0

    def test_bands_choose_the_rows(self) -> None:
        table = Table(
            formula="1d6",
            band_of="alert",
            bands={"calm": ranged((1, 6)), "panic": ranged((1, 3), (4, 6))},
        )
        result = roll_table("spawn", table, band="panic", env=ENV, rng=Rng(b"b"), purpose="p")
        assert result.band == "panic"
        assert result.row is table.bands["panic"][result.row_index]

    def test_by_weight_uses_the_default_formula(self) -> None:
        table = Table(rows=weighted(1, 0, 3))
        rng = Rng(b"weights")
        results = [
            roll_table("find", table, band="", env=ENV, rng=rng, purpose="p") for _ in range(200)
        ]
        assert {r.roll.formula for r in results} == {"1d4"}
        assert {r.row_index for r in results} == {0, 2}  # weight 0 is never drawn

    def test_an_explicit_formula_on_weights(self) -> None:
        table = Table(formula="1d2", rows=weighted(1, 1, 1))
        rng = Rng(b"explicit")
        picks = {
            roll_table("t", table, band="", env=ENV, rng=rng, purpose="p").row_index
            for _ in range(50)
        }
        assert picks == {0, 1}

    def test_weighted_picks_follow_the_weights(self) -> None:
        weights = (1, 2, 3, 4)
        table = Table(rows=weighted(*weights))
        rng = Rng(b"chi-square weights")
        n = 6000
        counts = Counter(
            roll_table("t", table, band="", env=ENV, rng=rng, purpose="p").row_index
            for _ in range(n)
        )
        stat = sum((counts[i] - n * w / 10) ** 2 / (n * w / 10) for i, w in enumerate(weights))
        assert stat < chi_square_critical(len(weights) - 1)

    def test_same_seed_same_draw(self) -> None:
        table = Table(formula="2d6", rows=ranged((2, 6), (7, 12)))
        a = roll_table("t", table, band="", env=ENV, rng=Rng(b"same", 5), purpose="p")
        b = roll_table("t", table, band="", env=ENV, rng=Rng(b"same", 5), purpose="p")
        assert a == b

    @pytest.mark.parametrize(
        ("table", "code"),
        [
            (Table(formula="1d6"), "rules/table_empty"),
            (Table(rows=ranged((1, 6))), "rules/table_formula"),
            (Table(formula="7", rows=ranged((1, 6))), "rules/table_gap"),
            (Table(formula="0", rows=weighted(1, 1)), "rules/table_gap"),
            (Table(rows=weighted(0, 0)), "rules/table_weights"),
        ],
    )
    def test_tables_that_cannot_be_rolled(self, table: Table, code: str) -> None:
        with pytest.raises(RulesError) as info:
            roll_table("t", table, band="", env=ENV, rng=Rng(b"x"), purpose="p")
        assert info.value.code == code

    def test_a_formula_error_is_an_expr_error(self) -> None:
        table = Table(formula="1d6 + nope", rows=ranged((1, 99)))
        with pytest.raises(ExprError, match="unknown name nope"):
            roll_table("t", table, band="", env=ENV, rng=Rng(b"x"), purpose="p")


def draw_all(table: Table, seed: bytes, draws: int) -> list[int]:
    """Draw like the engine: remember drawn rows and start over once all have been drawn."""
    rows = rows_for(table, "")
    drawn: frozenset[int] = frozenset()
    rng = Rng(seed)
    picks = []
    for _ in range(draws):
        result = roll_table("t", table, band="", env=ENV, rng=rng, drawn=drawn, purpose="p")
        picks.append(result.row_index)
        drawn = drawn | {result.row_index}
        if len(drawn) == len(rows):
            drawn = frozenset()
    return picks


class TestWithoutReplacement:
    @pytest.mark.parametrize("seed", [b"a", b"b", b"c", b"d", b"e"])
    def test_weighted_rows_never_repeat_until_reset(self, seed: bytes) -> None:
        table = Table(rows=weighted(1, 2, 3, 4), replacement=False)
        picks = draw_all(table, seed, 12)
        for cycle in range(3):
            assert sorted(picks[cycle * 4 : cycle * 4 + 4]) == [0, 1, 2, 3]

    def test_weighted_formula_covers_the_remaining_weight(self) -> None:
        table = Table(formula="1d100", rows=weighted(1, 2, 3, 4), replacement=False)
        result = roll_table(
            "t", table, band="", env=ENV, rng=Rng(b"w"), drawn=frozenset({1, 3}), purpose="p"
        )
        assert result.roll.formula == "1d4"  # weights 1 + 3 remain; the explicit formula is ignored
        assert result.row_index in (0, 2)

    @pytest.mark.parametrize("seed", [b"a", b"b", b"c", b"d", b"e"])
    def test_ranged_rows_never_repeat_until_reset(self, seed: bytes) -> None:
        table = Table(formula="1d6", rows=ranged((1, 2), (3, 4), (5, 6)), replacement=False)
        picks = draw_all(table, seed, 9)
        for cycle in range(3):
            assert sorted(picks[cycle * 3 : cycle * 3 + 3]) == [0, 1, 2]

    def test_ranged_rows_reroll_and_keep_the_rejected_rolls(self) -> None:
        table = Table(formula="2d6", rows=ranged((2, 11), (12, 12)), replacement=False)
        rng = Rng(b"reroll", 100)
        result = roll_table(
            "t", table, band="", env=ENV, rng=rng, drawn=frozenset({0}), purpose="p"
        )
        assert result.row_index == 1
        assert result.total == 12
        assert result.rejected, "rolling a 12 first time is unlikely for this seed"
        assert all(r.total <= 11 for r in result.rejected)
        spans = [*result.rejected, result.roll]
        assert spans[0].counter_start == 100
        for before, after in itertools.pairwise(spans):
            assert after.counter_start == before.counter_end
        assert rng.counter == result.roll.counter_end

    def test_everything_drawn_starts_over(self) -> None:
        table = Table(rows=weighted(1, 1), replacement=False)
        result = roll_table(
            "t", table, band="", env=ENV, rng=Rng(b"r"), drawn=frozenset({0, 1}), purpose="p"
        )
        assert result.roll.formula == "1d2"
        ranged_table = Table(formula="1d2", rows=ranged((1, 1), (2, 2)), replacement=False)
        result = roll_table(
            "t", ranged_table, band="", env=ENV, rng=Rng(b"r"), drawn=frozenset({0, 1}), purpose="p"
        )
        assert result.rejected == ()

    def test_drawn_is_ignored_with_replacement(self) -> None:
        table = Table(rows=weighted(1, 1))
        result = roll_table(
            "t", table, band="", env=ENV, rng=Rng(b"r"), drawn=frozenset({0}), purpose="p"
        )
        assert result.roll.formula == "1d2"

    def test_gives_up_when_only_drawn_rows_can_come_up(self) -> None:
        table = Table(formula="1", rows=ranged((1, 1), (2, 2)), replacement=False)
        rng = Rng(b"stuck")
        with pytest.raises(RulesError) as info:
            roll_table("t", table, band="", env=ENV, rng=rng, drawn=frozenset({0}), purpose="p")
        assert info.value.code == "rules/table_exhausted"
        assert MAX_ATTEMPTS == 10_000


class TestCheckRanges:
    def test_exact_cover_is_fine(self) -> None:
        assert check_ranges(ranged((2, 4), (5, 9), (10, 12)), 2, 12) == []

    def test_rows_reaching_past_the_totals_are_fine(self) -> None:
        assert check_ranges(ranged((-5, 4), (5, 99)), 2, 12) == []

    def test_gaps(self) -> None:
        assert check_ranges(ranged((2, 4), (7, 9), (11, 11)), 1, 13) == [
            "no row covers 1",
            "no row covers 5 to 6",
            "no row covers 10",
            "no row covers 12 to 13",
        ]

    def test_overlaps(self) -> None:
        assert check_ranges(ranged((1, 4), (3, 6), (6, 6)), 1, 6) == [
            "rows[0] and rows[1] both cover 3 to 4",
            "rows[1] and rows[2] both cover 6",
        ]

    def test_rows_without_or_with_empty_ranges(self) -> None:
        rows = (Row(range=(1, 3)), Row(weight=2), Row(range=(6, 4)), Row(range=(4, 6)))
        assert check_ranges(rows, 1, 6, label="bands.calm") == [
            "bands.calm[1] has no range",
            "bands.calm[2] has the empty range [6, 4]",
        ]

    def test_an_empty_interval_checks_only_the_rows(self) -> None:
        assert check_ranges(ranged((1, 2)), 5, 4) == []


class TestFormulaBounds:
    @pytest.mark.parametrize(
        ("formula", "bounds"),
        [
            ("7", (7, 7)),
            ("1d6", (1, 6)),
            ("d20", (1, 20)),
            ("2d6 + 1", (3, 13)),
            ("2d6 - 1d4", (-2, 11)),
            ("-2d6", (-12, -2)),
            ("2 * 1d6", (2, 12)),
            ("1d6 * (0 - 2)", (-12, -2)),
            ("1d6 * 1d6", (1, 36)),
            ("4d6kh3", (3, 18)),
            ("4d6kl1", (1, 6)),
            ("4d6dl1", (3, 18)),
            ("4d6dh3", (1, 6)),
            ("2d6kh5", (2, 12)),
            ("3d6dl5", (0, 0)),
            ("3d6cs>=4", (0, 3)),
            ("4d6kh2cs>=4", (0, 2)),
            ("3d6cs>6", (0, 0)),
            ("3d6cs>=1", (3, 3)),
            ("2d6r1", (2, 12)),
            ("(1 + 1)d(2 * 3)", (2, 12)),
            ("(1d3)d6", (1, 18)),
            ("(0)d6", (0, 0)),
            ("1d6 / 2", (0, 3)),
            ("1d6 / (0 - 2)", (-3, -1)),
            ("ceil(1d6 / 2)", (1, 3)),
            ("min(1d6, 3)", (1, 3)),
            ("max(1d6, 3)", (3, 6)),
            ("abs(1d6 - 4)", (0, 3)),
            ("abs(0 - 1d6)", (1, 6)),
            ("clamp(2d6, 4, 10)", (4, 10)),
            ("7 % 3", (1, 1)),
            ("1d6 >= 4", (0, 1)),
            ("true", (1, 1)),
        ],
    )
    def test_constant_formulas(self, formula: str, bounds: tuple[int, int]) -> None:
        assert formula_bounds(formula) == bounds

    @pytest.mark.parametrize(
        "formula",
        [
            "villagers",
            "2d6 + @difficulty.spawn_mod",
            "1d6 % 4",
            "1d6 / (1d3 - 2)",
            "count(heroes)",
            "'a'",
            "(villagers)d6",
        ],
    )
    def test_unknown_without_names(self, formula: str) -> None:
        assert formula_bounds(formula) is None

    def test_names_resolved_through_an_env(self) -> None:
        assert formula_bounds("2d6 + @difficulty.spawn_mod", ENV) == (3, 13)
        assert formula_bounds("@hero.attack", ENV) == (0, 2)
        assert formula_bounds("(villagers - 5)d6", ENV) == (2, 12)
        assert formula_bounds("missing + 1", ENV) is None
        assert formula_bounds("1d6kh(villagers - 6)", ENV) == (1, 6)

    def test_a_syntax_error_is_raised(self) -> None:
        with pytest.raises(ExprError):
            formula_bounds("2d")


MODIFIERS = st.sampled_from(
    ["", "kh", "kh2", "kl", "kl3", "dh", "dl2", "r1", "r<3", "cs>=4", "cs<2", "kh2cs>=3", "dl1r2"]
)


@st.composite
def dice_formulas(draw: st.DrawFn) -> str:
    terms = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if draw(st.booleans()):
            count = draw(st.integers(min_value=0, max_value=6))
            sides = draw(st.sampled_from([1, 2, 4, 6, 8, 20]))
            terms.append(f"{count}d{sides}{draw(MODIFIERS)}")
        else:
            terms.append(str(draw(st.integers(min_value=-5, max_value=5))))
    ops = [draw(st.sampled_from([" + ", " - ", " * "])) for _ in terms[1:]]
    return terms[0] + "".join(op + f"({term})" for op, term in zip(ops, terms[1:], strict=True))


@given(dice_formulas(), st.binary(min_size=1, max_size=8))
@settings(max_examples=200)
def test_dice_totals_stay_within_formula_bounds(formula: str, seed: bytes) -> None:
    bounds = formula_bounds(formula)
    assert bounds is not None, formula
    rng = Rng(seed)
    for _ in range(5):
        total = evaluate_int(formula, ENV, rng)
        assert bounds[0] <= total <= bounds[1], (formula, total, bounds)
