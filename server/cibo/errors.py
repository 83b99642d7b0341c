"""The root of every error Cibo raises on purpose, and the tree below it.

Each error has a stable ``code`` (``layer/cause``): a class default, which an instance may
refine (``IllegalCommand`` carries ``action/not_your_turn``). Where a builtin exception says the
same thing, the class also derives from it (``ValueError`` for bad input, ``RuntimeError`` for a
failure at run time), so ``except ValueError`` keeps working. The codes sent on the wire and their
sentences are listed in :mod:`cibo.protocol.errors` and ``docs/protocol.md``; this tree adds no
wire code.

Exceptions::

    CiboError                     cibo/error
    ├── CoreError                 core/error          the pure core (cibo.core.errors)
    │   ├── IllegalCommand        command/illegal     a command the rules do not allow now;
    │   │                                             the instance's code says why (action/...)
    │   ├── RulesError            rules/error         the ruleset led the engine where it cannot go
    │   └── ExprError             rules/expression    a formula that cannot compile or evaluate
    ├── DataError                 data/invalid        data of the wrong shape (cibo.core.serial)
    ├── RulesetError              ruleset/invalid     a ruleset file with problems (cibo.rulesets)
    ├── ProtocolError             protocol/invalid    a frame or message the server cannot accept
    │   ├── DecodeError           protocol/malformed  not decodable, too large or too deep
    │   └── InvalidMessage        protocol/invalid    decoded, but not a message of the protocol
    ├── JournalError              journal/error       a journal problem; the instance's code says
    │                                                 which (journal/io, journal/corrupt...)
    ├── RecordShapeError          journal/corrupt     a payload that is not a valid record
    ├── RoomRefused               room/...            a room could not be created (room/limit...)
    ├── SimulationError           simulation/failed   a bot game could not be played to its end
    ├── SettingsError             mqtt/settings       a bridge option that cannot work
    ├── DeviceConfigError         mqtt/device_config  the MQTT device file is not valid
    ├── PayloadError              mqtt/payload        a device sent something that is not a command
    └── ClientError               (the server's)      the Python client: a refusal, or client/...
        └── JoinRefused           (the server's)      the server refused the hello

Two exceptions are control flow, not errors, and stay outside the tree: ``GameOver``
(cibo.core.effects, unwinds a ``decide`` once the game has ended) and the ruleset locator's
private ``_Stop``.

Constructors: ``Error(message, *, code=None, ...)``: the sentence first, the code (when not the
class default) and any place (``path``, ``offset``...) by keyword; ``RoomRefused(code)`` takes
only the code, its sentence being the protocol's for that code.
"""

from __future__ import annotations

__all__ = ["CiboError"]


class CiboError(Exception):
    """Base of every error Cibo raises on purpose; ``code`` is stable (see the module's tree)."""

    code: str = "cibo/error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
