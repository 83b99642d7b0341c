"""What expressions read and produce: values, names' sigils, limits, environments, dice rolled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from attrs import field, frozen

__all__ = [
    "MAX_DEPTH",
    "MAX_DICE",
    "MAX_SIDES",
    "MAX_SOURCE",
    "MAX_VALUE",
    "Die",
    "Env",
    "MapEnv",
    "Outcome",
    "Sigil",
    "Value",
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
MAX_VALUE = 2**53 - 1
"""The largest magnitude a formula may produce: every number stays exact in JSON and in the
JavaScript clients, and fits msgpack's 64-bit integers. Beyond it a formula is an error."""


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
