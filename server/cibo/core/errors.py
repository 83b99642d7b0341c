"""Errors raised by the pure core, classified by cause, each with a stable code.

``IllegalCommand`` is the player's mistake (or a forged/stale command): it carries a stable,
namespaced ``code`` safe to send over the wire and a ``message`` a player understands. The state is
never changed when it is raised. ``RulesError`` means the ruleset asked for something the engine
cannot do at run time (a bug in the ruleset that static checks could not catch).
"""

from __future__ import annotations

from cibo.errors import CiboError

__all__ = ["CoreError", "IllegalCommand", "RulesError"]


class CoreError(CiboError):
    """Base of every error raised by :mod:`cibo.core` (the tree is in :mod:`cibo.errors`)."""

    code: str = "core/error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"


class IllegalCommand(CoreError, ValueError):
    """A command that the rules do not allow now. Codes look like ``action/not_your_turn``."""

    code = "command/illegal"


class RulesError(CoreError, RuntimeError):
    """The ruleset led the engine somewhere it cannot go (e.g. an expression divides by zero)."""

    code = "rules/error"
