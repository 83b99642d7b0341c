"""The task that drives one :class:`~cibo.rooms.session.RoomSession`: one writer per room.

A :class:`Room` is what the rest of the server sees of a room: requests go in through its
methods, and a small query and subscribe API (:attr:`Room.seq`, :attr:`Room.state`,
:meth:`Room.events_after`, :meth:`Room.subscribe`...) tells what it holds; only this package
touches the session behind it.

Transports put requests into the room's bounded inbox (``await room.command(...)`` waits when
it is full, which slows that connection down, never the room). The task takes what is waiting
(up to :data:`BATCH` requests), lets the session handle each in turn, submits their journal
records, waits until those are durable, and only then sends what each step produced, in order,
and finally the session's :meth:`~cibo.rooms.session.RoomSession.flush`: one update per audience
for all the commands of the batch, then their results. An acknowledged command, and every event
anyone saw, is always on disk.

Fan-out encodes each message once per codec and hands the same bytes to every peer of the
audience (:class:`~cibo.rooms.ports.Peer` drops a peer that stops reading).

If the journal fails, the steps not yet durable are discarded (their commands are never
acknowledged) and the room stops its game with a message to everyone (``room/stopped``).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from attrs import frozen

from cibo.core import Event, GameState
from cibo.journal.errors import JournalError
from cibo.protocol import outbound
from cibo.protocol.codecs import EncodeMemo
from cibo.protocol.errors import error_message
from cibo.rooms.mailbox import Latch, Mailbox
from cibo.rooms.ports import GameLog, Peer
from cibo.rooms.session import RoomSession
from cibo.rooms.steps import ClientId, Close, JoinOutcome, Outcome, Role, Send, Step
from cibo.rooms.tablebots import BotDriver

__all__ = ["BATCH", "Listener", "Room", "deliver"]

log = logging.getLogger("cibo.rooms")

BATCH = 64
"""Most requests handled between two journal waits."""

Listener = Callable[[str, Sequence[tuple[int, Event]], GameState], None]
"""Called with (room code, numbered events, state after them) once the events are durable
(see :meth:`Room.subscribe`)."""


@frozen
class _Request:
    call: Callable[[], Step]
    future: asyncio.Future[Step] | None = None
    """Resolved with the request's step once it was sent (or :meth:`Step.refused`)."""
    client: ClientId | None = None
    peer: Peer | None = None
    final: bool = False


OUTBOX = 4
"""Batches that may wait for the disk before the room task waits for the oldest one."""


@frozen
class _Entry:
    """A handled request on its way out: what to send once ``futures`` are durable."""

    request: _Request
    step: Step
    futures: list[asyncio.Future[None]]
    after_stop: bool
    """Decided after the game was stopped: nothing of it is journaled, it may be sent."""


@frozen
class _Batch:
    """A decided batch on its way out: its entries, and the room's seq and state after it."""

    entries: list[_Entry]
    seq: int
    state: GameState


def _nothing() -> Step:
    return Step()


class Room:
    """A room's inbox and task. Create it, run :meth:`run` in a task group, then send it
    requests; :meth:`close` ends the task.

    Args:
        session: the room's state and rules.
        journal: where its records go.
        inbox_size: requests waiting at most (then senders wait).
        owner: the address that created the room (for the per-address room cap), if any.
        bot_pace: the seconds a bot at the table waits before each command (low, high).
    """

    def __init__(
        self,
        session: RoomSession,
        journal: GameLog,
        *,
        inbox_size: int = 256,
        owner: str | None = None,
        bot_pace: tuple[float, float] = (1.5, 3.0),
    ) -> None:
        self.session = session
        self.journal = journal
        self.owner = owner
        self.inbox: Mailbox[_Request] = Mailbox(inbox_size)
        self.peers: dict[ClientId, Peer] = {}
        self.listeners: list[Listener] = []
        self.last_active = time.monotonic()
        self.done = Latch()
        self._notified = session.seq
        self._outbox: collections.deque[_Batch] = collections.deque()
        """Batches decided and waiting for their records to be durable, oldest first."""
        self._outbox_free: asyncio.Future[None] | None = None
        """Set when the room task waits for room in a full :attr:`_outbox`."""
        self._outbox_empty: asyncio.Future[None] | None = None
        """Set when the room task waits, at its end, for the outbox to be sent."""
        self._waiting_on: asyncio.Future[None] | None = None
        """The journal future the oldest batch waits for (with :meth:`_pump` as its callback)."""
        self._output_failure: BaseException | None = None
        """What made the output stage fail (a bug): the room task raises it."""
        self._output_closed = False
        """The room task ended: late journal rounds send nothing."""
        self._room_task: asyncio.Task[Any] | None = None
        """The task running :meth:`run` (cancelled when the output stage fails)."""
        self._sending: list[_Entry] = []
        """The batch being sent (answered by :meth:`_drain` if sending fails)."""
        self._failed = False
        """The journal failed: nothing decided since is sent, but what came after the stop."""
        self.bots = BotDriver(session, self._ask, bot_pace)

    # -- queries and subscriptions --------------------------------------------------------------

    @property
    def code(self) -> str:
        return self.session.code

    @property
    def seq(self) -> int:
        """The last event's number (durable once it is :attr:`durable_seq`)."""
        return self.session.seq

    @property
    def durable_seq(self) -> int:
        """The last event that is durable (and was told to listeners)."""
        return self._notified

    @property
    def state(self) -> GameState:
        """The game now (durable when ``seq == durable_seq``)."""
        return self.session.state

    @property
    def status(self) -> str:
        return self.session.status

    @property
    def over(self) -> bool:
        return self.session.over

    @property
    def finished(self) -> bool:
        """Its game is over, or stopped by a journal failure: nothing more will be played."""
        return self.session.over or self.session.stopped

    @property
    def watched(self) -> bool:
        """Somebody is connected (a player, a table display or a spectator)."""
        return bool(self.session.roster.clients)

    @property
    def ruleset_id(self) -> str:
        """The id of the room's ruleset (its ``[ruleset] id``)."""
        return self.session.state.ruleset.ruleset.id

    @property
    def ruleset_name(self) -> str:
        return self.session.ruleset_name

    def set_join_url(self, url: str) -> None:
        """Where phones join (shown by the table display from the next ``room`` message)."""
        self.session.join_url = url

    def events_after(self, seq: int) -> list[tuple[int, Event]]:
        """The events after ``seq`` that the history ring still holds, oldest first."""
        return list(self.session.fanout.ring.after(seq))

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every batch of events once it is durable."""
        self.listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    # -- requests (called by transports) --------------------------------------------------------

    async def join(
        self,
        client: ClientId,
        peer: Peer,
        *,
        role: Role,
        name: str = "",
        token: str | None = None,
        host_token: str | None = None,
        last_seq: int | None = None,
        stages: bool = True,
        lang: str | None = None,
    ) -> JoinOutcome:
        """Ask to join; returns once the welcome was sent (or the join refused)."""
        step = await self._ask(
            lambda: self.session.hello(
                client,
                role=role,
                name=name,
                token=token,
                host_token=host_token,
                last_seq=last_seq,
                stages=stages,
                lang=lang,
            ),
            client,
            peer,
        )
        return step.joined or JoinOutcome(True)

    def texts(self, lang: str) -> dict[str, str] | None:
        """The room's ruleset texts in ``lang`` (None: it has no such language); the ruleset
        never changes, so this needs no turn of the room's task."""
        return self.session.texts(lang)

    async def command(
        self, client: ClientId, cmd_id: str, data: dict[str, Any], seen_seq: int | None
    ) -> None:
        """A game command; the result is sent to the client."""
        await self._put(lambda: self.session.command(client, cmd_id, data, seen_seq))

    async def control(self, client: ClientId, cmd_id: str, action: str, seat: str | None) -> None:
        """A host control; the result is sent to the client."""
        await self._put(lambda: self.session.control(client, cmd_id, action, seat))

    async def next_game(self, client: ClientId, cmd_id: str) -> bool:
        """The host's ``next_game``; True means the caller opens the room and then calls
        :meth:`next_game_opened` (see :func:`cibo.rooms.controls.next_game`); otherwise the
        host was answered."""
        step = await self._ask(lambda: self.session.next_game(client, cmd_id))
        return step.open_next

    async def next_game_opened(
        self, client: ClientId, cmd_id: str, opened: tuple[str, str] | None, error: str = ""
    ) -> None:
        """The room for the next game is open (``opened``: code, host token), or failed."""
        await self._put(lambda: self.session.next_game_opened(client, cmd_id, opened, error))

    async def sync(self, client: ClientId, last_seq: int | None) -> None:
        """Send the client what it missed (or a snapshot)."""
        await self._put(lambda: self.session.sync(client, last_seq))

    async def device_command(self, seat: str, cmd_id: str, data: dict[str, Any]) -> Outcome:
        """A command from a table gadget (MQTT bridge) for ``seat``; returns once durable."""
        step = await self._ask(lambda: self.session.device_command(seat, cmd_id, data))
        return step.outcome or Outcome(True)

    async def leave(self, client: ClientId) -> None:
        """The client's connection is gone."""
        if not self.done.is_set():
            await self.inbox.put(_Request(lambda: self._leave(client)))

    async def close(self, reason: str = "room/closed") -> None:
        """Say goodbye to every client, flush the journal and end the task."""
        if not self.done.is_set():
            await self.inbox.put(_Request(lambda: self.session.close(reason), final=True))
            await self.done.wait()

    async def _ask(
        self, call: Callable[[], Step], client: ClientId | None = None, peer: Peer | None = None
    ) -> Step:
        """Queue ``call`` and wait until its step was sent: the step, or a refusal
        (``room/closed`` when the room ends first, ``room/stopped`` when it was not saved)."""
        if self.done.is_set():
            return Step.refused("room/closed")
        future: asyncio.Future[Step] = asyncio.get_running_loop().create_future()
        await self.inbox.put(_Request(call, future, client, peer))
        return await future

    async def _put(self, call: Callable[[], Step]) -> None:
        if not self.done.is_set():
            await self.inbox.put(_Request(call))

    def _leave(self, client: ClientId) -> Step:
        self.peers.pop(client, None)
        return self.session.disconnect(client)

    # -- the task -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Handle requests until :meth:`close`; then close the journal.

        Two stages: this task decides (it never waits for the disk), and the output stage
        sends each batch once its records are durable. While a batch is being synced the next
        one is already decided, and its records join the next group commit. The output stage is
        not a task but :meth:`_pump`, which the journal calls after each of its rounds (and the
        done callback of the future the oldest batch waits for): a batch is sent in the turn of
        the loop the journal reports its round in, without a task of its own to wake (three
        turns fewer per batch).
        """
        self.bots.poke()  # a restored room may have a bot whose turn it is
        me = asyncio.current_task()
        self._room_task = me
        self.journal.on_durable(self._pump)  # sends in the turn the round is reported
        try:
            final = False
            while not final and self._output_failure is None:
                batch = await self.inbox.take(BATCH)
                self.last_active = time.monotonic()
                entries, final = self._decide(batch)
                if not self._outbox and not self._sending and _durable(entries):
                    # Nothing to wait for (no records, or no disk) and nothing sent before it
                    # waits: send now.
                    self._send(entries, self.session.seq, self.session.state)
                else:
                    await self._enqueue(entries, self.session.seq, self.session.state)
                # Drop this batch's references before waiting for the next one (up to a second
                # or more): kept alive, every batch's messages and views survived into the
                # collector's young generation, and collecting them paused the loop.
                del batch, entries
            if self._outbox and self._output_failure is None:
                self._outbox_empty = asyncio.get_running_loop().create_future()
                await self._outbox_empty
            if self._output_failure is not None:
                raise self._output_failure
        except asyncio.CancelledError:
            failure = self._output_failure
            if failure is None:
                raise
            if me is not None:
                me.uncancel()
            raise failure from None
        finally:
            self._output_closed = True
            self.bots.stop()
            self.done.set()
            self._drain()
            try:
                await self.journal.aclose()
            except Exception:
                log.exception("room %s: closing the journal failed", self.code)

    async def _enqueue(self, entries: list[_Entry], seq: int, state: GameState) -> None:
        """Queue a batch for the output stage, waiting while :data:`OUTBOX` batches wait."""
        while len(self._outbox) >= OUTBOX and self._output_failure is None:
            self._outbox_free = asyncio.get_running_loop().create_future()
            try:
                await self._outbox_free
            finally:
                self._outbox_free = None
        if self._output_failure is not None:
            return  # the room ends (see run); the batch's requests are answered by _drain
        self._outbox.append(_Batch(entries, seq, state))
        if len(self._outbox) == 1:
            self._pump()

    def _drain(self) -> None:
        """Answer joins still waiting after the room ended."""
        pending = [entry.request for entry in self._sending]
        self._sending = []
        pending.extend(self.inbox.take_nowait(len(self.inbox)))
        while self._outbox:
            pending.extend(entry.request for entry in self._outbox.popleft().entries)
        for request in pending:
            if request.future is not None and not request.future.done():
                request.future.set_result(Step.refused("room/closed"))

    def _decide(self, batch: list[_Request]) -> tuple[list[_Entry], bool]:
        """Let the session handle each request; submit the records; add the flush."""
        entries: list[_Entry] = []
        final = False
        for request in batch:
            stopped = self.session.stopped
            try:
                step = request.call()
            except Exception:
                log.exception("room %s: a request failed", self.code)
                step = Step.refused("room/failed")
            if request.peer is not None and step.joined is not None and step.joined.ok:
                assert request.client is not None
                self.peers[request.client] = request.peer
            entries.append(_Entry(request, step, self._submit(step), stopped))
            final = final or request.final
        if any(entry.futures for entry in entries):
            self.journal.handover()  # the records' sync runs while the flush is built
        flush = self.session.flush()
        entries.append(_Entry(_Request(_nothing), flush, [], self.session.stopped))
        return entries, final

    def _submit(self, step: Step) -> list[asyncio.Future[None]]:
        futures: list[asyncio.Future[None]] = []
        for record in step.records:
            try:
                futures.append(self.journal.submit(record))
            except JournalError as exc:
                failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                failed.set_exception(exc)
                futures.append(failed)
                break
        return futures

    def _pump(self, done: object = None) -> None:
        """The output stage: send the oldest batches whose records are durable, in order, and
        wait for the next one's journal future (this method is its done callback, and the
        journal calls it too, a turn earlier, right after a round). A journal error stops the
        game: what was durable before it is sent, the rest never."""
        waiting = self._waiting_on
        if waiting is not None and done is not waiting and (done is not None or not waiting.done()):
            # A future waited for by an earlier call, which went on since; or the journal's
            # round completed other futures than the one waited for.
            return
        self._waiting_on = None
        if self._output_closed or self._output_failure is not None:
            return
        try:
            while self._outbox:
                batch = self._outbox[0]
                durable, error = len(batch.entries), None
                if not self._failed:
                    progress = _progress(batch.entries)
                    if isinstance(progress, asyncio.Future):
                        self._waiting_on = progress
                        progress.add_done_callback(self._pump)
                        return
                    durable, error = progress
                self._outbox.popleft()
                _wake(self._outbox_free)
                self._send(batch.entries, batch.seq, batch.state, durable, error)
            _wake(self._outbox_empty)
        except BaseException as exc:  # a bug in the output stage: the room task fails with it
            self._output_failure = exc
            _wake(self._outbox_free)
            _wake(self._outbox_empty)
            task = self._room_task
            # Called from the room task itself (a batch queued to an idle stage), the task sees
            # the failure when this returns; from a callback, it may be waiting for requests
            # that will never come: wake it, so the failure ends the room.
            if task is not None and not task.done() and task is not asyncio.current_task():
                task.cancel()

    def _send(
        self,
        entries: list[_Entry],
        seq: int,
        state: GameState,
        durable: int | None = None,
        error: JournalError | None = None,
    ) -> None:
        """Send what a batch produced: the first ``durable`` entries (all by default) were
        saved; ``error`` is why the rest was not (the game stops)."""
        self._sending = entries  # answered by _drain if sending fails
        if durable is None:
            durable = len(entries)
        failed = self._failed
        for i, entry in enumerate(entries):
            if (failed or i >= durable) and not entry.after_stop:
                self._not_durable(entry.request)  # decided before the failure: not saved
        # Every peer written to is flushed once, after the whole batch: a batch of joins
        # writes each member once, not once per join (the waiting requests resume later).
        touched: dict[ClientId, Peer] = {}
        if error is not None:
            failed = self._failed = True
            log.error("room %s: %s", self.code, error.message)
            self._notified = self.session.seq  # never announce what was not saved
            deliver(self.peers, self.session.stop().actions, self.code, touched)
        for i, entry in enumerate(entries):
            if (failed or i >= durable) and not entry.after_stop:
                continue
            deliver(self.peers, entry.step.actions, self.code, touched)
            waiting = entry.request.future
            if waiting is not None and not waiting.done():
                waiting.set_result(entry.step)
        for peer in touched.values():
            peer.flush()
        if not failed:
            self._notify(seq, state)
            self.bots.poke()
        self._sending = []

    def abort(self, reason: str) -> None:
        """The room task failed: say ``reason`` to every client (best effort) and close them,
        so that no phone waits on a room that will never answer."""
        message = outbound.bye(reason, error_message(reason))
        for client, peer in list(self.peers.items()):
            try:
                peer.send(peer.encode(message))
                peer.close(reason)
            except Exception:
                log.debug("room %s: could not close client %s", self.code, client)
        self.peers.clear()
        self.done.set()

    def _not_durable(self, request: _Request) -> None:
        """A step whose records were not saved: nothing of it is sent, a join is undone."""
        if request.client is not None and self.peers.pop(request.client, None) is not None:
            self.session.disconnect(request.client)
        if request.future is not None and not request.future.done():
            request.future.set_result(Step.refused("room/stopped"))

    def _notify(self, seq: int, state: GameState) -> None:
        """Tell listeners about the events up to ``seq`` (durable now) and the state after them."""
        if seq <= self._notified:
            return
        if self.listeners:
            new = [(n, e) for n, e in self.session.fanout.ring.after(self._notified) if n <= seq]
            for listener in self.listeners:
                try:
                    listener(self.code, new, state)
                except Exception:
                    log.exception("room %s: a listener failed", self.code)
        self._notified = seq


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def _progress(
    entries: list[_Entry],
) -> asyncio.Future[None] | tuple[int, JournalError | None]:
    """How far a batch's records are durable: the first of its journal futures not complete
    yet, to wait for; or, once none is pending, how many entries are durable and the journal
    error that stopped the rest (``None``: all of them are).

    Raises:
        BaseException: a future that failed otherwise (a bug), or was cancelled.
    """
    for i, entry in enumerate(entries):
        for future in entry.futures:
            if not future.done():
                return future
            exc = future.exception()  # a cancelled one raises
            if exc is None:
                continue
            if not isinstance(exc, JournalError):
                raise exc
            return i, exc
    return len(entries), None


def _durable(entries: list[_Entry]) -> bool:
    """Every record of the batch is durable already (a journal in memory, or none at all)."""
    for entry in entries:
        for future in entry.futures:
            if not future.done() or future.cancelled() or future.exception() is not None:
                return False
    return True


def deliver(
    peers: dict[ClientId, Peer],
    actions: Sequence[Send | Close],
    code: str,
    touched: dict[ClientId, Peer],
) -> None:
    """Carry out ``actions`` on ``peers`` (room ``code``, for the log): each message encoded
    once per codec, the same bytes to every peer, and what the messages share (by identity)
    encoded once per codec for all of them; a closed peer is removed from ``peers``. Each peer
    written to is added to ``touched`` for the caller to flush once, after all its calls."""
    memos: dict[str, EncodeMemo] = {}  # the audiences' updates share most of their values
    for action in actions:
        if isinstance(action, Send):
            frames: dict[str, bytes] = {}
            for client in action.clients:
                peer = peers.get(client)
                if peer is None:
                    continue
                key = peer.codec_key
                frame = frames.get(key)
                if frame is None:
                    memo = memos.get(key)
                    if memo is None:
                        memo = memos[key] = {}
                    try:
                        frame = frames[key] = peer.encode(action.message, memo)
                    except Exception:  # a bug, never a reason to stop every player's room
                        log.exception("room %s: cannot encode %r", code, action.message)
                        break
                peer.send(frame)
                touched[client] = peer
        else:
            gone = peers.pop(action.client, None)
            if gone is not None:
                touched.pop(action.client, None)
                gone.close(action.reason)  # writes what was queued for it first
