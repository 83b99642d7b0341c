"""The syntax tree a compiled expression holds, and how to walk it."""

from __future__ import annotations

from typing import Literal

from attrs import frozen

from cibo.core.expr.values import Sigil

__all__ = [
    "Arith",
    "Bool",
    "Call",
    "Compare",
    "Count",
    "Dice",
    "Logic",
    "Modifier",
    "Name",
    "Neg",
    "Node",
    "Not",
    "Num",
    "Sum",
    "Text",
    "children",
    "walk",
]


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


def children(node: Node) -> tuple[Node, ...]:
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


def walk(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(children(current))
    return out
