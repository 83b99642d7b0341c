"""Ruleset files: load, check and find them.

A ruleset is a TOML file that maps one-to-one onto :mod:`cibo.core.ruleset`. Loading it runs
three passes and reports every problem of all of them at once, each with its key path and line:

1. TOML syntax (``tomllib``, with its line and column);
2. strict typing (:mod:`cibo.rulesets.structure`): no coercion, no unknown keys;
3. semantic checks (:mod:`cibo.rulesets.checks`): names that exist, a connected board, tables
   that cover their formula's range, formulas that compile and use known names.

``docs/rulesets.md`` is the designer's reference for the format.
"""

from __future__ import annotations

from cibo.rulesets.loader import (
    DEFAULT_RULESET,
    ENV_VAR,
    LoadedRuleset,
    available_rulesets,
    check_file,
    default_ruleset_path,
    find_ruleset,
    load_ruleset,
    parse_ruleset,
    search_dirs,
)
from cibo.rulesets.names import BUILTIN_NAMES, BuiltinNames
from cibo.rulesets.problems import Problem, RulesetError

__all__ = [
    "BUILTIN_NAMES",
    "DEFAULT_RULESET",
    "ENV_VAR",
    "BuiltinNames",
    "LoadedRuleset",
    "Problem",
    "RulesetError",
    "available_rulesets",
    "check_file",
    "default_ruleset_path",
    "find_ruleset",
    "load_ruleset",
    "parse_ruleset",
    "search_dirs",
]
