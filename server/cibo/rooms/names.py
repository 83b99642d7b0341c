"""Player names: normalized once at the door, unique in a room regardless of case.

A name is NFC-normalized; control characters and invisible format characters (bidi overrides and
isolates, zero-width spaces, ...) are removed, except the zero-width joiner inside emoji sequences;
runs of whitespace become one space; and it is cut to :data:`MAX_GRAPHEMES` user-perceived
characters, each with at most :data:`MAX_MARKS` combining marks and :data:`MAX_CLUSTER` code
points. Clusters are approximated: a base character plus its combining marks, variation
selectors, emoji modifiers and joiner-linked successors, and regional-indicator pairs (flags).
Names are then rendered with ``textContent`` by the clients; this is not an HTML filter.
"""

from __future__ import annotations

import unicodedata
from typing import Final

__all__ = ["MAX_GRAPHEMES", "name_key", "normalize_name"]

MAX_GRAPHEMES: Final = 16
MAX_MARKS: Final = 3
"""Combining marks kept per character: enough for any language's accents, not for the towers
of stacked marks that would spill over other players' names on the table display."""
MAX_CLUSTER: Final = 16
"""Code points kept per character (the longest emoji sequences have about 10)."""
_ZWJ: Final = "\u200d"


def _is_extender(ch: str) -> bool:
    """Characters that attach to the previous one in a cluster."""
    cat = unicodedata.category(ch)
    code = ord(ch)
    return (
        cat in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _clean(raw: str) -> str:
    out: list[str] = []
    space = False
    for ch in unicodedata.normalize("NFC", raw):
        cat = unicodedata.category(ch)
        if ch.isspace() or cat in ("Zs", "Zl", "Zp"):
            space = bool(out)
            continue
        if cat in ("Cc", "Cs", "Co", "Cn") or (cat == "Cf" and ch != _ZWJ):
            continue
        if space:
            out.append(" ")
            space = False
        out.append(ch)
    return "".join(out)


def _clusters(text: str) -> list[str]:
    clusters: list[str] = []
    join_next = False
    for ch in text:
        if clusters and (join_next or _is_extender(ch) or ch == _ZWJ):
            clusters[-1] += ch
        elif clusters and _is_regional(ch) and _is_regional(clusters[-1][-1]):
            if len(clusters[-1]) == 1:
                clusters[-1] += ch
            else:
                clusters.append(ch)
        else:
            clusters.append(ch)
        join_next = ch == _ZWJ
    return clusters


def _trim(cluster: str) -> str:
    kept: list[str] = []
    marks = 0
    for ch in cluster:
        if unicodedata.category(ch) in ("Mn", "Me", "Mc"):
            marks += 1
            if marks > MAX_MARKS:
                continue
        kept.append(ch)
    return "".join(kept[:MAX_CLUSTER])


def normalize_name(raw: str) -> str | None:
    """The name as it will be shown, or None when nothing printable is left."""
    clusters = _clusters(_clean(raw))
    # A joiner at either end of a cluster joins nothing: drop it.
    clusters = [_trim(c.strip(_ZWJ)) for c in clusters if c.strip(_ZWJ)]
    name = "".join(clusters[:MAX_GRAPHEMES]).strip()
    if not any(ch.isalnum() or unicodedata.category(ch).startswith("S") for ch in name):
        return None
    return name


def name_key(name: str) -> str:
    """The key under which names must be unique in a room (case- and width-insensitive)."""
    return unicodedata.normalize("NFKC", name).casefold()
