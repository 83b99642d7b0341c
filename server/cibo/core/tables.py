"""Roll tables, following Foundry VTT's RollTable conventions, and the static checks on them.

A table (:class:`~cibo.core.ruleset.Table`) rolls its ``formula`` and picks a row:

- by **range**, when its rows have ``range = [lo, hi]`` (inclusive): the row covering the total.
  Rows must cover every total exactly; a total that no row covers is a ruleset bug
  (:class:`~cibo.core.errors.RulesError` ``rules/table_gap``). Overlapping rows are a bug that
  :func:`check_ranges` reports; at run time the first covering row wins.
- by **weight**, otherwise: the formula defaults to ``1d<sum of weights>`` and a total ``t``
  picks the row where the running sum of weights, in file order, first reaches ``t``.

``clamp = [lo, hi]`` clamps the total before a row is picked. A table with ``bands`` holds one row
list per band of the track named by ``band_of``; :func:`band_for` tells which band applies.

Without replacement (``replacement = false``) a drawn row is not drawn again until the table
starts over. The caller keeps the set of drawn row indexes (per table and band) and passes it in.
Weighted rows are then rolled with ``1d<sum of the remaining weights>`` (any explicit formula is
ignored: it could not know which rows remain), so each draw takes exactly one roll. Ranged rows
keep their formula and are rolled again while the total lands on a drawn row, as Foundry does
(the rejected rolls are kept in :attr:`TableResult.rejected`). When every row has been drawn the
table starts over: all rows are available again.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

from attrs import frozen

from cibo.core.dice import Roll, roll
from cibo.core.errors import RulesError
from cibo.core.expr import (
    MAX_DEPTH,
    MAX_DICE,
    MAX_SIDES,
    Arith,
    Bool,
    Call,
    Compare,
    Count,
    Dice,
    Env,
    Expr,
    ExprError,
    Logic,
    Name,
    Neg,
    Node,
    Not,
    Num,
    Sum,
    Text,
    compile_expr,
)
from cibo.core.rng import Rng
from cibo.core.ruleset import Band, Row, Table

__all__ = [
    "MAX_ATTEMPTS",
    "TableResult",
    "band_for",
    "check_ranges",
    "default_formula",
    "formula_bounds",
    "pick_row",
    "roll_table",
    "rows_for",
]

MAX_ATTEMPTS = 10_000
"""Most rolls one draw may take from a ranged table without replacement."""


@frozen
class TableResult:
    """One draw from a table."""

    table: str
    band: str
    """The band whose rows were used; ``""`` for a table without bands."""
    roll: Roll
    """The roll that picked the row."""
    row_index: int
    """Index into :func:`rows_for` ``(table, band)``; the caller adds it to the drawn set."""
    row: Row
    total: int
    """The total used to pick the row: ``roll.total`` after ``clamp``."""
    rejected: tuple[Roll, ...] = ()
    """Earlier rolls of this draw that landed on rows already drawn (ranged rows only)."""


def default_formula(rows: Sequence[Row]) -> str:
    """Return ``"1d<sum of weights>"`` for weighted rows.

    Raises:
        RulesError: ``rules/table_weights`` if the weights add up to less than 1.
    """
    total = sum(max(row.weight, 0) for row in rows)
    if total < 1:
        raise RulesError("the table's rows have no weight to roll on", code="rules/table_weights")
    return f"1d{total}"


def band_for(track_value: int, bands: Sequence[Band]) -> str:
    """Return the name of the band that ``track_value`` falls in: the highest whose start <= it.

    Raises:
        RulesError: ``rules/band_gap`` if the value is below every band.
    """
    best: Band | None = None
    for band in bands:
        if band.start <= track_value and (best is None or band.start > best.start):
            best = band
    if best is None:
        raise RulesError(f"no band starts at or below {track_value}", code="rules/band_gap")
    return best.name


def rows_for(table: Table, band: str) -> tuple[Row, ...]:
    """Return the rows to roll on: ``table.rows``, or the rows of ``band`` for a banded table.

    Raises:
        RulesError: ``rules/unknown_band`` if the table has bands and none is called ``band``.
    """
    if not table.bands:
        return table.rows
    if band not in table.bands:
        raise RulesError(f"the table has no band {band!r}", code="rules/unknown_band")
    return table.bands[band]


def pick_row(rows: Sequence[Row], total: int) -> int:
    """Return the index of the row that ``total`` picks, by range or by cumulative weight.

    Raises:
        RulesError: ``rules/table_gap`` if no row covers ``total`` (by weight: outside
            ``1..sum of weights``).
    """
    if _ranged(rows):
        covering = _covering(rows, total)
        if covering:
            return covering[0]
    elif total >= 1:
        reached = 0
        for index, row in enumerate(rows):
            if row.weight > 0:
                reached += row.weight
                if total <= reached:
                    return index
    raise RulesError(f"no row of the table covers a total of {total}", code="rules/table_gap")


def roll_table(
    name: str,
    table: Table,
    *,
    band: str,
    env: Env,
    rng: Rng,
    drawn: frozenset[int] = frozenset(),
    purpose: str,
) -> TableResult:
    """Roll ``table`` and pick a row (see the module docstring for the rules).

    Args:
        name: the table's name, recorded in the result.
        band: the band to use (:func:`band_for`), ignored by tables without bands.
        env: resolves the names in the formula.
        rng: the game's random stream.
        drawn: row indexes already drawn, for tables without replacement (ignored otherwise).
        purpose: recorded in the :class:`~cibo.core.dice.Roll`.

    Raises:
        RulesError: ``rules/table_gap`` when a total falls outside every row; ``rules/table_empty``,
            ``rules/table_weights``, ``rules/table_formula``, ``rules/unknown_band`` for tables
            that cannot be rolled; ``rules/table_exhausted`` after :data:`MAX_ATTEMPTS` rolls
            that all landed on drawn rows.
        ExprError: if the formula cannot be evaluated.
    """
    rows = rows_for(table, band)
    if not rows:
        raise RulesError(f"table {name!r} has no rows", code="rules/table_empty")
    if _ranged(rows):
        return _draw_by_range(
            name, table, rows, band=band, env=env, rng=rng, drawn=drawn, purpose=purpose
        )
    available = [i for i, row in enumerate(rows) if row.weight > 0]
    if not table.replacement:
        # Every row drawn: the table starts over.
        available = [i for i in available if i not in drawn] or available
        formula = default_formula([rows[i] for i in available])
    else:
        formula = table.formula or default_formula(rows)
    rolled = roll(formula, env, rng, purpose=purpose)
    total = _clamp(rolled.total, table.clamp)
    index = available[pick_row([rows[i] for i in available], total)]
    return TableResult(name, band, rolled, index, rows[index], total)


def _draw_by_range(
    name: str,
    table: Table,
    rows: tuple[Row, ...],
    *,
    band: str,
    env: Env,
    rng: Rng,
    drawn: frozenset[int],
    purpose: str,
) -> TableResult:
    if not table.formula:
        raise RulesError(f"table {name!r} has ranges but no formula", code="rules/table_formula")
    available = set(range(len(rows)))
    if not table.replacement:
        available = (available - drawn) or available
    rejected: list[Roll] = []
    for _ in range(MAX_ATTEMPTS):
        rolled = roll(table.formula, env, rng, purpose=purpose)
        total = _clamp(rolled.total, table.clamp)
        covering = _covering(rows, total)
        if not covering:
            raise RulesError(
                f"no row of table {name!r} covers a total of {total}", code="rules/table_gap"
            )
        index = next((i for i in covering if i in available), None)
        if index is not None:
            return TableResult(name, band, rolled, index, rows[index], total, tuple(rejected))
        rejected.append(rolled)
    raise RulesError(
        f"table {name!r}: {MAX_ATTEMPTS} rolls landed only on drawn rows",
        code="rules/table_exhausted",
    )


def _ranged(rows: Sequence[Row]) -> bool:
    return any(row.range is not None for row in rows)


def _covering(rows: Sequence[Row], total: int) -> list[int]:
    return [i for i, row in enumerate(rows) if row.range and row.range[0] <= total <= row.range[1]]


def _clamp(total: int, bounds: tuple[int, int] | None) -> int:
    if bounds is None:
        return total
    low, high = bounds
    return min(max(total, low), high)


# --------------------------------------------------------------------------- static checks


def check_ranges(rows: Sequence[Row], lo: int, hi: int, *, label: str = "rows") -> list[str]:
    """Check that ranged rows cover every total in ``[lo, hi]`` exactly once.

    Args:
        rows: the rows of a table chosen by range.
        lo: the smallest total the formula can give (after clamp), e.g. from
            :func:`formula_bounds`.
        hi: the largest.
        label: how messages name the rows, as in ``rows[2]``.

    Returns:
        One sentence per problem: rows without a range, empty ranges, overlaps, and totals in
        ``[lo, hi]`` that no row covers. Empty when the rows are fine. Rows reaching past
        ``[lo, hi]`` are not reported (a row for "11 and up" is common practice).
    """
    problems: list[str] = []
    spans: list[tuple[int, int, int]] = []
    for i, row in enumerate(rows):
        if row.range is None:
            problems.append(f"{label}[{i}] has no range")
            continue
        start, end = row.range
        if start > end:
            problems.append(f"{label}[{i}] has the empty range [{start}, {end}]")
            continue
        spans.append((start, end, i))
    for n, (start_a, end_a, a) in enumerate(spans):
        for start_b, end_b, b in spans[n + 1 :]:
            both_from, both_to = max(start_a, start_b), min(end_a, end_b)
            if both_from <= both_to:
                shared = _span(both_from, both_to)
                problems.append(f"{label}[{a}] and {label}[{b}] both cover {shared}")
    if lo <= hi:
        cursor = lo
        for start, end, _ in sorted(spans):
            if start > cursor and cursor <= hi:
                problems.append(f"no row covers {_span(cursor, min(start - 1, hi))}")
            cursor = max(cursor, end + 1)
        if cursor <= hi:
            problems.append(f"no row covers {_span(cursor, hi)}")
    return problems


def _span(start: int, end: int) -> str:
    return str(start) if start == end else f"{start} to {end}"


_Bounds = tuple[int, int]

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "=": operator.eq,
}  # fmt: skip
_MAX_COMBINATIONS = 10_000  # (count, sides) pairs tried for one dice term with computed sizes


def formula_bounds(expr: Expr | str, env: Env | None = None) -> tuple[int, int] | None:
    """Return the smallest and largest value ``expr`` can produce, or None if unknown.

    Handles integer constants, dice (with keep/drop, rerolls and counted successes), ``+ - *``,
    division by a known sign, ``min``/``max``/``abs``/``clamp``/``ceildiv``, and conditions (0 or
    1). Names are resolved through ``env`` when one is given (a name holding a formula is looked
    into); otherwise, or when a name is unknown or not a number, the result is None, as for
    ``count``/``sum`` and ``%`` of non-constants. The bounds are those of the arithmetic: every
    value produced lies within them, and for sums and differences of dice both ends are reached.

    Raises:
        ExprError: if ``expr`` is source text that does not compile.
    """
    compiled = compile_expr(expr) if isinstance(expr, str) else expr
    return _bounds(compiled.root, env, 0)


def _bounds(node: Node, env: Env | None, depth: int) -> _Bounds | None:
    match node:
        case Num(value) | Bool(value):
            return int(value), int(value)
        case Text():
            return None
        case Name():
            return _name_bounds(node, env, depth)
        case Neg(operand):
            inner = _bounds(operand, env, depth)
            return None if inner is None else (-inner[1], -inner[0])
        case Arith(first, rest):
            acc = _bounds(first, env, depth)
            for op, operand, _ in rest:
                right = _bounds(operand, env, depth)
                if acc is None or right is None:
                    return None
                acc = _arith_bounds(op, acc, right)
            return acc
        case Call(fn, args):
            parts = [_bounds(a, env, depth) for a in args]
            known = [p for p in parts if p is not None]
            if len(known) != len(parts):
                return None
            return _call_bounds(fn, known)
        case Not() | Compare() | Logic():
            return 0, 1
        case Count() | Sum():
            return None
        case Dice():
            return _dice_bounds(node, env, depth)


def _name_bounds(node: Name, env: Env | None, depth: int) -> _Bounds | None:
    if env is None:
        return None
    try:
        value = env.lookup(node.sigil, node.path)
    except KeyError:
        return None
    if isinstance(value, int):
        return int(value), int(value)
    if isinstance(value, str) and depth < MAX_DEPTH:
        try:
            held = compile_expr(value)
        except ExprError:
            return None
        return _bounds(held.root, env, depth + 1)
    return None


def _arith_bounds(op: str, a: _Bounds, b: _Bounds) -> _Bounds | None:
    if op == "+":
        return a[0] + b[0], a[1] + b[1]
    if op == "-":
        return a[0] - b[1], a[1] - b[0]
    if op == "*":
        products = [x * y for x in a for y in b]
        return min(products), max(products)
    if op in ("/", "//"):
        return _corners(a, b, operator.floordiv)
    if a[0] == a[1] and b[0] == b[1] and b[0] != 0:  # % of constants
        return a[0] % b[0], a[0] % b[0]
    return None


def _corners(a: _Bounds, b: _Bounds, divide: Callable[[int, int], int]) -> _Bounds | None:
    # Rounded division is monotonic in each argument while the divisor keeps its sign, so the
    # extremes are at the corners of the box.
    if b[0] <= 0 <= b[1]:
        return None
    values = [divide(x, y) for x in a for y in b]
    return min(values), max(values)


def _call_bounds(fn: str, args: list[_Bounds]) -> _Bounds | None:
    if fn == "min":
        return min(a[0] for a in args), min(a[1] for a in args)
    if fn == "max":
        return max(a[0] for a in args), max(a[1] for a in args)
    if fn == "abs":
        ((low, high),) = args
        if low >= 0:
            return low, high
        if high <= 0:
            return -high, -low
        return 0, max(-low, high)
    if fn == "clamp":
        x, floor, ceiling = args
        return min(max(x[0], floor[0]), ceiling[0]), min(max(x[1], floor[1]), ceiling[1])
    return _corners(args[0], args[1], lambda x, y: -(-x // y))  # ceildiv


def _dice_bounds(node: Dice, env: Env | None, depth: int) -> _Bounds | None:
    count = _bounds(node.count, env, depth)
    sides = _bounds(node.sides, env, depth)
    if count is None or sides is None:
        return None
    counts = range(max(count[0], 0), min(count[1], MAX_DICE) + 1)
    faces = range(max(sides[0], 1), min(sides[1], MAX_SIDES) + 1)
    if not counts or not faces or len(counts) * len(faces) > _MAX_COMBINATIONS:
        return None
    mods: list[tuple[str, str, int]] = []
    for mod in node.modifiers:
        arg = _bounds(mod.arg, env, depth)
        if arg is None or arg[0] != arg[1] or (not mod.cmp and arg[0] < 0):
            return None
        mods.append((mod.kind, mod.cmp, arg[0]))
    ends = [_term_bounds(n, s, mods) for n in counts for s in faces]
    return min(e[0] for e in ends), max(e[1] for e in ends)


def _term_bounds(n: int, sides: int, mods: list[tuple[str, str, int]]) -> _Bounds:
    counted = n
    for kind, cmp, arg in mods:
        if kind in ("kh", "kl"):
            counted = min(counted, arg)
        elif kind in ("dh", "dl"):
            counted = max(counted - arg, 0)
        elif kind == "cs":
            hits = sum(1 for face in range(1, sides + 1) if _COMPARE[cmp](face, arg))
            if hits == 0:
                return 0, 0
            return (counted, counted) if hits == sides else (0, counted)
    return counted, counted * sides
