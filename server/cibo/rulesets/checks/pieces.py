"""The pieces: tracks, heroes and their actions, Safeguard units and their behaviours."""

from __future__ import annotations

import re

from cibo.core.ruleset import Action, Hero, Track, Unit
from cibo.rulesets.checks.context import CheckContext, P, Scope, join
from cibo.rulesets.checks.expressions import check_expr
from cibo.rulesets.checks.verbs import check_effects
from cibo.rulesets.names import BUILTIN_NAMES

__all__ = ["check_action", "check_behavior", "check_hero", "check_track", "check_unit"]

_SUCCESS = re.compile(r"\s*(>=|<=|==|>|<)\s*-?[0-9]+\s*")


def check_track(cx: CheckContext, p: P, t: Track) -> None:
    if t.max < t.min:
        cx.err((*p, "max"), f"max ({t.max}) is below min ({t.min})")
        return
    if isinstance(t.start, int):
        if not t.min <= t.start <= t.max:
            cx.err((*p, "start"), f"start {t.start} is outside {t.min}..{t.max}")
    else:
        check_expr(cx, (*p, "start"), t.start, {})
    previous: int | None = None
    names: set[str] = set()
    for index, band in enumerate(t.bands):
        bp = (*p, "bands", index)
        if band.name in names:
            cx.err((*bp, "name"), f"band {band.name!r} is defined twice")
        names.add(band.name)
        if index == 0 and band.start != t.min:
            cx.err((*bp, "from"), f"the first band must start at min ({t.min}), not "
                                  f"{band.start}")
        elif previous is not None and band.start <= previous:
            cx.err((*bp, "from"), f"bands must go up: {band.start} is not above {previous}")
        elif not t.min <= band.start <= t.max:
            cx.err((*bp, "from"), f"{band.start} is outside {t.min}..{t.max}")
        previous = band.start
    size = t.max - t.min + 1
    for key, values in t.values.items():
        if len(values) != size:
            cx.err((*p, "values", key), f"needs one value per track value ({t.min}..{t.max}"
                                        f", so {size}), got {len(values)}")
    for index, trig in enumerate(t.on_reach):
        tp = (*p, "on_reach", index)
        if not t.min < trig.value <= t.max:
            cx.err((*tp, "value"), f"{trig.value} cannot be reached going up within "
                                   f"{t.min}..{t.max}")
        check_effects(cx, (*tp, "do"), trig.do, {})


def check_hero(cx: CheckContext, p: P, h: Hero) -> None:
    scope: Scope = {"hero": "hero", "zone": "zone"}
    if h.hp < 1:
        cx.err((*p, "hp"), "must be at least 1")
    if h.move < 0:
        cx.err((*p, "move"), "must be 0 or more")
    check_expr(cx, (*p, "attack"), h.attack, scope)
    for name, action in h.actions.items():
        check_action(cx, (*p, "actions", name), action)


def check_action(cx: CheckContext, p: P, a: Action) -> None:
    scope: dict[str, str] = {"hero": "hero", "zone": "zone"}
    if a.cost < 0:
        cx.err((*p, "cost"), "must be 0 or more")
    if a.noise < 0:
        cx.err((*p, "noise"), "must be 0 or more")
    if a.where:
        for part in a.where.split("|"):
            if not cx.is_zone_or_tag(part.strip()):
                cx.err((*p, "where"), f"{part.strip()!r} is neither a zone nor a zone tag")
    if a.needs:
        check_expr(cx, (*p, "needs"), a.needs, scope, what="condition")
    if a.offer_if:
        check_expr(cx, (*p, "offer_if"), a.offer_if, scope, what="condition")
    check_expr(cx, (*p, "range"), a.range, scope)
    if a.target != "none":
        scope["target"] = a.target
    elif a.range != 0:
        cx.err((*p, "range"), "range is only used with a target")
    if a.roll:
        check_expr(cx, (*p, "roll"), a.roll, scope, what="roll")
        scope["roll"] = "number"
    elif a.success:
        cx.err((*p, "success"), "success needs a roll")
    if a.success and not _SUCCESS.fullmatch(a.success):
        cx.err((*p, "success"), f"expected a comparison with a number like '>=8', got "
                                f"{a.success!r}")
    if a.fail and not a.success:
        cx.err((*p, "fail"), "fail effects need a success rule")
    if a.limit is not None:
        lim = a.limit
        if lim.n < 1:
            cx.err((*p, "limit", "n"), "must be at least 1")
        if lim.every < 0:
            cx.err((*p, "limit", "every"), "must be 0 or more")
    check_effects(cx, (*p, "do"), a.do, scope)
    check_effects(cx, (*p, "fail"), a.fail, scope)


def check_unit(cx: CheckContext, p: P, u: Unit) -> None:
    check_expr(cx, (*p, "hp"), u.hp, {})
    if isinstance(u.hp, int) and u.hp < 1:
        cx.err((*p, "hp"), "must be at least 1")
    for key in ("move", "attack", "armor", "siege", "supply", "regen"):
        if getattr(u, key) < 0:
            cx.err((*p, key), "must be 0 or more")
    if not u.behavior:
        cx.err((*p, "behavior"), "a unit needs at least one behavior")
    scope: Scope = {"unit": "unit", "zone": "zone"}
    for index, behavior in enumerate(u.behavior):
        check_behavior(cx, (*p, "behavior", index), behavior, u)
    for tag, effects in u.acts.items():
        if not cx.has_tag(tag):
            cx.err((*p, "acts", tag), f"no zone has the tag {tag!r}, so act:{tag} never runs")
        if f"act:{tag}" not in u.behavior:
            cx.err((*p, "acts", tag), f"not used: add 'act:{tag}' to behavior")
        check_effects(cx, (*p, "acts", tag), effects, scope)
    check_effects(cx, (*p, "on_attack"), u.on_attack, scope)
    check_effects(cx, (*p, "on_death"), u.on_death, scope)


def check_behavior(cx: CheckContext, p: P, behavior: str, u: Unit) -> None:
    name, colon, arg = behavior.partition(":")
    known = join(BUILTIN_NAMES.behaviors)
    if name not in BUILTIN_NAMES.behaviors:
        cx.err(p, f"unknown behavior {behavior!r} (built-ins: {known})")
    elif name in ("attack_hero", "attack_all_heroes"):
        if colon:
            cx.err(p, f"{name} takes no argument")
    elif name == "hunt_noise":
        if not (arg.isdigit()):
            cx.err(p, f"hunt_noise needs a distance: hunt_noise:N, got {behavior!r}")
    elif name == "seek":
        if not arg:
            cx.err(p, "seek needs a zone or tag: seek:ZONE_OR_TAG")
        elif not cx.is_zone_or_tag(arg):
            cx.err(p, f"seek:{arg}: {arg!r} is neither a zone nor a zone tag")
    elif name == "act":
        if not arg:
            cx.err(p, "act needs a tag: act:TAG")
        elif arg not in u.acts:
            cx.err(p, f"act:{arg} needs acts.{arg} (the effects to run)")
