"""Join codes, player names and tokens."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
