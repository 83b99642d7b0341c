"""Effects, checked from the engine's verb table (:data:`cibo.core.verbs.VERBS`).

A verb's value and each of its parameters are checked by their *kind*: :data:`KIND_CHECKS` has
one check per kind, so a new verb whose parameters are of known kinds is checked with no code
here. Two verbs whose parameters depend on each other have their own check in
:data:`VERB_CHECKS` (``roll_table``: its zone matters only if the table spawns; ``activate``:
``at`` is used only with ``near``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs

from cibo.core.ruleset import Effect, Table
from cibo.core.verbs import EFFECT_VERBS, VERBS, Param, Verb
from cibo.rulesets.checks.context import CheckContext, P, Scope, join
from cibo.rulesets.checks.expressions import (
    check_entity_ref,
    check_expr,
    check_units_list,
    check_zone_ref,
)

__all__ = [
    "KIND_CHECKS",
    "VERB_CHECKS",
    "check_effect",
    "check_effects",
    "nested",
    "spawns",
]

ParamCheck = Callable[[CheckContext, P, Param, Any, Scope], None]
"""``check(cx, path, param, value, scope)``: report what is wrong with one value."""

VerbCheck = Callable[[CheckContext, P, Verb, Effect, Scope], None]
"""``check(cx, path, verb, effect, scope)``: check a verb's value and parameters together."""

_EFFECT_DEFAULTS: dict[str, Any] = {}
for _field in attrs.fields(Effect):
    _default: Any = _field.default
    if isinstance(_default, attrs.Factory):  # type: ignore[arg-type]
        _default = _default.factory()
    _EFFECT_DEFAULTS[_field.name] = _default


def check_effects(cx: CheckContext, path: P, effects: Sequence[Effect], scope: Scope) -> None:
    for index, effect in enumerate(effects):
        check_effect(cx, (*path, index), effect, scope)


def check_effect(cx: CheckContext, path: P, e: Effect, scope: Scope) -> None:
    """One verb with a value, only its own parameters, a valid ``when``, then the verb's check."""
    verbs = [v for v in EFFECT_VERBS if getattr(e, v) != _EFFECT_DEFAULTS[v]]
    if len(verbs) != 1:  # structuring guarantees one key; this catches e.g. add = ""
        cx.err(path, "an effect needs exactly one verb with a value")
        return
    verb = VERBS[verbs[0]]
    params = verb.param_names()
    allowed = params | {"when", "text", verb.name}
    for name, default in _EFFECT_DEFAULTS.items():
        if name not in allowed and name not in VERBS and getattr(e, name) != default:
            uses = join(params) or "no parameters"
            cx.err((*path, name), f"{name!r} means nothing to {verb.name!r} (it uses: {uses})")
    if e.when:
        check_expr(cx, (*path, "when"), e.when, scope, what="condition")
    VERB_CHECKS.get(verb.name, _by_kind)(cx, path, verb, e, scope)


def _by_kind(cx: CheckContext, path: P, verb: Verb, e: Effect, scope: Scope) -> None:
    """The value, then each parameter in the table's order, each by its kind."""
    for param in (verb.subject, *verb.params):
        _param(cx, (*path, param.name), param, getattr(e, param.name), scope)


def _param(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    inner = {**scope, **dict(param.binds)} if param.binds else scope
    KIND_CHECKS[param.kind](cx, path, param, value, inner)


# -- one check per kind -----------------------------------------------------------------------


def _formula(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    check_expr(cx, path, value, scope)


def _zone(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    ref = value or param.empty  # an empty zone that means nothing is not checked
    if ref:
        check_zone_ref(cx, path, ref, scope)


def _entity(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    check_entity_ref(cx, path, value, scope)


def _section(section: str) -> ParamCheck:
    """The key of an entry of ``section``; a table or deck that ``runs`` here gets this scope."""
    what = section.removesuffix("s")
    scopes = {"tables": "table_scopes", "decks": "deck_scopes"}.get(section)

    def check(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
        if cx.need(section, value, path, what) and param.runs and scopes:
            getattr(cx, scopes).setdefault(value, []).append(scope)

    return check


def _units(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    check_units_list(cx, path, value)


def _effects(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    check_effects(cx, path, value, scope)


def _choice(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    if value not in param.choices:
        options = " or ".join(repr(c) for c in param.choices)
        cx.err(path, f"{param.name} must be {options}, not {value!r}")


def _count(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    if value < 0:
        cx.err(path, f"{param.name} must be 0 or more")


def _costs(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    for track, amount in value.items():
        cx.need("tracks", track, (*path, track), "track")
        if amount < 0:
            cx.err((*path, track), "a cost must be 0 or more")


def _flag(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    """Structuring already requires ``true``."""


def _cause(cx: CheckContext, path: P, param: Param, value: Any, scope: Scope) -> None:
    if not value.strip():
        cx.err(path, "give the cause an id")


KIND_CHECKS: dict[str, ParamCheck] = {
    "formula": _formula,
    "zone": _zone,
    "entity": _entity,
    "track": _section("tracks"),
    "table": _section("tables"),
    "deck": _section("decks"),
    "marker": _section("markers"),
    "units": _units,
    "effects": _effects,
    "choice": _choice,
    "count": _count,
    "costs": _costs,
    "flag": _flag,
    "cause": _cause,
}
"""The check of each parameter kind of :data:`cibo.core.verbs.KINDS`."""


# -- verbs whose parameters depend on each other -----------------------------------------------


def _roll_table(cx: CheckContext, path: P, verb: Verb, e: Effect, scope: Scope) -> None:
    """A known table; its spawns need a zone: ``at``, or a ``$zone`` bound here."""
    if not cx.need("tables", e.roll_table, (*path, "roll_table"), "table"):
        return
    cx.table_scopes.setdefault(e.roll_table, []).append(scope)
    table = cx.rs.tables.get(e.roll_table)
    if e.at:
        check_zone_ref(cx, (*path, "at"), e.at, scope)
    elif table is not None and spawns(table) and "zone" not in scope:
        cx.err(path, f"table {e.roll_table!r} spawns units: give it a zone with "
                     "'at' (no $zone is bound here)")


def _activate(cx: CheckContext, path: P, verb: Verb, e: Effect, scope: Scope) -> None:
    """``all``, or ``near`` a zone ``at``; ``order`` lists unit kinds."""
    if e.activate == "near":
        check_zone_ref(cx, (*path, "at"), e.at, scope)
    elif e.activate not in verb.subject.choices:
        cx.err((*path, "activate"), f"activate must be 'all' or 'near' (with at and "
                                    f"radius), not {e.activate!r}")
    for param in verb.params:
        if param.name != "at":
            _param(cx, (*path, param.name), param, getattr(e, param.name), scope)


VERB_CHECKS: dict[str, VerbCheck] = {"roll_table": _roll_table, "activate": _activate}
"""Verbs not checked parameter by parameter."""


# -- walking effects --------------------------------------------------------------------------


def spawns(table: Table) -> bool:
    """True if some row of ``table`` spawns units."""
    rows = [*table.rows, *(r for rows in table.bands.values() for r in rows)]
    return any(r.spawn for r in rows)


def nested(effects: Iterable[Effect]) -> Iterator[Effect]:
    """``effects`` and every effect inside them (``short``), depth first."""
    for e in effects:
        yield e
        yield from nested(e.short)
