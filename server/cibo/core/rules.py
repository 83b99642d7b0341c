"""``decide(state, command) -> events``: every rule about what may happen, and what then follows.

``decide`` either raises :class:`~cibo.core.errors.IllegalCommand` (and the state is untouched,
because states are immutable) or returns the events the command caused, including everything the
game then runs on its own: the Safeguard phase, upkeep, the next round, and the end of the game.
It is deterministic: the same state and command give the same events, rolls included.

``play(state, command) -> Decision`` is the same with the state after the events, which the
rules compute anyway: a caller that keeps the game (a room) uses it instead of folding the
events a second time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any, Literal

from attrs import frozen

from cibo.core import commands as cm
from cibo.core import events as ev
from cibo.core.board import distances
from cibo.core.effects import Ctx, GameOver, run, zone_ref
from cibo.core.errors import IllegalCommand, RulesError
from cibo.core.expr import Value
from cibo.core.names import clean_name, name_key
from cibo.core.rng import Rng, commitment
from cibo.core.ruleset import Action, Phase, Ruleset
from cibo.core.state import GameState, HeroState, Offer
from cibo.core.teach import fill_values

__all__ = [
    "Decision",
    "action_refusal",
    "cannot_help",
    "check_action",
    "decide",
    "find_action",
    "free_heroes",
    "limit_reached",
    "new_game",
    "play",
    "targets",
    "zones_where",
]


def new_game(
    ruleset: Ruleset, *, ruleset_sha256: str, seed: bytes, difficulty: str = "normal"
) -> GameState:
    """A game in its lobby. ``seed`` must be secret and random (32 bytes from ``secrets``)."""
    if difficulty not in ruleset.difficulty:
        difficulty = next(iter(ruleset.difficulty))
    return GameState(
        ruleset=ruleset,
        ruleset_sha256=ruleset_sha256,
        seed=seed,
        commitment=commitment(seed),
        difficulty=difficulty,
    )


def _illegal(message: str, code: str) -> IllegalCommand:
    return IllegalCommand(message, code=code)


@frozen
class Decision:
    """What a command did: its ``events`` and the ``state`` after them (``fold`` of the events
    over the state it was decided on, already computed)."""

    events: tuple[ev.Event, ...]
    state: GameState


def play(state: GameState, command: cm.Command) -> Decision:
    """Validate ``command`` against ``state``; return its events and the state after them.

    Raises:
        IllegalCommand: with a stable ``code`` and a sentence a player understands.
    """
    if state.over:
        raise _illegal("The game is over.", "game/over")
    ctx = Ctx(state)
    with contextlib.suppress(GameOver):  # the game ended part-way; its events stand
        _DISPATCH[type(command)](ctx, command)
    return Decision(tuple(ctx.events), ctx.state)


def decide(state: GameState, command: cm.Command) -> tuple[ev.Event, ...]:
    """The events of :func:`play` (for callers that do not keep the state).

    Raises:
        IllegalCommand: with a stable ``code`` and a sentence a player understands.
    """
    return play(state, command).events


# -- lobby ------------------------------------------------------------------------------------


def _need_lobby(s: GameState) -> None:
    if s.status != "lobby":
        raise _illegal("That can only be done before the game starts.", "lobby/started")


def _join_seat(ctx: Ctx, c: cm.JoinSeat) -> None:
    """A seat joins the lobby, or — a latecomer — the game (then it may pick a free hero)."""
    s = ctx.state
    if s.status != "playing":
        _need_lobby(s)
    if s.seat(c.seat) is not None:
        raise _illegal("You already have a seat.", "lobby/seated")
    if len(s.seats) >= s.ruleset.ruleset.players.max:
        raise _illegal("The table is full.", "lobby/full")
    name = clean_name(c.name)
    if name is None:
        raise _illegal("Pick a name with at least one letter or digit.", "lobby/bad_name")
    key = name_key(name)
    if any(name_key(x.name) == key for x in s.seats):
        raise _illegal(
            "Someone at the table already has that name, or one that looks the same.",
            "lobby/name_taken",
        )
    ctx.emit(ev.SeatJoined(seat=c.seat, name=name))


def _leave_seat(ctx: Ctx, c: cm.LeaveSeat) -> None:
    _need_lobby(ctx.state)
    if ctx.state.seat(c.seat) is None:
        raise _illegal("There is no such seat.", "lobby/no_seat")
    ctx.emit(ev.SeatLeft(seat=c.seat))


def free_heroes(s: GameState) -> tuple[str, ...]:
    """The hero kinds a seat could still pick (in the lobby, or as a latecomer in the game)."""
    rs = s.ruleset
    if len(s.heroes) >= rs.ruleset.heroes.max:
        return ()
    taken = {h.kind for h in s.heroes}
    return tuple(k for k in rs.hero_pool() if rs.heroes[k].repeatable or k not in taken)


def _pick_hero(ctx: Ctx, c: cm.PickHero) -> None:
    s = ctx.state
    if s.status == "playing":
        _latecomer_hero(ctx, c)
        return
    _need_lobby(s)
    _require_seat(s, c.seat)
    rs = s.ruleset
    if c.hero not in rs.hero_pool():
        raise _illegal(f"There is no hero called {c.hero!r} in {rs.ruleset.name}.", "lobby/no_hero")
    if len(s.heroes) >= rs.ruleset.heroes.max:
        raise _illegal("Every hero slot is taken.", "lobby/heroes_full")
    spec = rs.heroes[c.hero]
    if spec.repeatable:
        n = 1 + sum(1 for h in s.heroes if h.kind == c.hero)
        hero_id = f"{c.hero}-{n}"
        while s.hero(hero_id) is not None:
            n += 1
            hero_id = f"{c.hero}-{n}"
    else:
        if s.hero(c.hero) is not None:
            raise _illegal(f"{spec.name} is already taken.", "lobby/hero_taken")
        hero_id = c.hero
    ctx.emit(ev.HeroPicked(seat=c.seat, hero=hero_id, kind=c.hero))


def _latecomer_hero(ctx: Ctx, c: cm.PickHero) -> None:
    """A seat that joined during the game takes one free hero, which arrives at home."""
    s = ctx.state
    _require_seat(s, c.seat)
    if any(h.seat == c.seat for h in s.heroes):
        raise _illegal("You already play a hero in this game.", "game/has_hero")
    if c.hero not in free_heroes(s):
        raise _illegal("That hero is not free.", "game/hero_not_free")
    rs = s.ruleset
    hero_id = c.hero
    if rs.heroes[c.hero].repeatable:
        n = 1 + sum(1 for h in s.heroes if h.kind == c.hero)
        hero_id = f"{c.hero}-{n}"
        while s.hero(hero_id) is not None:
            n += 1
            hero_id = f"{c.hero}-{n}"
    home = zone_ref(ctx, rs.rules.home, {}) if rs.rules.home else next(iter(rs.zones))
    ctx.emit(
        ev.HeroArrived(seat=c.seat, hero=hero_id, kind=c.hero, zone=home, hp=rs.heroes[c.hero].hp)
    )


def _drop_hero(ctx: Ctx, c: cm.DropHero) -> None:
    s = ctx.state
    _need_lobby(s)
    hero = s.hero(c.hero)
    if hero is None or hero.seat != c.seat:
        raise _illegal("You do not have that hero.", "lobby/not_your_hero")
    ctx.emit(ev.HeroDropped(seat=c.seat, hero=c.hero))


def _set_difficulty(ctx: Ctx, c: cm.SetDifficulty) -> None:
    _need_lobby(ctx.state)
    if c.difficulty not in ctx.state.ruleset.difficulty:
        names = ", ".join(ctx.state.ruleset.difficulty)
        raise _illegal(f"Pick one of these difficulties: {names}.", "lobby/no_difficulty")
    ctx.emit(ev.DifficultySet(difficulty=c.difficulty))


def _start_game(ctx: Ctx, c: cm.StartGame) -> None:
    s = ctx.state
    _need_lobby(s)
    meta = s.ruleset.ruleset
    if not meta.players.min <= len(s.seats) <= meta.players.max:
        raise _illegal(
            f"This game needs {meta.players.min} to {meta.players.max} players.", "lobby/players"
        )
    if not meta.heroes.min <= len(s.heroes) <= meta.heroes.max:
        raise _illegal(
            f"Pick {meta.heroes.min} to {meta.heroes.max} heroes before starting.", "lobby/heroes"
        )
    lonely = [x.name for x in s.seats if not any(h.seat == x.id for h in s.heroes)]
    if lonely:
        raise _illegal(f"{', '.join(lonely)} still needs to pick a hero.", "lobby/no_hero_picked")
    rs = s.ruleset
    diff = rs.difficulty[s.difficulty]
    # Start values may read the hero count (scaling), so evaluate them with heroes in place.
    tracks = {}
    for name, track in rs.tracks.items():
        value = diff.start.get(name, track.start)
        tracks[name] = max(track.min, min(track.max, ctx.int(value, {})))
    home = zone_ref(ctx, rs.rules.home, {}) if rs.rules.home else next(iter(rs.zones))
    placed = tuple(ev.HeroPlaced(hero=h.id, zone=home, hp=rs.heroes[h.kind].hp) for h in s.heroes)
    ctx.emit(
        ev.GameStarted(
            commitment=s.commitment,
            difficulty=s.difficulty,
            tracks=tracks,
            heroes=placed,
        )
    )
    for name, deck in rs.decks.items():
        _build_deck(ctx, name, ctx.int(deck.piles, {}))
    _start_round(ctx, 1)


def _build_deck(ctx: Ctx, name: str, piles: int) -> None:
    """Split the shuffled cards into piles, shuffle one special into each, stack thick to thin."""
    spec = ctx.state.ruleset.decks[name]
    cards = [f"{c.id}#{i + 1}" if c.n > 1 else c.id for c in spec.cards for i in range(c.n)]
    rng: Rng = ctx.rng
    cards = list(rng.shuffle(cards))
    specials = list(rng.shuffle([s.id for s in spec.specials]))
    piles = max(1, min(piles, len(specials))) if specials else 1
    size, extra = divmod(len(cards), piles)
    order: list[str] = []
    start = 0
    for i in range(piles):
        n = size + (1 if i < extra else 0)
        pile = cards[start : start + n]
        start += n
        if i < len(specials):
            pile.append(specials[i])
        order.extend(rng.shuffle(pile))
    ctx.emit(ev.DeckBuilt(deck=name, order=tuple(order), rng_end=rng.counter))


def _require_seat(s: GameState, seat: str) -> None:
    if s.seat(seat) is None:
        raise _illegal("You are not seated at this table.", "seat/unknown")


# -- round structure --------------------------------------------------------------------------


def _start_round(ctx: Ctx, number: int) -> None:
    ctx.emit(ev.RoundStarted(round=number))
    ctx.check_end()
    _enter_phase(ctx, 0)


def _phase(s: GameState) -> Phase:
    return s.ruleset.round[s.phase]


def _enter_phase(ctx: Ctx, index: int) -> None:
    """Enter phase ``index`` and run forward until players have something to do."""
    rs = ctx.state.ruleset
    while True:
        if index >= len(rs.round):
            _start_round(ctx, ctx.state.round + 1)
            return
        phase = rs.round[index]
        ctx.emit(
            ev.PhaseStarted(
                phase=index,
                name=phase.phase,
                actions=phase.actions if phase.turns == "all" else 0,
            )
        )
        if phase.turns == "all":
            if any(not h.done for h in ctx.state.heroes):
                _offer_concession(ctx, index)
                return
        elif phase.turns == "each_hero":
            if _next_hero_turn(ctx, after=""):
                _offer_concession(ctx, index)
                return
        else:
            _run_steps(ctx, phase, {})
        index += 1


def _offer_concession(ctx: Ctx, index: int) -> None:
    """Open a concession offer if a ``[[concede]]`` entry holds, once per round: when the
    round's first phase with hero turns has players waiting (so after whatever the Safeguard
    did before it). The first entry that holds is the reason given."""
    s = ctx.state
    rs = s.ruleset
    if not rs.concede or s.offer is not None:
        return
    first = next(i for i, p in enumerate(rs.round) if p.turns != "none")
    if index != first:
        return
    for entry in rs.concede:
        if ctx.truth(entry.when, {}):
            values = {name: ctx.int(f, {}) for name, f in entry.values.items()}
            ctx.emit(ev.ConcessionOffered(round=s.round, reason=entry.id, values=values,
                                          text=fill_values(entry.text, values)))
            return


def _open_offer(s: GameState) -> Offer:
    if s.status != "playing":
        raise _illegal("The game has not started yet.", "game/not_started")
    if s.offer is None:
        raise _illegal("No concession is on offer: the game goes on.", "game/no_offer")
    return s.offer


def _concede(ctx: Ctx, c: cm.Concede) -> None:
    """Any seat may accept the offer for the table: the game ends, lost, cause ``conceded``."""
    s = ctx.state
    _require_seat(s, c.seat)
    offer = _open_offer(s)
    ctx.emit(ev.ConcessionAccepted(seat=c.seat, round=s.round, reason=offer.reason))
    ctx.end_game("lost", "conceded", offer.text)


def _play_on(ctx: Ctx, c: cm.PlayOn) -> None:
    """Any seat may turn the offer down; it comes back at a later round's start only if a
    ``[[concede]]`` entry holds again then."""
    s = ctx.state
    _require_seat(s, c.seat)
    _open_offer(s)
    ctx.emit(ev.ConcessionDeclined(seat=c.seat, round=s.round))


def _no_offer_open(s: GameState) -> None:
    if s.offer is not None:
        raise _illegal("The table has a concession to answer first: concede or play on.",
                       "game/offer_open")


def _run_steps(ctx: Ctx, phase: Phase, bindings: Mapping[str, Value]) -> None:
    for step in phase.steps:
        if step.when and not ctx.truth(step.when, bindings):
            continue
        cause = f"step:{phase.phase}.{step.step}"
        for _ in range(ctx.int(step.repeat, bindings)):
            if step.for_each:
                for item in ctx.env(bindings).items(step.for_each):
                    each = item.bindings["each"]
                    extra: dict[str, Value] = {"each": each}
                    if each in ctx.state.ruleset.zones:
                        extra["zone"] = each
                    run(ctx, step.do, {**bindings, **extra}, cause)
            else:
                run(ctx, step.do, bindings, cause)


def _next_hero_turn(ctx: Ctx, after: str) -> bool:
    """Start the turn of the next standing hero after ``after``; False when none is left."""
    ids = [h.id for h in ctx.state.heroes]
    start = ids.index(after) + 1 if after else 0
    phase = _phase(ctx.state)
    for hero_id in ids[start:]:
        # Re-read each hero: the steps run for a downed hero may down the next one.
        hero = ctx.state.hero(hero_id)
        if hero is None:
            continue
        if hero.downed:
            # A downed hero's turn still lets the factory act: the clock never stops for them.
            _run_steps(ctx, phase, {"hero": hero.id, "zone": hero.zone})
            continue
        ctx.emit(ev.TurnStarted(hero=hero.id, actions=phase.actions))
        return True
    return False


def _end_hero_turn(ctx: Ctx, hero_id: str) -> None:
    ctx.emit(ev.TurnEnded(hero=hero_id))
    s = ctx.state
    phase = _phase(s)
    if phase.turns == "each_hero":
        hero = s.hero(hero_id)
        assert hero is not None
        _run_steps(ctx, phase, {"hero": hero.id, "zone": hero.zone})
        if not _next_hero_turn(ctx, after=hero_id):
            _enter_phase(ctx, ctx.state.phase + 1)
    elif all(h.done for h in ctx.state.heroes):
        _enter_phase(ctx, s.phase + 1)


# -- hero commands ----------------------------------------------------------------------------


def _playing_hero(s: GameState, seat: str, hero_id: str) -> HeroState:
    if s.status != "playing":
        raise _illegal("The game has not started yet.", "game/not_started")
    _require_seat(s, seat)
    _no_offer_open(s)
    hero = s.hero(hero_id)
    if hero is None:
        raise _illegal("There is no such hero in this game.", "action/no_hero")
    if hero.seat != seat:
        raise _illegal("That hero belongs to another player.", "action/not_your_hero")
    if _phase(s).turns == "none" or hero.done:
        if hero.downed:
            raise _illegal(f"{_hero_name(s, hero)} is down until upkeep.", "action/downed")
        raise _illegal(f"It is not {_hero_name(s, hero)}'s turn.", "action/not_your_turn")
    return hero


def _hero_name(s: GameState, hero: HeroState) -> str:
    name = s.ruleset.heroes[hero.kind].name
    if s.ruleset.heroes[hero.kind].repeatable:
        return f"{name} {hero.id.rsplit('-', 1)[-1]}"
    return name


def find_action(s: GameState, hero: HeroState, name: str) -> Action | None:
    own = s.ruleset.heroes[hero.kind].actions
    return own.get(name) or s.ruleset.actions.get(name)


def check_action(s: GameState, hero: HeroState, name: str, action: Action) -> None:
    """Everything about an action except its target. Raises IllegalCommand."""
    reason = _refusal(s, hero, name, action)
    if reason is not None:
        raise _illegal(_refusal_text(reason, hero, name, action), _REFUSAL_CODES[reason])


def action_refusal(s: GameState, hero: HeroState, name: str, action: Action) -> str | None:
    """Why :func:`check_action` would refuse the action (its error code), or None.

    Listing a seat's legal actions asks this for every action after every command, so it
    returns a code instead of raising and building the sentence.
    """
    reason = _refusal(s, hero, name, action)
    return None if reason is None else _REFUSAL_CODES[reason]


def cannot_help(s: GameState, hero: HeroState, action: Action) -> bool:
    """The action could change nothing worth doing now, so it is not offered (it stays legal).

    With an ``offer_if``, it holds when that expression is false (the ruleset says when the
    action is worth offering). Without one, it holds when every effect of the action's ``do``
    that is not spending — an ``add`` of a negative whole number (a part, rations) — is an
    ``add`` of a positive whole number to a track already at its maximum (Secure at route 6/6,
    Scavenge at full power). Any other effect, or one with a ``when`` guard, might help, and
    the action is offered.
    """
    if action.offer_if:
        return not Ctx(s).truth(action.offer_if, {"hero": hero.id, "zone": hero.zone})
    gains = [e for e in action.do if not (e.add and isinstance(e.by, int) and e.by < 0)]
    if not gains:
        return False
    tracks = s.ruleset.tracks
    for e in gains:
        if e.when or not e.add or e.add not in tracks or not isinstance(e.by, int) or e.by <= 0:
            return False
        if s.tracks.get(e.add, tracks[e.add].min) < tracks[e.add].max:
            return False
    return True


_Refusal = Literal["cost", "zone", "every", "used", "needs"]
_REFUSAL_CODES: dict[_Refusal, str] = {
    "cost": "action/no_actions",
    "zone": "action/wrong_zone",
    "every": "action/limit",
    "used": "action/limit",
    "needs": "action/needs",
}


def _refusal(s: GameState, hero: HeroState, name: str, action: Action) -> _Refusal | None:
    if action.cost > hero.actions_left:
        return "cost"
    if action.where and hero.zone not in zones_where(s.ruleset, action.where):
        return "zone"
    if action.limit is not None:
        limit = _limit_refusal(s, hero, name, action)
        if limit is not None:
            return limit
    if action.needs and not Ctx(s).truth(action.needs, {"hero": hero.id, "zone": hero.zone}):
        return "needs"
    return None


def _limit_refusal(s: GameState, hero: HeroState, name: str, action: Action) -> _Refusal | None:
    lim = action.limit
    if lim is None:
        return None
    if lim.every and s.round - hero.last_used.get(name, -999) < lim.every:
        return "every"
    used = (hero.uses_round if lim.per == "round" else hero.uses_game).get(name, 0)
    if used >= lim.n:
        return "used"
    return None


def limit_reached(s: GameState, hero: HeroState, name: str, action: Action) -> bool:
    """Whether the action's ``limit`` (per round, per game, every N rounds) refuses it now;
    it does not depend on where the hero stands."""
    return _limit_refusal(s, hero, name, action) is not None


def zones_where(rs: Ruleset, where: str) -> frozenset[str]:
    """The zones an action's ``where`` names (``home|forage``: by name or by tag)."""
    entry = _WHERE.get((id(rs), where))
    if entry is not None and entry[0] is rs:
        return entry[1]
    options = where.split("|")
    zones = frozenset(
        z for z, spec in rs.zones.items() if any(opt == z or opt in spec.tags for opt in options)
    )
    if len(_WHERE) >= 1024:  # rulesets are few in a server; tests build many
        _WHERE.clear()
    _WHERE[(id(rs), where)] = (rs, zones)
    return zones


_WHERE: dict[tuple[int, str], tuple[Ruleset, frozenset[str]]] = {}
"""By ruleset (its id, checked against the ruleset kept with the entry) and ``where``: the
zones it names. Every legal-action listing and every line of the play book asks."""


def _refusal_text(reason: _Refusal, hero: HeroState, name: str, action: Action) -> str:
    label = action.label or name
    if reason == "cost":
        return f"{label} costs {action.cost} actions; {hero.actions_left} left."
    if reason == "zone":
        return f"{label} needs to be done in a {action.where.replace('|', ' or ')} zone."
    if reason == "every" and action.limit is not None:
        return f"{label} can be used once every {action.limit.every} rounds."
    if reason == "used" and action.limit is not None:
        return f"{label} is used up this {action.limit.per}."
    return f"{label} is not possible now ({action.needs})."


def targets(s: GameState, hero: HeroState, action: Action) -> list[str]:
    """The legal targets of ``action`` for ``hero`` (``[""]`` when it takes none)."""
    if action.target == "none":
        return [""]
    if action.target == "zone":
        reach = Ctx(s).int(action.range, {"hero": hero.id, "zone": hero.zone}) or 1
        near = distances(s.ruleset, hero.zone)
        least = 0 if action.here else 1
        return [z for z, d in near.items() if least <= d <= reach]
    if action.target == "unit":
        return [u.id for u in s.units if u.zone == hero.zone]
    return [h.id for h in s.active_heroes() if h.zone == hero.zone]


def _act(ctx: Ctx, c: cm.Act) -> None:
    s = ctx.state
    hero = _playing_hero(s, c.seat, c.hero)
    action = find_action(s, hero, c.action)
    if action is None:
        raise _illegal(f"There is no action called {c.action!r}.", "action/unknown")
    check_action(s, hero, c.action, action)
    if c.target not in targets(s, hero, action):
        raise _illegal(
            f"{action.label or c.action} cannot target {c.target or 'nothing'} from here.",
            "action/bad_target",
        )
    spec = s.ruleset.heroes[hero.kind]
    noise = max(0, action.noise + spec.noise_mod) if action.noise else 0
    b: dict[str, Value] = {"hero": hero.id, "zone": hero.zone, "seat": c.seat}
    if c.target:
        b["target"] = c.target
    rolled = ctx.roll(action.roll, b, f"action:{c.action}:{hero.id}") if action.roll else None
    success = _success(action.success, rolled.total) if rolled and action.success else None
    ctx.emit(
        ev.ActionTaken(
            seat=c.seat,
            hero=hero.id,
            action=c.action,
            target=c.target,
            cost=action.cost,
            noise=noise,
            roll=rolled,
            success=success,
        )
    )
    if rolled is not None:
        b["roll"] = rolled.total
    cause = f"action:{c.action}"
    run(ctx, action.fail if success is False else action.do, b, cause)
    hero_now = ctx.state.hero(hero.id)
    if (hero_now is not None and not hero_now.done and hero_now.actions_left <= 0) or (
        hero_now is not None and hero_now.downed and ctx.state.turn == hero.id
    ):
        _end_hero_turn(ctx, hero.id)
    elif hero_now is not None and hero_now.downed and all(h.done for h in ctx.state.heroes):
        _enter_phase(ctx, ctx.state.phase + 1)


def _success(rule: str, total: int) -> bool:
    for op in (">=", "<=", ">", "<", "=="):
        if rule.startswith(op):
            n = int(rule[len(op) :])
            return {
                ">=": total >= n,
                "<=": total <= n,
                ">": total > n,
                "<": total < n,
                "==": total == n,
            }[op]
    raise RulesError(f"bad success rule {rule!r}", code="rules/success")


def _end_turn(ctx: Ctx, c: cm.EndTurn) -> None:
    s = ctx.state
    if s.status != "playing":
        raise _illegal("The game has not started yet.", "game/not_started")
    _require_seat(s, c.seat)
    _no_offer_open(s)
    if c.hero:
        hero = _playing_hero(s, c.seat, c.hero)
        _end_hero_turn(ctx, hero.id)
        return
    mine = [h for h in s.heroes if h.seat == c.seat and not h.done]
    if not mine:
        raise _illegal("None of your heroes has a turn to end.", "action/not_your_turn")
    for hero in mine:
        current = ctx.state.hero(hero.id)
        if current is not None and not current.done:
            _end_hero_turn(ctx, hero.id)


def _end_game(ctx: Ctx, c: cm.EndGame) -> None:
    reason = c.reason.strip()[:80] or "The host ended the game."
    ctx.end_game("aborted", "host", reason)


_DISPATCH: dict[type[Any], Callable[[Ctx, Any], None]] = {
    cm.JoinSeat: _join_seat,
    cm.LeaveSeat: _leave_seat,
    cm.PickHero: _pick_hero,
    cm.DropHero: _drop_hero,
    cm.SetDifficulty: _set_difficulty,
    cm.StartGame: _start_game,
    cm.Act: _act,
    cm.EndTurn: _end_turn,
    cm.EndGame: _end_game,
    cm.Concede: _concede,
    cm.PlayOn: _play_on,
}
