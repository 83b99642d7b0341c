"""``apply(state, event) -> state``: the pure fold that replay is made of.

``apply`` trusts its input: it never validates, never evaluates a ruleset expression and never
rolls. Everything it needs is written in the event. It must be total for every event that
``decide`` can produce from the state it is applied to; applying an event to some other state
may produce nonsense but does not raise for the shapes the engine emits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cibo.core import events as ev
from cibo.core.state import DeckState, GameState, HeroState, MarkerState, Offer, Seat, UnitState
from cibo.core.state import replace as evolve

__all__ = ["apply", "fold"]


def _heroes_with(state: GameState, hero_id: str, **changes: Any) -> tuple[HeroState, ...]:
    """``state.heroes`` with hero ``hero_id`` changed (the others shared)."""
    return tuple(evolve(h, **changes) if h.id == hero_id else h for h in state.heroes)


def _replace_hero(state: GameState, hero_id: str, **changes: Any) -> GameState:
    return evolve(state, heroes=_heroes_with(state, hero_id, **changes))


def _replace_unit(state: GameState, unit_id: str, **changes: Any) -> GameState:
    return evolve(
        state,
        units=tuple(evolve(u, **changes) if u.id == unit_id else u for u in state.units),
    )


def _seat_joined(s: GameState, e: ev.SeatJoined) -> GameState:
    return evolve(s, seats=(*s.seats, Seat(e.seat, e.name)))


def _seat_left(s: GameState, e: ev.SeatLeft) -> GameState:
    return evolve(
        s,
        seats=tuple(x for x in s.seats if x.id != e.seat),
        heroes=tuple(h for h in s.heroes if h.seat != e.seat),
    )


def _hero_picked(s: GameState, e: ev.HeroPicked) -> GameState:
    return evolve(s, heroes=(*s.heroes, HeroState(id=e.hero, kind=e.kind, seat=e.seat)))


def _hero_arrived(s: GameState, e: ev.HeroArrived) -> GameState:
    hero = HeroState(
        id=e.hero, kind=e.kind, seat=e.seat, zone=e.zone, hp=e.hp, max_hp=e.hp, done=True
    )
    return evolve(s, heroes=(*s.heroes, hero))


def _hero_dropped(s: GameState, e: ev.HeroDropped) -> GameState:
    return evolve(s, heroes=tuple(h for h in s.heroes if h.id != e.hero))


def _difficulty_set(s: GameState, e: ev.DifficultySet) -> GameState:
    return evolve(s, difficulty=e.difficulty)


def _game_started(s: GameState, e: ev.GameStarted) -> GameState:
    placed = {p.hero: p for p in e.heroes}
    heroes = tuple(
        evolve(h, zone=placed[h.id].zone, hp=placed[h.id].hp, max_hp=placed[h.id].hp)
        for h in s.heroes
    )
    rs = s.ruleset
    return evolve(
        s,
        status="playing",
        difficulty=e.difficulty,
        tracks=dict(e.tracks),
        heroes=heroes,
        noise=dict.fromkeys(rs.zones, 0),
        markers={name: MarkerState() for name in rs.markers},
    )


def _deck_built(s: GameState, e: ev.DeckBuilt) -> GameState:
    return evolve(s, decks={**s.decks, e.deck: DeckState(draw=e.order)}, rng_counter=e.rng_end)


def _round_started(s: GameState, e: ev.RoundStarted) -> GameState:
    heroes = tuple(evolve(h, uses_round={}) if h.uses_round else h for h in s.heroes)
    return evolve(s, round=e.round, phase=0, turn="", heroes=heroes)


def _phase_started(s: GameState, e: ev.PhaseStarted) -> GameState:
    if e.actions:
        # Every standing hero gets the phase's actions; downed heroes sit it out.
        heroes = tuple(
            _with_turn(h, 0 if h.downed else e.actions, h.downed) for h in s.heroes
        )
    else:
        heroes = tuple(_with_turn(h, 0, True) for h in s.heroes)
    return evolve(s, phase=e.phase, turn="", heroes=heroes)


def _with_turn(h: HeroState, actions_left: int, done: bool) -> HeroState:
    """``h`` with these actions and ``done`` (itself when it has them already: a hero that
    sat out a phase without turns sits out the next one unchanged)."""
    if h.actions_left == actions_left and h.done is done:
        return h
    return evolve(h, actions_left=actions_left, done=done)


def _turn_started(s: GameState, e: ev.TurnStarted) -> GameState:
    heroes = _heroes_with(s, e.hero, actions_left=e.actions, done=False)
    return evolve(s, turn=e.hero, heroes=heroes)


def _turn_ended(s: GameState, e: ev.TurnEnded) -> GameState:
    return _replace_hero(s, e.hero, actions_left=0, done=True)


def _action_taken(s: GameState, e: ev.ActionTaken) -> GameState:
    hero = s.hero(e.hero)
    assert hero is not None
    changes: dict[str, Any] = {"actions_left": max(0, hero.actions_left - e.cost)}
    changes["uses_round"] = {**hero.uses_round, e.action: hero.uses_round.get(e.action, 0) + 1}
    changes["uses_game"] = {**hero.uses_game, e.action: hero.uses_game.get(e.action, 0) + 1}
    changes["last_used"] = {**hero.last_used, e.action: s.round}
    # One copy of the state for the hero, the noise and the stream together.
    state_changes: dict[str, Any] = {"heroes": _heroes_with(s, e.hero, **changes)}
    if e.noise:
        state_changes["noise"] = {**s.noise, hero.zone: s.noise.get(hero.zone, 0) + e.noise}
    if e.roll is not None:
        state_changes["rng_counter"] = e.roll.counter_end
    return evolve(s, **state_changes)


def _hero_moved(s: GameState, e: ev.HeroMoved) -> GameState:
    return _replace_hero(s, e.hero, zone=e.zone)


def _track_changed(s: GameState, e: ev.TrackChanged) -> GameState:
    return evolve(s, tracks={**s.tracks, e.track: e.value})


def _noise_changed(s: GameState, e: ev.NoiseChanged) -> GameState:
    return evolve(s, noise={**s.noise, **e.values})


def _trigger_fired(s: GameState, e: ev.TriggerFired) -> GameState:
    return evolve(s, fired=s.fired | {f"{e.track}@{e.value}"})


def _table_rolled(s: GameState, e: ev.TableRolled) -> GameState:
    table = s.ruleset.tables[e.table]
    if table.replacement:
        return evolve(s, rng_counter=e.roll.counter_end)
    key = f"{e.table}:{e.band}"
    drawn = s.drawn.get(key, frozenset())
    rows = table.bands[e.band] if table.bands else table.rows
    # Once every row has been drawn the table resets.
    drawn = frozenset() if len(drawn) + 1 >= len(rows) else drawn | {e.row}
    return evolve(s, rng_counter=e.roll.counter_end, drawn={**s.drawn, key: drawn})


def _unit_spawned(s: GameState, e: ev.UnitSpawned) -> GameState:
    return evolve(
        s,
        units=(*s.units, UnitState(id=e.unit, kind=e.kind, zone=e.zone, hp=e.hp)),
        next_unit=s.next_unit + 1,
    )


def _unit_moved(s: GameState, e: ev.UnitMoved) -> GameState:
    return _replace_unit(s, e.unit, zone=e.zone)


def _unit_damaged(s: GameState, e: ev.UnitDamaged) -> GameState:
    return _replace_unit(s, e.unit, hp=e.hp)


def _unit_destroyed(s: GameState, e: ev.UnitDestroyed) -> GameState:
    return evolve(s, units=tuple(u for u in s.units if u.id != e.unit))


def _unit_regenerated(s: GameState, e: ev.UnitRegenerated) -> GameState:
    return _replace_unit(s, e.unit, hp=e.hp)


def _hero_damaged(s: GameState, e: ev.HeroDamaged) -> GameState:
    return _replace_hero(s, e.hero, hp=e.hp)


def _hero_downed(s: GameState, e: ev.HeroDowned) -> GameState:
    return _replace_hero(s, e.hero, hp=0, downed=True, actions_left=0, done=True, zone=e.zone)


def _hero_healed(s: GameState, e: ev.HeroHealed) -> GameState:
    return _replace_hero(s, e.hero, hp=e.hp)


def _hero_revived(s: GameState, e: ev.HeroRevived) -> GameState:
    return _replace_hero(s, e.hero, zone=e.zone, hp=e.hp, downed=False)


def _zone_dormant(s: GameState, e: ev.ZoneDormant) -> GameState:
    return evolve(s, dormant={**s.dormant, e.zone: e.until})


def _zone_destroyed(s: GameState, e: ev.ZoneDestroyed) -> GameState:
    return evolve(s, destroyed=s.destroyed | {e.zone})


def _marker_launched(s: GameState, e: ev.MarkerLaunched) -> GameState:
    return evolve(s, markers={**s.markers, e.marker: MarkerState(launched=True, index=0)})


def _marker_moved(s: GameState, e: ev.MarkerMoved) -> GameState:
    return evolve(s, markers={**s.markers, e.marker: MarkerState(launched=True, index=e.index)})


def _card_drawn(s: GameState, e: ev.CardDrawn) -> GameState:
    deck = s.decks[e.deck]
    # A special card (retool) leaves the game once resolved, as epidemics do in Pandemic;
    # otherwise a reshuffle would bring it straight back.
    special = any(c.id == e.card for c in s.ruleset.decks[e.deck].specials)
    discard = deck.discard if special else (*deck.discard, e.card)
    return evolve(s, decks={**s.decks, e.deck: DeckState(draw=deck.draw[1:], discard=discard)})


def _deck_reshuffled(s: GameState, e: ev.DeckReshuffled) -> GameState:
    deck = s.decks[e.deck]
    # The event's order already holds the whole new draw pile (shuffled discard placed on top).
    del deck
    return evolve(
        s, decks={**s.decks, e.deck: DeckState(draw=e.order, discard=())}, rng_counter=e.rng_end
    )


def _cards_peeked(s: GameState, e: ev.CardsPeeked) -> GameState:
    return evolve(s, peeks={**s.peeks, e.seat: e.cards})


def _game_ended(s: GameState, e: ev.GameEnded) -> GameState:
    status = e.status if e.status in ("won", "lost", "aborted") else "aborted"
    # A conceded game keeps the offer it accepted (the end screens say why); any other
    # ending closes an offer still open.
    offer = s.offer if e.cause == "conceded" else None
    return evolve(s, status=status, outcome=e.cause, outcome_text=e.text, offer=offer)


def _concession_offered(s: GameState, e: ev.ConcessionOffered) -> GameState:
    return evolve(s, offer=Offer(reason=e.reason, round=e.round, values=dict(e.values),
                                 text=e.text))


def _concession_declined(s: GameState, e: ev.ConcessionDeclined) -> GameState:
    return evolve(s, offer=None)


def _no_change(s: GameState, e: object) -> GameState:
    return s


_HANDLERS: dict[type[Any], Callable[[GameState, Any], GameState]] = {
    ev.SeatJoined: _seat_joined,
    ev.SeatLeft: _seat_left,
    ev.HeroPicked: _hero_picked,
    ev.HeroDropped: _hero_dropped,
    ev.DifficultySet: _difficulty_set,
    ev.GameStarted: _game_started,
    ev.DeckBuilt: _deck_built,
    ev.RoundStarted: _round_started,
    ev.PhaseStarted: _phase_started,
    ev.TurnStarted: _turn_started,
    ev.TurnEnded: _turn_ended,
    ev.ActionTaken: _action_taken,
    ev.HeroMoved: _hero_moved,
    ev.TrackChanged: _track_changed,
    ev.NoiseChanged: _noise_changed,
    ev.TriggerFired: _trigger_fired,
    ev.TableRolled: _table_rolled,
    ev.UnitSpawned: _unit_spawned,
    ev.SpawnBlocked: _no_change,
    ev.UnitMoved: _unit_moved,
    ev.UnitDamaged: _unit_damaged,
    ev.UnitDestroyed: _unit_destroyed,
    ev.UnitRegenerated: _unit_regenerated,
    ev.UnitActed: _no_change,
    ev.HeroDamaged: _hero_damaged,
    ev.HeroDowned: _hero_downed,
    ev.HeroHealed: _hero_healed,
    ev.HeroRevived: _hero_revived,
    ev.ZoneDormant: _zone_dormant,
    ev.ZoneDestroyed: _zone_destroyed,
    ev.MarkerLaunched: _marker_launched,
    ev.MarkerMoved: _marker_moved,
    ev.CardDrawn: _card_drawn,
    ev.DeckReshuffled: _deck_reshuffled,
    ev.CardsPeeked: _cards_peeked,
    ev.GameEnded: _game_ended,
    ev.HeroArrived: _hero_arrived,
    ev.ConcessionOffered: _concession_offered,
    ev.ConcessionDeclined: _concession_declined,
    ev.ConcessionAccepted: _no_change,  # the GameEnded that follows ends the game
    ev.CommandUndone: _no_change,  # the fold that meets it goes back to its kept state
}
assert set(_HANDLERS) == set(ev.EVENT_TYPES.values()), "every event type needs a handler"


def apply(state: GameState, event: ev.Event) -> GameState:
    """Return the state after ``event``. Pure; never validates, never rolls."""
    return _HANDLERS[type(event)](state, event)


def fold(state: GameState, events: Iterable[ev.Event]) -> GameState:
    """Apply ``events`` in order: replaying a journal is exactly this."""
    for event in events:
        state = apply(state, event)
    return state
