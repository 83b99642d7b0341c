"""The recursive-descent parser: tokens to a syntax tree, one method per grammar rule."""

from __future__ import annotations

from typing import Literal

from cibo.core.expr.errors import ExprError
from cibo.core.expr.lexer import Token, TokenKind, tokenize
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
from cibo.core.expr.values import MAX_DICE, MAX_SIDES, MAX_VALUE, Sigil

__all__ = ["Parser"]

_MAX_NESTING = 32  # parentheses, calls and unary operators; keeps recursion far from Python's limit
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_DICE_COMPARISONS = frozenset({">=", ">", "<=", "<", "=", "=="})
_MODIFIER_NAMES = ("kh", "kl", "dh", "dl", "cs", "k", "d", "r")  # two letters first: longest match

_FUNCTION_ARITY: dict[str, tuple[int, int | None]] = {
    "min": (1, None),
    "max": (1, None),
    "abs": (1, 1),
    "clamp": (3, 3),
    "ceildiv": (2, 2),
    "ceil": (1, 1),
}


class Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.nesting = 0

    # Helpers

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at(self, kind: TokenKind, text: str | None = None) -> bool:
        token = self.peek()
        return token.kind == kind and (text is None or token.text == text)

    def error(self, message: str, token_or_col: Token | int) -> ExprError:
        col = token_or_col if isinstance(token_or_col, int) else token_or_col.col
        return ExprError(message, col, self.source)

    def unexpected(self, token: Token) -> ExprError:
        if token.kind == "end":
            return self.error("unexpected end of formula", token)
        if token.kind == "suffix":
            hint = ": dice are written without spaces, like 2d6kh1"
            return self.error(f"unexpected {token.shown()}{hint}", token)
        return self.error(f"unexpected {token.shown()}", token)

    def expect_op(self, op: str, what: str) -> Token:
        if not self.at("op", op):
            raise self.error(f"expected {op!r} {what}, found {self.peek().shown()}", self.peek())
        return self.advance()

    def enter(self, token: Token) -> None:
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

    def dice_term(self, count: Node, d: Token) -> Dice:
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

    def number(self, token: Token) -> Num:
        value = int(token.text)
        if value > MAX_VALUE:
            raise self.error(f"numbers go up to {MAX_VALUE:,}, not {token.text}", token)
        return Num(value, token.col)

    def dice_argument(self) -> Node | None:
        """An integer or ``(expr)`` glued to the token before, or None when there is none."""
        token = self.peek()
        if not token.glued:
            return None
        if token.kind == "int":
            self.advance()
            return self.number(token)
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

    def split_modifiers(self, token: Token) -> list[tuple[int, str]]:
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
            return self.number(token)
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

    def call(self, name: Token) -> Node:
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

    def ceil(self, arg: Node, name: Token) -> Node:
        if not isinstance(arg, Arith) or arg.rest[-1][0] not in ("/", "//"):
            hint = "like ceil(villagers / 3); or use ceildiv(a, b)"
            raise self.error(f"ceil() takes a division, {hint}", name)
        *head, (_, divisor, _) = arg.rest
        dividend = Arith(arg.first, tuple(head)) if head else arg.first
        return Call("ceildiv", (dividend, divisor), name.col)

    def aggregate(self, name: Token) -> Node:
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
