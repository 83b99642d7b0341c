"""docs/protocol.md lists exactly the server's error codes, and every close reason has a code."""

from __future__ import annotations

import re
from pathlib import Path

from cibo.protocol import CLOSE_CODES, ERRORS, CloseCode

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def test_every_error_code_is_documented_and_nothing_else() -> None:
    table = _section("## 6. Error codes").split("**Engine codes**")[0]
    documented = set(re.findall(r"^\| `([a-z_]+/[a-z_]+)` \|", table, flags=re.MULTILINE))
    assert documented == set(ERRORS)


def test_every_close_reason_is_a_known_code() -> None:
    assert set(CLOSE_CODES) <= set(ERRORS)
    closes = _section("### Close codes")
    for code in {int(c) for c in CLOSE_CODES.values()}:
        assert f"| {code} |" in closes


def test_every_sentence_is_for_players() -> None:
    for code, sentence in ERRORS.items():
        assert sentence.endswith(".") and sentence[0].isupper(), code
        assert "Exception" not in sentence and "None" not in sentence, code


def test_every_engine_code_is_documented() -> None:
    """Every code the engine can raise (a string literal in cibo.core) has its row."""
    core = Path(__file__).resolve().parents[2] / "server" / "cibo" / "core"
    raised: set[str] = set()
    for source in core.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        raised |= set(re.findall(r'"((?:command|lobby|game|action|rules)/[a-z_]+)"', text))
    engine = _section("## 6. Error codes").split("**Engine codes**")[1]
    documented = set(re.findall(r"^\| `([a-z_]+/[a-z_]+)` \|", engine, flags=re.MULTILINE))
    assert raised and raised == documented


def test_the_close_codes_say_what_happens_to_a_connection_over_the_caps() -> None:
    """Over the caps the handshake gets HTTP 503 and never opens (a browser sees 1006); 1013 is
    only for handshakes that raced past the check together."""
    closes = _section("### Close codes")
    for code in CloseCode:
        assert f"| {int(code)} |" in closes, code
    handshake = _section("### Handshake checks")
    caps = next(line for line in handshake.splitlines() if "too many connections" in line)
    assert caps.endswith("| 503 |")
    row = next(line for line in closes.splitlines() if line.startswith("| 1013 |"))
    assert "HTTP 503" in row and "raced" in row
    assert "503" in next(line for line in closes.splitlines() if line.startswith("| 1006 |"))


def test_bad_event_numbers_are_documented() -> None:
    messages = _section("## 3. Messages")
    assert "`protocol/bad_seq`" in messages and "negative" in messages
