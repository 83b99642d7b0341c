"""Projections: what each audience may see of the state and of each event.

Audiences are ``"seat:<id>"`` (a player's phone), ``"table"`` (the shared display),
``"spectator"`` and ``"public"`` (the MQTT bridge and logs). Every byte that leaves the server
goes through one of these functions. The state view is built by listing what *is* shown, never
by deleting what is not, so the seed, the order of undrawn cards and another seat's peeks cannot
leak from it. Events are shown whole except the three kinds that carry private fields
(``DeckBuilt``, ``DeckReshuffled``, ``CardsPeeked``), which are rebuilt field by field here.

Card texts follow the same rule. The ruleset summary leaves every card out (its id and its
texts would tell what the deck holds), so a card's texts in each of the ruleset's languages
travel only with what shows that card: its ``CardDrawn`` event to everyone, its ``CardsPeeked``
event and the ``peek`` of the state view to the seat that peeked (see :func:`card_texts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from cibo.core import events as ev
from cibo.core.dice import Roll
from cibo.core.env import track_band
from cibo.core.rules import action_refusal, cannot_help, find_action, free_heroes, targets
from cibo.core.ruleset import Action, Ruleset
from cibo.core.serial import to_data
from cibo.core.state import GameState, HeroState
from cibo.core.teach import base_attack, goal_progress, hero_values
from cibo.core.texts import card_paths, text_paths
from cibo.core.verbs import verb_of

__all__ = [
    "AUDIENCES",
    "card_texts",
    "describe_event",
    "legal_actions",
    "legal_commands",
    "ruleset_summary",
    "seat_of",
    "view_event",
    "view_events",
    "view_state",
    "view_states",
]

AUDIENCES = ("table", "spectator", "public")


def seat_of(audience: str) -> str:
    """The seat id of a ``seat:<id>`` audience, else ``""``."""
    return audience[5:] if audience.startswith("seat:") else ""


def ruleset_summary(rs: Ruleset) -> dict[str, Any]:
    """What every client may know about the ruleset: the board and the rules, no deck lists."""
    return {
        "id": rs.ruleset.id,
        "name": rs.ruleset.name,
        "version": rs.ruleset.version,
        "text": rs.ruleset.text,
        "players": to_data(rs.ruleset.players),
        "heroes_range": to_data(rs.ruleset.heroes),
        "rounds": rs.ruleset.rounds,
        "zones": {
            name: {
                "label": z.label or name,
                "tags": list(z.tags),
                "links": list(z.links),
                "watches": list(z.watches),
                "pos": list(z.pos) if z.pos else None,
            }
            for name, z in rs.zones.items()
        },
        "tracks": {
            name: {
                "label": t.label or name,
                "min": t.min,
                "max": t.max,
                "bands": [{"name": b.name, "from": b.start} for b in t.bands],
            }
            for name, t in rs.tracks.items()
            if t.public
        },
        "heroes": {
            name: {
                "name": h.name,
                "hp": h.hp,
                "move": h.move,
                "attack": base_attack(h),
                "text": h.text,
                "stats": dict(h.stats),
                "repeatable": h.repeatable,
            }
            for name, h in rs.heroes.items()
            if name in rs.hero_pool()
        },
        "units": {
            name: {
                "name": u.name,
                "hp": u.hp,
                "attack": u.attack,
                "move": u.move,
                "armor": u.armor,
                "unique": u.unique,
                "text": u.text,
            }
            for name, u in rs.units.items()
        },
        "markers": {
            name: {"label": m.label or name, "path": list(m.path)} for name, m in rs.markers.items()
        },
        "phases": [
            {"name": p.phase, "label": p.label or p.phase, "turns": p.turns} for p in rs.round
        ],
        "difficulties": {name: d.label for name, d in rs.difficulty.items()},
        "actions": {
            name: {"cost": a.cost, "noise": a.noise, "target": a.target, "roll": bool(a.roll)}
            for name, a in rs.actions.items()
        },
        "teach": {
            "goals": {name: {"track": line.track} for name, line in rs.teach.goals.items()},
            "defeats": {name: {"track": line.track} for name, line in rs.teach.defeats.items()},
            "phases": list(rs.teach.phases),
            "glossary": list(rs.teach.glossary),
        },
        "decks": list(rs.decks),
        "languages": list(rs.translations.languages or (rs.translations.source,)),
        "texts": _texts(rs),
    }


def _texts(rs: Ruleset) -> dict[str, dict[str, str]]:
    """Language -> text path -> text: the source language's texts, then each translation's.

    Cards are left out in every language, as the rest of the summary leaves out the decks'
    lists: a card's texts come with what shows it (:func:`card_texts`).
    """
    paths = {p: t for p, t in text_paths(rs).items() if not p.startswith("decks.")
             or ".cards." not in p}
    out = {rs.translations.source: paths}
    for lang, texts in rs.translations.texts.items():
        out[lang] = {p: t for p, t in texts.items() if p in paths}
    return out


def card_texts(
    rs: Ruleset, cards: Iterable[str], deck: str | None = None
) -> dict[str, dict[str, str]]:
    """Language -> text path -> text of ``cards`` (of ``deck``, else of whichever decks have
    them), in every language the ruleset declares, by the summary's paths
    (``decks.production.cards.idle.label``): what a client needs to show cards it may see in
    its own language. A translation that lacks a text leaves it out (the client falls back to
    the source language); a card no deck has gets nothing."""
    decks = [deck] if deck is not None else list(rs.decks)
    source: dict[str, str] = {}
    for card in cards:
        for name in decks:
            source.update(card_paths(rs, name, card))
    out = {rs.translations.source: source}
    for lang, texts in rs.translations.texts.items():
        out[lang] = {p: texts[p] for p in source if p in texts}
    return out


def _hero(s: GameState, h: HeroState) -> dict[str, Any]:
    spec = s.ruleset.heroes[h.kind]
    return {
        "id": h.id,
        "kind": h.kind,
        "name": spec.name,
        "seat": h.seat,
        "zone": h.zone,
        "hp": h.hp,
        "max_hp": h.max_hp,
        "actions_left": h.actions_left,
        "done": h.done,
        "downed": h.downed,
    }


def view_state(state: GameState, audience: str) -> dict[str, Any]:
    """The state as ``audience`` may see it (JSON-friendly). A seat also gets its legal actions."""
    return _for_audience(state, shared_view(state), audience)


def view_states(
    state: GameState, audiences: Iterable[str], shared: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """:func:`view_state` for each audience, building what they all see only once.

    Audiences that are not seats share one dict (``shared``, from :func:`shared_view`, if the
    caller made it), and the seats' views hold its values and :data:`SEAT_KEYS`: callers must
    not mutate them."""
    if shared is None:
        shared = shared_view(state)
    return {a: _for_audience(state, shared, a) for a in audiences}


SEAT_KEYS: Final = ("me", "peek", "actions", "menu")
"""The keys a seat's view adds to :func:`shared_view`'s (the rest are its very values)."""


def _for_audience(s: GameState, shared: dict[str, Any], audience: str) -> dict[str, Any]:
    seat = seat_of(audience)
    if not seat:
        return shared
    view = dict(shared)
    view["me"] = seat
    peeked = s.peeks.get(seat, ())
    texts = card_texts(s.ruleset, peeked) if peeked else {}
    view["peek"] = {"cards": list(peeked), "texts": texts}
    # Bare commands with their cost: how an action looks (label, text, kind of target, verbs)
    # is the same for every target and every move, so it is listed once per hero in "menu"
    # (which changes only when the seat's heroes do), and its dice are in the hero's sheet.
    view["actions"] = legal_commands(s, seat)
    view["menu"] = {h.id: _hero_menu(s, h) for h in s.heroes if h.seat == seat}
    return view


def _hero_menu(s: GameState, hero: HeroState) -> dict[str, dict[str, Any]]:
    """How each action of ``hero`` looks on a phone, by action name: ``label``, ``text``,
    ``target_kind`` and ``verbs``, as :func:`legal_actions` gives them. It depends only on the
    ruleset and the hero's kind; the result is shared between calls: callers must not change
    it."""
    return _menu_entry(s, hero)[1]


def shared_view(state: GameState) -> dict[str, Any]:
    """What every audience sees of ``state`` (an audience that is not a seat sees this): built
    by listing, never by deleting."""
    s = state
    rs = s.ruleset
    phase = rs.round[s.phase] if s.status == "playing" else None
    view: dict[str, Any] = {
        "status": s.status,
        "ruleset": rs.ruleset.id,
        "difficulty": s.difficulty,
        "round": s.round,
        "rounds": rs.ruleset.rounds,
        "phase": {
            "index": s.phase,
            "name": phase.phase,
            "label": phase.label or phase.phase,
            "turns": phase.turns,
        }
        if phase
        else None,
        "turn": s.turn,
        "seats": [{"id": x.id, "name": x.name} for x in s.seats],
        "heroes": [_hero(s, h) for h in s.heroes],
        # Apart from the heroes: a sheet changes far less often than a hero's actions left,
        # so most updates carry the heroes without their sheets.
        "sheets": {h.id: hero_values(s, h.id) for h in s.heroes},
        "free_heroes": list(free_heroes(s)),
        "units": [{"id": u.id, "kind": u.kind, "zone": u.zone, "hp": u.hp} for u in s.units],
        "tracks": {
            name: {
                "value": s.tracks.get(name, t.min),
                "band": track_band(s, name) if t.bands else "",
            }
            for name, t in rs.tracks.items()
            if t.public
        },
        "zones": {
            name: {
                "noise": s.noise.get(name, 0),
                "active": s.zone_active(name),
                "destroyed": name in s.destroyed,
            }
            for name in rs.zones
        },
        "markers": {
            name: {
                "launched": m.launched,
                "index": m.index,
                "at": rs.markers[name].path[m.index] if m.launched else "",
            }
            for name, m in s.markers.items()
        },
        "decks": {
            name: {"remaining": len(d.draw), "discard": list(d.discard)}
            for name, d in s.decks.items()
        },
        "teach": goal_progress(s),
        "commitment": s.commitment,
        "outcome": {"cause": s.outcome, "text": s.outcome_text} if s.over else None,
        "concession": {
            "reason": s.offer.reason,
            "round": s.offer.round,
            "values": dict(s.offer.values),
            "text": s.offer.text,
        }
        if s.offer is not None
        else None,
        "seed": s.seed.hex() if s.over else None,
    }
    return view


def legal_actions(state: GameState, seat: str) -> list[dict[str, Any]]:
    """Every command ``seat`` may send now, as wire command dicts with a label and cost."""
    return _legal(state, seat, full=True)


def legal_commands(state: GameState, seat: str) -> list[dict[str, Any]]:
    """The commands of :func:`legal_actions`, in the same order, with only ``type``, ``hero``,
    ``action``, ``target`` and ``cost`` (an answer to a concession: ``type`` and ``cost``):
    what a seat's view lists and what the bots read. The screen's labels, texts, dice and verbs are
    left out: a view gives them once per hero (``menu``, ``sheets``), the bots of the simulator
    ask for this after every command, and working out the dice was a third of it."""
    return _legal(state, seat, full=False)


def _legal(s: GameState, seat: str, *, full: bool) -> list[dict[str, Any]]:
    if s.status != "playing":
        return []
    if s.offer is not None:
        return _answers(full) if s.seat(seat) is not None else []
    out: list[dict[str, Any]] = []
    for hero in s.heroes:
        if hero.seat != seat or hero.done or hero.downed:
            continue
        hero_id = hero.id
        for name, action, label, cost, text, roll, target_kind, verbs in _menu(s, hero):
            if action_refusal(s, hero, name, action) is not None or cannot_help(s, hero, action):
                continue
            if not full:
                out.extend(
                    {"type": "act", "hero": hero_id, "action": name, "target": target,
                     "cost": cost}
                    for target in targets(s, hero, action)
                )
                continue
            dice = _resolved_roll(s, hero, name) if roll else ""
            for target in targets(s, hero, action):
                out.append(
                    {
                        "type": "act",
                        "hero": hero_id,
                        "action": name,
                        "target": target,
                        "label": label,
                        "cost": cost,
                        "text": text,
                        "roll": dice,
                        "target_kind": target_kind,
                        "verbs": verbs,
                    }
                )
        if not full:
            out.append({"type": "end_turn", "hero": hero_id, "cost": 0})
            continue
        out.append(
            {
                "type": "end_turn",
                "hero": hero_id,
                "label": "End turn",
                "cost": 0,
                "text": "",
                "roll": "",
                "target_kind": "none",
                "verbs": [],
            }
        )
    return out


def _answers(full: bool) -> list[dict[str, Any]]:
    """The two answers to a concession on offer, open to every seat (heroes wait for it). They
    name no hero: the answer is the table's."""
    if not full:
        return [{"type": kind, "cost": 0} for kind in ("concede", "play_on")]
    return [
        {"type": kind, "label": label, "cost": 0, "text": "", "roll": "", "target_kind": "none",
         "verbs": []}
        for kind, label in (("concede", "Concede"), ("play_on", "Play on"))
    ]


def _resolved_roll(s: GameState, hero: HeroState, name: str) -> str:
    """Action ``name``'s dice for this hero now (``3d6cs>=4``, not ``@hero.attack``); empty
    when it does not roll or its formula needs the target. The hero's sheet works them out
    already (:func:`~cibo.core.teach.hero_values`)."""
    values = hero_values(s, hero.id)["actions"].get(name)
    return str(values.get("roll", "")) if values else ""


def _verbs(action: Action) -> list[str]:
    """What the action does, as the verbs of its ``do`` effects in order (``move``,
    ``damage_zone``…), once each: tells apart actions that take the same kind of target."""
    return list(dict.fromkeys(verb_of(e).name for e in action.do))


_MenuItem = tuple[str, Action, str, int, str, str, str, list[str]]
_Looks = dict[str, dict[str, Any]]
_MENUS: dict[tuple[int, str], tuple[Ruleset, tuple[_MenuItem, ...], _Looks]] = {}
"""By ruleset (its id, checked against the ruleset kept with the entry) and hero kind: the
actions a hero of that kind has, in the order they are listed, with what their entries show,
and the same as a view's menu (:func:`_hero_menu`). Listing legal actions runs for every seat
after every command, and every seat's view has a menu; both only depend on the ruleset, and
the menu being the same dict in every view lets comparing two views find it equal at once."""


def _menu(s: GameState, hero: HeroState) -> tuple[_MenuItem, ...]:
    return _menu_entry(s, hero)[0]


def _menu_entry(s: GameState, hero: HeroState) -> tuple[tuple[_MenuItem, ...], _Looks]:
    key = (id(s.ruleset), hero.kind)
    cached = _MENUS.get(key)
    if cached is not None and cached[0] is s.ruleset:
        return cached[1], cached[2]
    spec = s.ruleset.heroes[hero.kind]
    items = []
    for name in dict.fromkeys([*spec.actions, *s.ruleset.actions]):
        action = find_action(s, hero, name)
        assert action is not None
        items.append((
            name, action, action.label or name, action.cost, action.text, action.roll,
            action.target, _verbs(action),
        ))
    looks = {
        name: {"label": label, "text": text, "target_kind": target_kind, "verbs": verbs}
        for name, _action, label, _cost, text, _roll, target_kind, verbs in items
    }
    if len(_MENUS) >= 64:  # rulesets are few in a server; tests build many
        _MENUS.clear()
    entry = _MENUS[key] = (s.ruleset, tuple(items), looks)
    return entry[1], entry[2]


def _roll(r: Roll | None) -> dict[str, Any] | None:
    return to_data(r) if r is not None else None


def view_event(
    event: ev.Event, audience: str, ruleset: Ruleset | None
) -> dict[str, Any] | None:
    """``event`` as ``audience`` may see it, or None if it shows them nothing.

    With the game's ``ruleset``, a card the event shows to ``audience`` (drawn, or peeked by
    this seat) comes with its texts in every language of the ruleset (``texts``, see
    :func:`card_texts`); with None (logs), a drawn card carries only its source text."""
    kind = ev.event_type(event)
    if isinstance(event, (ev.DeckBuilt, ev.DeckReshuffled)):
        return {"type": kind, "deck": event.deck, "size": len(event.order)}
    if isinstance(event, ev.CardsPeeked):
        data: dict[str, Any] = {
            "type": kind,
            "seat": event.seat,
            "deck": event.deck,
            "n": len(event.cards),
        }
        if seat_of(audience) == event.seat:
            data["cards"] = list(event.cards)
            if ruleset is not None:
                data["texts"] = card_texts(ruleset, event.cards, event.deck)
        return data
    if isinstance(event, ev.ActionTaken):
        return {
            "type": kind,
            "seat": event.seat,
            "hero": event.hero,
            "action": event.action,
            "target": event.target,
            "cost": event.cost,
            "noise": event.noise,
            "roll": _roll(event.roll),
            "success": event.success,
        }
    data = {"type": kind}
    data.update(to_data(event))
    if ruleset is not None and isinstance(event, ev.CardDrawn):
        data["texts"] = card_texts(ruleset, (event.card,), event.deck)
    return data


SHOWN_WHOLE: frozenset[type[ev.Event]] = frozenset(
    set(ev.EVENT_TYPES.values())
    - {ev.DeckBuilt, ev.DeckReshuffled, ev.CardsPeeked, ev.CardDrawn}
)
"""The events :func:`view_event` shows every audience whole: as :func:`~cibo.core.events.
event_to_dict` gives them (no deck order hidden, no card texts added)."""


def view_events(
    events: Iterable[tuple[int, ev.Event]],
    audiences: Iterable[str],
    ruleset: Ruleset | None,
    whole: Mapping[int, dict[str, Any]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """``[{"seq", "event"}, …]`` per audience, as :func:`view_event` shows each event to it
    (with the game's ``ruleset``: cards with their texts).

    An event that shows every audience the same thing (all but ``CardsPeeked``) is projected
    once and the same dict is shared by every audience's list; without a ``CardsPeeked`` every
    audience gets the same list. ``whole`` may hold, by seq, events as
    :func:`~cibo.core.events.event_to_dict` gave them (the journal's): those of the types in
    :data:`SHOWN_WHOLE` are shown as they are instead of being converted again. Callers must
    not mutate any of them.
    """
    audiences = list(audiences)
    events = list(events)
    if not any(isinstance(event, ev.CardsPeeked) for _, event in events):
        same: list[dict[str, Any]] = []
        for seq, event in events:
            shown = _public(seq, event, ruleset, whole)
            if shown is not None:
                same.append({"seq": seq, "event": shown})
        return dict.fromkeys(audiences, same)
    out: dict[str, list[dict[str, Any]]] = {a: [] for a in audiences}
    for seq, event in events:
        if isinstance(event, ev.CardsPeeked):
            for audience in audiences:
                shown = view_event(event, audience, ruleset)
                if shown is not None:
                    out[audience].append({"seq": seq, "event": shown})
            continue
        shown = _public(seq, event, ruleset, whole)
        if shown is None:
            continue
        item = {"seq": seq, "event": shown}
        for audience in audiences:
            out[audience].append(item)
    return out


def _public(
    seq: int, event: ev.Event, ruleset: Ruleset | None, whole: Mapping[int, dict[str, Any]] | None
) -> dict[str, Any] | None:
    """What every audience sees of an event that shows them all the same (see
    :func:`view_events`)."""
    if whole is not None and type(event) in SHOWN_WHOLE:
        kept = whole.get(seq)
        if kept is not None:
            return kept
    return view_event(event, "public", ruleset)


def describe_event(event: ev.Event) -> str:
    """A one-line, public description of an event for logs and the terminal replay."""
    data = view_event(event, "public", None) or {}
    kind = data.pop("type", "?")
    details = ", ".join(f"{k}={v}" for k, v in data.items() if v not in (None, "", [], {}))
    return f"{kind}: {details}" if details else str(kind)
