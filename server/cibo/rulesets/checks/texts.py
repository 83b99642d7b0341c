"""The ruleset's languages: each declared language has every text, and nothing else.

``[translations]`` declares ``languages`` (the first is the language of the texts written
inline) and gives one table per other language, keyed by text path (see
:mod:`cibo.core.texts`). A ruleset without the table is written in English only.

Two kinds of problem: :func:`check_translations` (run with every check) finds a table that
cannot be meant (a bad language tag, a table for an undeclared language); :func:`translation_gaps`
(run by ``cibo check``, not when loading) finds what a translation lacks or names wrongly. A gap
does not stop a ruleset from loading: where a text is missing a device shows the first
language's, and a journal replays with the translations it was written with.
"""

from __future__ import annotations

import re

from cibo.core.ruleset import Ruleset
from cibo.core.texts import text_paths
from cibo.rulesets.checks.context import CheckContext
from cibo.rulesets.structure import Issue

__all__ = ["LANGUAGE_TAG", "check_translations", "translation_gaps"]

LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
"""A language as the clients name it: ``en``, ``it``, ``pt-BR``."""

def check_translations(cx: CheckContext) -> None:
    """The languages are tags, each listed once; every table is for a declared language other
    than the first."""
    tr = cx.rs.translations
    base = ("translations",)
    languages = list(tr.languages)
    for index, lang in enumerate(languages):
        if not LANGUAGE_TAG.fullmatch(lang):
            cx.err((*base, "languages", index),
                   f"{lang!r} is not a language tag: write it like 'en', 'it' or 'pt-BR'")
        if lang in languages[:index]:
            cx.err((*base, "languages", index), f"{lang!r} is listed twice")
    if tr.texts and not languages:
        cx.err((*base, "languages"), "list the languages, the one of the texts above first: "
                                     'languages = ["en", ...]')
    for lang in tr.texts:
        if lang == tr.source:
            cx.err((*base, lang),
                   f"{lang!r} is the language of the texts above: it needs no table")
        elif languages and lang not in languages:
            cx.err((*base, lang), f"{lang!r} is not in languages {languages}: add it there")


def translation_gaps(rs: Ruleset) -> list[Issue]:
    """What the translations lack or name wrongly: a declared language without its table, a
    text missing in a language, a path that names no text, an empty translation."""
    tr = rs.translations
    base = ("translations",)
    source = tr.source
    paths = text_paths(rs)
    out: list[Issue] = []
    for lang, texts in tr.texts.items():
        for path, text in texts.items():
            if path not in paths:
                out.append(((*base, lang, path),
                            "no text has this path (docs/rulesets.md lists them)"))
            elif not text.strip():
                out.append(((*base, lang, path), "the translation is empty"))
    for lang in tr.languages[1:]:
        if lang not in tr.texts:
            out.append(((*base, "languages"),
                        f"{lang!r} is declared but has no [translations.{lang}]"))
            continue
        for path, text in paths.items():
            if path not in tr.texts[lang]:
                out.append(((*base, lang), f"missing the {lang!r} text for {path} "
                                           f"(in {source!r}: {_short(text)})"))
    return out


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return repr(one_line if len(one_line) <= 50 else one_line[:47] + "...")
