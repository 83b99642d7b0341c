"""The expression language: grammar, semantics, dice modifiers, errors and robustness."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibo.core.errors import CoreError
from cibo.core.expr import (
    Die,
    Env,
    Expr,
    ExprError,
    MapEnv,
    Value,
    compile_expr,
    evaluate,
    evaluate_bool,
    evaluate_int,
)
from cibo.core.expr.evaluator import _compiled, _Evaluator
from cibo.core.rng import Rng


class ScriptedRng(Rng):
    """Dice come from a list, so modifier tests can choose what was rolled."""

    def __init__(self, faces: list[int]) -> None:
        super().__init__(b"")
        self.faces = list(faces)

    def die(self, sides: int) -> int:
        self.counter += 1
        face = self.faces.pop(0)
        assert 1 <= face <= sides
        return face


ZONES = [
    MapEnv({"name": "east", "noise": 3, "$each.noise": 3}),
    MapEnv({"name": "west", "noise": 0, "$each.noise": 0}),
    MapEnv({"name": "north", "noise": 5, "$each.noise": 5}),
]
HEROES = [MapEnv({"hp": 4, "tech": 1}), MapEnv({"hp": 6, "tech": 3})]

ENV = MapEnv(
    {
        "villagers": 7,
        "round": 3,
        "rounds": 12,
        "convoy.at": "shaft",
        "convoy.launched": True,
        "@difficulty.spawn_mod": 1,
        "@hero.attack": "2d6cs>=4",
        "@hero.tech": 2,
        "@hero.plan": "@hero.tech * 2",
        "@hero.bad": "2 +",
        "@hero.name": "zuru",
        "@alarm.rates": (1, 2, 3),
        "@alarm.same": (1, 2, 3),
        "@flag": "villagers > 5",
        "@loop": "@loop + 1",
        "$zone": "east",
        "$allies": 2,
        "$roll": 9,
    },
    {"zones:watchtower": ZONES, "heroes": HEROES, "none": []},
)


def value(source: str, env: Env = ENV, rng: Rng | None = None) -> Value:
    return evaluate(source, env, rng).value


class TestArithmetic:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("1 + 2 * 3", 7),
            ("(1 + 2) * 3", 9),
            ("2 - 3 - 4", -5),
            ("2 - (3 - 4)", 3),
            ("12 / 2 / 3", 2),
            ("7 / 2", 3),
            ("-7 / 2", -4),
            ("-7 // 2", -4),
            ("7 % 3", 1),
            ("-7 % 3", 2),
            ("7 % -3", -2),
            ("2 * 3 % 4", 2),
            ("-2 * 3", -6),
            ("- -3", 3),
            ("--3", 3),
            ("-(1 + 2)", -3),
            ("1 +\n 2", 3),
            ("10 - 2 * 3 + 8 / 4", 6),
            ("007", 7),
        ],
    )
    def test_operators_and_precedence(self, source: str, expected: int) -> None:
        assert value(source) == expected

    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("min(3, 1, 2)", 1),
            ("max(3, 1, 2)", 3),
            ("min(4)", 4),
            ("abs(-4)", 4),
            ("abs(4)", 4),
            ("clamp(15, 0, 10)", 10),
            ("clamp(-5, 0, 10)", 0),
            ("clamp(5, 0, 10)", 5),
            ("ceildiv(7, 2)", 4),
            ("ceildiv(-7, 2)", -3),
            ("ceildiv(6, 3)", 2),
            ("ceil(villagers / 3)", 3),
            ("ceil(villagers // 3)", 3),
            ("ceil(2 * 7 / 4)", 4),
            ("ceil(-7 / 2)", -3),
            ("-min(2, villagers)", -2),
            ("max(0, villagers - 10)", 0),
        ],
    )
    def test_functions(self, source: str, expected: int) -> None:
        assert value(source) == expected

    def test_booleans_count_as_one_and_zero(self) -> None:
        assert value("true + true") == 2
        assert evaluate_int("villagers > 5", ENV) == 1
        assert evaluate_int("convoy.launched", ENV) == 1


class TestLogic:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("1 < 2", True),
            ("2 <= 2", True),
            ("3 > 2", True),
            ("3 >= 4", False),
            ("1 == 1", True),
            ("1 != 1", False),
            ("1 + 2 == 3", True),
            ("not 1 == 2", True),
            ("not true and false", False),
            ("not (true and false)", True),
            ("true or false and false", True),
            ("(true or false) and false", False),
            ("not not true", True),
            ("villagers >= @difficulty.spawn_mod and round > 2", True),
            ("true == 1", True),
        ],
    )
    def test_comparisons_and_connectives(self, source: str, expected: bool) -> None:
        assert value(source) is expected

    def test_conditions_take_truthiness(self) -> None:
        assert evaluate_bool("villagers", ENV) is True
        assert evaluate_bool("villagers - 7", ENV) is False
        assert evaluate_bool("@flag", ENV) is True  # a name holding a condition

    def test_and_or_short_circuit(self) -> None:
        assert value("false and nope") is False
        assert value("true or 1 / 0 == 1") is True


class TestNamesAndText:
    def test_three_kinds_of_names(self) -> None:
        assert value("villagers + @difficulty.spawn_mod + $allies") == 10

    def test_text_compares_as_text(self) -> None:
        assert value("convoy.at == 'shaft'") is True
        assert value('convoy.at != "dock"') is True
        assert value("@hero.name == $zone") is False
        assert value("'it\\'s' == \"it's\"") is True

    def test_a_name_holding_text_gives_the_text_as_a_value(self) -> None:
        assert value("convoy.at") == "shaft"
        assert value("@hero.attack") == "2d6cs>=4"

    def test_tuples_compare_for_equality_only(self) -> None:
        assert value("@alarm.rates == @alarm.same") is True
        with pytest.raises(ExprError, match="list of numbers"):
            value("@alarm.rates + 1")
        with pytest.raises(ExprError, match="list of numbers"):
            value("@alarm.rates == 1")

    def test_text_literals_are_not_numbers(self) -> None:
        with pytest.raises(ExprError, match="not a number") as info:
            value("1 + 'a'")
        assert info.value.column == 5
        with pytest.raises(ExprError, match="not true or false"):
            evaluate_bool("'a'", ENV)


class TestFormulasInNames:
    def test_a_formula_in_a_name_is_rolled_in_numeric_context(self) -> None:
        rng = Rng(b"sub")
        out = evaluate("@hero.attack", ENV, rng, want="int")
        assert isinstance(out.value, int)
        assert 0 <= out.value <= 2
        assert len(out.dice) == 2
        assert out.value == sum(1 for d in out.dice if d.value >= 4)
        assert (out.counter_start, out.counter_end) == (0, 2)

    def test_inside_a_larger_expression(self) -> None:
        rng = ScriptedRng([6, 1])
        assert value("@hero.attack + 10", rng=rng) == 11

    def test_a_formula_can_use_names_and_nest(self) -> None:
        assert value("@hero.plan + 1") == 5

    def test_text_against_a_number_is_evaluated(self) -> None:
        assert value("@hero.plan == 4") is True

    def test_nesting_is_limited(self) -> None:
        with pytest.raises(ExprError, match="nested more than 4") as info:
            evaluate_int("@loop", ENV)
        assert info.value.column == 1

    def test_numbers_stay_in_the_exact_range(self) -> None:
        assert evaluate_int(str(2**53 - 1), ENV) == 2**53 - 1
        with pytest.raises(ExprError, match="numbers go up to 9,007,199,254,740,991") as info:
            evaluate_int("1 + 99999999999999999999", ENV)
        assert info.value.column == 5
        with pytest.raises(ExprError, match="out of range"):
            evaluate_int("4294967296 * 4294967296", ENV)
        with pytest.raises(ExprError, match="out of range"):
            evaluate_int("0 - 9007199254740991 - 1", ENV)

    def test_depth_counts_from_the_callers_depth(self) -> None:
        assert evaluate_int("@hero.plan", ENV, depth=3) == 4
        with pytest.raises(ExprError, match="nested"):
            evaluate_int("@hero.plan", ENV, depth=4)
        with pytest.raises(ExprError, match="nested"):
            evaluate_int("1", ENV, depth=5)

    def test_a_broken_formula_is_reported_with_its_name(self) -> None:
        with pytest.raises(ExprError, match=r"@hero.bad holds '2 \+'") as info:
            value("1 + @hero.bad")
        assert info.value.column == 5

    def test_an_error_inside_is_reported_with_its_name(self) -> None:
        env = MapEnv({"@a": "1 / 0"})
        with pytest.raises(ExprError, match="in @a = '1 / 0': division by zero"):
            evaluate_int("@a", env)


class TestCollections:
    def test_count(self) -> None:
        assert value("count(zones:watchtower)") == 3
        assert value("count(zones:watchtower where noise >= 2)") == 2
        assert value("count(zones:watchtower where $each.noise > 4)") == 1
        assert value("count(none)") == 0

    def test_sum(self) -> None:
        assert value("sum(heroes of hp)") == 10
        assert value("sum(heroes of hp * 2 where tech > 1)") == 12
        assert value("sum(none of hp)") == 0

    def test_items_see_outer_names_through_their_own_env(self) -> None:
        outer = MapEnv({"limit": 2})
        zones = [MapEnv({"noise": n}, parent=outer) for n in (1, 2, 3)]
        env = MapEnv({}, {"zones": zones}, parent=outer)
        assert value("count(zones where noise >= limit)", env) == 2

    def test_unknown_collection(self) -> None:
        with pytest.raises(ExprError, match="unknown collection 'units'") as info:
            value("1 + count(units)")
        assert info.value.column == 5


class TestDice:
    def test_plain_dice_sum(self) -> None:
        rng = ScriptedRng([3, 5])
        out = evaluate("2d6 + 1", ENV, rng)
        assert out.value == 9
        assert out.dice == (Die(6, 3), Die(6, 5))
        assert (out.counter_start, out.counter_end) == (0, 2)

    def test_d_alone_is_one_die(self) -> None:
        assert value("d8", rng=ScriptedRng([7])) == 7
        assert value("-d8", rng=ScriptedRng([7])) == -7
        assert value("(d8)", rng=ScriptedRng([7])) == 7

    def test_computed_counts_and_sides(self) -> None:
        rng = ScriptedRng([1, 2, 3, 4])
        out = evaluate("(1 + min(3, $allies))d(2 * 3)", ENV, rng)
        assert out.value == 6
        assert [d.sides for d in out.dice] == [6, 6, 6]

    def test_count_and_sides_are_rolled_before_the_pool(self) -> None:
        out = evaluate("(d2)d6", ENV, ScriptedRng([2, 3, 4]))
        assert out.value == 7
        assert out.dice == (Die(2, 2), Die(6, 3), Die(6, 4))

    def test_zero_dice(self) -> None:
        out = evaluate("(0)d6 + 1", ENV, Rng(b"z"))
        assert out.value == 1
        assert out.dice == ()

    @pytest.mark.parametrize(
        ("source", "faces", "total", "kept"),
        [
            ("4d6kh3", [1, 6, 6, 1], 13, [True, True, True, False]),
            ("4d6k3", [1, 6, 6, 1], 13, [True, True, True, False]),
            ("4d6kh", [1, 6, 6, 1], 6, [False, True, False, False]),
            ("4d6kl2", [1, 6, 6, 1], 2, [True, False, False, True]),
            ("4d6dh1", [1, 6, 6, 1], 8, [True, False, True, True]),
            ("4d6dl1", [1, 6, 6, 1], 13, [False, True, True, True]),
            ("4d6d1", [1, 6, 6, 1], 13, [False, True, True, True]),
            ("4d6dl", [2, 6, 5, 1], 13, [True, True, True, False]),
            ("3d6kh5", [2, 3, 4], 9, [True, True, True]),
            ("3d6dl5", [2, 3, 4], 0, [False, False, False]),
            ("4d6kh(1 + 1)", [1, 6, 5, 1], 11, [False, True, True, False]),
            ("4d6dl1kh1", [1, 6, 5, 1], 6, [False, True, False, False]),
        ],
    )
    def test_keep_and_drop(
        self, source: str, faces: list[int], total: int, kept: list[bool]
    ) -> None:
        out = evaluate(source, ENV, ScriptedRng(faces))
        assert out.value == total
        assert [d.kept for d in out.dice] == kept

    @pytest.mark.parametrize(
        ("source", "faces", "total"),
        [
            ("3d6cs>=4", [4, 3, 6], 2),
            ("3d6cs>4", [4, 3, 6], 1),
            ("3d6cs<=3", [4, 3, 6], 1),
            ("3d6cs<4", [4, 3, 1], 2),
            ("3d6cs=6", [6, 3, 6], 2),
            ("3d6cs==6", [6, 3, 6], 2),
            ("3d6cs>=(@hero.tech + 2)", [4, 3, 6], 2),
            ("4d6kh2cs>=5", [6, 5, 5, 1], 2),
            ("4d6dh2cs>=5", [6, 5, 5, 1], 1),
            ("(2 + min(1, $allies))d6cs>=4", [4, 1, 5], 2),
        ],
    )
    def test_count_successes(self, source: str, faces: list[int], total: int) -> None:
        assert value(source, rng=ScriptedRng(faces)) == total

    def test_reroll_once_marks_the_original_and_appends_the_replacement(self) -> None:
        out = evaluate("3d6r1", ENV, ScriptedRng([1, 4, 1, 1, 2]))
        assert out.value == 4 + 1 + 2  # a replacement 1 is not rerolled again
        assert out.dice == (
            Die(6, 1, kept=False, rerolled=True),
            Die(6, 4),
            Die(6, 1, kept=False, rerolled=True),
            Die(6, 1),
            Die(6, 2),
        )
        assert out.counter_end == 5

    @pytest.mark.parametrize(
        ("source", "faces", "total"),
        [
            ("2d6r", [1, 2, 5], 7),
            ("2d6r2", [1, 2, 5], 6),
            ("2d6r=2", [1, 2, 5], 6),
            ("2d6r<3", [1, 2, 5, 6], 11),
            ("2d6r<=1", [1, 2, 5], 7),
            ("2d6r>5", [6, 2, 5], 7),
            ("2d6r>=6", [6, 2, 5], 7),
            ("3d6r1kh2", [1, 2, 3, 6], 9),
        ],
    )
    def test_reroll_conditions(self, source: str, faces: list[int], total: int) -> None:
        rng = ScriptedRng(faces)
        assert value(source, rng=rng) == total
        assert rng.faces == []

    def test_dice_need_a_stream(self) -> None:
        with pytest.raises(ExprError, match="dice need a random stream"):
            value("1 + 2d6")
        assert value("false and 2d6 > 1") is False  # never rolled

    @pytest.mark.parametrize(
        ("source", "message"),
        [
            ("($big)d6", "at most|0 to 100 dice"),
            ("(0 - 1)d6", "0 to 100 dice"),
            ("1d($big * 20)", "1 to 1000 sides"),
            ("1d(0)", "1 to 1000 sides"),
            ("3d6kh(0 - 1)", "at least 0"),
        ],
    )
    def test_computed_limits(self, source: str, message: str) -> None:
        with pytest.raises(ExprError, match=message):
            value(source, MapEnv({"$big": 101}), Rng(b"limits"))

    def test_limits_at_the_edges(self) -> None:
        out = evaluate("100d1000", ENV, Rng(b"big"))
        assert len(out.dice) == 100
        assert all(1 <= d.value <= 1000 for d in out.dice)


class TestCompiledForm:
    def test_is_cached_hashable_and_equal_by_source(self) -> None:
        a = compile_expr("1 + villagers")
        assert compile_expr("1 + villagers") is a
        assert a == Expr(a.source, a.root, a.has_dice, names=frozenset(), collections=frozenset(),
                         item_names=frozenset())  # fmt: skip
        assert hash(a) == hash(compile_expr("1 + villagers"))
        assert str(a) == "1 + villagers"
        assert evaluate(a, ENV).value == 8

    def test_references_and_collections(self) -> None:
        e = compile_expr(
            "count(zones:watchtower where noise >= @x) + sum(heroes of $each.hp) + villagers"
            " + @hero.attack + convoy.at"
        )
        assert e.references() == {
            ("", ("villagers",)),
            ("", ("noise",)),
            ("@", ("x",)),
            ("$", ("each", "hp")),
            ("@", ("hero", "attack")),
            ("", ("convoy", "at")),
        }
        assert e.item_references() == {
            ("zones:watchtower", "", ("noise",)),
            ("zones:watchtower", "@", ("x",)),
            ("heroes", "$", ("each", "hp")),
        }
        assert e.collections() == {"zones:watchtower", "heroes"}
        assert not e.has_dice

    def test_has_dice(self) -> None:
        assert compile_expr("1 + (2)d6").has_dice
        assert compile_expr("max(1, d4)").has_dice
        assert not compile_expr("@hero.attack").has_dice  # what a name holds is not looked into

    def test_no_rng_means_equal_counters(self) -> None:
        out = evaluate("1 + 1", ENV)
        assert out.counter_start == out.counter_end == 0
        rng = Rng(b"c", 42)
        out = evaluate("1 + 1", ENV, rng)
        assert out.counter_start == out.counter_end == 42


class TestSyntaxErrors:
    @pytest.mark.parametrize(
        ("source", "column", "message"),
        [
            ("2d", 3, "number of sides"),
            ("2d6 + 3d", 9, "number of sides"),
            ("1 +", 4, "unexpected end"),
            ("max(", 5, "unexpected end"),
            ("max(1, 2", 9, "expected '\\)'"),
            ("@", 1, "name right after '@'"),
            ("1 + $", 5, "name right after '\\$'"),
            ("foo(1)", 1, "unknown function 'foo'"),
            ("1 + bar(2)", 5, "unknown function 'bar'"),
            ("", 1, "empty formula"),
            ("   ", 1, "empty formula"),
            ("3 4", 3, "unexpected '4'"),
            ("1 = 2", 3, "use '=='"),
            ("1 < 2 < 3", 7, "cannot be chained"),
            ("2 d6", 3, "without spaces"),
            ("2d6x", 4, "unknown dice modifier 'x'"),
            ("2d6khz", 6, "unknown dice modifier 'z'"),
            ("2d6cs", 4, "needs a condition"),
            ("2d6cs>=", 8, "number right after cs>="),
            ("2d6cs>=4kh1", 4, "last dice modifier"),
            ("2d6r!=3", 5, "not !="),
            ("2d6cs!=3", 4, "needs a condition"),
            ("101d6", 1, "at most 100 dice"),
            ("2d1001", 3, "1 to 1000 sides"),
            ("2d0", 3, "1 to 1000 sides"),
            ("max(1)d6", 1, "number of dice"),
            ("villagers d6", 11, "without spaces"),
            ("'abc", 1, "closing quote"),
            ("1 # 2", 3, "unexpected character '#'"),
            ("1.5 * 2", 2, "no decimals"),
            ("@hero.repair|1", 13, "unexpected character '|'"),
            ("ceil(villagers)", 1, "takes a division"),
            ("ceil(7 / 2 + 1)", 1, "takes a division"),
            ("abs(1, 2)", 1, "takes 1 argument"),
            ("clamp(1, 2)", 1, "takes 3 argument"),
            ("min()", 1, "at least 1"),
            ("count(1)", 7, "collection name"),
            ("count(zones:)", 13, "name after ':'"),
            ("sum(heroes)", 11, "expected 'of'"),
            ("sum(heroes where hp > 1)", 12, "expected 'of'"),
            ("where + 1", 1, "unexpected 'where'"),
            ("1 ** 2", 4, "unexpected '\\*'"),
            ("(1 + 2", 7, "expected '\\)'"),
            (")", 1, "unexpected '\\)'"),
            ("(" * 40 + "1" + ")" * 40, 33, "nested more than 32"),
            ("-" * 40 + "1", 32, "nested more than 32"),
        ],
    )
    def test_errors_carry_a_column(self, source: str, column: int, message: str) -> None:
        with pytest.raises(ExprError, match=message) as info:
            compile_expr(source)
        assert info.value.column == column
        assert info.value.source == source

    def test_error_is_a_core_error_and_a_value_error(self) -> None:
        with pytest.raises(ExprError) as info:
            compile_expr("1 +")
        assert isinstance(info.value, CoreError)
        assert isinstance(info.value, ValueError)
        assert info.value.code == "rules/expression"
        assert str(info.value) == "unexpected end of formula at column 4 in '1 +'"

    def test_overlong_source(self) -> None:
        with pytest.raises(ExprError, match="longer than"):
            compile_expr("1 + " * 600 + "1")


class TestEvaluationErrors:
    @pytest.mark.parametrize(
        ("source", "column", "message"),
        [
            ("villagers + nope", 13, "unknown name nope"),
            ("@difficulty.missing", 1, "unknown name @difficulty.missing"),
            ("$target.zone", 1, "unknown name \\$target.zone"),
            ("1 / 0", 3, "division by zero"),
            ("1 // (villagers - 7)", 3, "division by zero"),
            ("5 % 0", 3, "division by zero"),
            ("ceildiv(1, 0)", 1, "division by zero"),
            ("ceil(1 / 0)", 1, "division by zero"),
            ("clamp(1, 5, 3)", 1, "reversed"),
        ],
    )
    def test_errors_carry_a_column(self, source: str, column: int, message: str) -> None:
        with pytest.raises(ExprError, match=message) as info:
            value(source)
        assert info.value.column == column

    def test_env_returning_a_foreign_type(self) -> None:
        env = MapEnv({"x": 1.5})  # type: ignore[dict-item]
        with pytest.raises(ExprError, match="holds a float"):
            value("x", env)


# --------------------------------------------------------------------------- properties

INT_NAMES = {"a": 3, "b": -4, "@c.d": 7, "$e": 0}
INT_ENV = MapEnv(dict(INT_NAMES))

# A tree is ("lit", n) | ("name", spelled) | ("neg", t) | ("bin", op, l, r) | ("call", fn, args).
Tree = tuple[object, ...]
LEVEL = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2, "%": 2}


class Undefined(Exception):
    pass


def reference(tree: Tree) -> int:
    """Integer semantics written independently of the module under test."""
    kind = tree[0]
    if kind == "lit":
        value = tree[1]
        assert isinstance(value, int)
        return value
    if kind == "name":
        return INT_NAMES[str(tree[1])]
    if kind == "neg":
        return -reference(tree[1])  # type: ignore[arg-type]
    if kind == "bin":
        op, left, right = tree[1], reference(tree[2]), reference(tree[3])  # type: ignore[arg-type]
        if op in ("/", "//", "%") and right == 0:
            raise Undefined
        ops: dict[object, Callable[[int, int], int]] = {
            "+": lambda x, y: x + y,
            "-": lambda x, y: x - y,
            "*": lambda x, y: x * y,
            "/": lambda x, y: x // y,
            "//": lambda x, y: x // y,
            "%": lambda x, y: x % y,
        }
        return ops[op](left, right)
    fn, args = tree[1], [reference(a) for a in tree[2]]  # type: ignore[attr-defined]
    if fn == "min":
        return min(args)
    if fn == "max":
        return max(args)
    if fn == "abs":
        return abs(args[0])
    if fn == "clamp":
        if args[1] > args[2]:
            raise Undefined
        x, low, high = args
        return low if x < low else high if x > high else x
    if args[1] == 0:  # ceildiv
        raise Undefined
    quotient, remainder = divmod(args[0], args[1])
    return quotient + (1 if remainder else 0)


def render(tree: Tree, space: str) -> str:
    kind = tree[0]
    if kind == "lit":
        return str(tree[1])
    if kind == "name":
        return str(tree[1])
    if kind == "neg":
        inner = tree[1]
        text = render(inner, space)  # type: ignore[arg-type]
        # A binary operand needs parentheses: unary minus binds tighter than any operator.
        return f"-({text})" if inner[0] == "bin" else f"-{text}"  # type: ignore[index]
    if kind == "bin":
        op, left, right = tree[1], tree[2], tree[3]
        lt, rt = render(left, space), render(right, space)  # type: ignore[arg-type]
        if left[0] == "bin" and LEVEL[left[1]] < LEVEL[op]:  # type: ignore[index]
            lt = f"({lt})"
        if right[0] == "bin" and LEVEL[right[1]] <= LEVEL[op]:  # type: ignore[index]
            rt = f"({rt})"
        return f"{lt}{space}{op}{space}{rt}"
    args = ", ".join(render(a, space) for a in tree[2])  # type: ignore[attr-defined]
    return f"{tree[1]}({args})"


def trees() -> st.SearchStrategy[Tree]:
    leaves = st.one_of(
        st.tuples(st.just("lit"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("name"), st.sampled_from(sorted(INT_NAMES))),
    )

    def extend(inner: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
        return st.one_of(
            st.tuples(st.just("neg"), inner),
            st.tuples(st.just("bin"), st.sampled_from(sorted(LEVEL)), inner, inner),
            st.tuples(
                st.just("call"),
                st.sampled_from(["min", "max"]),
                st.lists(inner, min_size=1, max_size=3).map(tuple),
            ),
            st.tuples(st.just("call"), st.just("abs"), st.tuples(inner)),
            st.tuples(st.just("call"), st.just("clamp"), st.tuples(inner, inner, inner)),
            st.tuples(st.just("call"), st.just("ceildiv"), st.tuples(inner, inner)),
        )

    return st.recursive(leaves, extend, max_leaves=12)


@given(trees(), st.sampled_from(["", " "]))
@settings(max_examples=200)
def test_integer_expressions_match_a_reference_evaluator(tree: Tree, space: str) -> None:
    source = render(tree, space)
    try:
        expected = reference(tree)
    except Undefined:
        with pytest.raises(ExprError):
            evaluate_int(source, INT_ENV)
        return
    assert evaluate_int(source, INT_ENV) == expected, source


@given(trees(), trees(), st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), st.booleans())
@settings(max_examples=50)
def test_comparisons_match_python(left: Tree, right: Tree, op: str, negate: bool) -> None:
    try:
        a, b = reference(left), reference(right)
    except Undefined:
        return
    expected = {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    source = f"({render(left, ' ')}) {op} ({render(right, ' ')})"
    if negate:
        source, expected = f"not {source}", not expected
    assert evaluate_bool(source, INT_ENV) is expected


FORMULA_ALPHABET = "0123456789dkhlcsr<>=!+-*/%() ,:@$._'\"abnotwhereofmixu\n"


@given(st.one_of(st.text(max_size=40), st.text(alphabet=FORMULA_ALPHABET, max_size=40)))
@settings(max_examples=300)
def test_arbitrary_text_only_ever_raises_expr_error(source: str) -> None:
    try:
        compiled = compile_expr(source)
    except ExprError as e:
        assert e.column is None or 1 <= e.column <= len(source) + 1
        return
    env = MapEnv({"a": 2, "b": "1d4", "@a": 3, "$a": True}, {"a": [MapEnv({"a": 1})]})
    with contextlib.suppress(ExprError):
        evaluate(compiled, env, Rng(b"fuzz"), want="int")


# Names the formulas below may use: ENV's, with the words that appear in the alphabet.
CLOSURE_ENV = MapEnv(
    {**ENV.names, "a": 2, "b": "1d4", "t": "x", "@a": 3, "$a": True, "@t": (1, 2)},
    {**ENV.collections, "a": [MapEnv({"a": 1}), MapEnv({"a": 0})]},
)
SAMPLES = [
    "villagers > 5 and not convoy.launched or @flag",
    "@hero.attack + @hero.plan * 2 - $roll % 4",
    "convoy.at == 'shaft' and @alarm.rates == @alarm.same",
    "count(zones:watchtower where noise >= 3) + sum(heroes of hp where tech > 1)",
    "min(a, 3) + clamp(b, 1, 2) - ceil(villagers / 2) + 2d6kh1",
    "@hero.name != t or a / 0",
    "-(a) * -@a + (1 < 2) + true",
]


@given(
    st.one_of(
        st.sampled_from(SAMPLES),
        trees().map(lambda t: render(t, " ")),
        st.text(alphabet=FORMULA_ALPHABET, max_size=40),
    ),
    st.sampled_from(["int", "bool", "value"]),
)
@settings(max_examples=400)
def test_closures_do_what_the_tree_walk_does(source: str, want: str) -> None:
    """The closures an expression runs as give the tree walk's value, dice and errors."""
    try:
        compiled = compile_expr(source)
    except ExprError:
        return
    walk = {"int": "num", "bool": "truth", "value": "value"}[want]

    def run(fn: Callable[[_Evaluator], object], env: Env) -> tuple[object, ...]:
        dice: list[Die] = []
        rng = Rng(b"same stream")
        evaluator = _Evaluator(compiled.source, env, rng, dice, 0)
        try:
            return ("ok", fn(evaluator), dice, rng.counter)
        except ExprError as e:
            return ("error", e.message, e.column, rng.counter)

    for env in (CLOSURE_ENV, INT_ENV):
        walked = run(lambda ev: getattr(ev, walk)(compiled.root), env)
        assert run(_compiled(compiled.root, want), env) == walked, source
