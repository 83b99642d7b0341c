"""The effect verbs, in one table: name -> what its value and parameters hold -> how it runs.

An effect is an inline table with exactly one verb key (``{ add = "alert", by = 1 }``); the
verb's value and its parameters are fields of :class:`~cibo.core.ruleset.Effect`, the file
format. Everything else about a verb is its entry in :data:`VERBS`:

- ``subject`` and ``params``: each a :class:`Param` whose ``kind`` says what it holds (a formula,
  a zone reference, a track's key...). The ruleset checker (:mod:`cibo.rulesets.checks`) checks
  parameters by kind, and reports any other field set on the effect as meaningless to the verb;
- ``run``: the function that turns the effect into events (called by :func:`cibo.core.effects.run`
  once ``when`` holds);
- ``doc``: one line for the reference.

Adding a verb is one entry here, its run function, and its key as a field of ``Effect``;
``tests/core/test_verbs.py`` fails until the field, the checker and ``docs/rulesets.md`` know it.
The table's order is the order verbs are listed in messages and in the JSON schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from attrs import frozen

from cibo.core import events as ev
from cibo.core.board import distances
from cibo.core.effects import (
    Ctx,
    activate,
    add_track,
    damage,
    draw_card,
    entity_ref,
    heal_hero,
    marker_step,
    move_hero,
    reshuffle,
    revive_heroes,
    roll_table_effect,
    run,
    spawn,
    zone_ref,
)
from cibo.core.errors import RulesError
from cibo.core.expr import Value
from cibo.core.ruleset import Effect

__all__ = ["EFFECT_VERBS", "KINDS", "VERBS", "Kind", "Param", "Runner", "Verb", "verb_of"]

Kind = Literal[
    "formula", "zone", "entity", "track", "table", "deck", "marker", "units", "effects",
    "choice", "count", "costs", "flag", "cause",
]
"""What a verb's value or parameter holds (see :data:`KINDS`)."""

KINDS: dict[str, str] = {
    "formula": "an integer or an expression, evaluated where the effect runs",
    "zone": "a zone reference: a name, a tag, a $variable or noisiest:TAG",
    "entity": "a hero or unit: a $variable or a hero's key",
    "track": "the key of a track",
    "table": "the key of a table",
    "deck": "the key of a deck",
    "marker": "the key of a marker",
    "units": "a list of unit kinds",
    "effects": "a list of effects",
    "choice": "one of the parameter's choices",
    "count": "an integer, 0 or more",
    "costs": "a table of track -> amount (0 or more)",
    "flag": "true",
    "cause": "a non-empty id, reported as the game's end cause",
}
"""Every kind, with what a value of it must be."""

Runner = Callable[[Ctx, Effect, Mapping[str, Value], str], None]
"""``run(ctx, effect, bindings, cause)``: emit the effect's events into ``ctx``."""


@frozen
class Param:
    """A verb's value or one of its parameters.

    ``empty``: for a zone, what an empty value means (``$zone``, ``$target``), or ``""`` when an
    empty zone is not used at all. ``binds``: the ``$`` variables (name, kind) the engine adds
    while evaluating this parameter. ``runs``: a table or deck whose effects run here, with the
    variables bound where this effect runs.
    """

    name: str
    kind: Kind
    choices: tuple[str, ...] = ()
    empty: str = ""
    binds: tuple[tuple[str, str], ...] = ()
    runs: bool = False


@frozen
class Verb:
    """One effect verb: its value (``subject``, named like the verb), parameters and runner."""

    subject: Param
    params: tuple[Param, ...]
    run: Runner
    doc: str

    @property
    def name(self) -> str:
        return self.subject.name

    def param_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params)


# -- the run functions, one per verb ----------------------------------------------------------
# Argument names follow effects.run: e is the effect, b the bindings, cause the event cause.


def _add(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    add_track(ctx, e.add, ctx.int(e.by, b), cause)


def _set(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    current = ctx.state.tracks.get(e.set, 0)
    add_track(ctx, e.set, ctx.int(e.to, b) - current, cause)


def _spawn(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    zone = zone_ref(ctx, e.at, b)
    for kind in e.spawn:
        spawn(ctx, kind, zone, cause)


def _noise(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    zone = zone_ref(ctx, e.noise, b)
    value = max(0, ctx.state.noise.get(zone, 0) + ctx.int(e.by, b))
    if value != ctx.state.noise.get(zone, 0):
        ctx.emit(ev.NoiseChanged(values={zone: value}))


def _noise_all(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    by = ctx.int(e.by, b)
    changed = {z: max(0, n + by) for z, n in ctx.state.noise.items() if max(0, n + by) != n}
    if changed:
        ctx.emit(ev.NoiseChanged(values=changed))


def _draw(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    for _ in range(ctx.int(e.n, b)):
        draw_card(ctx, e.draw, b)


def _consume(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    need = ctx.int(e.n, b)
    have = ctx.state.tracks.get(e.consume, 0)
    taken = min(need, have)
    if taken:
        add_track(ctx, e.consume, -taken, cause)
    if need > taken and e.short:
        run(ctx, e.short, {**b, "short": need - taken}, cause)


def _dormant(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    zone = zone_ref(ctx, e.dormant, b)
    ctx.emit(ev.ZoneDormant(zone=zone, until=ctx.state.round + ctx.int(e.rounds, b)))


def _destroy(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    zone = zone_ref(ctx, e.destroy, b)
    if zone not in ctx.state.destroyed:
        ctx.emit(ev.ZoneDestroyed(zone=zone))


def _heal(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    heal_hero(ctx, entity_ref(ctx, e.heal, b), ctx.int(e.by, b))


def _damage(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    damage(ctx, entity_ref(ctx, e.damage, b), ctx.int(e.by, b), cause)


def _damage_zone(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    centre = zone_ref(ctx, e.damage_zone, b)
    near = distances(ctx.state.ruleset, centre)
    amount = ctx.int(e.by, b)
    for unit in [u for u in ctx.state.units if near.get(u.zone, 99) <= e.radius]:
        damage(ctx, unit.id, amount, cause)


def _move(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    move_hero(ctx, entity_ref(ctx, e.move, b), zone_ref(ctx, e.at or "$target", b))


def _marker(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    marker_step(ctx, e.marker, e.op, cause)


def _reshuffle(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    reshuffle(ctx, e.reshuffle, e.onto)


def _peek(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    seat = str(b.get("seat", ""))
    cards = ctx.state.decks[e.peek].draw[: ctx.int(e.n, b)]
    ctx.emit(ev.CardsPeeked(seat=seat, deck=e.peek, cards=cards))


def _activate(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    activate(ctx, e, b)


def _victory(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    ctx.end_game("won", e.victory, e.text)


def _defeat(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    ctx.end_game("lost", e.defeat, e.text)


# -- the table --------------------------------------------------------------------------------

_BY = Param("by", "formula")
_N = Param("n", "formula")
_RADIUS = Param("radius", "count")


def _verb(subject: Param, *params: Param, run: Runner, doc: str) -> Verb:
    return Verb(subject=subject, params=params, run=run, doc=doc)


VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        _verb(Param("add", "track"), _BY, run=_add,
              doc="track += by, clamped; may fire on_reach"),
        _verb(Param("set", "track"), Param("to", "formula"), run=_set, doc="track = to"),
        _verb(Param("spawn", "units"), Param("fallback", "units"),
              Param("at", "zone", empty="$zone"), run=_spawn, doc="place units at a zone"),
        _verb(Param("noise", "zone"), _BY, run=_noise,
              doc="that zone's noise += by (never below 0)"),
        _verb(Param("noise_all", "flag"), _BY, run=_noise_all, doc="every zone's noise += by"),
        _verb(Param("roll_table", "table", runs=True), Param("at", "zone"),
              run=roll_table_effect, doc="roll the table; its spawns go to at (or $zone)"),
        _verb(Param("draw", "deck", runs=True), _N, run=_draw, doc="draw and resolve n cards"),
        _verb(Param("consume", "track"), _N,
              Param("short", "effects", binds=(("short", "number"),)), run=_consume,
              doc="take n; if the track lacks some, run short with $short = the lack"),
        _verb(Param("dormant", "zone"), Param("rounds", "formula"), run=_dormant,
              doc="the zone stops acting for that many rounds"),
        _verb(Param("destroy", "zone"), run=_destroy, doc="the zone stops acting for good"),
        _verb(Param("heal", "entity"), _BY, run=_heal,
              doc="restore HP, up to the hero's maximum"),
        _verb(Param("damage", "entity"), _BY, run=_damage,
              doc="deal damage (armor applies to units)"),
        _verb(Param("damage_zone", "zone"), _BY, _RADIUS, run=_damage_zone,
              doc="damage every unit within radius links"),
        _verb(Param("move", "entity"), Param("at", "zone", empty="$target"), run=_move,
              doc="move a hero"),
        _verb(Param("marker", "marker"), Param("op", "choice", choices=("launch", "advance")),
              run=_marker, doc="launch or advance a marker"),
        _verb(Param("reshuffle", "deck"), Param("onto", "choice", choices=("top", "bottom")),
              run=_reshuffle, doc="shuffle the discard pile back into the deck"),
        _verb(Param("peek", "deck"), _N, run=_peek, doc="the acting seat sees the next n cards"),
        _verb(Param("activate", "choice", choices=("all", "near")),
              Param("order", "units"), Param("at", "zone", empty="$zone"), _RADIUS,
              run=_activate, doc="Safeguard units act: all, or those near at"),
        _verb(Param("revive", "zone"), Param("hp", "formula", binds=(("hero", "hero"),)),
              Param("cost", "costs"), run=revive_heroes,
              doc="downed heroes return there, each paying cost"),
        _verb(Param("victory", "cause"), run=_victory, doc="end the game, won"),
        _verb(Param("defeat", "cause"), run=_defeat, doc="end the game, lost"),
    )
}
"""Every effect verb by name, in the order messages and the schema list them."""

EFFECT_VERBS: tuple[str, ...] = tuple(VERBS)
"""The verb keys of an effect."""

_ORDER = tuple(VERBS.values())


def verb_of(effect: Effect) -> Verb:
    """The verb of ``effect``: the first verb field that is set (the loader allows only one)."""
    entry = _VERB_OF.get(id(effect))
    if entry is not None and entry[0] is effect:
        return entry[1]
    for verb in _ORDER:
        if getattr(effect, verb.subject.name):
            if len(_VERB_OF) >= 8192:  # a ruleset has far fewer effects; tests build many
                _VERB_OF.clear()
            _VERB_OF[id(effect)] = (effect, verb)
            return verb
    raise RulesError("an effect without a verb", code="rules/effect")


_VERB_OF: dict[int, tuple[Effect, Verb]] = {}
"""By effect (its id, checked against the effect kept with the entry): its verb. Effects
are parts of a ruleset, which never changes; every effect run asks."""
