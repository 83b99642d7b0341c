"""The ruleset's expression language: integer arithmetic, logic, names and dice, in one grammar.

Every formula, condition and dice roll in a ruleset is an expression:
``2d6 + @difficulty.spawn_mod``, ``3d6kh2 + @hero.tech``, ``(2 + min(1, $allies))d6cs>=4``,
``round >= @difficulty.escalate_from``, ``count(zones:watchtower where noise >= 2)``. Source
text is compiled once by :func:`compile_expr` (our own tokenizer and recursive-descent parser;
nothing is handed to Python's ``eval``) and evaluated by :func:`evaluate` against an :class:`Env`
that resolves names, with an optional :class:`~cibo.core.rng.Rng` for the dice.

Grammar (lowest precedence first; ``{x}`` repeats, ``[x]`` is optional)::

    expr       = and {"or" and}
    and        = not {"and" not}
    not        = "not" not | comparison
    comparison = sum [("==" | "!=" | "<" | "<=" | ">" | ">=") sum]     -- no chaining
    sum        = product {("+" | "-") product}
    product    = unary {("*" | "/" | "//" | "%") unary}
    unary      = "-" unary | dice
    dice       = COUNT "d" SIDES {modifier} | "d" SIDES {modifier} | primary
    COUNT      = INT | "(" expr ")"          SIDES = INT | "(" expr ")"
    modifier   = ("kh" | "k" | "kl" | "dh" | "dl" | "d") [ARG]
               | "cs" CMP ARG | "r" [[CMP] ARG]
    CMP        = ">=" | ">" | "<=" | "<" | "=" | "=="              ARG = INT | "(" expr ")"
    primary    = INT | STRING | "true" | "false" | name | call | "(" expr ")"
    name       = ["@" | "$"] IDENT {"." IDENT}                     IDENT = [A-Za-z_][A-Za-z0-9_]*
    call       = "min" "(" expr {"," expr} ")" | "max" (…same) | "abs" "(" expr ")"
               | "clamp" "(" expr "," expr "," expr ")" | "ceildiv" "(" expr "," expr ")"
               | "ceil" "(" product-ending-in-division ")"
               | "count" "(" COLLECTION ["where" expr] ")"
               | "sum" "(" COLLECTION "of" expr ["where" expr] ")"
    COLLECTION = IDENT {":" IDENT}        -- e.g. heroes, units, zones:watchtower

Names come in three kinds, told apart by their sigil and resolved by the :class:`Env`: bare
names (``villagers``, ``convoy.at``), references ``@difficulty.spawn_mod`` and ``@hero.attack``,
and bound variables ``$zone``, ``$hero.tech``, ``$each.noise``. ``and or not where of true false``
are reserved words, and a word that starts with ``d`` and a digit is a die (``d6``), never a
name. Strings take single or double quotes; a backslash escapes the next character.

Values and rules of evaluation:

- Every number is an integer. ``/`` and ``//`` both divide rounding down (``-7 / 2 == -4``) and
  ``%`` takes the sign of the divisor, as in Python. ``ceildiv(a, b)`` rounds up, and
  ``ceil(villagers / 3)`` is accepted as another spelling of ``ceildiv(villagers, 3)``: ``ceil``
  requires its argument to end in a division (``ceil(a * b / c)`` is ``ceildiv(a * b, c)``),
  since rounding an integer would silently do nothing.
- ``true``/``false`` count as 1/0 in arithmetic; in a condition any non-zero number is true.
  ``and``/``or``/``not`` always give ``true`` or ``false`` and short-circuit.
- Text can be compared with ``==``/``!=`` against other text. A name whose value is text and
  that is used as a number (or as a condition) is itself a formula: it is compiled and evaluated
  with the same names and random stream. That is how ``@hero.attack`` holding ``"2d6cs>=4"``
  is rolled. Such formulas may nest at most :data:`MAX_DEPTH` deep. Tuple values (per-value
  arrays) are opaque: they can only be compared for equality.
- ``count(C where P)`` counts the items of collection ``C`` for which ``P`` is true and
  ``sum(C of E where P)`` adds ``E`` over them; ``P`` and ``E`` are evaluated in each item's own
  environment (:meth:`Env.items`).

Dice follow Foundry VTT's notation. ``NdX`` rolls N dice of X sides (``dX`` is ``1dX``); N may be a
parenthesised expression, ``(2 + $allies)d6``. Everything in a dice term is written without
spaces. A term holds at most :data:`MAX_DICE` dice (zero is allowed) of 1 to :data:`MAX_SIDES`
sides. Modifiers apply left to right to the dice still counted:

- ``kh[N]``/``k[N]`` keep the highest N (default 1), ``kl[N]`` the lowest N; ``dh[N]`` drops the
  highest N and ``dl[N]``/``d[N]`` the lowest N. Among equal dice the one rolled first is chosen
  first (to keep, or to drop).
- ``r`` rerolls once each die matching the condition (``r<3``, ``r<=2``, ``r=1``; ``r2`` means
  ``r=2``; a bare ``r`` means ``r=1``). The original is kept in the record, marked rerolled and not
  counted; its replacement counts and is never rerolled again.
- ``cs>=N`` (also ``>``, ``<=``, ``<``, ``=``) must be the last modifier: the term's value becomes
  the number of counted dice meeting the condition, instead of their sum.

The random stream is read in evaluation order (left to right): for each term its count, sides and
modifier arguments, then one die at a time, then each reroll in the order of the dice it replaces.
:attr:`Outcome.dice` lists every die rolled in that order.

The implementation is split by stage:

* :mod:`~cibo.core.expr.values` — :data:`Value`, :data:`Sigil`, the limits, :class:`Env`,
  :class:`MapEnv`, :class:`Die` and :class:`Outcome`;
* :mod:`~cibo.core.expr.errors` — :class:`ExprError`;
* :mod:`~cibo.core.expr.syntax` — the syntax-tree nodes (:data:`Node`);
* :mod:`~cibo.core.expr.lexer` — the tokenizer;
* :mod:`~cibo.core.expr.parser` — the recursive-descent parser;
* :mod:`~cibo.core.expr.compiled` — :class:`Expr` and :func:`compile_expr`;
* :mod:`~cibo.core.expr.evaluator` — :func:`evaluate`, :func:`evaluate_int`, :func:`evaluate_bool`.
"""

from cibo.core.expr.compiled import Expr, compile_expr
from cibo.core.expr.errors import ExprError
from cibo.core.expr.evaluator import evaluate, evaluate_bool, evaluate_int, evaluate_node_int
from cibo.core.expr.syntax import (
    Arith,
    Bool,
    Call,
    Compare,
    Count,
    Dice,
    Logic,
    Modifier,
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
    Die,
    Env,
    MapEnv,
    Outcome,
    Sigil,
    Value,
)
from cibo.core.expr.values import MAX_SOURCE as MAX_SOURCE

__all__ = [
    "MAX_DEPTH",
    "MAX_DICE",
    "MAX_SIDES",
    "Arith",
    "Bool",
    "Call",
    "Compare",
    "Count",
    "Dice",
    "Die",
    "Env",
    "Expr",
    "ExprError",
    "Logic",
    "MapEnv",
    "Modifier",
    "Name",
    "Neg",
    "Node",
    "Not",
    "Num",
    "Outcome",
    "Sigil",
    "Sum",
    "Text",
    "Value",
    "compile_expr",
    "evaluate",
    "evaluate_bool",
    "evaluate_int",
    "evaluate_node_int",
]
