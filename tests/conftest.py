"""Settings shared by the whole suite."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# Property tests judge behaviour, never speed: a per-example deadline is a timed assert that
# fails on a busy machine (speed is measured by the benchmarks under bench/).
settings.register_profile(
    "cibo", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("cibo")
