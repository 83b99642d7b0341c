"""Shared fixtures for engine tests: the shipped rulesets, loaded once."""

from __future__ import annotations

import pytest

from cibo.core.ruleset import Ruleset
from cibo.rulesets import find_ruleset, load_ruleset


@pytest.fixture(scope="session")
def electro() -> Ruleset:
    return load_ruleset(find_ruleset("electro-fishers")).ruleset


@pytest.fixture(scope="session")
def factory() -> Ruleset:
    return load_ruleset(find_ruleset("factory-raid")).ruleset


@pytest.fixture(scope="session", params=["electro-fishers", "factory-raid"])
def any_ruleset(request: pytest.FixtureRequest) -> Ruleset:
    return load_ruleset(find_ruleset(request.param)).ruleset
