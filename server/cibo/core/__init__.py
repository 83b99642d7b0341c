"""The pure core of Cibo: state, commands, events, rules, reducer and views. No I/O.

``decide(state, command) -> events`` validates and raises :class:`IllegalCommand` (``play`` also
returns the state after the events);
``apply(state, event) -> state`` trusts its input and never rolls, so replay is ``fold``.
Only the standard library and attrs are imported here (a test checks it).
"""

from cibo.core.commands import (
    Command,
    command_from_dict,
    command_from_wire,
    command_to_dict,
)
from cibo.core.errors import CoreError, IllegalCommand, RulesError
from cibo.core.events import Event, event_from_dict, event_to_dict, event_type
from cibo.core.reducer import apply, fold
from cibo.core.rules import Decision, decide, new_game, play
from cibo.core.ruleset import Ruleset
from cibo.core.state import GameState
from cibo.core.views import (
    SEAT_KEYS,
    describe_event,
    legal_actions,
    ruleset_summary,
    shared_view,
    view_event,
    view_events,
    view_state,
    view_states,
)

ENGINE_VERSION = "1"
"""Bumped whenever the same commands could produce different events; journals record it."""

__all__ = [
    "ENGINE_VERSION",
    "SEAT_KEYS",
    "Command",
    "CoreError",
    "Decision",
    "Event",
    "GameState",
    "IllegalCommand",
    "RulesError",
    "Ruleset",
    "apply",
    "command_from_dict",
    "command_from_wire",
    "command_to_dict",
    "decide",
    "describe_event",
    "event_from_dict",
    "event_to_dict",
    "event_type",
    "fold",
    "legal_actions",
    "new_game",
    "play",
    "ruleset_summary",
    "shared_view",
    "view_event",
    "view_events",
    "view_state",
    "view_states",
]
