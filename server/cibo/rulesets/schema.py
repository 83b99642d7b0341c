"""A JSON Schema of the ruleset format, generated from the model, for editors that complete keys.

``rulesets/schema.json`` is this module's output; a test keeps the two equal. Regenerate it with::

    uv run python -m cibo.rulesets.schema > rulesets/schema.json

The schema covers keys and types only; :func:`cibo.rulesets.check_file` is the authority.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import sys
import types
import typing
from typing import Any, Literal

import attrs

from cibo.core import ruleset as model
from cibo.core.ruleset import Effect, Ruleset
from cibo.core.verbs import EFFECT_VERBS
from cibo.rulesets.structure import RENAMED

__all__ = ["json_schema", "render"]


def _field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings (a string right after a field) of an attrs class, from its source."""
    try:
        tree = ast.parse(inspect.getsource(cls))
    except (OSError, TypeError, SyntaxError):
        return {}
    docs: dict[str, str] = {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node, following in itertools.pairwise(body):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            docs[node.target.id] = inspect.cleandoc(following.value.value)
    return docs


class _Builder:
    def __init__(self) -> None:
        self.definitions: dict[str, Any] = {}

    def type_schema(self, t: Any) -> dict[str, Any]:
        origin = typing.get_origin(t)
        args = typing.get_args(t)
        if t is bool:
            return {"type": "boolean"}
        if t is int:
            return {"type": "integer"}
        if t is float:
            return {"type": "number"}
        if t is str:
            return {"type": "string"}
        if origin is Literal:
            return {"enum": list(args)}
        if isinstance(t, types.UnionType) or origin is typing.Union:
            options = [a for a in args if a is not type(None)]
            if set(options) == {int, str}:
                return {"type": ["integer", "string"], "description": "an integer or a formula"}
            if len(options) == 1:
                return self.type_schema(options[0])
            return {"anyOf": [self.type_schema(a) for a in options]}
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.type_schema(args[0])}
            return {"type": "array", "items": [self.type_schema(a) for a in args],
                    "minItems": len(args), "maxItems": len(args), "additionalItems": False}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.type_schema(args[1])}
        if attrs.has(t):
            return self.class_ref(t)
        raise TypeError(f"no schema for {t!r}")  # pragma: no cover - the model uses none

    def class_ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.definitions:
            self.definitions[name] = {}  # placeholder: recursive classes (Effect) refer to it
            self.definitions[name] = self.class_schema(cls)
        return {"$ref": f"#/definitions/{name}"}

    def class_schema(self, cls: type) -> dict[str, Any]:
        if cls is model.Translations:
            return _translations_schema()
        attrs.resolve_types(cls, globalns=vars(model))
        docs = _field_docs(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(cls):
            key = RENAMED.get((cls, field.name), field.name)
            prop = dict(self.type_schema(field.type))
            if field.name in docs:
                prop["description"] = docs[field.name]
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if default is attrs.NOTHING:
                required.append(key)
            elif isinstance(default, int | str | bool | float | tuple | dict) and (
                    not isinstance(default, tuple | dict) or not default):
                prop["default"] = list(default) if isinstance(default, tuple) else default
            properties[key] = prop
        schema: dict[str, Any] = {"type": "object", "properties": properties,
                                  "additionalProperties": False}
        if required:
            schema["required"] = required
        if cls.__doc__:
            schema["description"] = inspect.cleandoc(cls.__doc__).split("\n\n")[0]
        if cls is Effect:
            schema["anyOf"] = [{"required": [verb]} for verb in EFFECT_VERBS]
        return schema


def _translations_schema() -> dict[str, Any]:
    """``[translations]`` as written: ``languages`` beside one table of texts per language."""
    texts = {"type": "object", "additionalProperties": {"type": "string"},
             "description": "Text path (zones.gate.label) -> the text in this language."}
    return {
        "type": "object",
        "description": inspect.cleandoc(model.Translations.__doc__ or "").split("\n\n")[0],
        "properties": {
            "languages": {"type": "array", "items": {"type": "string"},
                          "description": "Every language of the ruleset; the first is the one "
                                         "of the texts written inline."},
        },
        "additionalProperties": texts,
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of a ruleset file."""
    builder = _Builder()
    root = builder.class_schema(Ruleset)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Cibo ruleset",
        "description": "A Cibo ruleset (TOML). Generated from cibo.core.ruleset; see "
                       "docs/rulesets.md. Check files with `cibo check`.",
        **{k: v for k, v in root.items() if k != "description"},
        "definitions": dict(sorted(builder.definitions.items())),
    }


def render() -> str:
    """The schema as the text of ``rulesets/schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    sys.stdout.write(render())
