"""rulesets/schema.json is generated from the model and accepts the shipped rulesets."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from rulesets_helpers import DATA, ROOT, SHIPPED

from cibo.rulesets.schema import json_schema, render

SCHEMA_FILE = ROOT / "rulesets" / "schema.json"


def test_ruleset_schema_file_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "regenerate: uv run python -m cibo.rulesets.schema > rulesets/schema.json")


def test_ruleset_schema_knows_the_renamed_band_key() -> None:
    band = json_schema()["definitions"]["Band"]
    assert set(band["properties"]) == {"name", "from"}
    assert band["additionalProperties"] is False


@pytest.mark.parametrize("path", [*SHIPPED, DATA / "minimal.toml"], ids=lambda p: p.stem)
def test_ruleset_schema_accepts_good_files(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft7Validator(schema).iter_errors(data)) == []


@pytest.mark.parametrize("name", ["broken_wrong_types", "broken_unknown_key"])
def test_ruleset_schema_rejects_type_mistakes(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    data = tomllib.loads((DATA / f"{name}.toml").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft7Validator(schema).iter_errors(data))
