"""Formulas and the names in them, and references in effect parameters.

Each formula is checked against the ``$`` variables the engine binds where it runs (an action
binds ``$hero``, ``$zone`` and maybe ``$target``/``$roll``; a ``for_each`` step binds ``$each``;
a unit's effects bind ``$unit`` and ``$zone``...): the *scope* passed along.
"""

from __future__ import annotations

from collections.abc import Sequence

from cibo.core.expr import Expr, ExprError, Sigil, compile_expr
from cibo.core.ruleset import Formula
from cibo.rulesets.checks.context import (
    ANY,
    NUMBER_VARS,
    CheckContext,
    P,
    Scope,
    collection_kind,
    fields_of,
    join,
)
from cibo.rulesets.names import BUILTIN_NAMES

__all__ = [
    "check_collection",
    "check_entity_ref",
    "check_expr",
    "check_units_list",
    "check_zone_ref",
]


def check_expr(
    cx: CheckContext, path: P, source: Formula, scope: Scope, *, what: str = "formula"
) -> Expr | None:
    """Compile ``source`` and check every name in it; return it when it compiles."""
    if isinstance(source, int):
        return None
    if not source.strip():
        cx.err(path, f"empty {what}")
        return None
    try:
        compiled = compile_expr(source)
    except ExprError as exc:
        column = f" at column {exc.column}" if exc.column is not None else ""
        cx.err(path, f"bad {what} {source!r}: {exc.message}{column}")
        return None
    for collection in sorted(compiled.collections()):
        check_collection(cx, path, collection, in_expr=True)
    inner = {(sigil, name) for (_, sigil, name) in compiled.item_references()}
    for sigil, name in sorted(compiled.references()):
        if (sigil, name) in inner:
            continue
        check_name(cx, path, sigil, name, scope)
    by_name: dict[tuple[Sigil, tuple[str, ...]], list[str]] = {}
    for collection, item_sigil, item_name in compiled.item_references():
        by_name.setdefault((item_sigil, item_name), []).append(collection)
    for (sigil, name), collections in sorted(by_name.items()):
        if sigil == "" and len(name) == 1:
            kinds = {collection_kind(c) for c in collections}
            if any(name[0] in fields_of(k, cx.any_stats) for k in kinds if k):
                continue
        item_scope = dict(scope)
        item_scope["each"] = ANY
        check_name(cx, path, sigil, name, item_scope)
    return compiled


def check_collection(cx: CheckContext, path: P, collection: str, *, in_expr: bool) -> None:
    if collection in ("heroes", "units", "zones"):
        return
    head, _, tag = collection.partition(":")
    if head == "zones" and tag:
        if not cx.has_tag(tag):
            cx.err(path, f"no zone has the tag {tag!r} (in {collection!r})")
        return
    where = "count()/sum()" if in_expr else "for_each"
    cx.err(path, f"unknown collection {collection!r} in {where}: use heroes, units, zones "
                 "or zones:TAG")


def check_name(
    cx: CheckContext, path: P, sigil: Sigil, name: tuple[str, ...], scope: Scope
) -> None:
    spelled = sigil + ".".join(name)
    if sigil == "$":
        check_variable(cx, path, name, scope)
    elif sigil == "@":
        check_reference(cx, path, name, scope)
    else:
        check_bare(cx, path, name, scope, spelled)


def check_bare(
    cx: CheckContext, path: P, name: tuple[str, ...], scope: Scope, spelled: str
) -> None:
    head = name[0]
    if len(name) == 1:
        if cx.known("tracks", head) or head in BUILTIN_NAMES.globals:
            return
        if head in BUILTIN_NAMES.hero_scope:
            if "hero" not in scope:
                cx.err(path, f"{spelled} needs an acting hero, and none is bound here")
            return
        if head in cx.rs.markers:
            cx.err(path, f"{spelled} is a marker: use {head}.launched or {head}.at")
            return
        cx.err(path, f"unknown name {spelled!r}")
        return
    if len(name) == 2:
        if head in cx.rs.markers or (head in cx.broken.get("markers", set())):
            if name[1] not in BUILTIN_NAMES.marker_fields:
                cx.err(path, f"unknown marker field {spelled!r} (use "
                             f"{join(BUILTIN_NAMES.marker_fields)})")
            return
        if cx.known("tracks", head):
            if name[1] not in BUILTIN_NAMES.track_fields:
                cx.err(path, f"unknown track field {spelled!r} (use "
                             f"{join(BUILTIN_NAMES.track_fields)}, or @{head}.VALUES for "
                             "a per-value array)")
            return
    cx.err(path, f"unknown name {spelled!r}")


def check_reference(cx: CheckContext, path: P, name: tuple[str, ...], scope: Scope) -> None:
    spelled = "@" + ".".join(name)
    head = name[0]
    if len(name) != 2:
        cx.err(path, f"unknown reference {spelled!r} (references have two parts, like "
                     "@difficulty.spawn_mod)")
        return
    key = name[1]
    if head == "difficulty":
        if "difficulty" in cx.failed:
            return
        lacking = [d for d, spec in cx.rs.difficulty.items() if key not in spec.vars]
        if lacking or not cx.rs.difficulty:
            cx.err(path, f"{spelled}: difficulty {join(lacking) or '(none)'} has no "
                         f"vars.{key}")
        return
    if head == "scaling":
        if not cx.known("scaling", key):
            cx.err(path, f"{spelled}: there is no [scaling] entry {key!r}")
        return
    if head == "hero":
        if "hero" not in scope:
            cx.err(path, f"{spelled} needs an acting hero, and none is bound here")
            return
        if "heroes" in cx.failed:
            return
        if key in BUILTIN_NAMES.hero_fields or key in cx.hero_stats:
            return
        lacking = [h for h, spec in cx.rs.heroes.items() if key not in spec.stats]
        cx.err(path, f"{spelled}: hero {join(lacking)} has no stats.{key} (every hero "
                     "needs it, or use one of " + join(BUILTIN_NAMES.hero_fields) + ")")
        return
    if head in cx.rs.tracks:
        track = cx.rs.tracks[head]
        if key not in track.values:
            cx.err(path, f"{spelled}: track {head!r} has no values.{key}")
        return
    if cx.known("tracks", head):
        return
    cx.err(path, f"unknown reference {spelled!r} (use @difficulty.VAR, @scaling.NAME, "
                 "@hero.STAT or @TRACK.VALUES)")


def check_variable(cx: CheckContext, path: P, name: tuple[str, ...], scope: Scope) -> None:
    spelled = "$" + ".".join(name)
    head = name[0]
    if head not in BUILTIN_NAMES.variables:
        cx.err(path, f"unknown variable ${head} (the engine binds "
                     f"{join('$' + v for v in BUILTIN_NAMES.variables)})")
        return
    if head not in scope:
        bound = join("$" + v for v in scope) or "none"
        cx.err(path, f"${head} is not bound here (bound: {bound})")
        return
    if len(name) == 1:
        return
    kind = scope[head]
    if len(name) > 2 or head in NUMBER_VARS:
        cx.err(path, f"{spelled}: ${head} has no fields")
        return
    if name[1] not in fields_of(kind, cx.any_stats if kind == ANY else cx.hero_stats):
        fields = join(fields_of(kind, cx.hero_stats))
        cx.err(path, f"unknown field {spelled!r} (a {kind} has {fields})")


def check_zone_ref(cx: CheckContext, path: P, ref: str, scope: Scope) -> None:
    """A zone: a name, a tag (its first zone), ``$var`` / ``$var.zone``, or ``noisiest:TAG``."""
    if not ref:
        ref = "$zone"
    if ref.startswith("$"):
        if ref[1:] in NUMBER_VARS:
            cx.err(path, f"{ref} is a number, not a zone")
            return
        check_expr(cx, path, ref, scope, what="zone reference")
        return
    if ref.startswith("noisiest:"):
        tag = ref.split(":", 1)[1]
        if not cx.has_tag(tag):
            cx.err(path, f"no zone has the tag {tag!r} (in {ref!r})")
        return
    if not cx.is_zone_or_tag(ref):
        cx.err(path, f"unknown zone {ref!r} (use a zone name, a zone tag, a $variable or "
                     "noisiest:TAG)")


def check_entity_ref(cx: CheckContext, path: P, ref: str, scope: Scope) -> None:
    """A hero or unit: ``$hero``, ``$target``, ``$each``, ``$unit``, or a hero's key."""
    if ref.startswith("$"):
        check_expr(cx, path, ref, scope, what="reference")
        return
    cx.need("heroes", ref, path, "hero")


def check_units_list(cx: CheckContext, path: P, names: Sequence[str]) -> None:
    for index, name in enumerate(names):
        cx.need("units", name, (*path, index), "unit")
