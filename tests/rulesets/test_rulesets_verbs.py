"""The verb table (cibo.core.verbs.VERBS) against everything else that knows the verbs.

Every verb must be a field of the file format (``Effect``), documented in docs/rulesets.md with
its parameters, checked by the ruleset checker (a parameter it does not use is reported), and
runnable: a sample effect that the checker accepts emits events in a real game.
"""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest
from rulesets_helpers import ROOT, minimal_text, problems_of

from cibo.core.effects import Ctx, GameOver, run
from cibo.core.ruleset import Effect
from cibo.core.verbs import EFFECT_VERBS, KINDS, VERBS, verb_of
from cibo.rulesets import parse_ruleset
from cibo.rulesets.checks.verbs import KIND_CHECKS, VERB_CHECKS
from cibo.simulation import setup_game

EXTRA = """
[decks.d]
cards = [ { id = "a", n = 2 }, { id = "b" } ]

[markers.m]
path = ["camp", "gate"]
"""

SAMPLES: dict[str, str] = {
    "add": '{ add = "food", by = 1 }',
    "set": '{ set = "food", to = 2 }',
    "spawn": '{ spawn = ["drone"], at = "yard" }',
    "noise": '{ noise = "yard", by = 2 }',
    "noise_all": "{ noise_all = true, by = 1 }",
    "roll_table": '{ roll_table = "loot" }',
    "draw": '{ draw = "d", n = 1 }',
    "consume": '{ consume = "food", n = 7, short = [ { add = "alert", by = "$short" } ] }',
    "dormant": '{ dormant = "yard", rounds = 1 }',
    "destroy": '{ destroy = "yard" }',
    "heal": '{ damage = "$hero", by = 2 }, { heal = "$hero", by = 1 }',
    "damage": '{ damage = "$hero", by = 1 }',
    "damage_zone": '{ spawn = ["drone"], at = "yard" }, '
                   '{ damage_zone = "gate", by = 1, radius = 1 }',
    "move": '{ move = "$hero", at = "gate" }',
    "marker": '{ marker = "m", op = "launch" }',
    "reshuffle": '{ draw = "d" }, { reshuffle = "d", onto = "bottom" }',
    "peek": '{ peek = "d", n = 2 }',
    "activate": '{ spawn = ["drone"], at = "$zone" }, { activate = "all" }',
    "revive": '{ damage = "$hero", by = 99 }, { revive = "camp", cost = { food = 1 } }',
    "victory": '{ victory = "won" }',
    "defeat": '{ defeat = "lost" }',
}
"""Effects ending with the verb under test, for an action ``try`` of the minimal ruleset."""


def _with_action(effects: str) -> str:
    text = minimal_text() + EXTRA
    action = f"try = {{ do = [ {effects} ] }}\n"
    return text.replace("[actions]\n", "[actions]\n" + action, 1)


def test_the_table_and_the_file_format_name_the_same_verbs_and_parameters() -> None:
    fields = [f.name for f in attrs.fields(Effect)]
    assert fields[: len(VERBS)] == list(VERBS) == list(EFFECT_VERBS)
    params = {p.name for verb in VERBS.values() for p in verb.params}
    assert set(fields[len(VERBS):]) == params | {"when", "text"}
    for verb in VERBS.values():
        assert verb.subject.name == verb.name
        assert verb.doc
        for param in (verb.subject, *verb.params):
            assert param.kind in KINDS, (verb.name, param)
            assert (param.kind == "choice") == bool(param.choices), (verb.name, param)


def test_every_kind_has_a_check() -> None:
    assert set(KIND_CHECKS) == set(KINDS)
    assert set(VERB_CHECKS) <= set(VERBS)


def _documented() -> dict[str, str]:
    """Verb -> the Parameters cell of its row in the Effects table of docs/rulesets.md."""
    text = (ROOT / "docs" / "rulesets.md").read_text(encoding="utf-8")
    section = text.split("## Effects", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            for verb in re.findall(r"`(\w+)`", cells[0]):
                rows[verb] = cells[2]
    return rows


def test_every_verb_is_documented_with_its_parameters() -> None:
    documented = _documented()
    assert set(documented) == set(VERBS)
    for name, verb in VERBS.items():
        listed = set(re.findall(r"`(\w+)`", documented[name]))
        assert verb.param_names() <= listed, (name, documented[name])


@pytest.mark.parametrize("name", list(VERBS))
def test_every_verb_is_checked(name: str) -> None:
    """A parameter the verb does not use is reported, with the verb's own parameters."""
    verb = VERBS[name]
    stranger = next(p for p in ("radius", "by", "onto") if p not in verb.param_names())
    value = "1" if stranger != "onto" else '"bottom"'  # not its default
    own = "{ " + name + " ="
    assert SAMPLES[name].count(own) == 1
    text = _with_action(SAMPLES[name].replace(own, "{ " + f"{stranger} = {value}, {name} ="))
    messages = [p.message for p in problems_of(text)]
    uses = ", ".join(sorted(verb.param_names())) or "no parameters"
    assert f"{stranger!r} means nothing to {name!r} (it uses: {uses})" in messages


@pytest.mark.parametrize("name", list(VERBS))
def test_every_verb_runs(name: str) -> None:
    """The sample is accepted by the checker and the verb under test emits events."""
    rs = parse_ruleset(_with_action(SAMPLES[name]), name="verbs.toml").ruleset
    effects = rs.actions["try"].do
    assert verb_of(effects[-1]).name == name
    state = setup_game(rs, seed=b"v" * 32, players=1, difficulty="normal")
    hero = state.heroes[0]
    bindings: dict[str, Any] = {"hero": hero.id, "zone": hero.zone, "seat": hero.seat}
    ctx = Ctx(state)
    run(ctx, effects[:-1], bindings, "test")
    before = len(ctx.events)
    try:
        run(ctx, effects[-1:], bindings, "test")
    except GameOver:
        assert name in ("victory", "defeat")
    assert len(ctx.events) > before, f"{name} emitted nothing"
