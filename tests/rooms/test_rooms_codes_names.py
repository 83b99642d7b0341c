"""Join codes, player names and tokens."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibo.core.names import clean_name, graphemes
from cibo.rooms import ALPHABET, name_key, new_code, normalize_code, normalize_name
from cibo.rooms.names import MAX_GRAPHEMES
from cibo.rooms.tokens import matches, new_token, token_hash


def test_alphabet_is_twenty_unambiguous_consonants() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 20
    assert not set(ALPHABET) & set("AEIOULO0I1")
    assert ALPHABET.isupper()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("BCDF", "BCDF"),
        ("bcdf", "BCDF"),
        (" b c-d_f ", "BCDF"),
        ("BCD", None),
        ("BCDFG", None),
        ("BCDA", None),  # a vowel
        ("BCDL", None),
        ("BCD1", None),
        ("", None),
        ("ＢＣＤＦ", None),  # full-width letters are not accepted as-is
    ],
)
def test_normalize_code(raw: str, code: str | None) -> None:
    assert normalize_code(raw) == code


def test_new_codes_avoid_taken_ones() -> None:
    taken = {new_code(()) for _ in range(200)}
    for _ in range(200):
        code = new_code(taken)
        assert code not in taken
        assert normalize_code(code) == code


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Ann", "Ann"),
        ("  Ann   Lee  ", "Ann Lee"),
        ("A\tnn", "A nn"),
        ("Cafe\u0301", "Café"),  # NFC
        ("evil\u202egnp.exe", "evilgnp.exe"),  # bidi override removed
        ("\u2066x\u2069", "x"),  # isolates removed
        ("zero\u200bwidth", "zerowidth"),
        ("bell\x07\x00", "bell"),
        ("<svg/onload=alert(1)>", "<svg/onload=aler"),  # 16 characters; shown as text
        ("👍🏽 Bo", "👍🏽 Bo"),  # skin tone stays with its emoji
        ("👩\u200d👩\u200d👧 fam", "👩\u200d👩\u200d👧 fam"),  # one cluster (ZWJ kept)
        ("🇫🇷🇩🇪", "🇫🇷🇩🇪"),
        ("\u200d\u200dAnn\u200d", "Ann"),
        ("   ", None),
        ("\u202e\u202c", None),
        ("...", None),
        ("★", "★"),
    ],
)
def test_normalize_name(raw: str, name: str | None) -> None:
    assert normalize_name(raw) == name


def test_names_are_capped_in_clusters_not_code_points() -> None:
    assert normalize_name("x" * 100) == "x" * MAX_GRAPHEMES
    family = "👩\u200d👩\u200d👧"
    assert normalize_name(family * 20) == family * MAX_GRAPHEMES
    assert normalize_name("e\u0301" * 20) == "é" * MAX_GRAPHEMES
    # Vietnamese keeps its two marks; a tower of marks keeps three, so it cannot spill over
    # the other names on the table display.
    assert normalize_name("Nguye\u0302\u0303n") == "Nguy\u1ec5n"
    zalgo = normalize_name("a" + "\u0301\u0336\u0337" * 66)
    assert zalgo is not None and len(zalgo) == 1 + 3


@given(st.text(max_size=300))
def test_normalized_names_are_clean(raw: str) -> None:
    name = normalize_name(raw)
    if name is None:
        return
    assert name == name.strip()
    assert "  " not in name
    assert not any(ch in name for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in name)
    assert len(name) <= MAX_GRAPHEMES * 16
    assert normalize_name(name) == name  # idempotent


def test_name_keys_ignore_case_and_width() -> None:
    assert name_key("Ann") == name_key("ANN") == name_key("ａｎｎ")
    assert name_key("Straße") == name_key("STRASSE")


def test_tokens() -> None:
    token = new_token()
    assert len(token) >= 22 and token != new_token()
    digest = token_hash(token)
    assert len(digest) == 64 and token not in digest
    assert matches(token, digest)
    assert not matches(token + "x", digest)


# -- the one name rule (cibo.core.names), as the audit found it broken ------------------------

FAMILY = "👨\u200d👩\u200d👧\u200d👦"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("A\u200dnn", "Ann"),  # a joiner between letters joins nothing: it is dropped
        ("A\u200d\u200dnn\u200d", "Ann"),
        ("👩\u200dA", "👩A"),
        ("\u3164", None),  # Hangul filler: blank-looking
        ("\u115f", None),
        ("\u1160\uffa0", None),
        ("\u2800", None),  # blank Braille pattern
        ("\u2800Ann\u3164Lee\u2800", "Ann Lee"),
        ("\u200b\u2060\ufeff\u00ad", None),  # all invisible
        ("\u034fA\u034fnn", "Ann"),  # combining grapheme joiner
        ("\U000e0041nn", "nn"),  # a tag character outside an emoji
        ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
         "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"),  # England's flag
        ("1\ufe0f\u20e3", "1\ufe0f\u20e3"),  # keycap
    ],
)
def test_the_name_rule(raw: str, name: str | None) -> None:
    assert normalize_name(raw) == name
    assert clean_name(raw) == name  # the room's rule is the core's


@pytest.mark.parametrize(
    ("raw", "clusters"),
    [
        (FAMILY * 10, 10),  # 70 code points, 10 characters: kept whole
        (FAMILY * 20, 16),
        ("🇫🇷" * 13, 13),  # 26 code points, 13 flags
        ("🇫🇷" * 20, 16),
        ("q\u0301" * 13, 13),  # no precomposed form: 26 code points
        ("👍🏽" * 17, 16),
        ("\u2764\ufe0f" * 17, 16),
    ],
)
def test_short_names_of_many_code_points_are_kept_and_long_ones_cut(
    raw: str, clusters: int
) -> None:
    name = normalize_name(raw)
    assert name is not None and len(graphemes(name)) == clusters
    assert raw.startswith(name)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ann", "A\u200dnn"),
        ("Ann", "ANN"),
        ("Ann", "Ánn"),  # accents
        ("Ann", "ａｎｎ"),  # full width
        ("BOB", "ВОВ"),  # Cyrillic capitals
        ("Oscar", "Οscar"),  # a Greek capital omicron
        ("Alice", "AIice"),  # I for l
        ("Leo", "Le0"),
        ("Ann Lee", "Ann\u2800Lee"),
    ],
)
def test_confusable_names_share_a_key(a: str, b: str) -> None:
    shown_a, shown_b = normalize_name(a), normalize_name(b)
    assert shown_a is not None and shown_b is not None
    assert name_key(shown_a) == name_key(shown_b)


def test_different_names_keep_different_keys() -> None:
    names = ["Ann", "Anna", "Bob", "Rob", "Zoë Smith", "Zoe", "👍🏻", "👍🏿", "🇫🇷", "🇩🇪", "李雷"]
    keys = {name_key(normalize_name(n) or "") for n in names}
    assert len(keys) == len(names)


TRICKY = st.sampled_from([
    "a", "B", "é", "\u0301", "\u0302", "\u0336", "\u200d", "\u200b", "\ufe0f", "\ufe0e", "👩",
    "👧", "🏽", "🇫", "🇷", "🇩", " ", "\u3164", "\u2800", "\U000e0067", "\U000e007f", "🏴",
    "1", "\u20e3", "李", "\u1100", "\u1161", "\u034f", "\u00ad", "\u202e", "\t", "❤", "\u094d",
])


@settings(max_examples=2000, deadline=None)
@given(st.lists(TRICKY, max_size=60).map("".join))
def test_names_built_from_tricky_pieces_are_cut_and_stable(raw: str) -> None:
    name = normalize_name(raw)
    if name is None:
        return
    assert normalize_name(name) == name  # idempotent: the engine cleans the room's name again
    assert len(graphemes(name)) <= MAX_GRAPHEMES
    assert name == name.strip() and "  " not in name
    assert not any(ch in name for ch in "\u3164\u2800\u200b\u034f\u00ad\u202e\t")
    for i, ch in enumerate(name):  # a joiner only ever sits between two emoji
        if ch == "\u200d":
            assert 0 < i < len(name) - 1 and unicodedata.category(name[i + 1]) == "So"
