"""Find the line of a key path in TOML text.

``tomllib`` keeps no positions, so this module scans the (already parsed, hence valid) text once
and records the line where every key, table header and array element starts. A problem's key
path is then looked up, falling back to its longest recorded prefix (a missing key points at its
table). It is best effort: on text it does not understand it simply records less.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Sequence

from cibo.rulesets.problems import PathPart

__all__ = ["LineIndex", "Path"]

Path = tuple[PathPart, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SCALAR_END = frozenset(",]}\n#")


class _Stop(Exception):
    """Internal: the text is not what the scanner expects; keep what was recorded so far."""


class LineIndex:
    """Line numbers (1-based) of the key paths of one TOML document."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = [0]
        self._starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
        self.lines: dict[Path, int] = {}
        self._arrays_of_tables: dict[Path, int] = {}
        self._pos = 0
        with contextlib.suppress(_Stop, IndexError, RecursionError):
            self._document()

    def line_of(self, path: Sequence[PathPart]) -> int | None:
        """The line of ``path``, or of its longest prefix that was found; None if none was."""
        key = tuple(path)
        while key:
            line = self.lines.get(key)
            if line is not None:
                return line
            key = key[:-1]
        return None

    # -- scanning --------------------------------------------------------------------------------

    def _line(self, pos: int) -> int:
        return bisect.bisect_right(self._starts, pos)

    def _record(self, path: Path, pos: int) -> None:
        line = self._line(pos)
        for n in range(1, len(path) + 1):
            self.lines.setdefault(path[:n], line)

    def _peek(self, n: int = 1) -> str:
        return self._text[self._pos : self._pos + n]

    def _skip_space(self, *, newlines: bool) -> None:
        text = self._text
        while self._pos < len(text):
            ch = text[self._pos]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self._pos += 1
            elif ch == "#":
                end = text.find("\n", self._pos)
                self._pos = len(text) if end < 0 else end
            else:
                return

    def _document(self) -> None:
        table: Path = ()
        while True:
            self._skip_space(newlines=True)
            if self._pos >= len(self._text):
                return
            start = self._pos
            if self._peek(2) == "[[":
                self._pos += 2
                keys = self._dotted_key()
                self._expect("]]")
                base = (*self._resolve(keys[:-1]), keys[-1])
                index = self._arrays_of_tables.get(base, 0)
                self._arrays_of_tables[base] = index + 1
                table = (*base, index)
                self._record(table, start)
            elif self._peek() == "[":
                self._pos += 1
                keys = self._dotted_key()
                self._expect("]")
                table = self._resolve(keys)
                self._record(table, start)
            else:
                keys = self._dotted_key()
                self._record((*table, *keys), start)
                self._expect("=")
                self._value((*table, *keys))

    def _resolve(self, keys: Path) -> Path:
        """Insert the current index after every prefix that is an array of tables."""
        out: list[PathPart] = []
        for key in keys:
            out.append(key)
            count = self._arrays_of_tables.get(tuple(out))
            if count:
                out.append(count - 1)
        return tuple(out)

    def _expect(self, token: str) -> None:
        self._skip_space(newlines=False)
        if not self._text.startswith(token, self._pos):
            raise _Stop
        self._pos += len(token)

    def _dotted_key(self) -> Path:
        keys: list[PathPart] = []
        while True:
            self._skip_space(newlines=False)
            keys.append(self._key())
            self._skip_space(newlines=False)
            if self._peek() != ".":
                return tuple(keys)
            self._pos += 1

    def _key(self) -> str:
        ch = self._peek()
        if ch in ('"', "'"):
            return self._string()
        start = self._pos
        while self._pos < len(self._text) and self._text[self._pos] in _BARE:
            self._pos += 1
        if self._pos == start:
            raise _Stop
        return self._text[start : self._pos]

    def _string(self) -> str:
        text = self._text
        quote = text[self._pos]
        if text.startswith(quote * 3, self._pos):
            end = self._pos + 3
            while True:
                end = text.find(quote * 3, end)
                if end < 0:
                    raise _Stop
                if quote == '"' and _escaped(text, end):
                    end += 1
                    continue
                break
            while text.startswith(quote, end + 3):  # up to two quotes may end the content
                end += 1
            value = text[self._pos + 3 : end]
            self._pos = end + 3
            return value
        end = self._pos + 1
        while True:
            end = text.find(quote, end)
            if end < 0:
                raise _Stop
            if quote == '"' and _escaped(text, end):
                end += 1
                continue
            break
        value = text[self._pos + 1 : end]
        self._pos = end + 1
        return value

    def _value(self, path: Path) -> None:
        self._skip_space(newlines=False)
        ch = self._peek()
        if ch in ('"', "'"):
            self._string()
        elif ch == "[":
            self._array(path)
        elif ch == "{":
            self._inline_table(path)
        else:
            start = self._pos
            text = self._text
            while self._pos < len(text) and text[self._pos] not in _SCALAR_END:
                self._pos += 1
            if self._pos == start:
                raise _Stop

    def _array(self, path: Path) -> None:
        self._pos += 1
        index = 0
        while True:
            self._skip_space(newlines=True)
            if self._peek() == "]":
                self._pos += 1
                return
            self._record((*path, index), self._pos)
            self._value((*path, index))
            self._skip_space(newlines=True)
            if self._peek() == ",":
                self._pos += 1
                index += 1
            elif self._peek() != "]":
                raise _Stop

    def _inline_table(self, path: Path) -> None:
        self._pos += 1
        while True:
            self._skip_space(newlines=True)
            if self._peek() == "}":
                self._pos += 1
                return
            start = self._pos
            keys = self._dotted_key()
            self._record((*path, *keys), start)
            self._expect("=")
            self._value((*path, *keys))
            self._skip_space(newlines=True)
            if self._peek() == ",":
                self._pos += 1
            elif self._peek() != "}":
                raise _Stop


def _escaped(text: str, pos: int) -> bool:
    """True if the character at ``pos`` is preceded by an odd number of backslashes."""
    count = 0
    while pos - count - 1 >= 0 and text[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1
