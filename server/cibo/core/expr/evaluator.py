"""The evaluator: a compiled expression, an environment and a random stream to a value."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from cibo.core.expr.compiled import Expr, compile_expr
from cibo.core.expr.errors import ExprError
from cibo.core.expr.syntax import (
    Arith,
    Bool,
    Call,
    Compare,
    Count,
    Dice,
    Logic,
    Name,
    Neg,
    Node,
    Not,
    Num,
    Sum,
    Text,
)
from cibo.core.expr.values import (
    MAX_DEPTH,
    MAX_DICE,
    MAX_SIDES,
    MAX_VALUE,
    Die,
    Env,
    Outcome,
    Value,
)
from cibo.core.rng import Rng

__all__ = ["evaluate", "evaluate_bool", "evaluate_int"]


class _Evaluator:
    """Evaluates one expression's tree; sub-formulas and collection items get their own."""

    __slots__ = ("depth", "dice", "env", "rng", "source")

    def __init__(self, source: str, env: Env, rng: Rng | None, dice: list[Die], depth: int) -> None:
        self.source = source
        self.env = env
        self.rng = rng
        self.dice = dice
        self.depth = depth

    def error(self, message: str, col: int) -> ExprError:
        return ExprError(message, col, self.source)

    def value(self, node: Node) -> Value:
        match node:
            case Num(value) | Bool(value) | Text(value):
                return value
            case Name():
                return self.lookup(node)
            case Not() | Compare() | Logic():
                return self.truth(node)
            case _:
                return self.num(node)

    def num(self, node: Node) -> int:
        match node:
            case Num(value):
                return value
            case Bool(value):
                return int(value)
            case Name():
                return self.to_int(self.lookup(node), node)
            case Neg(operand):
                return -self.num(operand)
            case Arith():
                return self.arith(node)
            case Call():
                return self.call(node)
            case Count():
                return self.count(node)
            case Sum():
                return self.sum(node)
            case Dice():
                return self.roll(node)
            case Not() | Compare() | Logic():
                return int(self.truth(node))
            case Text(value, col):
                raise self.error(f"text {value!r} is not a number", col)

    def truth(self, node: Node) -> bool:
        match node:
            case Bool(value):
                return value
            case Not(operand):
                return not self.truth(operand)
            case Logic("and", operands):
                return all(self.truth(o) for o in operands)
            case Logic("or", operands):
                return any(self.truth(o) for o in operands)
            case Compare():
                return self.compare(node)
            case Name():
                return self.to_truth(self.lookup(node), node)
            case Text(value, col):
                raise self.error(f"text {value!r} is not true or false", col)
            case _:
                return self.num(node) != 0

    # Conversions of looked-up values

    def to_int(self, value: Value, node: Node) -> int:
        if isinstance(value, int):  # bool included: true is 1
            return int(value)
        if isinstance(value, str):
            if isinstance(node, Name):
                result = self.formula(value, node, want_bool=False)
                return int(result)
            raise self.error(f"text {value!r} is not a number", _col(node))
        raise self.error(f"{_describe(node)} is a list of numbers, not a number", _col(node))

    def to_truth(self, value: Value, node: Name) -> bool:
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            return bool(self.formula(value, node, want_bool=True))
        raise self.error(f"{node.spelled} is a list of numbers, not true or false", node.col)

    def formula(self, text: str, node: Name, *, want_bool: bool) -> int | bool:
        """Evaluate the formula held by a name, with the same names and random stream."""
        if self.depth >= MAX_DEPTH:
            message = f"{node.spelled} leads to formulas nested more than {MAX_DEPTH} deep"
            raise self.error(message, node.col)
        try:
            compiled = compile_expr(text)
        except ExprError as e:
            message = f"{node.spelled} holds {text!r}, which is not a formula: {e.message}"
            raise self.error(message, node.col) from e
        child = _Evaluator(compiled.source, self.env, self.rng, self.dice, self.depth + 1)
        try:
            return child.truth(compiled.root) if want_bool else child.num(compiled.root)
        except ExprError as e:
            raise self.error(f"in {node.spelled} = {text!r}: {e.message}", node.col) from e

    def lookup(self, node: Name) -> Value:
        try:
            value = self.env.lookup(node.sigil, node.path)
        except KeyError:
            raise self.error(f"unknown name {node.spelled}", node.col) from None
        return self.checked(value, node)

    def checked(self, value: object, node: Name) -> Value:
        """``value`` as looked up for ``node``, refused unless it is a value."""
        if not isinstance(value, int | str | tuple):
            kind = type(value).__name__
            raise self.error(f"{node.spelled} holds a {kind}, not a value", node.col)
        return value

    # Operators

    def arith(self, node: Arith) -> int:
        acc = self.num(node.first)
        for op, operand, col in node.rest:
            acc = _step(self, acc, op, self.num(operand), col)
        return acc

    def compare(self, node: Compare) -> bool:
        if node.op in ("==", "!="):
            left, right = self.value(node.left), self.value(node.right)
            if (isinstance(left, str) and isinstance(right, str)) or (
                isinstance(left, tuple) and isinstance(right, tuple)
            ):
                same = left == right
            else:
                same = self.to_int(left, node.left) == self.to_int(right, node.right)
            return same if node.op == "==" else not same
        return _holds(self.num(node.left), node.op, self.num(node.right))

    def call(self, node: Call) -> int:
        args = [self.num(a) for a in node.args]
        if node.fn == "min":
            return min(args)
        if node.fn == "max":
            return max(args)
        if node.fn == "abs":
            return abs(args[0])
        if node.fn == "clamp":
            x, low, high = args
            if low > high:
                raise self.error(f"clamp() bounds are reversed: {low} > {high}", node.col)
            return min(max(x, low), high)
        a, b = args  # ceildiv
        if b == 0:
            raise self.error("division by zero", node.col)
        return -(-a // b)

    def items(self, collection: str, col: int) -> Sequence[Env]:
        try:
            return self.env.items(collection)
        except KeyError:
            raise self.error(f"unknown collection {collection!r}", col) from None

    def count(self, node: Count) -> int:
        items = self.items(node.collection, node.col)
        if node.where is None:
            return len(items)
        where = node.where
        return sum(1 for item in items if self.within(item).truth(where))

    def sum(self, node: Sum) -> int:
        total = 0
        for item in self.items(node.collection, node.col):
            scoped = self.within(item)
            if node.where is None or scoped.truth(node.where):
                total += scoped.num(node.of)
        return total

    def within(self, item: Env) -> _Evaluator:
        return _Evaluator(self.source, item, self.rng, self.dice, self.depth)

    # Dice

    def roll(self, node: Dice) -> int:
        if self.rng is None:
            raise self.error("dice need a random stream", node.col)
        rng = self.rng
        count = self.num(node.count)
        sides = self.num(node.sides)
        if not 0 <= count <= MAX_DICE:
            raise self.error(f"a dice term rolls 0 to {MAX_DICE} dice, not {count}", node.col)
        if not 1 <= sides <= MAX_SIDES:
            raise self.error(f"dice have 1 to {MAX_SIDES} sides, not {sides}", _col(node.sides))
        mods = [(m.kind, m.cmp, self.num(m.arg), m.col) for m in node.modifiers]
        for kind, cmp, arg, col in mods:
            if not cmp and arg < 0:
                raise self.error(f"{kind} needs a number of dice of at least 0, not {arg}", col)

        values = [rng.die(sides) for _ in range(count)]
        kept = [True] * count
        rerolled = [False] * count
        counted = list(range(count))  # indexes of the dice that still count, in roll order
        success: tuple[str, int] | None = None
        for kind, cmp, arg, _ in mods:
            if kind == "r":
                for pos, i in enumerate(counted):
                    if _holds(values[i], cmp, arg):
                        kept[i], rerolled[i] = False, True
                        values.append(rng.die(sides))
                        kept.append(True)
                        rerolled.append(False)
                        counted[pos] = len(values) - 1
            elif kind == "cs":
                success = (cmp, arg)
            else:
                chosen = _keep_or_drop(kind, arg, counted, values)
                for i in counted:
                    kept[i] = i in chosen
                counted = [i for i in counted if i in chosen]

        rolled = zip(values, kept, rerolled, strict=True)
        self.dice.extend(Die(sides, value, k, r) for value, k, r in rolled)
        if success is None:
            return sum(values[i] for i in counted)
        return sum(1 for i in counted if _holds(values[i], *success))


# Compiled closures -------------------------------------------------------------------------
#
# Conditions and amounts are evaluated after every effect and for every legal action, and
# walking the tree (a ``match`` per node) was most of their cost. Each tree is turned once into
# closures over an evaluator, which do what the evaluator's methods do for that node, in the
# same order and with the same errors; nodes not worth it (calls, count, sum, dice, text) call
# the evaluator's method, so anything not specialised here behaves exactly as the tree walk.

_Fn = Callable[[_Evaluator], Any]


def _num_fn(node: Node) -> _Fn:
    """Closure doing what :meth:`_Evaluator.num` does for ``node``."""
    if isinstance(node, Num):
        value = node.value
        return lambda ev: value
    if isinstance(node, Bool):
        number = int(node.value)
        return lambda ev: number
    if isinstance(node, Name):
        return _name_num_fn(node)
    if isinstance(node, Neg):
        operand = _num_fn(node.operand)
        return lambda ev: -operand(ev)
    if isinstance(node, Arith):
        return _arith_fn(node)
    if isinstance(node, Not | Compare | Logic):
        truth = _truth_fn(node)
        return lambda ev: int(truth(ev))
    if isinstance(node, Count):
        return _count_fn(node)
    if isinstance(node, Sum):
        return _sum_fn(node)
    walked = node
    return lambda ev: ev.num(walked)


def _name_num_fn(node: Name) -> _Fn:
    """:meth:`_Evaluator.num` of a name; a plain number (most names) goes straight through."""
    sigil, path = node.sigil, node.path

    def number(ev: _Evaluator) -> int:
        try:
            value = ev.env.lookup(sigil, path)
        except KeyError:
            raise ev.error(f"unknown name {node.spelled}", node.col) from None
        if type(value) is int:
            return value
        return ev.to_int(ev.checked(value, node), node)

    return number


def _name_truth_fn(node: Name) -> _Fn:
    """:meth:`_Evaluator.truth` of a name; a plain number goes straight through."""
    sigil, path = node.sigil, node.path

    def truth(ev: _Evaluator) -> bool:
        try:
            value = ev.env.lookup(sigil, path)
        except KeyError:
            raise ev.error(f"unknown name {node.spelled}", node.col) from None
        if type(value) is int:
            return value != 0
        return ev.to_truth(ev.checked(value, node), node)

    return truth


def _count_fn(node: Count) -> _Fn:
    """:meth:`_Evaluator.count`, with its condition compiled too."""
    collection, col = node.collection, node.col
    if node.where is None:
        return lambda ev: len(ev.items(collection, col))
    where = _truth_fn(node.where)

    def count(ev: _Evaluator) -> int:
        return sum(1 for item in ev.items(collection, col) if where(ev.within(item)))

    return count


def _sum_fn(node: Sum) -> _Fn:
    """:meth:`_Evaluator.sum`, with its terms and condition compiled too."""
    collection, col = node.collection, node.col
    of = _num_fn(node.of)
    where = _truth_fn(node.where) if node.where is not None else None

    def total(ev: _Evaluator) -> int:
        result = 0
        for item in ev.items(collection, col):
            scoped = ev.within(item)
            if where is None or where(scoped):
                result += of(scoped)
        return result

    return total


def _arith_fn(node: Arith) -> _Fn:
    first = _num_fn(node.first)
    rest = tuple((op, _num_fn(operand), col) for op, operand, col in node.rest)

    def arith(ev: _Evaluator) -> int:
        acc: int = first(ev)
        for op, operand, col in rest:
            acc = _step(ev, acc, op, operand(ev), col)
        return acc

    return arith


def _truth_fn(node: Node) -> _Fn:
    """Closure doing what :meth:`_Evaluator.truth` does for ``node``."""
    if isinstance(node, Bool):
        value = node.value
        return lambda ev: value
    if isinstance(node, Not):
        operand = _truth_fn(node.operand)
        return lambda ev: not operand(ev)
    if isinstance(node, Logic):
        operands = tuple(_truth_fn(o) for o in node.operands)
        if node.op == "and":
            return lambda ev: all(f(ev) for f in operands)
        return lambda ev: any(f(ev) for f in operands)
    if isinstance(node, Compare):
        return _compare_fn(node)
    if isinstance(node, Name):
        return _name_truth_fn(node)
    if isinstance(node, Text):
        walked = node
        return lambda ev: ev.truth(walked)
    number = _num_fn(node)
    return lambda ev: number(ev) != 0


def _value_fn(node: Node) -> _Fn:
    """Closure doing what :meth:`_Evaluator.value` does for ``node``."""
    if isinstance(node, Num | Bool | Text):
        value = node.value
        return lambda ev: value
    if isinstance(node, Name):
        name = node
        return lambda ev: ev.lookup(name)
    if isinstance(node, Not | Compare | Logic):
        return _truth_fn(node)
    return _num_fn(node)


def _compare_fn(node: Compare) -> _Fn:
    op = node.op
    if op in ("==", "!="):
        left, right = _value_fn(node.left), _value_fn(node.right)
        left_node, right_node = node.left, node.right
        equal = op == "=="

        def same(ev: _Evaluator) -> bool:
            a, b = left(ev), right(ev)
            if (isinstance(a, str) and isinstance(b, str)) or (
                isinstance(a, tuple) and isinstance(b, tuple)
            ):
                result = a == b
            else:
                result = ev.to_int(a, left_node) == ev.to_int(b, right_node)
            return result if equal else not result

        return same
    left_num, right_num = _num_fn(node.left), _num_fn(node.right)
    return lambda ev: _holds(left_num(ev), op, right_num(ev))


_COMPILED: dict[tuple[int, str], tuple[Node, _Fn]] = {}
"""By syntax tree (its id, checked against the tree kept with the entry) and what is wanted:
its closure. Trees come from :func:`compile_expr`'s cache, so they are few and long-lived."""


def _compiled(root: Node, want: str) -> _Fn:
    key = (id(root), want)
    entry = _COMPILED.get(key)
    if entry is not None and entry[0] is root:
        return entry[1]
    if want == "int":
        fn = _num_fn(root)
    elif want == "bool":
        fn = _truth_fn(root)
    else:
        fn = _value_fn(root)
    if len(_COMPILED) >= 4096:  # far more than any ruleset has; formulas built at run time
        _COMPILED.clear()
    _COMPILED[key] = (root, fn)
    return fn


_BY_SOURCE: dict[tuple[str, str], tuple[str, _Fn]] = {}
"""By source text and what is wanted: the closure :func:`_compiled` gives for its tree, found
without hashing the text twice (the compile cache, then the closures). Only texts that
compiled are kept: a bad one raises again each time, as :func:`compile_expr` does."""


def _keep_or_drop(kind: str, n: int, counted: list[int], values: list[int]) -> set[int]:
    """The dice still counted after ``kh``/``kl``/``dh``/``dl`` ``n``; ties pick the earlier die."""
    highest = sorted(counted, key=lambda i: (-values[i], i))
    lowest = sorted(counted, key=lambda i: (values[i], i))
    if kind == "kh":
        return set(highest[:n])
    if kind == "kl":
        return set(lowest[:n])
    if kind == "dh":
        return set(highest[n:])
    return set(lowest[n:])


def _holds(left: int, op: str, right: int) -> bool:
    if op in ("==", "="):
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _col(node: Node) -> int:
    while isinstance(node, Arith):
        node = node.first
    return node.col


def _describe(node: Node) -> str:
    return node.spelled if isinstance(node, Name) else "value"


def evaluate(
    expr: Expr | str,
    env: Env,
    rng: Rng | None = None,
    *,
    depth: int = 0,
    want: Literal["value", "int", "bool"] = "value",
) -> Outcome:
    """Evaluate an expression.

    Args:
        expr: a compiled expression, or source text (compiled through the cache).
        env: resolves names and collections.
        rng: the random stream for dice; it advances by the number of words used.
        depth: how deep this evaluation already is inside formulas held by names.
        want: ``"value"`` returns what the expression gives as is (a name holding text gives the
            text); ``"int"`` and ``"bool"`` convert the result as arithmetic or a condition would,
            which rolls a formula held by the top-level name (``@hero.attack``).

    Returns:
        The value, with every die rolled and the stream's counter before and after.

    Raises:
        ExprError: on a syntax error; an unknown name or collection; division by zero; text or
            a tuple used as a number; dice without ``rng`` or outside the limits; formulas in
            names nested deeper than :data:`MAX_DEPTH`.
    """
    start = rng.counter if rng is not None else 0
    dice: list[Die] = []
    value = _run(expr, env, rng, depth=depth, want=want, dice=dice)
    end = rng.counter if rng is not None else start
    return Outcome(value, tuple(dice), start, end)


def _run(
    expr: Expr | str,
    env: Env,
    rng: Rng | None,
    *,
    depth: int,
    want: Literal["value", "int", "bool"],
    dice: list[Die],
) -> Value:
    """The value of ``expr``; the dice it rolled are appended to ``dice``."""
    hit = _BY_SOURCE.get((expr, want)) if isinstance(expr, str) else None
    if hit is not None:
        source, fn = hit
    else:
        compiled = compile_expr(expr) if isinstance(expr, str) else expr
        source, fn = compiled.source, _compiled(compiled.root, want)
        if isinstance(expr, str):
            if len(_BY_SOURCE) >= 4096:  # formulas built at run time; a ruleset has far fewer
                _BY_SOURCE.clear()
            _BY_SOURCE[(expr, want)] = (source, fn)
    if depth > MAX_DEPTH:
        raise ExprError(f"formulas nested more than {MAX_DEPTH} deep", None, source)
    evaluator = _Evaluator(source, env, rng, dice, depth)
    try:
        result: Value = fn(evaluator)
        return result
    except RecursionError:
        raise ExprError("formula is too deeply nested to evaluate", None, compiled.source) from None


def evaluate_int(expr: Expr | str, env: Env, rng: Rng | None = None, *, depth: int = 0) -> int:
    """Evaluate as a number (``true`` is 1). Raises :class:`ExprError` like :func:`evaluate`."""
    # Conditions and amounts are evaluated after every effect: skip building an Outcome.
    value = _run(expr, env, rng, depth=depth, want="int", dice=[])
    assert isinstance(value, int)
    return value


def evaluate_bool(expr: Expr | str, env: Env, rng: Rng | None = None, *, depth: int = 0) -> bool:
    """Evaluate as a condition (non-zero is true). Raises :class:`ExprError` as :func:`evaluate`."""
    value = _run(expr, env, rng, depth=depth, want="bool", dice=[])
    assert isinstance(value, bool)
    return value


def evaluate_node_int(node: Node, env: Env, source: str = "") -> int:
    """Evaluate one node of a compiled tree as a number, without dice (``rng`` is None).

    For tools that take a formula apart (:mod:`cibo.core.teach` spells a dice formula with its
    counts worked out). Raises :class:`ExprError` like :func:`evaluate`.
    """
    return _Evaluator(source, env, None, [], 0).num(node)


def _step(ev: _Evaluator, acc: int, op: str, right: int, col: int) -> int:
    """``acc op right`` for one step of an arithmetic chain, shared by the tree walk and the
    compiled closures so both refuse division by zero and out-of-range values alike."""
    if op == "+":
        acc += right
    elif op == "-":
        acc -= right
    elif op == "*":
        acc *= right
    elif right == 0:
        raise ev.error("division by zero", col)
    elif op == "%":
        acc %= right
    else:
        acc //= right
    if not -MAX_VALUE <= acc <= MAX_VALUE:
        raise ev.error(f"the value is out of range (more than {MAX_VALUE:,})", col)
    return acc
