"""The one rule for player names: what is shown, what is refused, and when two names clash.

Every layer applies this module (the protocol's length cap, the room's join, the engine's
``join_seat``), so a name is judged the same wherever it arrives. Pure: strings in, strings out.

:func:`clean_name` turns a raw name into the name shown, or None when nothing visible is left:

* NFC-normalised;
* control, private-use, unassigned and invisible format characters are removed (bidi overrides
  and isolates, zero-width spaces, soft hyphens, the combining grapheme joiner, ...);
* blank-looking characters (Hangul fillers U+3164, U+115F, U+1160, U+FFA0, the blank Braille
  pattern U+2800) count as whitespace; runs of whitespace become one space, none at the ends;
* the zero-width joiner is kept only between two emoji (``👩‍👩‍👧``): ``"A\\u200dnn"`` is ``"Ann"``;
  emoji tag characters only after an emoji (subdivision flags);
* it is cut (never refused for length) to :data:`MAX_CHARACTERS` user-perceived characters
  (:func:`graphemes`), each with at most :data:`MAX_MARKS` combining marks and
  :data:`MAX_CLUSTER` code points;
* it must hold at least one letter, digit or symbol.

:func:`clean_name` is idempotent: a cleaned name cleans to itself.

:func:`name_key` is the key under which names must be unique in a room: two names with the same
key look alike (case, width, accents, invisible characters and common Latin look-alikes from
Cyrillic and Greek are ignored).
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final

__all__ = [
    "MAX_CHARACTERS",
    "MAX_CLUSTER",
    "MAX_MARKS",
    "MAX_RAW",
    "clean_name",
    "graphemes",
    "name_key",
]

MAX_CHARACTERS: Final = 16
"""User-perceived characters (grapheme clusters) kept of a name."""
MAX_MARKS: Final = 3
"""Combining marks kept per character: enough for any language's accents, not for the towers
of stacked marks that would spill over other players' names on the table display."""
MAX_CLUSTER: Final = 16
"""Code points kept per character (the longest emoji sequences have about 10)."""
MAX_RAW: Final = 512
"""Code points of a raw name accepted for cleaning; a longer one is no name (refused with
``join/name_too_long`` by the protocol, before any work is spent on it)."""

ZWJ: Final = "\u200d"
_BLANK_LOOKING: Final = frozenset("\u3164\u115f\u1160\uffa0\u2800")
_IGNORABLE: Final = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
"""Default-ignorable code points (Unicode's DerivedCoreProperties), removed unless a rule below
keeps them: the joiner, variation selectors and tags inside emoji."""

_LOOKALIKES: Final = str.maketrans(
    {
        # Cyrillic (after casefolding) that looks like Latin.
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d",
        "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ӏ": "i", "ɡ": "g",
        # Greek (after casefolding) whose capital looks like a Latin capital.
        "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m",
        "ν": "n", "ο": "o", "ρ": "p", "τ": "t", "υ": "y", "χ": "x",
        # Latin and digits that are hard to tell apart in a sans-serif font.
        "l": "i", "1": "i", "0": "o",
    }
)  # fmt: skip


def _in(ranges: tuple[tuple[int, int], ...], code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me", "Mc")


def _is_variation_selector(ch: str) -> bool:
    code = ord(ch)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _is_skin_tone(ch: str) -> bool:
    return 0x1F3FB <= ord(ch) <= 0x1F3FF


def _is_tag(ch: str) -> bool:
    return 0xE0020 <= ord(ch) <= 0xE007F


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _is_emoji(ch: str) -> bool:
    """An approximation of Extended_Pictographic: symbols in the emoji blocks and the older
    pictographs (☕, ❤, ✈) that emoji sequences start from."""
    code = ord(ch)
    if _is_regional(ch) or _is_skin_tone(ch):
        return False
    return (
        0x1F000 <= code <= 0x1FAFF
        or (0x2190 <= code <= 0x2BFF and unicodedata.category(ch) == "So")
        or code in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D)
    )


def _is_blank(ch: str) -> bool:
    return ch.isspace() or ch in _BLANK_LOOKING or unicodedata.category(ch) in ("Zs", "Zl", "Zp")


def _is_dropped(ch: str) -> bool:
    """Invisible characters that are never part of a name (the joiner, variation selectors and
    tags are decided by :func:`graphemes`, in context)."""
    if ch == ZWJ or _is_variation_selector(ch) or _is_tag(ch):
        return False
    if _in(_IGNORABLE, ord(ch)):
        return True
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")


def graphemes(text: str) -> list[str]:
    """Split ``text`` into user-perceived characters (an approximation of UAX #29's extended
    grapheme clusters that is good enough for names).

    A cluster is a base character followed by its combining marks and variation selectors; an
    emoji also takes skin-tone modifiers, tag characters, and a zero-width joiner with the emoji
    after it; two regional indicators make one flag. A joiner, selector, modifier or tag that
    attaches to nothing is dropped (a lone modifier is an emoji of its own); so is any
    character :func:`clean_name` removes.
    """
    clusters: list[list[str]] = []
    emoji = False  # does the last cluster start with an emoji?
    for ch in text:
        if _is_dropped(ch):
            continue
        last = clusters[-1] if clusters else None
        attachable = last is not None and not _is_blank(last[0])
        if ch == ZWJ or _is_tag(ch):
            if last is not None and emoji and last[-1] != ZWJ:
                last.append(ch)
            continue
        if _is_mark(ch) or _is_variation_selector(ch):
            if last is not None and attachable and last[-1] != ZWJ:
                last.append(ch)
            continue
        if _is_skin_tone(ch) and last is not None and emoji:
            if last[-1] == ZWJ:
                last.pop()  # a modifier is not an emoji: it takes the joiner's place
            last.append(ch)
            continue
        if last is not None and last[-1] == ZWJ and _is_emoji(ch):
            last.append(ch)
            continue
        if (
            last is not None
            and _is_regional(ch)
            and len(last) == 1
            and _is_regional(last[0])
        ):
            last.append(ch)
            continue
        if last is not None and last[-1] == ZWJ:
            last.pop()  # a joiner before something that is not an emoji joins nothing
        clusters.append([ch])
        emoji = _is_emoji(ch)
    if clusters and clusters[-1][-1] == ZWJ:
        clusters[-1].pop()
    return ["".join(c) for c in clusters]


def _trim(cluster: str) -> str:
    kept: list[str] = []
    marks = 0
    for ch in cluster:
        if _is_mark(ch):
            marks += 1
            if marks > MAX_MARKS:
                continue
        kept.append(ch)
    kept = kept[:MAX_CLUSTER]
    while len(kept) > 1 and kept[-1] == ZWJ:
        kept.pop()
    return "".join(kept)


_REMEMBERED: Final = 512
"""Names (of at most :data:`MAX_RAW` characters) whose cleaned form and key are remembered: a
room judges every seated name again at each join, and the same few names come back game after
game."""


def clean_name(raw: str) -> str | None:
    """The name as it will be shown, or None when nothing visible is left (see the module
    docstring). Any length is accepted here; callers cap the raw input at :data:`MAX_RAW`."""
    return _clean_remembered(raw) if len(raw) <= MAX_RAW else _clean_name(raw)


def name_key(name: str) -> str:
    """The key under which names must be unique in a room: equal keys look alike.

    Compatibility-decomposed (full-width and mathematical letters become plain ones), marks,
    joiners, variation selectors and other invisible characters removed, case-folded, and
    common look-alikes mapped to one Latin letter (Cyrillic ``а``, Greek ``ο``, ``l``/``1``).
    """
    return _key_remembered(name) if len(name) <= MAX_RAW else _name_key(name)


def _clean_name(raw: str) -> str | None:
    words: list[str] = []
    for ch in unicodedata.normalize("NFC", raw):
        if _is_blank(ch):
            if words and words[-1] != " ":
                words.append(" ")
            continue
        words.append(ch)
    text = "".join(words)
    clusters = [_trim(c) for c in graphemes(text)]
    # Dropped characters can leave two spaces side by side, or one at either end.
    out: list[str] = []
    for c in clusters:
        if c == " " and (not out or out[-1] == " "):
            continue
        out.append(c)
    name = unicodedata.normalize("NFC", "".join(out[:MAX_CHARACTERS]).strip(" "))
    if not any(ch.isalnum() or unicodedata.category(ch).startswith("S") for ch in name):
        return None
    return name


def _name_key(name: str) -> str:
    kept = [
        ch
        for ch in unicodedata.normalize("NFKD", name)
        if not (_is_mark(ch) or _is_dropped(ch) or ch == ZWJ or _is_variation_selector(ch))
    ]
    folded = unicodedata.normalize("NFKC", "".join(kept).casefold())
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not _is_mark(ch))
    return " ".join(folded.translate(_LOOKALIKES).split())


_clean_remembered: Final = functools.lru_cache(maxsize=_REMEMBERED)(_clean_name)
_key_remembered: Final = functools.lru_cache(maxsize=_REMEMBERED)(_name_key)
