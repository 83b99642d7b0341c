"""Whole rolls: a formula rolled for a purpose, recorded as it happened.

A :class:`Roll` is what events carry: the formula, every die (see :class:`~cibo.core.expr.Die`),
the total and the span of the random stream it used. Replay reads the total and never rolls again;
``cibo verify`` recomputes the dice from the revealed seed, starting at ``counter_start``.
"""

from __future__ import annotations

from attrs import frozen

from cibo.core.expr import Die, Env, evaluate
from cibo.core.rng import Rng

__all__ = ["Roll", "describe", "roll"]


@frozen
class Roll:
    """One formula rolled once."""

    purpose: str
    """Why it was rolled, e.g. ``"table:spawn@tower_east"`` or ``"action:attack:zuru"``."""
    formula: str
    dice: tuple[Die, ...]
    """Every die rolled, in order, including rerolled and dropped ones."""
    total: int
    counter_start: int
    """The random stream's counter before the roll."""
    counter_end: int
    """The counter after the roll: where the next roll starts."""


def roll(formula: str, env: Env, rng: Rng, *, purpose: str) -> Roll:
    """Roll ``formula`` (an expression, see :mod:`cibo.core.expr`) and record it.

    A formula held by a name is rolled too: ``roll("@hero.attack", …)`` rolls the hero's dice.
    A condition counts as 1 or 0.

    Raises:
        ExprError: if the formula does not compile or cannot be evaluated as a number.
    """
    outcome = evaluate(formula, env, rng, want="int")
    assert isinstance(outcome.value, int)
    return Roll(
        purpose=purpose,
        formula=formula,
        dice=outcome.dice,
        total=int(outcome.value),
        counter_start=outcome.counter_start,
        counter_end=outcome.counter_end,
    )


def describe(roll: Roll) -> str:
    """Render a roll for people, e.g. ``"2d6cs>=4 → [5, 2] → 1"``.

    Dice that do not count are in parentheses, and a rerolled die carries an ``r``:
    ``"2d6r1 → [(1r), 5, 4] → 9"``. A formula without dice renders as ``"3 + 1 → 4"``.
    """
    if not roll.dice:
        return f"{roll.formula} → {roll.total}"
    shown = ", ".join(_die(d) for d in roll.dice)
    return f"{roll.formula} → [{shown}] → {roll.total}"


def _die(die: Die) -> str:
    text = f"{die.value}r" if die.rerolled else str(die.value)
    return text if die.kept else f"({text})"
