"""What the bridge still has to publish, sans I/O: a bounded event queue and a cursor per room.

Rooms hand their durable events to :meth:`Outbox.on_events`, which only appends to a bounded
queue (when it is full the oldest event is dropped). The bridge's writer asks :meth:`Outbox.next`
for the next message, hands it to the broker and calls its ``commit``; a message the broker
never acknowledged goes back with :meth:`Outbox.unsent`. Per room the outbox keeps:

* ``cursor``: the last event handed to the broker, in order. Events at or below it are skipped;
  when the next queued event is further ahead (events were dropped), or the room has told of
  events the queue no longer holds, the missing ones are re-read from the room's history ring.
  Events the ring no longer holds either are lost to MQTT (counted in ``lost``, and logged);
  the retained state still shows where the game is.
* the last durable state, published retained (once per change, and again after a reconnect);
* the room's retained status (``open``/``closed``) and its Home Assistant configs.

Nothing here waits: the game never depends on the broker.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from attrs import define, field, frozen

from cibo.core import Event, GameState, view_event, view_state
from cibo.transports.mqtt.source import EventListener, RoomFeed

__all__ = ["Outbox", "Publish", "Topics"]

log = logging.getLogger("cibo.mqtt")

SERVICE_EVERY = 64
"""Events published between two looks at the rooms' states, statuses and catch-ups."""
MAX_RESULTS = 64

Encoder = Callable[[Mapping[str, Any]], bytes]
Discovery = Callable[[str, GameState], list[tuple[str, dict[str, Any]]]]


@frozen
class Topics:
    """Every topic the bridge uses, under ``prefix``."""

    prefix: str

    @property
    def status(self) -> str:
        return f"{self.prefix}/status"

    @property
    def commands(self) -> str:
        """The subscription for device commands."""
        return f"{self.prefix}/+/cmd/+"

    def room_status(self, code: str) -> str:
        return f"{self.prefix}/{code}/status"

    def events(self, code: str) -> str:
        return f"{self.prefix}/{code}/events"

    def state(self, code: str) -> str:
        return f"{self.prefix}/{code}/state"

    def result(self, code: str, device: str) -> str:
        return f"{self.prefix}/{code}/result/{device}"

    def parse_command(self, topic: str) -> tuple[str, str] | None:
        """``<prefix>/<code>/cmd/<device>`` -> (code, device)."""
        head = self.prefix + "/"
        if not topic.startswith(head):
            return None
        parts = topic[len(head) :].split("/")
        if len(parts) != 3 or parts[1] != "cmd" or not parts[0] or not parts[2]:
            return None
        return parts[0], parts[2]


@frozen(eq=False)
class Publish:
    """One message to publish. Call ``commit`` once it is handed to the broker; if the broker
    never acknowledged it after all, give it back with :meth:`Outbox.unsent`."""

    topic: str
    payload: bytes
    retain: bool = False
    commit: Callable[[], None] = field(default=lambda: None, repr=False)
    room: str = ""
    seq: int = 0
    """For an event in cursor order: its room and seq (what :meth:`Outbox.unsent` rewinds)."""


@frozen(eq=False)
class _Queued:
    track: _Track
    seq: int
    event: Event


@define(eq=False)
class _Track:
    feed: RoomFeed
    code: str
    cursor: int
    latest: int
    """The last event the room told of (durable)."""
    state: GameState | None
    state_seq: int
    listener: EventListener | None = None
    queued: int = 0
    fill: deque[tuple[int, Event]] = field(factory=deque)
    replay: deque[tuple[int, Event]] = field(factory=deque)
    state_version: int = 1
    state_sent: int = 0
    status_sent: str = ""
    ha: list[tuple[str, bytes]] = field(factory=list)
    ha_pending: list[tuple[str, bytes]] = field(factory=list)
    closing: bool = False


class Outbox:
    """See the module docstring.

    Args:
        topics: the topic names.
        encode: turns a payload map into bytes (JSON or msgpack).
        queue_size: events held at most.
        discovery: Home Assistant configs for a room (None: no discovery).
    """

    def __init__(
        self,
        topics: Topics,
        encode: Encoder,
        *,
        queue_size: int = 1000,
        discovery: Discovery | None = None,
    ) -> None:
        self.topics = topics
        self.encode = encode
        self.queue_size = queue_size
        self.discovery = discovery
        self.tracks: dict[str, _Track] = {}
        self.events: deque[_Queued] = deque()
        self.results: deque[Publish] = deque()
        self.dropped = 0
        """Events dropped from the full queue (most are re-read from the rooms' history)."""
        self.lost = 0
        """Events never published: dropped, and gone from the room's history too."""
        self.published = 0
        self._since_service = 0
        self.on_change: Callable[[], None] = lambda: None
        """Called when there is something new to publish (the writer's wake-up)."""

    # -- rooms ----------------------------------------------------------------------------------

    def open(self, feed: RoomFeed, *, from_start: bool) -> None:
        """Follow a room. ``from_start``: publish its events since seq 0 (a room that opened
        while the bridge runs); otherwise start at its current durable event."""
        durable = feed.durable_seq
        state = feed.state if feed.seq == durable else None  # else: wait for the listener
        track = _Track(
            feed,
            feed.code,
            cursor=0 if from_start else durable,
            latest=durable,
            state=state,
            state_seq=durable,
        )
        if state is None:
            track.state_version = 0
        if self.discovery is not None:
            configs = self.discovery(feed.code, feed.state)
            track.ha = [(topic, self.encode(config)) for topic, config in configs]
            track.ha_pending = list(track.ha)

        def listener(code: str, numbered: Sequence[tuple[int, Event]], state: GameState) -> None:
            self.on_events(track, numbered, state)

        track.listener = listener
        self.tracks[feed.code] = track
        feed.attach(listener)
        self.on_change()

    def close(self, code: str) -> None:
        """The room ended: publish what is left, then its ``closed`` status."""
        track = self.tracks.get(code)
        if track is not None and not track.closing:
            track.closing = True
            self.on_change()

    def on_events(
        self, track: _Track, numbered: Sequence[tuple[int, Event]], state: GameState
    ) -> None:
        """A room's listener: queue its new durable events (dropping the oldest when full)."""
        events = self.events
        for seq, event in numbered:
            if seq <= track.latest:
                continue
            if len(events) >= self.queue_size:
                old = events.popleft()
                old.track.queued -= 1
                self.dropped += 1
            events.append(_Queued(track, seq, event))
            track.queued += 1
            track.latest = seq
        track.state = state
        track.state_seq = track.latest
        track.state_version += 1
        self.on_change()

    def connected(self) -> None:
        """A new connection: every retained message is published again."""
        for track in self.tracks.values():
            track.status_sent = ""
            track.state_sent = 0
            track.ha_pending = [] if track.closing else list(track.ha)
        self.on_change()

    def replay(self, code: str, after: int) -> bool:
        """Publish again the events after ``after`` that were already published (a consumer
        missed some). False if the room is unknown."""
        track = self.tracks.get(code)
        if track is None:
            return False
        limit = min(track.cursor, track.latest)
        track.replay = deque((n, e) for n, e in track.feed.events_after(after) if n <= limit)
        self.on_change()
        return True

    def result(self, topic: str, payload: Mapping[str, Any]) -> None:
        """Queue a device command's result (the oldest are dropped beyond a few dozen)."""
        if len(self.results) >= MAX_RESULTS:
            self.results.popleft()
        data = self.encode(payload)
        made: list[Publish] = []

        def commit() -> None:
            if self.results and self.results[0] is made[0]:
                self.results.popleft()

        made.append(Publish(topic, data, commit=commit))
        self.results.append(made[0])
        self.on_change()

    def unsent(self, items: Iterable[Publish]) -> None:
        """Messages committed but never acknowledged (the connection broke): their events are
        published again (re-read from the rooms' history); retained messages all go out again
        after the reconnect anyway (:meth:`connected`); device results are not repeated."""
        for item in items:
            track = self.tracks.get(item.room) if item.seq else None
            if track is not None and item.seq <= track.cursor:
                track.cursor = item.seq - 1
                track.fill.clear()
        self.on_change()

    @property
    def pending(self) -> int:
        """Events waiting for the broker."""
        return len(self.events) + sum(len(t.fill) for t in self.tracks.values())

    # -- what to publish next -------------------------------------------------------------------

    def next(self) -> Publish | None:
        """The next message to publish, or None when everything is out."""
        if self.results:
            return self.results[0]
        for track in self.tracks.values():  # a room's "open" goes before its events
            if not track.closing and track.status_sent != "open":
                return self._service_track(track)
        if self._since_service >= SERVICE_EVERY or not self.events:
            item = self._service()
            if item is not None:
                return item
            self._since_service = 0
        while self.events:
            queued = self.events[0]
            track = queued.track
            if queued.seq <= track.cursor:
                self.events.popleft()
                track.queued -= 1
                continue
            if not track.fill and queued.seq > track.cursor + 1:
                self._refill(track, before=queued.seq)
            if track.fill:
                return self._from_fill(track)
            shown = view_event(queued.event, "public", track.feed.state.ruleset)
            if shown is None:  # nothing public in it: skip it
                self._commit_queued(queued)
                continue
            payload = self.encode({"seq": queued.seq, "event": shown})
            return Publish(
                self.topics.events(track.code),
                payload,
                commit=functools.partial(self._commit_queued, queued),
                room=track.code,
                seq=queued.seq,
            )
        return None

    def _commit_queued(self, queued: _Queued) -> None:
        if self.events and self.events[0] is queued:
            self.events.popleft()
            queued.track.queued -= 1
        track = queued.track
        track.cursor = max(track.cursor, queued.seq)
        self.published += 1
        self._since_service += 1

    def _refill(self, track: _Track, *, before: int | None = None) -> None:
        """Re-read from the room's history what the queue dropped (up to ``before``)."""
        end = track.latest if before is None else min(track.latest, before - 1)
        if end <= track.cursor:
            return
        history = [(n, e) for n, e in track.feed.events_after(track.cursor) if n <= end]
        first = history[0][0] if history else end + 1
        if first > track.cursor + 1:
            missing = first - track.cursor - 1
            self.lost += missing
            log.warning(
                "room %s: events %d-%d never reached MQTT (the bridge queue and the room's "
                "history both overflowed); the retained state is still current",
                track.code,
                track.cursor + 1,
                first - 1,
            )
            track.cursor = first - 1
        track.fill = deque(history)

    def _from_fill(self, track: _Track) -> Publish:
        seq, event = track.fill[0]
        shown = view_event(event, "public", track.feed.state.ruleset) or {"type": "hidden"}

        def commit() -> None:
            if track.fill and track.fill[0][0] == seq:
                track.fill.popleft()
            track.cursor = max(track.cursor, seq)
            self.published += 1
            self._since_service += 1

        return Publish(
            self.topics.events(track.code),
            self.encode({"seq": seq, "event": shown}),
            commit=commit,
            room=track.code,
            seq=seq,
        )

    def _service(self) -> Publish | None:
        """Statuses, discovery configs, replays, catch-ups and states, room by room."""
        for track in list(self.tracks.values()):
            item = self._service_track(track)
            if item is not None:
                return item
        return None

    def _service_track(self, track: _Track) -> Publish | None:
        topics = self.topics
        code = track.code
        if not track.closing and track.status_sent != "open":
            return Publish(
                topics.room_status(code), b"open", True, lambda: _set_status(track, "open")
            )
        if track.ha_pending and not track.closing:
            topic, payload = track.ha_pending[0]
            return Publish(topic, payload, True, lambda: _pop_first(track.ha_pending, topic))
        if track.replay:
            seq, event = track.replay[0]
            shown = view_event(event, "public", track.feed.state.ruleset) or {"type": "hidden"}
            return Publish(
                topics.events(code),
                self.encode({"seq": seq, "event": shown}),
                commit=lambda: _pop_replay(track, seq),
            )
        if track.fill:
            return self._from_fill(track)
        if track.queued == 0 and track.latest > track.cursor:
            self._refill(track)
            if track.fill:
                return self._from_fill(track)
        if track.state is not None and track.state_sent < track.state_version:
            version = track.state_version
            payload = self.encode(
                {"seq": track.state_seq, "state": view_state(track.state, "public")}
            )
            return Publish(topics.state(code), payload, True, lambda: _state_sent(track, version))
        if track.closing and track.queued == 0 and not track.fill:
            if track.status_sent != "closed":
                return Publish(
                    topics.room_status(code), b"closed", True, lambda: _set_status(track, "closed")
                )
            if track.ha:
                topic = track.ha[0][0]
                return Publish(topic, b"", True, lambda: _pop_first(track.ha, topic))
            self._forget(track)
        return None

    def _forget(self, track: _Track) -> None:
        if self.tracks.get(track.code) is track:
            del self.tracks[track.code]
        if track.listener is not None:
            track.feed.detach(track.listener)

    def codes(self) -> Iterable[str]:
        return self.tracks.keys()


def _set_status(track: _Track, status: str) -> None:
    track.status_sent = status


def _state_sent(track: _Track, version: int) -> None:
    track.state_sent = max(track.state_sent, version)


def _pop_first(items: list[tuple[str, bytes]], topic: str) -> None:
    if items and items[0][0] == topic:
        items.pop(0)


def _pop_replay(track: _Track, seq: int) -> None:
    if track.replay and track.replay[0][0] == seq:
        track.replay.popleft()
