"""The flow of a game: the phases of a round, how it ends, and the bots' play book."""

from __future__ import annotations

from collections.abc import Iterable

from cibo.core.ruleset import Effect, Ruleset
from cibo.rulesets.checks.context import ANY, CheckContext, P, Scope, collection_kind
from cibo.rulesets.checks.expressions import check_collection, check_expr
from cibo.rulesets.checks.teach import check_placeholders
from cibo.rulesets.checks.verbs import check_effects, nested

__all__ = ["check_bots", "check_concede", "check_end", "check_rounds"]


def check_rounds(cx: CheckContext) -> None:
    if "round" in cx.failed:
        return
    phases = cx.rs.round
    if not phases and not cx.broken.get("round"):
        cx.err(("round",), "a round needs at least one [[round]] phase")
    names: set[str] = set()
    for index, phase in enumerate(phases):
        p: P = ("round", index)
        if phase.phase in names:
            cx.err((*p, "phase"), f"phase {phase.phase!r} is defined twice")
        names.add(phase.phase)
        if phase.turns != "none" and phase.actions < 1:
            cx.err((*p, "actions"), f"turns = {phase.turns!r} needs actions >= 1")
        if phase.turns == "none" and phase.actions:
            cx.err((*p, "actions"), "actions are only used with turns = 'all' or "
                                    "'each_hero'")
        if phase.turns == "none" and not phase.steps:
            cx.err(p, "a phase without turns needs steps")
        scope: dict[str, str] = {}
        if phase.turns == "each_hero":
            scope = {"hero": "hero", "zone": "zone"}
        step_names: set[str] = set()
        for si, step in enumerate(phase.steps):
            sp: P = (*p, "steps", si)
            if step.step in step_names:
                cx.err((*sp, "step"), f"step {step.step!r} is defined twice in this phase")
            step_names.add(step.step)
            if step.when:
                check_expr(cx, (*sp, "when"), step.when, scope, what="condition")
            check_expr(cx, (*sp, "repeat"), step.repeat, scope)
            inner = dict(scope)
            if step.for_each:
                check_collection(cx, (*sp, "for_each"), step.for_each, in_expr=False)
                kind = collection_kind(step.for_each)
                inner["each"] = kind or ANY
                if kind == "zone":
                    inner["zone"] = "zone"
            check_effects(cx, (*sp, "do"), step.do, inner)
    if not cx.broken.get("round") and phases and all(ph.turns == "none" for ph in phases):
        cx.err(("round",), "no phase gives the heroes turns: set turns = 'all' or "
                           "'each_hero' on one")


def check_end(cx: CheckContext) -> None:
    end = cx.rs.end
    ids: set[str] = set()
    for key, conditions in (("victory", end.victory), ("defeat", end.defeat)):
        for index, cond in enumerate(conditions):
            p: P = ("end", key, index)
            if cond.id in ids:
                cx.err((*p, "id"), f"end condition {cond.id!r} is defined twice")
            ids.add(cond.id)
            check_expr(cx, (*p, "when"), cond.when, {}, what="condition")
    if not end.victory and not _has_verb(cx, "victory"):
        cx.err(("end", "victory"), "there is no way to win: add an [[end.victory]] "
                                   "condition or a victory effect")
    if not end.defeat and not _has_verb(cx, "defeat"):
        cx.err(("end", "defeat"), "there is no way to lose: add an [[end.defeat]] "
                                  "condition or a defeat effect")


def check_concede(cx: CheckContext) -> None:
    """``[[concede]]``: ids once each, the conditions and values compile and name what exists,
    the sentence is there and names only its own values."""
    ids: set[str] = set()
    for index, entry in enumerate(cx.rs.concede):
        p: P = ("concede", index)
        if not entry.id.strip():
            cx.err((*p, "id"), "give the entry an id (its text's key)")
        elif entry.id in ids:
            cx.err((*p, "id"), f"concede entry {entry.id!r} is defined twice")
        ids.add(entry.id)
        check_expr(cx, (*p, "when"), entry.when, {}, what="condition")
        for name, formula in entry.values.items():
            check_expr(cx, (*p, "values", name), formula, {})
        if not entry.text.strip():
            cx.err((*p, "text"), "say why the game is lost, for the table: the sentence is empty")
        check_placeholders(cx, (*p, "text"), entry.text, tuple(entry.values))


def _has_verb(cx: CheckContext, verb: str) -> bool:
    return any(getattr(e, verb) for e in _all_effects(cx.rs))


def check_bots(cx: CheckContext) -> None:
    actions = set(cx.rs.actions) | {a for h in cx.rs.heroes.values() for a in h.actions}
    scope: Scope = {"hero": "hero", "zone": "zone"}
    for index, priority in enumerate(cx.rs.bots.priorities):
        p: P = ("bots", "priorities", index)
        if (priority.do not in actions and "actions" not in cx.failed
              and not cx.broken.get("actions") and not cx.broken.get("heroes")):
            cx.err((*p, "do"), f"unknown action {priority.do!r}")
        if priority.when:
            check_expr(cx, (*p, "when"), priority.when, scope, what="condition")
        for part in priority.go.split("|") if priority.go else ():
            if not cx.is_zone_or_tag(part):
                cx.err((*p, "go"), f"{part!r} is neither a zone nor a zone tag")


def _all_effects(rs: Ruleset) -> list[Effect]:
    lists: list[Iterable[Effect]] = []
    for t in rs.tracks.values():
        lists.extend(trig.do for trig in t.on_reach)
    actions = [*rs.actions.values(), *(a for h in rs.heroes.values() for a in h.actions.values())]
    lists.extend(a.do for a in actions)
    lists.extend(a.fail for a in actions)
    for u in rs.units.values():
        lists.extend(u.acts.values())
        lists.extend((u.on_attack, u.on_death))
    for table in rs.tables.values():
        rows = (*table.rows, *(x for band in table.bands.values() for x in band))
        lists.extend(r.do for r in rows)
    for deck in rs.decks.values():
        lists.extend(c.do for c in (*deck.cards, *deck.specials))
    lists.extend(s.do for ph in rs.round for s in ph.steps)
    lists.extend(m.at_each_stop for m in rs.markers.values())
    return [e for effects in lists for e in nested(effects)]
