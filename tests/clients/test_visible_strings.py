"""No visible string in the clients bypasses the locale tables.

The JavaScript is scanned token by token (strings, template literals, regular expressions and
comments told apart) for string literals with words in them that reach the screen: a child of
an element built with ``h(...)``/``s(...)``, a visible attribute (``title``, ``aria-label``,
``alt``, ``placeholder``, ``text``), an assignment to ``textContent``/``innerHTML``/``title``,
or a toast. The HTML pages are scanned for text outside an element that names its key with
``data-i18n``. The i18n module itself (the languages' own names) and the short ALLOWED list are
the only exceptions.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

CLIENTS = Path(__file__).resolve().parents[2] / "clients"
EXEMPT_FILES = {"shared/i18n.js", "shared/codes.js"}
ALLOWED: set[str] = set()
"""Literal texts allowed on screen as they are (none so far: add with a reason)."""
VISIBLE_PROPS = {"title", "aria-label", "alt", "placeholder", "text", "aria-valuetext"}
VISIBLE_ASSIGN = {"textContent", "innerHTML", "innerText", "title"}
SHOUTING_CALLS = {"toast", "alert", "confirm"}
WORD = re.compile(r"[A-Za-z]{2,}")
REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {"", "return", "typeof", "case"}
KEYWORDS = {"if", "for", "while", "switch", "catch", "function", "return", "typeof", "await"}


class Token:
    def __init__(self, kind: str, text: str, line: int) -> None:
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self) -> str:
        return f"{self.kind}:{self.text!r}@{self.line}"


def _template_text(body: str) -> str:
    """A template literal's literal parts (every ${...} taken out, nested braces counted)."""
    out, depth, i = [], 0, 0
    while i < len(body):
        if depth == 0 and body.startswith("${", i):
            depth, i = 1, i + 2
            continue
        if depth:
            depth += {"{": 1, "}": -1}.get(body[i], 0)
        else:
            out.append(body[i])
        i += 1
    return "".join(out)


def tokenize(src: str) -> list[Token]:
    """Strings ("str"), punctuation ("op") and words ("id"); comments and regexes dropped."""
    tokens: list[Token] = []
    i, line = 0, 1
    while i < len(src):
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif src.startswith("//", i):
            i = src.find("\n", i) if "\n" in src[i:] else len(src)
        elif src.startswith("/*", i):
            end = src.index("*/", i) + 2
            line += src.count("\n", i, end)
            i = end
        elif c in "\"'":
            j = i + 1
            while src[j] != c:
                j += 2 if src[j] == "\\" else 1
            tokens.append(Token("str", src[i + 1:j], line))
            i = j + 1
        elif c == "`":
            j, depth = i + 1, 0
            while depth or src[j] != "`":
                if src[j] == "\\":
                    j += 2
                    continue
                if src.startswith("${", j):
                    depth += 1
                    j += 2
                    continue
                if depth and src[j] == "}":
                    depth -= 1
                elif depth and src[j] == "{":
                    depth += 1
                elif depth and src[j] == "`":  # a template inside ${...}
                    j = src.index("`", j + 1)
                j += 1
            body = src[i + 1:j]
            tokens.append(Token("str", _template_text(body), line))
            line += body.count("\n")
            i = j + 1
        elif c == "/" and (not tokens or tokens[-1].text in REGEX_BEFORE):
            j, in_class = i + 1, False
            while in_class or src[j] != "/":
                if src[j] == "\\":
                    j += 1
                elif src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                j += 1
            i = j + 1
            while i < len(src) and src[i].isalpha():
                i += 1
            tokens.append(Token("id", "/regex/", line))
        elif c.isalnum() or c in "_$":
            j = i
            while j < len(src) and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            tokens.append(Token("id", src[i:j], line))
            i = j
        else:
            tokens.append(Token("op", c, line))
            i += 1
    return tokens


def visible_literals(src: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal with words that reaches the screen."""
    tokens = tokenize(src)
    found: list[tuple[int, str]] = []
    # One frame per open bracket: [bracket, what it is ("el": h/s, "shout": toast...,
    # "call": another call, "": grouping or literal), argument index].
    stack: list[list[object]] = []
    assigning: int | None = None  # the stack depth of `x.textContent = ...`
    for n, tok in enumerate(tokens):
        prev = tokens[n - 1].text if n else ""
        prev2 = tokens[n - 2].text if n > 1 else ""
        if tok.kind == "op" and tok.text in "([{":
            called = tok.text == "(" and tokens[n - 1].kind == "id" and prev not in KEYWORDS
            kind = ""
            if called:
                kind = "el" if prev in {"h", "s"} else "shout" if prev in SHOUTING_CALLS else "call"
            stack.append([tok.text, kind, 0])
            continue
        if tok.kind == "op" and tok.text in ")]}":
            if stack:
                stack.pop()
            continue
        if tok.kind == "op" and tok.text == "," and stack:
            frame = stack[-1]
            frame[2] = int(frame[2]) + 1  # type: ignore[call-overload]
            continue
        if tok.kind == "op" and tok.text == ";":
            assigning = None
            continue
        if tok.kind == "op" and tok.text == "=" and prev in VISIBLE_ASSIGN and prev2 == ".":
            assigning = len(stack)
            continue
        if tok.kind != "str" or not WORD.search(tok.text) or tok.text in ALLOWED:
            continue
        nxt = tokens[n + 1].text if n + 1 < len(tokens) else ""
        nxt2 = tokens[n + 2].text if n + 2 < len(tokens) else ""
        if nxt == ":" and stack and stack[-1][0] == "{":
            continue  # a property name
        if (prev == "=" and prev2 in "=!") or (nxt == nxt2 == "=") or (nxt in "!" and nxt2 == "="):
            continue  # compared, not shown
        if prev == "case":
            continue
        shown = False
        if assigning is not None:
            shown = not any(f[1] for f in stack[assigning:])
        if prev == ":" and prev2 in VISIBLE_PROPS:
            shown = True
        # A child of h()/s(): the innermost call, seen through arrays and ternaries.
        for frame in reversed(stack):
            if frame[0] == "{" or (frame[0] == "(" and not frame[1]):
                break
            if frame[1] == "el":
                shown = shown or int(frame[2]) >= 2  # type: ignore[call-overload]
                break
            if frame[1] == "shout":
                shown = shown or int(frame[2]) == 0  # type: ignore[call-overload]
                break
            if frame[1] == "call":
                break
        if shown:
            found.append((tok.line, tok.text))
    return found


def test_the_scanner_finds_what_it_should() -> None:
    src = """
    const a = h("p", { class: "lead big", title: "Hello there" }, "Some words", cond ? "Yes" : x);
    el.textContent = ok ? "Shown text" : t("key.ok");
    toast("Oops, failed", "info");
    x.title = a === "compared" ? "Shown too" : "And this";
    h("button", { "aria-label": t("x.y"), onclick: () => f("not shown") }, [t("a.b"), "In a list"]);
    const re = /"quoted"/g; // "a comment"
    h("span", {}, `${n} left`);
    """
    texts = [text for _, text in visible_literals(src)]
    assert texts == ["Hello there", "Some words", "Yes", "Shown text", "Oops, failed",
                     "Shown too", "And this", "In a list", " left"]


def test_no_client_script_shows_a_literal_string() -> None:
    problems = []
    for path in sorted(CLIENTS.rglob("*.js")):
        rel = path.relative_to(CLIENTS).as_posix()
        if rel in EXEMPT_FILES:
            continue
        for line, text in visible_literals(path.read_text(encoding="utf-8")):
            problems.append(f"{rel}:{line}: {text!r}")
    assert problems == [], "visible strings outside the locale tables:\n" + "\n".join(problems)


class _PageText(HTMLParser):
    """Text of a page outside <noscript>, <script>, <style> and elements with data-i18n."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.loose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"meta", "link", "input", "br", "img"}:
            return
        keyed = any(k in {"data-i18n", "data-i18n-title"} for k, _ in attrs)
        skip = tag in {"noscript", "script", "style"}
        self.stack.append((tag, keyed or skip or bool(self.stack and self.stack[-1][1])))

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if WORD.search(data) and not (self.stack and self.stack[-1][1]):
            self.loose.append(data.strip())


def test_no_page_has_text_outside_the_tables() -> None:
    problems = []
    for path in sorted(CLIENTS.rglob("*.html")):
        parser = _PageText()
        parser.feed(path.read_text(encoding="utf-8"))
        problems += [f"{path.relative_to(CLIENTS)}: {text!r}" for text in parser.loose]
        assert 'lang="en"' in path.read_text(encoding="utf-8")  # until the script sets it
    assert problems == []
