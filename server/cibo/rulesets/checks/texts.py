"""The ruleset's languages: each declared language has every text, and nothing else.

``[translations]`` declares ``languages`` (the first is the language of the texts written
inline) and gives one table per other language, keyed by text path (see
:mod:`cibo.core.texts`). A ruleset without the table is written in English only.
"""

from __future__ import annotations

import re

from cibo.core.texts import text_paths
from cibo.rulesets.checks.context import CheckContext

__all__ = ["LANGUAGE_TAG", "check_translations"]

LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
"""A language as the clients name it: ``en``, ``it``, ``pt-BR``."""

def check_translations(cx: CheckContext) -> None:
    """Every declared language has a table with every text path; no table is undeclared."""
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
    source = tr.source
    paths = text_paths(cx.rs)
    for lang, texts in tr.texts.items():
        where = (*base, lang)
        if lang == source:
            cx.err(where, f"{lang!r} is the language of the texts above: it needs no table")
            continue
        if languages and lang not in languages:
            cx.err(where, f"{lang!r} is not in languages {languages}: add it there")
        for path, text in texts.items():
            if path not in paths:
                cx.err((*where, path), "no text has this path (docs/rulesets.md lists them)")
            elif not text.strip():
                cx.err((*where, path), "the translation is empty")
    for lang in languages[1:]:
        if lang not in tr.texts:
            cx.err((*base, "languages"), f"{lang!r} is declared but has no [translations.{lang}]")
            continue
        for path, text in paths.items():
            if path not in tr.texts[lang]:
                cx.err((*base, lang), f"missing the {lang!r} text for {path} "
                                      f"(in {source!r}: {_short(text)})")


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return repr(one_line if len(one_line) <= 50 else one_line[:47] + "...")
