"""Semantic checks: everything the types alone cannot say about a ruleset.

:func:`check_ruleset` walks a (possibly partial, see :class:`~cibo.rulesets.structure.Structured`)
ruleset and returns every problem as ``(key path, message)``: names that point nowhere, a board
that is not one connected graph, tables whose ranges leave gaps, formulas that do not compile,
variables used where the engine does not bind them, and so on.

The checks are grouped by subject, as free functions over one
:class:`~cibo.rulesets.checks.context.CheckContext`:

- ``context``: the ruleset, what failed to load, the problems found; scopes;
- ``expressions``: formulas and the names in them, zone and hero references;
- ``verbs``: effects, checked from the engine's verb table by parameter kind;
- ``board``: ``[ruleset]``, zones, difficulties, scaling, markers, ``[rules]``;
- ``pieces``: tracks, heroes and actions, units and behaviours;
- ``flow``: the round's phases, the end, the concessions, the bots' play book;
- ``tables``: tables and decks, last, with the variables common to their call sites;
- ``teach``: ``[teach]``, the goal panel, phases and glossary (required by ``cibo check``);
- ``texts``: ``[translations]``: every declared language has every text.

Scopes: each formula is checked against the ``$`` variables the engine binds where it runs
(an action binds ``$hero``, ``$zone`` and maybe ``$target``/``$roll``; a ``for_each`` step binds
``$each``; a unit's effects bind ``$unit`` and ``$zone``...). Tables and decks run with the
variables of whatever rolled or drew them, so they are checked with the variables common to all
their call sites.
"""

from __future__ import annotations

from collections.abc import Mapping

from cibo.core.ruleset import Ruleset
from cibo.rulesets.checks.board import (
    check_difficulties,
    check_marker,
    check_meta,
    check_rules,
    check_scaling,
    check_zones,
)
from cibo.rulesets.checks.context import CheckContext
from cibo.rulesets.checks.flow import check_bots, check_concede, check_end, check_rounds
from cibo.rulesets.checks.pieces import check_action, check_hero, check_track, check_unit
from cibo.rulesets.checks.tables import check_tables_and_decks
from cibo.rulesets.checks.teach import check_teach
from cibo.rulesets.checks.texts import check_translations
from cibo.rulesets.names import BUILTIN_NAMES
from cibo.rulesets.structure import Issue

__all__ = ["CheckContext", "check_ruleset"]


def check_ruleset(rs: Ruleset, broken: Mapping[str, set[str]] | None = None,
                  failed: set[str] | None = None) -> list[Issue]:
    """Every semantic problem of ``rs`` as ``(key path, message)`` pairs.

    ``broken``: section -> entries that failed to load; ``failed``: sections that failed to load
    as a whole. Names in either count as known, so a typing mistake is reported once.
    """
    return _run(CheckContext(rs, broken or {}, failed or set()))


def _run(cx: CheckContext) -> list[Issue]:
    rs = cx.rs
    if "ruleset" not in cx.failed:
        check_meta(cx)
    check_zones(cx)
    for name, track in rs.tracks.items():
        check_track(cx, ("tracks", name), track)
        if name in BUILTIN_NAMES.globals | BUILTIN_NAMES.hero_scope:
            cx.err(("tracks", name), f"{name!r} is a built-in name: call the track "
                                     "something else")
    for name in rs.markers:
        if cx.known("tracks", name):
            cx.err(("markers", name), f"{name!r} is also a track: give it another name")
    check_difficulties(cx)
    check_scaling(cx)
    for name, hero in rs.heroes.items():
        check_hero(cx, ("heroes", name), hero)
    for name, action in rs.actions.items():
        check_action(cx, ("actions", name), action)
    for name, unit in rs.units.items():
        check_unit(cx, ("units", name), unit)
    check_rounds(cx)
    if "end" not in cx.failed:
        check_end(cx)
    for name, marker in rs.markers.items():
        check_marker(cx, ("markers", name), marker)
    if "rules" not in cx.failed:
        check_rules(cx)
    if "bots" not in cx.failed:
        check_bots(cx)
    if "concede" not in cx.failed:
        check_concede(cx)
    # Tables and decks last: their scopes come from the places that roll and draw them.
    check_tables_and_decks(cx)
    if "teach" not in cx.failed:
        check_teach(cx)
    if "translations" not in cx.failed:
        check_translations(cx)
    return cx.issues
