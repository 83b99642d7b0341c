"""Roll tables and decks: rows and their coverage of the formula, cards, piles and specials.

Tables and decks run with the variables of whatever rolled or drew them, so they are checked
last, with the variables common to all their call sites (see :func:`check_tables_and_decks`).
"""

from __future__ import annotations

from collections.abc import Sequence

from cibo.core.expr import Expr, MapEnv, Value
from cibo.core.ruleset import Deck, Effect, Row, Table
from cibo.core.tables import check_ranges, formula_bounds
from cibo.rulesets.checks.context import CheckContext, P, Scope, common
from cibo.rulesets.checks.expressions import check_expr, check_units_list, check_zone_ref
from cibo.rulesets.checks.verbs import check_effects, nested

__all__ = ["check_deck", "check_table", "check_tables_and_decks"]


def check_tables_and_decks(cx: CheckContext) -> None:
    """Check tables and decks with the variables common to all the places that use them.

    A table or deck used from another one inherits that one's scope, so callers are checked
    before what they call (in file order when they call each other in a loop).
    """
    todo: list[tuple[str, str]] = [("tables", t) for t in cx.rs.tables]
    todo += [("decks", d) for d in cx.rs.decks]
    callers = {item: _callers(cx, item) for item in todo}
    done: set[tuple[str, str]] = set()
    while len(done) < len(todo):
        ready = [i for i in todo if i not in done and all(c in done for c in callers[i])]
        item = ready[0] if ready else next(i for i in todo if i not in done)
        done.add(item)
        section, name = item
        if section == "tables":
            scope = common(cx.table_scopes.get(name))
            check_table(cx, ("tables", name), cx.rs.tables[name], {**scope, "roll": "number"})
        else:
            check_deck(cx, ("decks", name), cx.rs.decks[name], common(cx.deck_scopes.get(name)))


def _callers(cx: CheckContext, item: tuple[str, str]) -> list[tuple[str, str]]:
    section, name = item
    found: list[tuple[str, str]] = []
    containers: list[tuple[tuple[str, str], list[Effect]]] = [
        (("tables", t), _table_effects(table)) for t, table in cx.rs.tables.items()
    ]
    containers += [(("decks", d), _deck_effects(deck)) for d, deck in cx.rs.decks.items()]
    for key, effects in containers:
        if key == item:
            continue
        if any((e.roll_table if section == "tables" else e.draw) == name for e in effects):
            found.append(key)
    return found


def check_table(cx: CheckContext, p: P, t: Table, scope: Scope) -> None:
    if bool(t.rows) == bool(t.bands):
        cx.err(p, "a table has either rows or bands (one list of rows per band)")
        return
    if t.clamp is not None and t.clamp[0] > t.clamp[1]:
        cx.err((*p, "clamp"), f"clamp [{t.clamp[0]}, {t.clamp[1]}] is reversed")
    band_names: list[str] = []
    if t.bands or t.band_of:
        if not t.band_of:
            cx.err((*p, "band_of"), "a table with bands needs band_of = TRACK")
        elif cx.need("tracks", t.band_of, (*p, "band_of"), "track"):
            track = cx.rs.tracks.get(t.band_of)
            if track is not None:
                band_names = [b.name for b in track.bands]
                if not band_names:
                    cx.err((*p, "band_of"), f"track {t.band_of!r} has no bands")
        if not t.bands:
            cx.err((*p, "bands"), "band_of needs one list of rows per band in bands")
        elif band_names and list(t.bands) != band_names:
            missing = [b for b in band_names if b not in t.bands]
            extra = [b for b in t.bands if b not in band_names]
            parts = []
            if missing:
                parts.append("missing " + ", ".join(missing))
            if extra:
                parts.append("not bands of the track: " + ", ".join(extra))
            if not parts:
                parts.append("in another order than the track's bands")
            cx.err((*p, "bands"), f"bands must be the bands of {t.band_of!r} "
                                  f"({', '.join(band_names)}): {'; '.join(parts)}")
    groups: list[tuple[P, Sequence[Row]]] = (
        [((*p, "rows"), t.rows)] if t.rows
        else [((*p, "bands", band), rows) for band, rows in t.bands.items()]
    )
    formula = None
    if t.formula:
        formula = check_expr(cx, (*p, "formula"), t.formula, scope)
    for gp, rows in groups:
        check_rows(cx, gp, rows, t, formula=formula, scope=scope)


def check_rows(
    cx: CheckContext, p: P, rows: Sequence[Row], t: Table, *, formula: Expr | None, scope: Scope
) -> None:
    if not rows:
        cx.err(p, "no rows")
        return
    ranged = [r.range is not None for r in rows]
    for index, row in enumerate(rows):
        rp: P = (*p, index)
        if row.range is not None:
            if row.weight:
                cx.err((*rp, "weight"), "a row has a range or a weight, not both")
            if row.range[0] > row.range[1]:
                cx.err((*rp, "range"), f"range [{row.range[0]}, {row.range[1]}] is reversed")
        elif row.weight < 1:
            cx.err(rp, "a row needs a range = [low, high] or a weight >= 1")
        check_units_list(cx, (*rp, "spawn"), row.spawn)
        check_units_list(cx, (*rp, "fallback"), row.fallback)
        if row.fallback and not any(cx.rs.units[u].unique for u in row.spawn
                                  if u in cx.rs.units):
            cx.err((*rp, "fallback"), "fallback replaces a unique unit of spawn; this "
                                      "row spawns none")
        check_effects(cx, (*rp, "do"), row.do, scope)
    if any(ranged) and not all(ranged):
        cx.err(p, "mixes ranged and weighted rows: use one kind per table")
        return
    if all(ranged):
        if not t.formula:
            cx.err(p, "ranged rows need a formula to roll")
        elif formula is not None:
            check_coverage(cx, p, rows, t, formula)
    elif t.formula and not t.replacement:
        cx.err(p, "without replacement weighted rows roll 1d(remaining weights): remove "
                  "formula")
    elif formula is not None and all(r.weight >= 1 for r in rows):
        total = sum(r.weight for r in rows)
        for difficulty, names in _difficulty_envs(cx, formula):
            bounds = formula_bounds(formula, MapEnv(names=names))
            if bounds is None:
                continue
            low, high = bounds
            if t.clamp is not None:
                low = max(t.clamp[0], min(low, t.clamp[1]))
                high = min(t.clamp[1], max(high, t.clamp[0]))
            if low < 1 or high > total:
                where = f"difficulty {difficulty}: " if difficulty else ""
                cx.err(p, f"{where}the formula gives {low}..{high} but the weights cover "
                          f"1..{total}")
                break


def check_coverage(cx: CheckContext, p: P, rows: Sequence[Row], t: Table, formula: Expr) -> None:
    """The ranges must cover every total the formula can give, once (per difficulty)."""
    if any(r.range is None or r.range[0] > r.range[1] for r in rows):
        return  # already reported row by row
    label = str(p[-1])
    envs = _difficulty_envs(cx, formula)
    found: dict[str, list[tuple[str, int, int]]] = {}
    for difficulty, names in envs:
        bounds = formula_bounds(formula, MapEnv(names=names))
        if bounds is None:
            continue
        low, high = bounds
        if t.clamp is not None:
            low = max(t.clamp[0], min(low, t.clamp[1]))
            high = min(t.clamp[1], max(high, t.clamp[0]))
        for message in check_ranges(rows, low, high, label=label):
            found.setdefault(message, []).append((difficulty, low, high))
    for message, where in found.items():
        spans = sorted({f"{low}..{high}" for _, low, high in where})
        if len(where) == len(envs) and len(envs) > 1:
            cx.err(p, f"{message} (every difficulty; the formula gives {' or '.join(spans)})")
        elif where[0][0]:
            which = ", ".join(d for d, _, _ in where)
            cx.err(p, f"{message} (difficulty {which}: the formula gives "
                      f"{' or '.join(spans)})")
        else:
            cx.err(p, f"{message} (the formula gives {spans[0]})")


def _difficulty_envs(cx: CheckContext, formula: Expr) -> list[tuple[str, dict[str, Value]]]:
    """One name -> value map per difficulty, for the ``@difficulty`` vars the formula uses."""
    used = [name for sigil, name in formula.references()
            if sigil == "@" and len(name) == 2 and name[0] == "difficulty"]
    if not used:
        return [("", {})]
    out: list[tuple[str, dict[str, Value]]] = []
    for label, d in cx.rs.difficulty.items():
        env: dict[str, Value] = {
            "@difficulty." + n[1]: d.vars[n[1]] for n in used if n[1] in d.vars
        }
        if len(env) == len(used):
            out.append((label, env))
    return out


def check_deck(cx: CheckContext, p: P, d: Deck, scope: Scope) -> None:
    if not d.cards:
        cx.err((*p, "cards"), "a deck needs cards")
    ids: set[str] = set()
    for key, cards in (("cards", d.cards), ("specials", d.specials)):
        for index, card in enumerate(cards):
            cp: P = (*p, key, index)
            if card.id in ids:
                cx.err((*cp, "id"), f"card id {card.id!r} is used twice")
            ids.add(card.id)
            if "#" in card.id:
                cx.err((*cp, "id"), "a card id cannot contain '#'")
            if card.n < 1:
                cx.err((*cp, "n"), "must be at least 1")
            elif key == "specials" and card.n != 1:
                cx.err((*cp, "n"), "specials are one card each: list more specials instead")
            check_units_list(cx, (*cp, "spawn"), card.spawn)
            if card.spawn:
                check_zone_ref(cx, (*cp, "at"), card.at, scope)
            elif card.at:
                cx.err((*cp, "at"), "at is only used with spawn")
            check_effects(cx, (*cp, "do"), card.do, scope)
    piles = check_expr(cx, (*p, "piles"), d.piles, {})
    if isinstance(d.piles, int) and d.piles < 1:
        cx.err((*p, "piles"), "must be at least 1")
    if d.specials:
        envs = _difficulty_envs(cx, piles) if piles is not None else [("", {})]
        for difficulty, names in envs:
            bounds = (d.piles, d.piles) if isinstance(d.piles, int) else (
                formula_bounds(piles, MapEnv(names=names)) if piles is not None else None)
            if bounds is not None and bounds[1] > len(d.specials):
                where = f" (difficulty {difficulty})" if difficulty else ""
                cx.err((*p, "piles"), f"{bounds[1]} piles{where} but {len(d.specials)} "
                                      "specials: each pile takes one special")
                break


def _table_effects(table: Table) -> list[Effect]:
    rows = [*table.rows, *(r for rows in table.bands.values() for r in rows)]
    return [e for r in rows for e in nested(r.do)]


def _deck_effects(deck: Deck) -> list[Effect]:
    return [e for c in (*deck.cards, *deck.specials) for e in nested(c.do)]
