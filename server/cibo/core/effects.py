"""The effect interpreter: turns a ruleset's effect lists into events.

All of this runs inside :func:`cibo.core.rules.decide`. A :class:`Ctx` holds the working state;
every event is applied as soon as it is emitted, so later effects see earlier ones exactly as a
replay will. Random numbers come only from the ctx's HMAC stream and are written into the events.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

from cibo.core import events as ev
from cibo.core.board import distances, path_towards, zone_order
from cibo.core.dice import Roll, roll
from cibo.core.env import PARTS, GameEnv, Reads, reads_of, track_band, watched_noise
from cibo.core.errors import RulesError
from cibo.core.expr import ExprError, Value, evaluate, evaluate_bool, evaluate_int
from cibo.core.reducer import apply
from cibo.core.rng import Rng
from cibo.core.ruleset import Card, Effect, Formula, Ruleset, Unit
from cibo.core.state import GameState, UnitState
from cibo.core.tables import roll_table

__all__ = [
    "MAX_DEPTH",
    "Ctx",
    "GameOver",
    "activate",
    "activate_unit",
    "add_track",
    "damage",
    "draw_card",
    "end_reads",
    "entity_ref",
    "heal_hero",
    "marker_step",
    "move_hero",
    "reshuffle",
    "revive_heroes",
    "roll_table_effect",
    "run",
    "spawn",
    "zone_ref",
]

MAX_DEPTH = 16
"""Nested effect lists (triggers inside tables inside cards…) deeper than this are a loop."""


class GameOver(Exception):
    """Raised once ``GameEnded`` has been emitted, to unwind whatever was running."""


class Ctx:
    """The working area of one ``decide`` call."""

    def __init__(self, state: GameState) -> None:
        self.state = state
        self.events: list[ev.Event] = []
        self._rng: Rng | None = None
        self._stream = (state.seed, state.rng_counter)
        self.depth = 0
        self._checked: GameState | None = None
        """The last state :meth:`check_end` found no ending in."""

    @property
    def rng(self) -> Rng:
        """The game's stream from where the state this ctx started on left it. Made on first
        use: most contexts (a bot checking a condition, listing targets) never roll."""
        rng = self._rng
        if rng is None:
            rng = self._rng = Rng(*self._stream)
        return rng

    def emit(self, event: ev.Event) -> None:
        self.events.append(event)
        self.state = apply(self.state, event)

    def env(self, bindings: Mapping[str, Value] | None = None) -> GameEnv:
        return GameEnv(self.state, bindings)

    # -- evaluation helpers -------------------------------------------------------------------

    def value(self, formula: Formula, bindings: Mapping[str, Value]) -> Value:
        if isinstance(formula, int):
            return formula
        try:
            return evaluate(formula, self.env(bindings)).value
        except ExprError as exc:
            raise RulesError(
                f"cannot evaluate {formula!r}: {exc}", code="rules/expression"
            ) from exc

    def int(self, formula: Formula, bindings: Mapping[str, Value]) -> int:
        if isinstance(formula, int):
            return formula
        try:
            return evaluate_int(formula, self.env(bindings))
        except ExprError as exc:
            raise RulesError(
                f"cannot evaluate {formula!r}: {exc}", code="rules/expression"
            ) from exc

    def truth(self, formula: str, bindings: Mapping[str, Value]) -> bool:
        """An empty condition holds; otherwise the expression's truth (formulas in names too)."""
        if not formula:
            return True
        try:
            return evaluate_bool(formula, self.env(bindings))
        except ExprError as exc:
            raise RulesError(
                f"cannot evaluate {formula!r}: {exc}", code="rules/expression"
            ) from exc

    def roll(self, formula: str, bindings: Mapping[str, Value], purpose: str) -> Roll:
        try:
            return roll(formula, self.env(bindings), self.rng, purpose=purpose)
        except ExprError as exc:
            raise RulesError(f"cannot roll {formula!r}: {exc}", code="rules/expression") from exc

    # -- end of game --------------------------------------------------------------------------

    def check_end(self) -> None:
        """Emit ``GameEnded`` and unwind if a victory or defeat condition holds."""
        s = self.state
        if s.status != "playing" or s is self._checked:
            # States are immutable and every event makes a new one: the same object cannot
            # meet a condition it did not meet before (effects check after each step).
            return
        memo = _end_memo(s.ruleset)
        key = memo.reads.key(s)
        if memo.known(key):
            # Nothing a condition can read differs from when they all failed: they still do.
            self._checked = s
            return
        end = s.ruleset.end
        for status, conditions in (("won", end.victory), ("lost", end.defeat)):
            for cond in conditions:
                if self.truth(cond.when, {}):
                    self.end_game(status, cond.id, cond.text)
        self._checked = s
        memo.remember(key)

    def end_game(self, status: str, cause: str, text: str) -> None:
        self.emit(ev.GameEnded(status=status, cause=cause, text=text, seed=self.state.seed.hex()))
        raise GameOver


class _EndMemo:
    """What a ruleset's victory and defeat conditions read, and the last few
    :meth:`Reads.key` values for which they all failed (on any state of any game: the key
    decides their values). A few, not one: the plan bot's trials go back and forth between
    the positions it compares."""

    __slots__ = ("failed", "reads", "ruleset")

    SIZE = 8

    def __init__(self, ruleset: Ruleset, reads: Reads) -> None:
        self.ruleset = ruleset
        self.reads = reads
        self.failed: deque[tuple[object, ...]] = deque(maxlen=self.SIZE)

    def known(self, key: tuple[object, ...]) -> bool:
        """Whether the conditions all failed for a key that reads the same as ``key``."""
        return key in self.failed

    def remember(self, key: tuple[object, ...]) -> None:
        self.failed.append(key)  # the oldest drops out


_END_MEMOS: dict[int, _EndMemo] = {}
"""By ruleset (its id, checked against the ruleset kept with the entry)."""


def _end_memo(rs: Ruleset) -> _EndMemo:
    memo = _END_MEMOS.get(id(rs))
    if memo is not None and memo.ruleset is rs:
        return memo
    conditions = (*rs.end.victory, *rs.end.defeat)
    try:
        reads = reads_of(rs, [c.when for c in conditions])
    except ExprError:
        reads = Reads(PARTS)  # evaluating them will say what is wrong
    if len(_END_MEMOS) >= 64:  # rulesets loaded over a long run (a server, the tests)
        _END_MEMOS.clear()
    memo = _END_MEMOS[id(rs)] = _EndMemo(rs, reads)
    return memo


def end_reads(rs: Ruleset) -> Reads:
    """What ``rs``'s victory and defeat conditions can read of a state (see :class:`Reads`)."""
    return _end_memo(rs).reads


# -- zone and entity references ---------------------------------------------------------------


def zone_ref(ctx: Ctx, ref: str, bindings: Mapping[str, Value]) -> str:
    """Resolve a zone reference: a name, a tag, ``$var`` / ``$hero.zone``, or ``noisiest:TAG``."""
    s = ctx.state
    zones = s.ruleset.zones
    if not ref:
        ref = "$zone"
    if ref.startswith("$"):
        value = str(ctx.value(ref, bindings))
        if value in zones:
            return value
        hero = s.hero(value)
        if hero is not None:
            return hero.zone
        unit = s.unit(value)
        if unit is not None:
            return unit.zone
        raise RulesError(f"{ref} is not a zone ({value!r})", code="rules/zone")
    if ref.startswith("noisiest:"):
        tag = ref.split(":", 1)[1]
        candidates = [z for z, d in zones.items() if tag in d.tags and s.zone_active(z)]
        if not candidates:
            candidates = [z for z, d in zones.items() if tag in d.tags]
        if not candidates:
            raise RulesError(f"no zone tagged {tag!r}", code="rules/zone")
        return max(candidates, key=lambda z: (_noise_seen(s, z), -list(zones).index(z)))
    if ref in zones:
        return ref
    for name, zone in zones.items():
        if ref in zone.tags:
            return name
    raise RulesError(f"unknown zone {ref!r}", code="rules/zone")


def _noise_seen(s: GameState, zone: str) -> int:
    z = s.ruleset.zones[zone]
    return watched_noise(s, zone) if z.watches else s.noise.get(zone, 0)


def entity_ref(ctx: Ctx, ref: str, bindings: Mapping[str, Value]) -> str:
    return str(ctx.value(ref, bindings)) if ref.startswith("$") else ref


# -- the interpreter --------------------------------------------------------------------------


def run(ctx: Ctx, effects: Iterable[Effect], bindings: Mapping[str, Value], cause: str) -> None:
    """Run ``effects`` in order; any of them may end the game (raising :class:`GameOver`)."""
    ctx.depth += 1
    try:
        if ctx.depth > MAX_DEPTH:
            raise RulesError(f"effects nest deeper than {MAX_DEPTH} ({cause})", code="rules/loop")
        for effect in effects:
            if effect.when and not ctx.truth(effect.when, bindings):
                continue
            _run_one(ctx, effect, bindings, cause)
            ctx.check_end()
    finally:
        ctx.depth -= 1


def _run_one(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    verb_of(e).run(ctx, e, b, cause)


def add_track(ctx: Ctx, track: str, delta: int, cause: str) -> None:
    spec = ctx.state.ruleset.tracks[track]
    old = ctx.state.tracks.get(track, spec.min)
    new = max(spec.min, min(spec.max, old + delta))
    if new == old:
        return
    ctx.emit(ev.TrackChanged(track=track, value=new, delta=new - old, cause=cause))
    for trig in spec.on_reach:
        key = f"{track}@{trig.value}"
        if old < trig.value <= new and not (trig.once and key in ctx.state.fired):
            ctx.emit(ev.TriggerFired(track=track, value=trig.value))
            run(ctx, trig.do, {}, f"trigger:{key}")


def roll_table_effect(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    s = ctx.state
    table = s.ruleset.tables[e.roll_table]
    band = track_band(s, table.band_of) if table.band_of else ""
    at = zone_ref(ctx, e.at, b) if (e.at or "zone" in b) else ""
    drawn = s.drawn.get(f"{e.roll_table}:{band}", frozenset())
    purpose = f"table:{e.roll_table}" + (f"@{at}" if at else "")
    try:
        result = roll_table(
            e.roll_table,
            table,
            band=band,
            env=ctx.env(b),
            rng=ctx.rng,
            drawn=drawn,
            purpose=purpose,
        )
    except ExprError as exc:
        raise RulesError(f"cannot roll table {e.roll_table!r}: {exc}", code="rules/table") from exc
    row = result.row
    ctx.emit(
        ev.TableRolled(
            table=e.roll_table,
            band=band,
            roll=result.roll,
            row=result.row_index,
            text=row.text,
            at=at,
        )
    )
    kinds = row.spawn
    if row.fallback and any(_unique_on_board(ctx.state, k) for k in kinds):
        kinds = row.fallback
    source = f"table:{e.roll_table}"
    for kind in kinds:
        spawn(ctx, kind, at or zone_ref(ctx, "", b), source)
    run(ctx, row.do, {**b, "roll": result.roll.total}, source)


def _unique_on_board(s: GameState, kind: str) -> bool:
    return s.ruleset.units[kind].unique and any(u.kind == kind for u in s.units)


def spawn(ctx: Ctx, kind: str, zone: str, source: str) -> None:
    s = ctx.state
    spec = s.ruleset.units[kind]
    on_board = sum(1 for u in s.units if u.kind == kind)
    if (spec.unique and on_board) or (spec.supply and on_board >= spec.supply):
        reason = "unique" if spec.unique else "supply"
        ctx.emit(ev.SpawnBlocked(kind=kind, zone=zone, reason=reason))
        # A type out of models acts at once instead: the pressure never just disappears.
        for unit in [u for u in ctx.state.units if u.kind == kind]:
            activate_unit(ctx, unit.id)
        return
    hp = ctx.int(spec.hp, {})
    ctx.emit(ev.UnitSpawned(unit=f"u{s.next_unit}", kind=kind, zone=zone, hp=hp, source=source))


def draw_card(ctx: Ctx, deck_name: str, b: Mapping[str, Value]) -> None:
    deck = ctx.state.decks[deck_name]
    if not deck.draw:
        if not deck.discard:
            return
        reshuffle(ctx, deck_name, "top")
        deck = ctx.state.decks[deck_name]
    card_id = deck.draw[0]
    card = _deck_cards(ctx.state.ruleset, deck_name)[card_id.split("#")[0]]
    ctx.emit(ev.CardDrawn(deck=deck_name, card=card_id, text=card.text))
    source = f"card:{card.id}"
    if card.spawn:
        zone = zone_ref(ctx, card.at, b)
        for kind in card.spawn:
            spawn(ctx, kind, zone, source)
    run(ctx, card.do, b, source)


_CARDS: dict[tuple[int, str], tuple[Ruleset, dict[str, Card]]] = {}
"""By ruleset (its id, checked against the ruleset kept with the entry) and deck: its cards
and specials by id, the first of each id (as a search in file order finds it)."""


def _deck_cards(rs: Ruleset, deck_name: str) -> dict[str, Card]:
    entry = _CARDS.get((id(rs), deck_name))
    if entry is not None and entry[0] is rs:
        return entry[1]
    spec = rs.decks[deck_name]
    cards: dict[str, Card] = {}
    for card in (*spec.cards, *spec.specials):
        cards.setdefault(card.id, card)
    if len(_CARDS) >= 256:  # rulesets are few in a server; tests build many
        _CARDS.clear()
    _CARDS[(id(rs), deck_name)] = (rs, cards)
    return cards


def reshuffle(ctx: Ctx, deck_name: str, onto: str) -> None:
    deck = ctx.state.decks[deck_name]
    shuffled = ctx.rng.shuffle(deck.discard)
    order = (*shuffled, *deck.draw) if onto == "top" else (*deck.draw, *shuffled)
    ctx.emit(ev.DeckReshuffled(deck=deck_name, order=order, rng_end=ctx.rng.counter))


def heal_hero(ctx: Ctx, hero_id: str, by: int) -> None:
    hero = ctx.state.hero(hero_id)
    if hero is None or hero.downed:
        return
    hp = min(hero.max_hp, hero.hp + by)
    if hp != hero.hp:
        ctx.emit(ev.HeroHealed(hero=hero_id, hp=hp))


def damage(ctx: Ctx, target: str, amount: int, source: str) -> None:
    s = ctx.state
    unit = s.unit(target)
    if unit is not None:
        spec = s.ruleset.units[unit.kind]
        dealt = max(0, amount - spec.armor)
        if dealt <= 0:
            return
        if unit.hp - dealt > 0:
            ctx.emit(ev.UnitDamaged(unit=unit.id, amount=dealt, hp=unit.hp - dealt, source=source))
            return
        ctx.emit(ev.UnitDestroyed(unit=unit.id, kind=unit.kind, source=source))
        run(ctx, spec.on_death, {"unit": unit.id, "zone": unit.zone}, f"death:{unit.kind}")
        return
    hero = s.hero(target)
    if hero is None or hero.downed or amount <= 0:
        return
    hp = max(0, hero.hp - amount)
    ctx.emit(ev.HeroDamaged(hero=hero.id, amount=hero.hp - hp, hp=hp, source=source))
    if hp == 0:
        carried = s.ruleset.rules.downed_zone
        zone = zone_ref(ctx, carried, {}) if carried else hero.zone
        ctx.emit(ev.HeroDowned(hero=hero.id, zone=zone))


def move_hero(ctx: Ctx, hero_id: str, zone: str) -> None:
    hero = ctx.state.hero(hero_id)
    if hero is None or hero.zone == zone:
        return
    path = path_towards(ctx.state.ruleset, hero.zone, [zone], 99)
    ctx.emit(ev.HeroMoved(hero=hero_id, zone=zone, path=path))


def marker_step(ctx: Ctx, name: str, op: str, cause: str) -> None:
    state = ctx.state.markers.get(name)
    spec = ctx.state.ruleset.markers[name]
    if op == "launch":
        if state is None or not state.launched:
            ctx.emit(ev.MarkerLaunched(marker=name))
        return
    if state is None or not state.launched or state.index + 1 >= len(spec.path):
        return
    index = state.index + 1
    zone = spec.path[index]
    ctx.emit(ev.MarkerMoved(marker=name, index=index, zone=zone))
    run(ctx, spec.at_each_stop, {"zone": zone}, f"marker:{name}")


def revive_heroes(ctx: Ctx, e: Effect, b: Mapping[str, Value], cause: str) -> None:
    zone = zone_ref(ctx, e.revive, b)
    for hero in [h for h in ctx.state.heroes if h.downed]:
        if any(ctx.state.tracks.get(t, 0) < n for t, n in e.cost.items()):
            continue
        for track, n in e.cost.items():
            add_track(ctx, track, -n, f"revive:{hero.id}")
        hp = ctx.int(e.hp, {**b, "hero": hero.id}) or hero.max_hp
        ctx.emit(ev.HeroRevived(hero=hero.id, zone=zone, hp=min(hp, hero.max_hp)))


# -- Safeguard units --------------------------------------------------------------------------


def activate(ctx: Ctx, e: Effect, b: Mapping[str, Value]) -> None:
    """``activate = "all"`` (by ``order`` of kinds) or ``"near"`` (within ``radius`` of ``at``)."""
    s = ctx.state
    units: Sequence[UnitState] = s.units
    if e.activate == "near":
        centre = zone_ref(ctx, e.at, b)
        near = distances(s.ruleset, centre)
        units = [u for u in units if near.get(u.zone, 99) <= e.radius]
    order = {kind: i for i, kind in enumerate(e.order or s.ruleset.units)}
    queue = sorted(units, key=lambda u: (order.get(u.kind, len(order)), int(u.id[1:])))
    for unit in queue:
        activate_unit(ctx, unit.id)


def activate_unit(ctx: Ctx, unit_id: str) -> None:
    """One unit acts: the first applicable behavior in its list."""
    unit = ctx.state.unit(unit_id)
    if unit is None:
        return  # destroyed earlier in this activation
    spec = ctx.state.ruleset.units[unit.kind]
    if spec.regen and unit.hp < ctx.int(spec.hp, {}):
        hp = min(ctx.int(spec.hp, {}), unit.hp + spec.regen)
        ctx.emit(ev.UnitRegenerated(unit=unit.id, hp=hp))
    for behavior in spec.behavior:
        if _behave(ctx, unit_id, spec, behavior):
            return


def _passable_for(ctx: Ctx, spec: Unit) -> object:
    barrier = ctx.state.ruleset.rules.barrier
    if barrier is None or spec.ignores_barrier or ctx.state.tracks.get(barrier.track, 0) <= 0:
        return None
    zones = ctx.state.ruleset.zones
    return lambda z: barrier.tag not in zones[z].tags


def _behave(ctx: Ctx, unit_id: str, spec: Unit, behavior: str) -> bool:
    s = ctx.state
    unit = s.unit(unit_id)
    assert unit is not None
    name, _, arg = behavior.partition(":")
    if name == "attack_hero":
        here = [h for h in s.heroes if h.zone == unit.zone and not h.downed]
        if not here:
            return False
        target = min(here, key=lambda h: (h.hp, s.heroes.index(h)))
        ctx.emit(ev.UnitActed(unit=unit_id, behavior=name, zone=unit.zone))
        damage(ctx, target.id, spec.attack, unit_id)
        run(ctx, spec.on_attack, {"unit": unit_id, "zone": unit.zone}, f"unit:{unit.kind}")
        return True
    if name == "attack_all_heroes":
        here = [h for h in s.heroes if h.zone == unit.zone and not h.downed]
        if not here:
            return False
        ctx.emit(ev.UnitActed(unit=unit_id, behavior=name, zone=unit.zone))
        for hero in here:
            damage(ctx, hero.id, spec.attack, unit_id)
        run(ctx, spec.on_attack, {"unit": unit_id, "zone": unit.zone}, f"unit:{unit.kind}")
        return True
    passable = _passable_for(ctx, spec)
    if name == "hunt_noise":
        reach = distances(s.ruleset, unit.zone, passable)  # type: ignore[arg-type]
        within = int(arg or 2)
        loud = [z for z, d in reach.items() if d <= within and s.noise.get(z, 0) > 0]
        if not loud:
            return False
        order = zone_order(s.ruleset)
        goal = max(loud, key=lambda z: (s.noise[z], -reach[z], -order[z]))
        return _step(ctx, unit_id, spec, [goal], passable)
    if name == "seek":
        goals = [z for z, d in s.ruleset.zones.items() if z == arg or arg in d.tags]
        return _step(ctx, unit_id, spec, goals, passable)
    if name == "act":
        if arg not in s.ruleset.zones[unit.zone].tags:
            return False
        ctx.emit(ev.UnitActed(unit=unit_id, behavior=behavior, zone=unit.zone))
        run(ctx, spec.acts.get(arg, ()), {"unit": unit_id, "zone": unit.zone}, f"unit:{unit.kind}")
        return True
    raise RulesError(f"unknown behavior {behavior!r}", code="rules/behavior")


def _step(ctx: Ctx, unit_id: str, spec: Unit, goals: list[str], passable: object) -> bool:
    unit = ctx.state.unit(unit_id)
    assert unit is not None
    if unit.zone in goals:
        return False
    path = path_towards(ctx.state.ruleset, unit.zone, goals, spec.move, passable)  # type: ignore[arg-type]
    if not path:
        return False
    ctx.emit(ev.UnitMoved(unit=unit_id, zone=path[-1], path=path))
    return True


# The verb table (cibo.core.verbs) runs the helpers above, and they run nested effects through
# run(): the two modules need each other, so the table is imported once everything here exists.
# cibo.core's __init__ imports this module first, whichever of the two a caller names.
from cibo.core.verbs import verb_of  # noqa: E402
