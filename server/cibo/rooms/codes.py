"""Join codes: four letters from twenty unambiguous consonants.

The alphabet has no vowels (so no words can form) and none of I, O, L (which read as 1, 0 and 1):
``BCDFGHJKMNPQRSTVWXYZ``. Four letters give 20**4 = 160,000 codes. Players may type a code in any
case, with spaces or a dash; :func:`normalize_code` tidies that up.
"""

from __future__ import annotations

import secrets
from collections.abc import Container
from typing import Final

__all__ = ["ALPHABET", "CODE_LENGTH", "new_code", "normalize_code"]

ALPHABET: Final = "BCDFGHJKMNPQRSTVWXYZ"
CODE_LENGTH: Final = 4
_ALLOWED: Final = frozenset(ALPHABET)


def normalize_code(raw: str) -> str | None:
    """The canonical form of a typed code (``" bcd-f "`` -> ``"BCDF"``), or None if invalid."""
    code = "".join(ch for ch in raw if ch not in " -_\t").upper()
    if len(code) != CODE_LENGTH or not all(ch in _ALLOWED for ch in code):
        return None
    return code


def new_code(taken: Container[str]) -> str:
    """A random code not in ``taken``. Callers cap the number of rooms far below 160,000."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code
