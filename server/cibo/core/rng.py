"""The game's random stream: an HMAC-SHA256 counter generator that anyone can recompute.

Every random number in a game (dice, table rolls, shuffles) is read from one stream defined by a
secret ``seed`` (bytes) and a ``counter``. The game publishes :func:`commitment` of the seed when it
starts and reveals the seed when it ends; ``cibo verify`` and third parties then recompute each
roll from the seed and the counters written in the journal. How the seed is derived (for example
from a server secret and the players' contributions) is up to the caller: this module only fixes
how a seed becomes numbers.

The format, version 1 (published; it must never change)::

    commitment     = lowercase hex of SHA-256(seed)
    word(c)        = int.from_bytes(HMAC-SHA256(key=seed, msg=c.to_bytes(8, "big"))[:8], "big")
                     for the counter c, an unsigned 64-bit integer; each word uses one counter
                     value, and the counter only ever goes up
    below(n)       = for 1 <= n <= 2**64, with limit = 2**64 - (2**64 % n): read words until
                     one, w, is < limit, then return w % n (rejection sampling: every residue
                     equally likely)
    die(s)         = below(s) + 1
    shuffle(items) = Fisher–Yates from the end: for i = len - 1 down to 1,
                     j = below(i + 1), swap items[i] and items[j]

So ``below(n)`` uses one word, or more in the rare case (probability below n / 2**64) that a word
is rejected; ``below(1)`` still uses one word, which keeps "one die, one word" true for every die.
Python's :mod:`random` is never used: its derived methods have changed between versions.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["FORMAT_VERSION", "Rng", "commitment", "verify_commitment"]

T = TypeVar("T")

FORMAT_VERSION = 1
"""Version of the byte layout described in this module's docstring."""

_WORD_SPACE = 1 << 64
_COUNTER_LIMIT = 1 << 64


def commitment(seed: bytes) -> str:
    """Return the public commitment to ``seed``: the lowercase hex SHA-256 of its bytes."""
    return hashlib.sha256(seed).hexdigest()


def verify_commitment(seed: bytes, commit: str) -> bool:
    """Tell whether ``seed`` is the seed that ``commit`` (hex, any case) was published for.

    The comparison takes the same time wherever the strings differ.
    """
    expected = commitment(seed).encode()
    return hmac.compare_digest(expected, commit.strip().lower().encode())


class Rng:
    """A cursor over the stream of ``seed``, starting at ``counter``.

    The object is mutable: each draw advances :attr:`counter`. Two cursors with the same seed and
    counter produce the same numbers, forever. Game state stores the seed and the counter, and
    builds an ``Rng`` from them whenever it needs randomness.

    Raises:
        ValueError: if ``counter`` is negative or does not fit in 64 bits.
    """

    __slots__ = ("_seed", "counter")

    def __init__(self, seed: bytes, counter: int = 0) -> None:
        if not 0 <= counter < _COUNTER_LIMIT:
            raise ValueError(f"counter must be in 0 .. 2**64 - 1, got {counter}")
        self._seed = bytes(seed)
        self.counter = counter
        """The next unused counter value; it only goes up."""

    @property
    def seed(self) -> bytes:
        """The secret seed. Never show it before the game ends (``repr`` does not)."""
        return self._seed

    def __repr__(self) -> str:
        # The seed is secret until the game ends, so only its commitment's prefix is shown.
        return f"Rng(commit={commitment(self._seed)[:8]}…, counter={self.counter})"

    def word(self) -> int:
        """Return the next 64-bit word of the stream and advance the counter by one."""
        if self.counter >= _COUNTER_LIMIT:
            raise OverflowError("the random stream is exhausted (2**64 words)")
        digest = hmac.digest(self._seed, self.counter.to_bytes(8, "big"), "sha256")
        self.counter += 1
        return int.from_bytes(digest[:8], "big")

    def below(self, n: int) -> int:
        """Return an integer in ``[0, n)``, each value equally likely.

        Raises:
            ValueError: unless ``1 <= n <= 2**64`` (one word must be able to hold every value).
        """
        if not 1 <= n <= _WORD_SPACE:
            raise ValueError(f"below() needs 1 <= n <= 2**64, got {n}")
        # The largest multiple of n that fits: words at or above it would favour small residues.
        limit = _WORD_SPACE - _WORD_SPACE % n
        while True:
            w = self.word()
            if w < limit:
                return w % n

    def die(self, sides: int) -> int:
        """Roll one die: an integer in ``1..sides``.

        Raises:
            ValueError: if ``sides < 1``.
        """
        if sides < 1:
            raise ValueError(f"a die needs at least one side, got {sides}")
        return self.below(sides) + 1

    def shuffle(self, items: Sequence[T]) -> tuple[T, ...]:
        """Return the items in a uniformly random order (the input is not changed)."""
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return tuple(out)
