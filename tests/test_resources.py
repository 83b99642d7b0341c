"""Where the clients and rulesets are found: ``CIBO_CLIENTS`` / ``CIBO_RULESETS`` first, then
the checkout's top-level folders (tests/install checks the installed wheel's package data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cibo.resources import ENV_VARS, override, resolve, shipped_dir
from cibo.rulesets import find_ruleset
from cibo.transports.http import clients_dir

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_uses_its_top_level_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    for kind in ("clients", "rulesets"):
        monkeypatch.delenv(ENV_VARS[kind], raising=False)
        assert override(kind) is None
        assert shipped_dir(kind) == ROOT / kind
        assert resolve(kind) == ROOT / kind
    assert clients_dir() == (ROOT / "clients").resolve()
    assert find_ruleset("factory-raid") == ROOT / "rulesets" / "factory-raid.toml"


def test_the_variables_override_and_blank_ones_do_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "factory-raid.toml").write_text("# mine\n")
    monkeypatch.setenv("CIBO_RULESETS", str(tmp_path))
    monkeypatch.setenv("CIBO_CLIENTS", str(tmp_path))
    assert resolve("rulesets") == tmp_path and resolve("clients") == tmp_path
    assert shipped_dir("rulesets") == ROOT / "rulesets"
    assert clients_dir() == tmp_path.resolve()
    assert find_ruleset("factory-raid") == tmp_path / "factory-raid.toml"
    assert find_ruleset("electro-fishers") == ROOT / "rulesets" / "electro-fishers.toml"
    monkeypatch.setenv("CIBO_CLIENTS", "  ")
    assert resolve("clients") == ROOT / "clients"
