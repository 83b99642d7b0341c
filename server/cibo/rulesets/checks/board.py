"""The board and table-level settings: ``[ruleset]``, zones, difficulties, scaling, markers and
``[rules]``."""

from __future__ import annotations

from collections import deque
from typing import Any

from cibo.rulesets.checks.context import CheckContext, P, join
from cibo.rulesets.checks.verbs import check_effects

__all__ = [
    "check_difficulties",
    "check_marker",
    "check_meta",
    "check_rules",
    "check_scaling",
    "check_zones",
]


def check_meta(cx: CheckContext) -> None:
    m = cx.rs.ruleset
    p: P = ("ruleset",)
    for key, r in (("players", m.players), ("heroes", m.heroes)):
        if r.min < 1 or r.max < r.min:
            cx.err((*p, key), f"needs 1 <= min <= max, got min {r.min}, max {r.max}")
    if m.rounds < 1:
        cx.err((*p, "rounds"), "must be at least 1")
    low, high = m.target_minutes
    if low < 1 or high < low:
        cx.err((*p, "target_minutes"), f"needs [low, high] with 1 <= low <= high, got "
                                       f"[{low}, {high}]")
    if not m.id.strip():
        cx.err((*p, "id"), "must not be empty")
    if "heroes" in cx.failed:
        return
    seen: set[str] = set()
    for index, hero in enumerate(m.hero_pool):
        if hero in seen:
            cx.err((*p, "hero_pool", index), f"{hero!r} is listed twice")
        seen.add(hero)
        cx.need("heroes", hero, (*p, "hero_pool", index), "hero")
    pool = [h for h in (m.hero_pool or tuple(cx.rs.heroes)) if h in cx.rs.heroes]
    repeatable = any(cx.rs.heroes[h].repeatable for h in pool)
    if not cx.broken.get("heroes") and not repeatable and len(pool) < m.heroes.max:
        cx.err((*p, "heroes", "max"), f"{m.heroes.max} heroes may play but only "
                                      f"{len(pool)} can be picked (none is repeatable)")


def check_zones(cx: CheckContext) -> None:
    zones = cx.rs.zones
    if "zones" in cx.failed:
        return
    if not zones and not cx.broken.get("zones"):
        cx.err(("zones",), "a board needs at least one zone")
        return
    for name, zone in zones.items():
        p: P = ("zones", name)
        seen: set[str] = set()
        for index, link in enumerate(zone.links):
            lp = (*p, "links", index)
            if link == name:
                cx.err(lp, "a zone cannot link to itself")
            elif link in seen:
                cx.err(lp, f"{link!r} is linked twice")
            elif (cx.need("zones", link, lp, "zone") and link in zones
                and name not in zones[link].links):
                cx.err(lp, f"links to {link!r}, but zones.{link}.links does not link "
                           f"back to {name!r} (links are undirected: list both ends)")
            seen.add(link)
        for index, watched in enumerate(zone.watches):
            cx.need("zones", watched, (*p, "watches", index), "zone")
        if zone.pos is not None and not all(0 <= c <= 100 for c in zone.pos):
            cx.err((*p, "pos"), f"coordinates must be within 0..100, got {list(zone.pos)}")
    if cx.broken.get("zones") or not zones:
        return
    start = next(iter(zones))
    reached = {start}
    queue = deque([start])
    while queue:
        for link in zones[queue.popleft()].links:
            if link in zones and link not in reached:
                reached.add(link)
                queue.append(link)
    missing = [z for z in zones if z not in reached]
    if missing:
        cx.err(("zones", missing[0]), f"the board is not connected: {join(missing)} "
                                      f"cannot be reached from {start!r}")


def check_difficulties(cx: CheckContext) -> None:
    if "difficulty" in cx.failed:
        return
    if not cx.rs.difficulty and not cx.broken.get("difficulty"):
        cx.err(("difficulty",), "define at least one difficulty")
    for name, d in cx.rs.difficulty.items():
        for track, value in d.start.items():
            sp: P = ("difficulty", name, "start", track)
            if cx.need("tracks", track, sp, "track") and track in cx.rs.tracks:
                t = cx.rs.tracks[track]
                if not t.min <= value <= t.max:
                    cx.err(sp, f"{value} is outside {track}'s {t.min}..{t.max}")


def check_scaling(cx: CheckContext) -> None:
    if "ruleset" in cx.failed:
        return
    heroes = cx.rs.ruleset.heroes
    wanted = set(range(heroes.min, heroes.max + 1))
    for name, by_count in cx.rs.scaling.items():
        p: P = ("scaling", name)
        counts: set[int] = set()
        for key in by_count:
            try:
                count = int(key)
            except ValueError:
                cx.err((*p, key), f"keys are hero counts, not {key!r}")
                continue
            if count not in wanted:
                cx.err((*p, key), f"{count} heroes cannot play ({heroes.min}..{heroes.max})")
            counts.add(count)
        lacking = sorted(wanted - counts)
        if lacking:
            cx.err(p, "no value for " + ", ".join(f"{n} heroes" for n in lacking))


def check_marker(cx: CheckContext, p: P, m: Any) -> None:
    if not m.path:
        cx.err((*p, "path"), "a marker needs a path of at least one zone")
    for index, zone in enumerate(m.path):
        if not cx.need("zones", zone, (*p, "path", index), "zone"):
            continue
        if index and m.path[index - 1] in cx.rs.zones and zone in cx.rs.zones:
            previous = m.path[index - 1]
            if zone not in cx.rs.zones[previous].links:
                cx.err((*p, "path", index), f"{previous!r} does not link to {zone!r}: a "
                                            "path steps along links")
    check_effects(cx, (*p, "at_each_stop"), m.at_each_stop, {"zone": "zone"})


def check_rules(cx: CheckContext) -> None:
    r = cx.rs.rules
    if r.barrier is not None:
        cx.need("tracks", r.barrier.track, ("rules", "barrier", "track"), "track")
        if not cx.has_tag(r.barrier.tag):
            cx.err(("rules", "barrier", "tag"), f"no zone has the tag {r.barrier.tag!r}")
    for key in ("downed_zone", "home"):
        value = getattr(r, key)
        if value and not cx.is_zone_or_tag(value):
            cx.err(("rules", key), f"{value!r} is neither a zone nor a zone tag")
