"""The tokenizer: source text to tokens, with the context dice terms need."""

from __future__ import annotations

import re
from typing import Literal

from attrs import frozen

from cibo.core.expr.errors import ExprError

__all__ = ["Token", "TokenKind", "tokenize"]

_KEYWORDS = frozenset({"and", "or", "not", "true", "false", "where", "of"})
_OPERATORS = (
    "==", "!=", "<=", ">=", "//", "<", ">", "=", "+", "-", "*", "/", "%", "(", ")", ",", ":",
)  # fmt: skip
_SPACE = re.compile(r"[ \t\r\n]*")
_DIGITS = re.compile(r"[0-9]+")
_LETTERS = re.compile(r"[A-Za-z]+")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_DICE_PREFIX = re.compile(r"d(?=[0-9(])")

TokenKind = Literal["int", "str", "name", "kw", "op", "suffix", "end"]


@frozen
class Token:
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


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens.

    Dice need context that plain tokens lack: letters written right after a number or a closing
    parenthesis (``2d6kh3``, ``(n)d6``) become ``suffix`` tokens holding just the letters, and so
    does a ``d`` starting a word when a digit or ``(`` follows (``d6``). The parser puts dice terms
    together from these and the ``glued`` flags.
    """
    tokens: list[Token] = []
    pos = 0
    while True:
        space = _SPACE.match(source, pos)
        start = space.end() if space else pos
        glued = start == pos and bool(tokens)
        pos = start
        if pos >= len(source):
            tokens.append(Token("end", "", pos, glued))
            return tokens
        char = source[pos]
        prev = tokens[-1] if tokens else None
        after_value = glued and prev is not None and (prev.kind == "int" or prev.text == ")")
        if m := _DIGITS.match(source, pos):
            tokens.append(Token("int", m.group(), pos, glued))
        elif after_value and (m := _LETTERS.match(source, pos)):
            kind: TokenKind = "kw" if m.group() in _KEYWORDS else "suffix"
            tokens.append(Token(kind, m.group(), pos, glued))
        elif m := _DICE_PREFIX.match(source, pos):
            tokens.append(Token("suffix", "d", pos, glued))
        elif m := _PATH.match(source, pos):
            kind = "kw" if m.group() in _KEYWORDS else "name"
            tokens.append(Token(kind, m.group(), pos, glued))
        elif char in "@$":
            m = _PATH.match(source, pos + 1)
            if m is None:
                raise ExprError(f"expected a name right after {char!r}", pos + 1, source)
            tokens.append(Token("name", char + m.group(), pos, glued))
            pos = m.end()
            continue
        elif char in "'\"":
            text, end = _read_string(source, pos)
            tokens.append(Token("str", text, pos, glued))
            pos = end
            continue
        else:
            op = next((o for o in _OPERATORS if source.startswith(o, pos)), None)
            if op is None and char == "." and after_value:
                raise ExprError("numbers are whole: there are no decimals", pos + 1, source)
            if op is None:
                raise ExprError(f"unexpected character {char!r}", pos + 1, source)
            tokens.append(Token("op", op, pos, glued))
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
