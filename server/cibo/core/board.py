"""Board geometry: distances and shortest paths over the zone graph.

Ties always break by the zones' order in the ruleset file, so every path the engine picks is the
same on every run and in every replay.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from cibo.core.ruleset import Ruleset

__all__ = ["distances", "path_towards", "zone_order"]

_OPEN_BOARD: dict[int, dict[str, Mapping[str, int]]] = {}
"""Distances with every zone passable, by ``id(ruleset)`` then start zone.

A board never changes, and listing a seat's legal moves asks for them after every command.
Keyed by identity (a ruleset's hash walks all of it) and dropped with the ruleset."""


def distances(
    rs: Ruleset, start: str, passable: Callable[[str], bool] | None = None
) -> Mapping[str, int]:
    """Breadth-first link distances from ``start`` to every reachable zone, in BFS order.

    ``passable(zone)`` may forbid entering a zone (the start is always allowed). Without it the
    result is computed once per ruleset and start, and shared (read-only).
    """
    if passable is not None:
        return _distances(rs, start, passable)
    board = _OPEN_BOARD.get(id(rs))
    if board is None:
        board = _OPEN_BOARD[id(rs)] = {}
        weakref.finalize(rs, _OPEN_BOARD.pop, id(rs), None)
    near = board.get(start)
    if near is None:
        near = board[start] = MappingProxyType(_distances(rs, start, None))
    return near


def zone_order(rs: Ruleset) -> Mapping[str, int]:
    """Each zone's place in the ruleset file (ties break by it), found once per ruleset."""
    order = _ORDER.get(id(rs))
    if order is None:
        order = _ORDER[id(rs)] = MappingProxyType({name: i for i, name in enumerate(rs.zones)})
        weakref.finalize(rs, _ORDER.pop, id(rs), None)
    return order


_ORDER: dict[int, Mapping[str, int]] = {}


def _distances(rs: Ruleset, start: str, passable: Callable[[str], bool] | None) -> dict[str, int]:
    dist = {start: 0}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        for nxt in rs.zones[here].links:
            if nxt in dist or (passable is not None and not passable(nxt)):
                continue
            dist[nxt] = dist[here] + 1
            queue.append(nxt)
    return dist


def path_towards(
    rs: Ruleset,
    start: str,
    goals: Iterable[str],
    steps: int,
    passable: Callable[[str], bool] | None = None,
) -> tuple[str, ...]:
    """The zones entered, at most ``steps`` of them, on a shortest path to the nearest goal.

    Empty when ``start`` is a goal, no goal is reachable, or ``steps`` is 0. Among equally near
    goals the first in file order wins; among equal paths, the one through earlier zones.
    """
    if passable is None:
        # The open board never changes: each path is worked out once per ruleset.
        goal_key = tuple(goals)
        paths = _OPEN_PATHS.get(id(rs))
        if paths is None:
            paths = _OPEN_PATHS[id(rs)] = {}
            weakref.finalize(rs, _OPEN_PATHS.pop, id(rs), None)
        key = (start, goal_key, steps)
        path = paths.get(key)
        if path is None:
            if len(paths) >= 4096:  # goals come from the ruleset's zones and tags: few
                paths.clear()
            path = paths[key] = _path_towards(rs, start, goal_key, steps, None)
        return path
    return _path_towards(rs, start, goals, steps, passable)


_OPEN_PATHS: dict[int, dict[tuple[str, tuple[str, ...], int], tuple[str, ...]]] = {}
"""Paths with every zone passable, by ``id(ruleset)`` then (start, goals, steps); dropped
with the ruleset, like :data:`_OPEN_BOARD`."""


def _path_towards(
    rs: Ruleset,
    start: str,
    goals: Iterable[str],
    steps: int,
    passable: Callable[[str], bool] | None,
) -> tuple[str, ...]:
    goal_set = set(goals)
    if start in goal_set or steps <= 0:
        return ()
    parent: dict[str, str] = {start: start}
    queue = deque([start])
    found = ""
    order = {name: i for i, name in enumerate(rs.zones)}
    while queue and not found:
        level = list(queue)
        queue.clear()
        hits = []
        for here in level:
            for nxt in sorted(rs.zones[here].links, key=order.__getitem__):
                if nxt in parent or (passable is not None and not passable(nxt)):
                    continue
                parent[nxt] = here
                queue.append(nxt)
                if nxt in goal_set:
                    hits.append(nxt)
        if hits:
            found = min(hits, key=order.__getitem__)
    if not found:
        return ()
    path = [found]
    while parent[path[-1]] != start:
        path.append(parent[path[-1]])
    path.reverse()
    return tuple(path[:steps])
