"""The locale tables (clients/shared/locales/*.json): the same keys in every language, the same
placeholders and plural forms, every key the code asks for present, and the server's sentences
the same as the English table's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cibo.protocol.errors import ERRORS

CLIENTS = Path(__file__).resolve().parents[2] / "clients"
LOCALES = CLIENTS / "shared" / "locales"
LANGS = sorted(p.stem for p in LOCALES.glob("*.json"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")
KEY_IN_CODE = re.compile(r"""\bt\(\s*"([a-z_]+\.[^"]+)"|data-i18n(?:-aria|-title)?="([^"]+)\"""")
# Keys the code builds from a prefix and a value (t(`hero_status.${status}`)): every value the
# code may pass is listed here, so a missing one fails.
BUILT_KEYS = {
    "hero_status": ["down", "done", "acting", "waiting"],
    "tower": ["watching", "asleep", "destroyed"],
    "replay.col": ["when", "ruleset", "players", "outcome", "rounds"],
    "ended": ["kicked", "replaced", "disconnected", "play_here", "join_again"],
    "status": ["won", "lost", "aborted", "playing", "lobby", "corrupt", "in progress"],
}


def load(lang: str) -> dict[str, Any]:
    data = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def forms(value: Any) -> dict[str, str]:
    return value if isinstance(value, dict) else {"": value}


def placeholders(value: Any) -> set[str]:
    return {name for text in forms(value).values() for name in PLACEHOLDER.findall(text)}


def test_there_are_english_and_italian_tables() -> None:
    assert {"en", "it"} <= set(LANGS)


def keys_differ(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(set(a) ^ set(b))


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_every_locale_has_exactly_the_english_keys(lang: str) -> None:
    english, other = load("en"), load(lang)
    assert keys_differ(english, other) == [], f"keys in one table only ({lang} vs en)"
    for key, value in english.items():
        assert placeholders(other[key]) == placeholders(value), f"{lang}: {key} placeholders"
        # A language may need plural forms where English needs none ("ne resta"/"ne restano"),
        # as long as the sentence gets its {count}.
        for table in (value, other[key]):
            if isinstance(table, dict):
                assert "other" in table, f"{key}: plural forms need 'other'"
        assert all(text.strip() for text in forms(other[key]).values()), f"{lang}: {key} empty"


def test_a_key_in_one_table_only_is_caught() -> None:
    english = load("en")
    italian = dict(load("it"))
    italian.pop("game.your_turn")
    assert keys_differ(english, italian) == ["game.your_turn"]
    italian["game.yuor_turn"] = "Tocca a te"
    assert keys_differ(english, italian) == ["game.your_turn", "game.yuor_turn"]


def test_every_key_the_code_asks_for_is_in_the_tables() -> None:
    english = load("en")
    asked: set[str] = set()
    for path in [*CLIENTS.rglob("*.js"), *CLIENTS.rglob("*.html")]:
        for match in KEY_IN_CODE.finditer(path.read_text(encoding="utf-8")):
            key = match.group(1) or match.group(2)
            if key != "key":  # the attribute named in i18n.js's own comment
                asked.add(key)
    for prefix, values in BUILT_KEYS.items():
        sep = "_" if prefix == "replay.col" else "."
        asked.update(f"{prefix}{sep}{v}" for v in values)
    assert len(asked) > 150
    assert sorted(asked - set(english)) == []


def test_every_server_sentence_is_the_english_table_s() -> None:
    """The wire's error codes: the English table says what errors.py says, word for word."""
    english = load("en")
    for code, sentence in ERRORS.items():
        assert english.get(f"error.{code}") == sentence, code
