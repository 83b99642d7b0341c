"""The compiled form of an expression, and the cached compiler that builds it."""

from __future__ import annotations

import functools

from attrs import field, frozen

from cibo.core.expr.errors import ExprError
from cibo.core.expr.parser import Parser
from cibo.core.expr.syntax import Count, Dice, Name, Node, Sum, children, walk
from cibo.core.expr.values import MAX_SOURCE, Sigil

__all__ = ["Expr", "compile_expr"]


def _item_names(node: Node) -> set[tuple[str, Sigil, tuple[str, ...]]]:
    found: set[tuple[str, Sigil, tuple[str, ...]]] = set()
    for agg in walk(node):
        if isinstance(agg, Count | Sum):
            for part in children(agg):
                for n in walk(part):
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
        root = Parser(source).parse()
    except RecursionError:  # pragma: no cover - _MAX_NESTING keeps the parser well below the limit
        raise ExprError("formula is nested too deeply", None, source) from None
    nodes = walk(root)
    return Expr(
        source=source,
        root=root,
        has_dice=any(isinstance(n, Dice) for n in nodes),
        names=frozenset((n.sigil, n.path) for n in nodes if isinstance(n, Name)),
        collections=frozenset(n.collection for n in nodes if isinstance(n, Count | Sum)),
        item_names=frozenset(_item_names(root)),
    )
