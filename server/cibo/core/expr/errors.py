"""The one exception of the expression language."""

from __future__ import annotations

from cibo.core.errors import CoreError

__all__ = ["ExprError"]


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
