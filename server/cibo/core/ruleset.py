"""The ruleset model: frozen, validated-once data that drives the engine.

A ruleset is loaded from TOML by :mod:`cibo.rulesets` (which owns parsing, strict typing and the
semantic checks) into these classes. The engine never branches on a ruleset's id: every rule it
applies is named here. Expressions and dice formulas stay as source strings (``Formula``); the
engine compiles them once through :func:`cibo.core.expr.compile_expr`, and the loader compiles
every one of them up front so that a syntax error is reported with its key path.

Field docstrings are the designer's reference; ``docs/rulesets.md`` explains them with examples.
"""

from __future__ import annotations

from typing import Literal

from attrs import field, frozen

__all__ = [
    "Action",
    "Band",
    "Barrier",
    "Bots",
    "Card",
    "Concession",
    "Deck",
    "Difficulty",
    "Effect",
    "End",
    "EndCondition",
    "Formula",
    "Hero",
    "Limit",
    "Marker",
    "Meta",
    "Phase",
    "PhaseStep",
    "Priority",
    "Range",
    "Row",
    "Rules",
    "Ruleset",
    "Table",
    "Target",
    "Teach",
    "TeachLine",
    "Term",
    "Track",
    "Translations",
    "Trigger",
    "Unit",
    "Zone",
]

Formula = int | str
"""An integer, or an expression / dice formula in the grammar of :mod:`cibo.core.expr`."""


@frozen
class Range:
    """Inclusive bounds, used for player and hero counts."""

    min: int
    max: int


@frozen
class Meta:
    """The ``[ruleset]`` table: identity and table-level settings."""

    id: str
    name: str
    version: str
    players: Range
    heroes: Range
    rounds: int
    """The last round; the game is lost when ``round > rounds`` if an end condition says so."""
    target_minutes: tuple[int, int] = (60, 90)
    hero_pool: tuple[str, ...] = ()
    """Heroes that may be picked; empty means every hero in ``[heroes]``."""
    text: str = ""


@frozen
class Zone:
    """A node of the board graph. Links are undirected (the loader checks both ends)."""

    links: tuple[str, ...]
    tags: tuple[str, ...] = ()
    watches: tuple[str, ...] = ()
    """Zones whose noise this zone observes (watchtowers)."""
    label: str = ""
    pos: tuple[float, float] | None = None
    """Position for the table display, each coordinate in 0..100; automatic layout when absent."""


@frozen
class Band:
    name: str
    start: int
    """First track value of the band (TOML key ``from``)."""


@frozen
class Effect:
    """One step of what happens: exactly one *verb* field is set, the others are parameters.

    The verb fields come first (``add`` … ``defeat``), then the parameters. What each verb does,
    what its value and parameters hold and how it runs is its entry in
    :data:`cibo.core.verbs.VERBS`.

    ``when`` guards any verb: the effect is skipped unless the expression is true.
    """

    add: str = ""
    set: str = ""
    spawn: tuple[str, ...] = ()
    noise: str = ""
    noise_all: bool = False
    roll_table: str = ""
    draw: str = ""
    consume: str = ""
    dormant: str = ""
    destroy: str = ""
    heal: str = ""
    damage: str = ""
    damage_zone: str = ""
    move: str = ""
    marker: str = ""
    reshuffle: str = ""
    peek: str = ""
    activate: str = ""
    revive: str = ""
    victory: str = ""
    defeat: str = ""
    by: Formula = 0
    to: Formula = 0
    n: Formula = 1
    at: str = ""
    rounds: Formula = 1
    radius: int = 0
    op: str = ""
    onto: str = "top"
    order: tuple[str, ...] = ()
    fallback: tuple[str, ...] = ()
    hp: Formula = 0
    cost: dict[str, int] = field(factory=dict)
    short: tuple[Effect, ...] = ()
    when: str = ""
    text: str = ""


@frozen
class Trigger:
    """``on_reach`` entry of a track: run ``do`` when the track reaches ``value`` (upward)."""

    value: int
    do: tuple[Effect, ...]
    once: bool = True


@frozen
class Track:
    """A numeric track (shield, rations, alert…), clamped to ``[min, max]``."""

    min: int
    max: int
    start: Formula
    label: str = ""
    bands: tuple[Band, ...] = ()
    values: dict[str, tuple[int, ...]] = field(factory=dict)
    """Per-value arrays: ``@alarm.production_rate`` is ``values['production_rate'][alarm]``."""
    on_reach: tuple[Trigger, ...] = ()
    public: bool = True


@frozen
class Limit:
    """How often an action may be used.

    ``n`` times per ``round`` or ``game``; with ``every`` > 0, at most once every that many rounds.
    """

    per: Literal["round", "game"] = "round"
    n: int = 1
    every: int = 0


Target = Literal["none", "zone", "unit", "hero"]


@frozen
class Action:
    """Something a hero can do on their turn.

    ``target`` makes the action take an argument: ``zone`` (within ``range`` links, or adjacent
    when ``range`` is 0), ``unit`` (a Safeguard unit in the hero's zone) or ``hero`` (a hero in
    the same zone). Effects see it as ``$target``. With ``roll`` the formula is rolled first; with
    ``success`` (``">=8"``) the ``do`` effects run on success and ``fail`` on failure, otherwise
    ``do`` runs and ``$roll`` is the total.
    """

    cost: int = 1
    noise: int = 0
    label: str = ""
    text: str = ""
    where: str = ""
    """Zone tags or names, ``|``-separated; the hero must stand in a matching zone."""
    needs: str = ""
    """An expression that must be true."""
    offer_if: str = ""
    """An expression that must be true for the action to be offered (listed to the phone);
    unlike ``needs`` it does not forbid it. Empty: offered unless it cannot help
    (:func:`cibo.core.rules.cannot_help`)."""
    target: Target = "none"
    range: Formula = 0
    here: bool = False
    """With ``target = "zone"``: the hero's own zone is a target too."""
    roll: str = ""
    success: str = ""
    do: tuple[Effect, ...] = ()
    fail: tuple[Effect, ...] = ()
    limit: Limit | None = None


@frozen
class Hero:
    """A hero that a player can pick. ``actions`` are abilities only this hero has."""

    name: str
    hp: int
    move: int
    attack: str
    text: str = ""
    stats: dict[str, int] = field(factory=dict)
    tags: tuple[str, ...] = ()
    noise_mod: int = 0
    """Added to the noise of each of this hero's actions (never below zero)."""
    repeatable: bool = False
    """A template that several seats may pick (numbered ``escort-1``, ``escort-2``…)."""
    actions: dict[str, Action] = field(factory=dict)


@frozen
class Unit:
    """A Safeguard unit type.

    ``behavior`` is tried in order each activation; the first applicable entry is what the unit
    does. Built-ins: ``attack_hero``, ``attack_all_heroes``, ``hunt_noise:N``, ``seek:ZONE|TAG``,
    ``act:TAG`` (run ``acts[TAG]`` when standing in a zone with that tag).
    """

    name: str
    hp: Formula
    move: int
    attack: int
    behavior: tuple[str, ...]
    armor: int = 0
    siege: int = 0
    supply: int = 0
    """Models in the box; 0 is unlimited. A spawn past supply activates that type instead."""
    unique: bool = False
    regen: int = 0
    ignores_barrier: bool = False
    acts: dict[str, tuple[Effect, ...]] = field(factory=dict)
    on_attack: tuple[Effect, ...] = ()
    on_death: tuple[Effect, ...] = ()
    text: str = ""


@frozen
class Row:
    """A table row, chosen by ``range`` (inclusive, on the formula's total) or by ``weight``."""

    range: tuple[int, int] | None = None
    weight: int = 0
    spawn: tuple[str, ...] = ()
    fallback: tuple[str, ...] = ()
    """Spawned instead of ``spawn`` when a unique unit in it is already on the board."""
    do: tuple[Effect, ...] = ()
    text: str = ""


@frozen
class Table:
    """A roll table. Either ``rows``, or ``bands`` keyed by the bands of track ``band_of``."""

    formula: str = ""
    """Empty means ``1d<sum of weights>`` (weighted rows only)."""
    clamp: tuple[int, int] | None = None
    band_of: str = ""
    rows: tuple[Row, ...] = ()
    bands: dict[str, tuple[Row, ...]] = field(factory=dict)
    replacement: bool = True
    text: str = ""


@frozen
class Card:
    """A deck card; ``n`` copies go in the deck. ``spawn`` places units ``at`` a zone."""

    id: str
    n: int = 1
    spawn: tuple[str, ...] = ()
    at: str = ""
    do: tuple[Effect, ...] = ()
    text: str = ""


@frozen
class Deck:
    """A deck drawn without replacement; ``specials`` are shuffled one per pile at setup.

    Drawn cards go to the discard pile; a special card leaves the game once resolved.
    """

    cards: tuple[Card, ...]
    specials: tuple[Card, ...] = ()
    piles: Formula = 1
    """Setup splits the cards into this many piles, one special in each, stacked thick to thin."""
    text: str = ""


@frozen
class PhaseStep:
    """An automatic step of a phase. ``for_each`` binds ``$each``; ``repeat`` runs it N times."""

    step: str
    do: tuple[Effect, ...] = ()
    when: str = ""
    for_each: str = ""
    """A collection: ``zones:TAG`` (active zones with the tag), ``heroes`` or ``units``."""
    repeat: Formula = 1
    text: str = ""


@frozen
class Phase:
    """One phase of a round.

    ``turns = "all"``: every hero gets ``actions`` actions, in any order, and the phase ends when
    each seat has ended its turn. ``"each_hero"``: heroes take turns in seat order and after each
    hero's turn the ``steps`` run with ``$hero`` bound. ``"none"``: the ``steps`` just run.
    """

    phase: str
    turns: Literal["all", "each_hero", "none"] = "none"
    actions: int = 0
    steps: tuple[PhaseStep, ...] = ()
    label: str = ""


@frozen
class EndCondition:
    id: str
    when: str
    text: str = ""


@frozen
class End:
    victory: tuple[EndCondition, ...] = ()
    defeat: tuple[EndCondition, ...] = ()


@frozen
class Concession:
    """One ``[[concede]]`` entry: when the game is lost in all but name, and why, in words.

    At the start of each round, when the heroes get their turn, the first entry whose ``when``
    holds opens an offer: the table may concede (the game ends, lost, cause ``conceded``) or
    play on. ``text`` says why, for people: it may name ``{value}`` placeholders, each one a
    formula of ``values`` worked out when the offer opens (``{left|stretch|stretches}`` adds
    the word for one or for more), so no formula reaches a screen.
    """

    id: str
    when: str
    text: str
    values: dict[str, Formula] = field(factory=dict)
    """Placeholder name -> formula (``left = "@scaling.route_goal - route"``)."""


@frozen
class Difficulty:
    """Overrides applied before the game starts: track starts and ``@difficulty.*`` variables."""

    label: str
    start: dict[str, int] = field(factory=dict)
    vars: dict[str, int] = field(factory=dict)
    text: str = ""


@frozen
class Marker:
    """A token that moves along ``path`` once launched (the evacuation convoy)."""

    path: tuple[str, ...]
    label: str = ""
    at_each_stop: tuple[Effect, ...] = ()


@frozen
class Barrier:
    """While ``track`` > 0, units without ``ignores_barrier`` cannot enter zones tagged ``tag``."""

    track: str
    tag: str


@frozen
class Rules:
    """Engine-wide settings that a ruleset may tune."""

    barrier: Barrier | None = None
    downed_zone: str = ""
    """Where a hero at 0 HP is carried to (by tag or name); empty keeps them in place."""
    home: str = ""


@frozen
class Priority:
    """One line of the greedy bot's play book: do ``do`` when ``when`` holds.

    ``do`` names an action. If it is not possible where the hero stands but would be in a zone
    matching its ``where`` (or ``go``, a zone name or tag), the bot walks there instead.
    """

    do: str
    when: str = ""
    go: str = ""


@frozen
class Bots:
    """How a sensible group plays this ruleset, for ``cibo simulate`` and ``cibo bot``."""

    priorities: tuple[Priority, ...] = ()
    score: str = ""
    """How good a position is for the heroes (an integer expression, higher is better): what
    the ``plan`` bot maximises when it looks ahead. Empty: only victory and defeat count."""


@frozen
class TeachLine:
    """One sentence of the goal panel: a way to win or to lose, with its live progress.

    ``text`` may say ``{value}`` (the track's value now) and ``{of}`` (``of`` evaluated now, or
    the track's maximum when ``of`` is empty): "Route {value}/{of}: secure it at the Bridge".
    """

    text: str
    track: str = ""
    """A public track whose value the panel shows; empty for a line without progress."""
    of: Formula = ""
    """The number the line counts toward or guards (``"@difficulty.min_survivors"``)."""
    when: str = ""
    """Shown only while this holds (``"@difficulty.audit > 0"``: a rule of one difficulty);
    empty: always."""


@frozen
class Term:
    """A word of the game (noise, alert band...) and what it means at the table."""

    term: str
    text: str


@frozen
class Teach:
    """The ``[teach]`` table: what the table is told about how to play.

    ``goals`` are the ways to win and ``defeats`` the ways to lose, each keyed by a name, in the
    order shown; ``phases`` says what happens in each phase of the round (keyed by phase name);
    ``glossary`` explains the words the game uses. ``cibo check`` requires every part (a ruleset
    without it still loads, so that journals written before it keep replaying).
    """

    goals: dict[str, TeachLine] = field(factory=dict)
    defeats: dict[str, TeachLine] = field(factory=dict)
    phases: dict[str, str] = field(factory=dict)
    glossary: dict[str, Term] = field(factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.goals or self.defeats or self.phases or self.glossary)


@frozen
class Translations:
    """The ``[translations]`` table: the ruleset's languages and its texts in each.

    ``languages`` lists every language the ruleset is written in; the first is the language of
    the texts written inline (``label``, ``name``, ``text``...), English when the list is empty.
    ``texts`` maps each other language to ``{text path: text}``, a path being the text's place
    in the file (``zones.gate.label``; see :func:`cibo.core.texts.text_paths`).
    """

    languages: tuple[str, ...] = ()
    texts: dict[str, dict[str, str]] = field(factory=dict)

    @property
    def source(self) -> str:
        """The language of the inline texts."""
        return self.languages[0] if self.languages else "en"


@frozen
class Ruleset:
    """A whole ruleset, validated. Dict fields keep the file's order (tie-breaks follow it)."""

    ruleset: Meta
    zones: dict[str, Zone]
    tracks: dict[str, Track]
    heroes: dict[str, Hero]
    actions: dict[str, Action]
    units: dict[str, Unit]
    round: tuple[Phase, ...]
    end: End
    difficulty: dict[str, Difficulty]
    tables: dict[str, Table] = field(factory=dict)
    decks: dict[str, Deck] = field(factory=dict)
    markers: dict[str, Marker] = field(factory=dict)
    scaling: dict[str, dict[str, int]] = field(factory=dict)
    """``@scaling.NAME``: value by hero count (keys are counts as strings)."""
    rules: Rules = Rules()
    bots: Bots = Bots()
    teach: Teach = Teach()
    concede: tuple[Concession, ...] = ()
    """When the table is offered a concession (``[[concede]]``), in the order they are tried."""
    translations: Translations = Translations()

    @property
    def id(self) -> str:
        return self.ruleset.id

    def hero_pool(self) -> tuple[str, ...]:
        return self.ruleset.hero_pool or tuple(self.heroes)
