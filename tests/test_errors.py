"""One error tree: each error class derives from CiboError, has a code, and is in the tree."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import TypeVar

import pytest

import cibo
import cibo.errors
from cibo.core.errors import IllegalCommand, RulesError
from cibo.core.expr import ExprError
from cibo.core.serial import DataError
from cibo.errors import CiboError
from cibo.journal.errors import JournalError
from cibo.protocol.errors import DecodeError, ProtocolError, error_message
from cibo.rooms.registry import RoomRefused

CODE = re.compile(r"[a-z_]+/[a-z_]+")
E = TypeVar("E")


def _all_modules() -> None:
    for info in pkgutil.walk_packages(cibo.__path__, "cibo."):
        if info.name != "cibo.__main__":  # importing it runs the command line
            importlib.import_module(info.name)


def _subclasses(cls: type[E]) -> set[type[E]]:
    found: set[type[E]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _tree() -> str:
    doc = cibo.errors.__doc__ or ""
    return doc.split("Exceptions::", 1)[1].split("\n\n", 2)[1]


def test_every_error_of_cibo_is_in_the_tree_with_its_code() -> None:
    _all_modules()
    classes = {c for c in _subclasses(CiboError) if c.__module__.startswith("cibo.")}
    drawn = dict(re.findall(r"^[\s│]*(?:[├└]── )?([A-Z]\w+) +(\S+)", _tree(), re.MULTILINE))
    assert set(drawn) == {c.__name__ for c in classes} | {"CiboError"}
    for cls in classes:
        assert CODE.fullmatch(cls.code), cls
        if CODE.fullmatch(drawn[cls.__name__]):
            assert drawn[cls.__name__] == cls.code, cls


def test_no_other_exception_class_in_cibo() -> None:
    """Only control flow stays outside the tree (named in cibo.errors' docstring)."""
    _all_modules()
    outside = {c.__name__ for c in _subclasses(Exception)
               if c.__module__.startswith("cibo.") and not issubclass(c, CiboError)}
    assert outside == {"GameOver", "_Stop"}
    for name in outside:
        assert name in (cibo.errors.__doc__ or "")


@pytest.mark.parametrize(("error", "builtin"), [
    (IllegalCommand("no", code="action/x"), ValueError),
    (RulesError("no"), RuntimeError),
    (ExprError("no"), ValueError),
    (DataError("no", "a.b"), ValueError),
])
def test_builtin_bases_are_kept(error: Exception, builtin: type) -> None:
    assert isinstance(error, builtin)
    assert isinstance(error, CiboError)


def test_codes_and_messages_are_unchanged() -> None:
    refused = IllegalCommand("It is not your turn.", code="action/not_your_turn")
    assert (refused.code, refused.message) == ("action/not_your_turn", "It is not your turn.")
    assert str(refused) == "It is not your turn. [action/not_your_turn]"
    assert RulesError("x").code == "rules/error"
    decode = DecodeError("too deep", code="protocol/too_large")
    assert (decode.code, decode.detail, str(decode)) == ("protocol/too_large", "too deep",
                                                         "too deep")
    assert decode.message == error_message("protocol/too_large")
    assert str(ProtocolError()) == "protocol/invalid"
    journal = JournalError("disk full", code="journal/io", offset=3)
    assert (journal.code, journal.message, journal.offset) == ("journal/io", "disk full", 3)
    assert str(journal) == "disk full [journal/io]"
    room = RoomRefused("room/limit")
    assert (room.code, room.message, str(room)) == ("room/limit", error_message("room/limit"),
                                                    error_message("room/limit"))
    assert str(DataError("bad", "a.b")) == "a.b: bad"
