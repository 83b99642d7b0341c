"""The way out of a room: numbered events to each audience, resume, and held results.

A :class:`Fanout` keeps what a room has decided but not sent yet — events (``unsent``) and the
results of the commands that caused them (``held``) — and sends them in one go with
:meth:`Fanout.flush_into`: one update per audience, its projection of the new events and of
the state (:func:`cibo.core.view_events`, :func:`cibo.core.view_states`), then the results.
It remembers the view each audience holds, so that an update carries only what changed, and
the latest events (an :class:`~cibo.rooms.ring.EventRing`), so that a client resuming from
``last_seq`` gets exactly what it missed, projected for its audience.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cibo.core import (
    SEAT_KEYS,
    Event,
    GameState,
    Ruleset,
    shared_view,
    view_event,
    view_events,
    view_state,
    view_states,
)
from cibo.protocol import outbound
from cibo.rooms.ring import EventRing
from cibo.rooms.steps import Action, ClientId, Step

__all__ = ["Fanout"]


class Fanout:
    """Events and results on their way out, and what each audience was sent last.

    Args:
        ring_size: how many recent events are kept for resuming clients.
    """

    def __init__(self, ring_size: int) -> None:
        self.ring = EventRing(ring_size)
        self.unsent: list[tuple[int, Event]] = []
        """Events applied but not yet fanned out."""
        self.journaled: dict[int, dict[str, Any]] = {}
        """By seq, unsent events as the journal keeps them (:func:`cibo.core.event_to_dict`),
        where the room made them: the views show most events as they are (never mutated)."""
        self.held: list[Action] = []
        """Command results waiting for the fan-out of their events."""
        self.views: dict[str, dict[str, Any]] = {}
        """By audience, the view its members hold (the last one sent to them): the next update
        carries only what differs from it. Every member holds the same one: a client joins
        right after a flush, when its welcome's view is the one the others were sent last."""
        self.extra: Callable[[str], dict[str, Any]] = _no_extra
        """Keys the room adds to an audience's view (what the engine's state does not hold,
        e.g. what may be taken back: :mod:`cibo.rooms.undo`)."""
        self._common: dict[str, Any] | None = None
        """What every audience was shown at the last fan-out (:func:`cibo.core.shared_view`)."""
        self._held_common: set[str] = set()
        """Audiences whose view in :attr:`views` holds :attr:`_common`'s very values."""

    def view(self, audience: str, state: GameState) -> dict[str, Any]:
        """``audience``'s view of ``state`` with the room's :attr:`extra` keys."""
        return self._with_extra(audience, view_state(state, audience), private=True)[0]

    def _with_extra(
        self, audience: str, base: dict[str, Any], *, private: bool
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``base`` with the room's :attr:`extra` keys for ``audience``, and those keys: added
        in place when ``base`` is ``private`` (a dict no other view holds), else to a copy."""
        extra = self.extra(audience)
        if not extra:
            return base, extra
        if private:
            base.update(extra)
            return base, extra
        return {**base, **extra}, extra

    def hold(
        self, events: Iterable[tuple[int, Event]], journaled: Mapping[int, dict[str, Any]]
    ) -> None:
        """Keep decided events for the next flush, with (``journaled``, by seq) the dicts
        the journal keeps of them, which the views show as they are for most events."""
        self.unsent.extend(events)
        self.journaled.update(journaled)

    def flush_into(
        self, step: Step, seq: int, state: GameState, audiences: Mapping[str, set[ClientId]]
    ) -> None:
        """Add to ``step`` one update per audience for the unsent events, then the held
        results (a result always follows the update that carries its events)."""
        if self.unsent:
            shown = view_events(self.unsent, audiences, state.ruleset, self.journaled)
            common = shared_view(state)
            states = view_states(state, audiences, common)
            views = self.views
            before = self._common
            # What every audience shares changed once for all of them: compared once here, and
            # for an audience that holds the views of the last fan-out, only its own keys are.
            diff = None
            if before is not None and before.keys() == common.keys():
                diff = outbound.changed(before, common)
            for audience, members in audiences.items():
                base = states[audience]  # a seat's is its own dict; the others share common
                view, extra = self._with_extra(audience, base, private=base is not common)
                previous = views.get(audience)
                shared: outbound.Shared | None = None
                if diff is not None and audience in self._held_common:
                    own = extra.keys() if base is common else (*SEAT_KEYS, *extra)
                    shared = (diff[0], diff[1], own)
                step.send(
                    members,
                    outbound.update(seq, shown[audience], view, previous=previous, shared=shared),
                )
                views[audience] = view
            self._common = common
            self._held_common = set(audiences)
            self._forget_unsent()
        if self.held:
            step.actions.extend(self.held)
            self.held = []

    def drop(self) -> None:
        """Forget what was not sent (it may not have been saved): from now on every audience
        gets whole views, since the dropped events changed the state."""
        self._forget_unsent()
        self.held = []
        self.views.clear()
        self._common = None
        self._held_common = set()

    def _forget_unsent(self) -> None:
        self.unsent = []
        self.journaled = {}

    def welcome_view(self, audience: str, state: GameState) -> dict[str, Any]:
        """The view a newcomer to ``audience`` is welcomed with (right after a flush)."""
        view = self.view(audience, state)
        if self.views.setdefault(audience, view) is view:
            self._held_common.discard(audience)  # made apart from the last fan-out's
        return view

    def left(self, audience: str) -> None:
        """The last member of ``audience`` is gone."""
        self.views.pop(audience, None)
        self._held_common.discard(audience)

    def missed(
        self, audience: str, last_seq: int | None, seq: int, ruleset: Ruleset
    ) -> tuple[outbound.Resumed, list[dict[str, Any]]]:
        """What ``audience`` missed after ``last_seq`` (the room is at ``seq``): its events
        as the game's ``ruleset`` tells them, or a snapshot when the ring no longer holds
        them."""
        if last_seq is None:
            return "new", []
        if last_seq == seq:
            return "events", []
        oldest = self.ring.oldest or seq + 1
        if last_seq > seq or last_seq + 1 < oldest:
            return "snapshot", []
        return "events", _project(self.ring.after(last_seq), audience, ruleset)

    def stale(self, audience: str, seen_seq: int, seq: int) -> bool:
        """True if an event ``audience`` can see happened after ``seen_seq``."""
        if seen_seq > seq:
            return True
        if seen_seq == seq:
            return False
        oldest = self.ring.oldest or seq + 1
        if seen_seq + 1 < oldest:
            return True
        for n, event in self.ring.newest_first():
            if n <= seen_seq:
                return False
            if view_event(event, audience, None) is not None:
                return True
        return False


def _no_extra(audience: str) -> dict[str, Any]:
    return {}


def _project(
    events: Iterable[tuple[int, Event]], audience: str, ruleset: Ruleset
) -> list[dict[str, Any]]:
    out = []
    for seq, event in events:
        shown = view_event(event, audience, ruleset)
        if shown is not None:
            out.append({"seq": seq, "event": shown})
    return out
