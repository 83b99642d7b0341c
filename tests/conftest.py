"""Settings shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge behaviour, never speed: a per-example deadline is a timed assert that
# fails on a busy machine (speed is measured by the benchmarks under bench/).
settings.register_profile(
    "cibo", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("cibo")

SLOWEST_FIRST = (
    "tests/install/test_install_container.py",  # builds the image, runs the compose file
    "tests/browser/test_clients.py",  # four phones and a table play a whole game
)
"""Files that take a minute or more: run first, so that parallel workers (scripts/test) share
the rest while they run instead of one worker finishing them alone at the end."""
_moved = [p for p in SLOWEST_FIRST if not (Path(__file__).resolve().parents[1] / p).is_file()]
assert not _moved, f"SLOWEST_FIRST names files that are gone: {_moved}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
