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
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from attrs import field, frozen

from cibo.core.errors import CoreError
from cibo.core.rng import Rng

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
]

Value = int | bool | str | tuple[int, ...]
"""What a name can hold and an expression can produce."""

Sigil = Literal["", "@", "$"]
"""The kind of a name: bare, ``@`` reference, or ``$`` bound variable."""

MAX_DICE = 100
"""Most dice one term may roll (before rerolls)."""
MAX_SIDES = 1000
"""Most sides a die may have."""
MAX_DEPTH = 4
"""How deep formulas held in names may nest (``@hero.attack`` holding a formula is depth 1)."""
MAX_SOURCE = 2000
"""Longest source text accepted, in characters."""
_MAX_NESTING = 32  # parentheses, calls and unary operators; keeps recursion far from Python's limit


class ExprError(CoreError, ValueError):
    """A formula that cannot be compiled or evaluated.

    Attributes:
        message: what went wrong, in words a ruleset designer understands.
        column: 1-based column in ``source`` (characters from the start), or None.
        source: the formula's text.
    """

    code = "rules/expression"

    def __init__(self, message: str, column: int | None = None, source: str = "") -> None:
        super().__init__(message)
        self.column = column
        self.source = source

    def __str__(self) -> str:
        where = f" at column {self.column}" if self.column is not None else ""
        return f"{self.message}{where} in {self.source!r}" if self.source else self.message


class Env(Protocol):
    """What an expression reads: names, and the items of collections."""

    def lookup(self, sigil: Sigil, path: tuple[str, ...]) -> Value:
        """Return the value of a name (``@hero.attack`` is ``("@", ("hero", "attack"))``).

        Raises:
            KeyError: if there is no such name.
        """
        ...

    def items(self, collection: str) -> Sequence[Env]:
        """Return one environment per item of ``collection`` (``"zones:watchtower"``).

        Raises:
            KeyError: if there is no such collection.
        """
        ...


@frozen(eq=False)
class MapEnv:
    """An :class:`Env` over plain mappings, for tools, simulations and tests.

    Keys of ``names`` are spelled as in formulas: ``"villagers"``, ``"@difficulty.spawn_mod"``,
    ``"$zone"``. Names not found are looked up in ``parent``, if any.
    """

    names: Mapping[str, Value] = field(factory=dict)
    collections: Mapping[str, Sequence[Env]] = field(factory=dict)
    parent: Env | None = None

    def lookup(self, sigil: Sigil, path: tuple[str, ...]) -> Value:
        key = sigil + ".".join(path)
        if key in self.names:
            return self.names[key]
        if self.parent is None:
            raise KeyError(key)
        return self.parent.lookup(sigil, path)

    def items(self, collection: str) -> Sequence[Env]:
        if collection in self.collections:
            return self.collections[collection]
        if self.parent is None:
            raise KeyError(collection)
        return self.parent.items(collection)


@frozen
class Die:
    """One die as rolled. A die that is not ``kept`` does not count towards the total."""

    sides: int
    value: int
    kept: bool = True
    rerolled: bool = False
    """True on a die that was rerolled; its replacement follows later in the roll's dice."""


@frozen
class Outcome:
    """The result of :func:`evaluate`: the value and every die rolled to get it."""

    value: Value
    dice: tuple[Die, ...]
    counter_start: int
    """The random stream's counter before evaluation (0 without a stream)."""
    counter_end: int
    """The counter after evaluation; equal to ``counter_start`` when nothing was rolled."""


# --------------------------------------------------------------------------- syntax tree


@frozen
class Num:
    value: int
    col: int


@frozen
class Bool:
    value: bool
    col: int


@frozen
class Text:
    value: str
    col: int


@frozen
class Name:
    sigil: Sigil
    path: tuple[str, ...]
    col: int

    @property
    def spelled(self) -> str:
        """The name as written in a formula."""
        return self.sigil + ".".join(self.path)


@frozen
class Neg:
    operand: Node
    col: int


@frozen
class Not:
    operand: Node
    col: int


@frozen
class Arith:
    """A chain of operators of one precedence level: ``first (op operand)...``, left to right."""

    first: Node
    rest: tuple[tuple[str, Node, int], ...]
    """``(operator, operand, column of the operator)``."""


@frozen
class Compare:
    op: str
    left: Node
    right: Node
    col: int


@frozen
class Logic:
    op: Literal["and", "or"]
    operands: tuple[Node, ...]
    col: int


@frozen
class Call:
    """``min``, ``max``, ``abs``, ``clamp`` or ``ceildiv`` (``ceil`` compiles to ``ceildiv``)."""

    fn: str
    args: tuple[Node, ...]
    col: int


@frozen
class Count:
    collection: str
    where: Node | None
    col: int


@frozen
class Sum:
    collection: str
    of: Node
    where: Node | None
    col: int


@frozen
class Modifier:
    """A dice modifier. ``kind`` is kh, kl, dh, dl, r or cs; ``cmp`` is set for r and cs."""

    kind: str
    cmp: str
    arg: Node
    col: int


@frozen
class Dice:
    count: Node
    sides: Node
    modifiers: tuple[Modifier, ...]
    col: int


Node = Num | Bool | Text | Name | Neg | Not | Arith | Compare | Logic | Call | Count | Sum | Dice
"""A node of the syntax tree held by :attr:`Expr.root` (read-only; for static analysis)."""


# --------------------------------------------------------------------------- tokens

_KEYWORDS = frozenset({"and", "or", "not", "true", "false", "where", "of"})
_OPERATORS = (
    "==", "!=", "<=", ">=", "//", "<", ">", "=", "+", "-", "*", "/", "%", "(", ")", ",", ":",
)  # fmt: skip
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_DICE_COMPARISONS = frozenset({">=", ">", "<=", "<", "=", "=="})
_MODIFIER_NAMES = ("kh", "kl", "dh", "dl", "cs", "k", "d", "r")  # two letters first: longest match
_SPACE = re.compile(r"[ \t\r\n]*")
_DIGITS = re.compile(r"[0-9]+")
_LETTERS = re.compile(r"[A-Za-z]+")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_DICE_PREFIX = re.compile(r"d(?=[0-9(])")

TokenKind = Literal["int", "str", "name", "kw", "op", "suffix", "end"]


@frozen
class _Token:
    kind: TokenKind
    text: str
    """As written; for strings, the decoded content."""
    pos: int
    glued: bool
    """No whitespace between this token and the one before it."""

    @property
    def col(self) -> int:
        return self.pos + 1

    def shown(self) -> str:
        return "the end of the formula" if self.kind == "end" else repr(self.text)


def _tokenize(source: str) -> list[_Token]:
    """Split ``source`` into tokens.

    Dice need context that plain tokens lack: letters written right after a number or a closing
    parenthesis (``2d6kh3``, ``(n)d6``) become ``suffix`` tokens holding just the letters, and so
    does a ``d`` starting a word when a digit or ``(`` follows (``d6``). The parser puts dice terms
    together from these and the ``glued`` flags.
    """
    tokens: list[_Token] = []
    pos = 0
    while True:
        space = _SPACE.match(source, pos)
        start = space.end() if space else pos
        glued = start == pos and bool(tokens)
        pos = start
        if pos >= len(source):
            tokens.append(_Token("end", "", pos, glued))
            return tokens
        char = source[pos]
        prev = tokens[-1] if tokens else None
        after_value = glued and prev is not None and (prev.kind == "int" or prev.text == ")")
        if m := _DIGITS.match(source, pos):
            tokens.append(_Token("int", m.group(), pos, glued))
        elif after_value and (m := _LETTERS.match(source, pos)):
            kind: TokenKind = "kw" if m.group() in _KEYWORDS else "suffix"
            tokens.append(_Token(kind, m.group(), pos, glued))
        elif m := _DICE_PREFIX.match(source, pos):
            tokens.append(_Token("suffix", "d", pos, glued))
        elif m := _PATH.match(source, pos):
            kind = "kw" if m.group() in _KEYWORDS else "name"
            tokens.append(_Token(kind, m.group(), pos, glued))
        elif char in "@$":
            m = _PATH.match(source, pos + 1)
            if m is None:
                raise ExprError(f"expected a name right after {char!r}", pos + 1, source)
            tokens.append(_Token("name", char + m.group(), pos, glued))
            pos = m.end()
            continue
        elif char in "'\"":
            text, end = _read_string(source, pos)
            tokens.append(_Token("str", text, pos, glued))
            pos = end
            continue
        else:
            op = next((o for o in _OPERATORS if source.startswith(o, pos)), None)
            if op is None and char == "." and after_value:
                raise ExprError("numbers are whole: there are no decimals", pos + 1, source)
            if op is None:
                raise ExprError(f"unexpected character {char!r}", pos + 1, source)
            tokens.append(_Token("op", op, pos, glued))
            pos += len(op)
            continue
        pos = m.end()


def _read_string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    out: list[str] = []
    pos = start + 1
    while pos < len(source):
        char = source[pos]
        if char == quote:
            return "".join(out), pos + 1
        if char == "\\" and pos + 1 < len(source):
            pos += 1
            char = source[pos]
        out.append(char)
        pos += 1
    raise ExprError("text is missing its closing quote", start + 1, source)


# --------------------------------------------------------------------------- parser

_FUNCTION_ARITY: dict[str, tuple[int, int | None]] = {
    "min": (1, None),
    "max": (1, None),
    "abs": (1, 1),
    "clamp": (3, 3),
    "ceildiv": (2, 2),
    "ceil": (1, 1),
}


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0
        self.nesting = 0

    # Helpers

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at(self, kind: TokenKind, text: str | None = None) -> bool:
        token = self.peek()
        return token.kind == kind and (text is None or token.text == text)

    def error(self, message: str, token_or_col: _Token | int) -> ExprError:
        col = token_or_col if isinstance(token_or_col, int) else token_or_col.col
        return ExprError(message, col, self.source)

    def unexpected(self, token: _Token) -> ExprError:
        if token.kind == "end":
            return self.error("unexpected end of formula", token)
        if token.kind == "suffix":
            hint = ": dice are written without spaces, like 2d6kh1"
            return self.error(f"unexpected {token.shown()}{hint}", token)
        return self.error(f"unexpected {token.shown()}", token)

    def expect_op(self, op: str, what: str) -> _Token:
        if not self.at("op", op):
            raise self.error(f"expected {op!r} {what}, found {self.peek().shown()}", self.peek())
        return self.advance()

    def enter(self, token: _Token) -> None:
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise self.error(f"formula is nested more than {_MAX_NESTING} levels deep", token)

    # Grammar, lowest precedence first

    def parse(self) -> Node:
        if self.at("end"):
            raise self.error("empty formula", 1)
        node = self.expression()
        if not self.at("end"):
            raise self.unexpected(self.peek())
        return node

    def expression(self) -> Node:
        self.enter(self.peek())
        node = self.logic("or")
        self.nesting -= 1
        return node

    def logic(self, op: Literal["and", "or"]) -> Node:
        first = self.logic("and") if op == "or" else self.negation()
        operands = [first]
        col = self.peek().col
        while self.at("kw", op):
            self.advance()
            operands.append(self.logic("and") if op == "or" else self.negation())
        return first if len(operands) == 1 else Logic(op, tuple(operands), col)

    def negation(self) -> Node:
        if self.at("kw", "not"):
            token = self.advance()
            self.enter(token)
            operand = self.negation()
            self.nesting -= 1
            return Not(operand, token.col)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.arith(("+", "-"))
        token = self.peek()
        if token.kind == "op" and token.text == "=":
            raise self.error("use '==' to compare", token)
        if token.kind != "op" or token.text not in _COMPARISONS:
            return left
        self.advance()
        right = self.arith(("+", "-"))
        after = self.peek()
        if after.kind == "op" and after.text in _COMPARISONS:
            raise self.error("comparisons cannot be chained; join them with 'and'", after)
        return Compare(token.text, left, right, token.col)

    def arith(self, ops: tuple[str, ...]) -> Node:
        first = self.arith(("*", "/", "//", "%")) if ops[0] == "+" else self.unary()
        rest: list[tuple[str, Node, int]] = []
        while self.peek().kind == "op" and self.peek().text in ops:
            token = self.advance()
            operand = self.arith(("*", "/", "//", "%")) if ops[0] == "+" else self.unary()
            rest.append((token.text, operand, token.col))
        return first if not rest else Arith(first, tuple(rest))

    def unary(self) -> Node:
        if self.at("op", "-"):
            token = self.advance()
            self.enter(token)
            operand = self.unary()
            self.nesting -= 1
            return Neg(operand, token.col)
        return self.dice()

    def dice(self) -> Node:
        token = self.peek()
        if token.kind == "suffix" and token.text == "d":  # only a leading "d6" can get here
            self.advance()
            return self.dice_term(Num(1, token.col), token)
        countable = token.kind == "int" or (token.kind == "op" and token.text == "(")
        node = self.primary()
        after = self.peek()
        if after.kind == "suffix" and after.glued:
            if after.text != "d":
                raise self.unexpected(after)
            if not countable:
                message = "the number of dice must be a number or a (parenthesised) formula"
                raise self.error(message, token)
            self.advance()
            return self.dice_term(node, after)
        return node

    def dice_term(self, count: Node, d: _Token) -> Dice:
        sides = self.dice_argument()
        if sides is None:
            raise self.error("expected the number of sides right after 'd', like 2d6", d.pos + 2)
        if isinstance(count, Num) and not 0 <= count.value <= MAX_DICE:
            message = f"a dice term rolls at most {MAX_DICE} dice, not {count.value}"
            raise self.error(message, count.col)
        if isinstance(sides, Num) and not 1 <= sides.value <= MAX_SIDES:
            raise self.error(f"dice have 1 to {MAX_SIDES} sides, not {sides.value}", sides.col)
        modifiers = self.modifiers()
        return Dice(count, sides, modifiers, d.col)

    def dice_argument(self) -> Node | None:
        """An integer or ``(expr)`` glued to the token before, or None when there is none."""
        token = self.peek()
        if not token.glued:
            return None
        if token.kind == "int":
            self.advance()
            return Num(int(token.text), token.col)
        if token.kind == "op" and token.text == "(":
            self.advance()
            node = self.expression()
            self.expect_op(")", "to close the parenthesis")
            return node
        return None

    def modifiers(self) -> tuple[Modifier, ...]:
        found: list[Modifier] = []
        while self.peek().kind == "suffix" and self.peek().glued:
            token = self.advance()
            names = self.split_modifiers(token)
            for offset, name in names[:-1]:
                found.append(self.modifier(name, token.col + offset, last=False))
            offset, name = names[-1]
            found.append(self.modifier(name, token.col + offset, last=True))
        for i, mod in enumerate(found):
            if mod.kind == "cs" and i != len(found) - 1:
                raise self.error("'cs' must be the last dice modifier", mod.col)
        return tuple(found)

    def split_modifiers(self, token: _Token) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        i = 0
        while i < len(token.text):
            name = next((n for n in _MODIFIER_NAMES if token.text.startswith(n, i)), None)
            if name is None:
                raise self.error(
                    f"unknown dice modifier {token.text[i:]!r}; expected kh, kl, dh, dl, r or cs",
                    token.col + i,
                )
            out.append((i, name))
            i += len(name)
        return out

    def modifier(self, name: str, col: int, *, last: bool) -> Modifier:
        kind = {"k": "kh", "d": "dl"}.get(name, name)
        if kind in ("cs", "r"):
            token = self.peek()
            if last and token.glued and token.kind == "op" and token.text in _DICE_COMPARISONS:
                self.advance()
                arg = self.dice_argument()
                if arg is None:
                    after = token.col + len(token.text)
                    raise self.error(f"expected a number right after {name}{token.text}", after)
                return Modifier(kind, "=" if token.text == "==" else token.text, arg, col)
            if kind == "cs":
                raise self.error("'cs' needs a condition, like cs>=4", col)
            if last and token.glued and token.kind == "op" and token.text == "!=":
                raise self.error(f"{name} takes >=, >, <=, < or =, not !=", token)
            arg = self.dice_argument() if last else None
            return Modifier("r", "=", arg if arg is not None else Num(1, col), col)
        arg = self.dice_argument() if last else None
        return Modifier(kind, "", arg if arg is not None else Num(1, col), col)

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "int":
            return Num(int(token.text), token.col)
        if token.kind == "str":
            return Text(token.text, token.col)
        if token.kind == "kw" and token.text in ("true", "false"):
            return Bool(token.text == "true", token.col)
        if token.kind == "name":
            if self.at("op", "(") and token.text[0] not in "@$" and "." not in token.text:
                return self.call(token)
            sigil: Sigil = "@" if token.text[0] == "@" else "$" if token.text[0] == "$" else ""
            return Name(sigil, tuple(token.text[len(sigil) :].split(".")), token.col)
        if token.kind == "op" and token.text == "(":
            node = self.expression()
            self.expect_op(")", "to close the parenthesis")
            return node
        raise self.unexpected(token)

    def call(self, name: _Token) -> Node:
        fn = name.text
        if fn in ("count", "sum"):
            return self.aggregate(name)
        if fn not in _FUNCTION_ARITY:
            known = ", ".join([*_FUNCTION_ARITY, "count", "sum"])
            raise self.error(f"unknown function {fn!r}; known functions: {known}", name)
        self.enter(name)
        self.advance()  # the "("
        args: list[Node] = []
        if not self.at("op", ")"):
            args.append(self.expression())
            while self.at("op", ","):
                self.advance()
                args.append(self.expression())
        self.expect_op(")", f"to close {fn}(")
        self.nesting -= 1
        low, high = _FUNCTION_ARITY[fn]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = f"{low}" if low == high else f"at least {low}"
            raise self.error(f"{fn}() takes {wanted} argument(s), got {len(args)}", name)
        if fn == "ceil":
            return self.ceil(args[0], name)
        return Call(fn, tuple(args), name.col)

    def ceil(self, arg: Node, name: _Token) -> Node:
        if not isinstance(arg, Arith) or arg.rest[-1][0] not in ("/", "//"):
            hint = "like ceil(villagers / 3); or use ceildiv(a, b)"
            raise self.error(f"ceil() takes a division, {hint}", name)
        *head, (_, divisor, _) = arg.rest
        dividend = Arith(arg.first, tuple(head)) if head else arg.first
        return Call("ceildiv", (dividend, divisor), name.col)

    def aggregate(self, name: _Token) -> Node:
        fn = name.text
        self.enter(name)
        self.advance()  # the "("
        first = self.peek()
        if first.kind != "name" or first.text[0] in "@$":
            raise self.error(f"{fn}() starts with a collection name, like {fn}(heroes …)", first)
        parts = [self.advance().text]
        while self.at("op", ":"):
            self.advance()
            part = self.peek()
            if part.kind != "name" or part.text[0] in "@$":
                raise self.error("expected a name after ':' in the collection", part)
            parts.append(self.advance().text)
        collection = ":".join(parts)
        of: Node | None = None
        if fn == "sum":
            if not self.at("kw", "of"):
                raise self.error(f"expected 'of', like sum({collection} of hp)", self.peek())
            self.advance()
            of = self.expression()
        where: Node | None = None
        if self.at("kw", "where"):
            self.advance()
            where = self.expression()
        self.expect_op(")", f"to close {fn}(")
        self.nesting -= 1
        if of is None:
            return Count(collection, where, name.col)
        return Sum(collection, of, where, name.col)


# --------------------------------------------------------------------------- compiled form


def _children(node: Node) -> tuple[Node, ...]:
    match node:
        case Neg(operand) | Not(operand):
            return (operand,)
        case Arith(first, rest):
            return (first, *(operand for _, operand, _ in rest))
        case Compare(_, left, right):
            return (left, right)
        case Logic(_, operands):
            return operands
        case Call(_, args):
            return args
        case Count(_, where):
            return () if where is None else (where,)
        case Sum(_, of, where):
            return (of,) if where is None else (of, where)
        case Dice(count, sides, modifiers):
            return (count, sides, *(m.arg for m in modifiers))
        case _:
            return ()


def _walk(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(_children(current))
    return out


def _item_names(node: Node) -> set[tuple[str, Sigil, tuple[str, ...]]]:
    found: set[tuple[str, Sigil, tuple[str, ...]]] = set()
    for agg in _walk(node):
        if isinstance(agg, Count | Sum):
            for part in _children(agg):
                for n in _walk(part):
                    if isinstance(n, Name):
                        found.add((agg.collection, n.sigil, n.path))
    return found


@frozen
class Expr:
    """A compiled expression: immutable and hashable, equal when the source text is equal.

    Build one with :func:`compile_expr`.
    """

    source: str
    root: Node = field(eq=False, repr=False)
    """The syntax tree, for static analysis (see :data:`Node`)."""
    has_dice: bool = field(eq=False)
    """True when the expression itself rolls dice (names holding formulas are not looked into)."""
    _names: frozenset[tuple[Sigil, tuple[str, ...]]] = field(eq=False, repr=False)
    _collections: frozenset[str] = field(eq=False, repr=False)
    _item_names: frozenset[tuple[str, Sigil, tuple[str, ...]]] = field(eq=False, repr=False)

    def __str__(self) -> str:
        return self.source

    def references(self) -> frozenset[tuple[Sigil, tuple[str, ...]]]:
        """Every name used, as ``(sigil, path)``, including those inside ``count``/``sum``."""
        return self._names

    def item_references(self) -> frozenset[tuple[str, Sigil, tuple[str, ...]]]:
        """The names used inside ``count``/``sum``, as ``(collection, sigil, path)``.

        These are resolved by each item's environment rather than the outer one.
        """
        return self._item_names

    def collections(self) -> frozenset[str]:
        """Every collection that ``count``/``sum`` iterate over."""
        return self._collections


@functools.lru_cache(maxsize=4096)
def compile_expr(source: str) -> Expr:
    """Compile ``source`` (results are cached, so calling this again is cheap).

    Raises:
        ExprError: on a syntax error, with the column where it was found.
    """
    if len(source) > MAX_SOURCE:
        raise ExprError(f"formula is longer than {MAX_SOURCE} characters", None, source)
    try:
        root = _Parser(source).parse()
    except RecursionError:  # pragma: no cover - _MAX_NESTING keeps the parser well below the limit
        raise ExprError("formula is nested too deeply", None, source) from None
    nodes = _walk(root)
    return Expr(
        source=source,
        root=root,
        has_dice=any(isinstance(n, Dice) for n in nodes),
        names=frozenset((n.sigil, n.path) for n in nodes if isinstance(n, Name)),
        collections=frozenset(n.collection for n in nodes if isinstance(n, Count | Sum)),
        item_names=frozenset(_item_names(root)),
    )


# --------------------------------------------------------------------------- evaluation


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
        if not isinstance(value, int | str | tuple):
            kind = type(value).__name__
            raise self.error(f"{node.spelled} holds a {kind}, not a value", node.col)
        return value

    # Operators

    def arith(self, node: Arith) -> int:
        acc = self.num(node.first)
        for op, operand, col in node.rest:
            right = self.num(operand)
            if op == "+":
                acc += right
            elif op == "-":
                acc -= right
            elif op == "*":
                acc *= right
            elif right == 0:
                raise self.error("division by zero", col)
            elif op == "%":
                acc %= right
            else:
                acc //= right
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
    compiled = compile_expr(expr) if isinstance(expr, str) else expr
    if depth > MAX_DEPTH:
        raise ExprError(f"formulas nested more than {MAX_DEPTH} deep", None, compiled.source)
    start = rng.counter if rng is not None else 0
    evaluator = _Evaluator(compiled.source, env, rng, [], depth)
    value: Value
    try:
        if want == "int":
            value = evaluator.num(compiled.root)
        elif want == "bool":
            value = evaluator.truth(compiled.root)
        else:
            value = evaluator.value(compiled.root)
    except RecursionError:
        raise ExprError("formula is too deeply nested to evaluate", None, compiled.source) from None
    end = rng.counter if rng is not None else start
    return Outcome(value, tuple(evaluator.dice), start, end)


def evaluate_int(expr: Expr | str, env: Env, rng: Rng | None = None, *, depth: int = 0) -> int:
    """Evaluate as a number (``true`` is 1). Raises :class:`ExprError` like :func:`evaluate`."""
    value = evaluate(expr, env, rng, depth=depth, want="int").value
    assert isinstance(value, int)
    return value


def evaluate_bool(expr: Expr | str, env: Env, rng: Rng | None = None, *, depth: int = 0) -> bool:
    """Evaluate as a condition (non-zero is true). Raises :class:`ExprError` as :func:`evaluate`."""
    value = evaluate(expr, env, rng, depth=depth, want="bool").value
    assert isinstance(value, bool)
    return value
