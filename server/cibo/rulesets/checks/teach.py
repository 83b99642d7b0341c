"""``[teach]``: the goal panel's lines, the round's phases and the glossary.

:func:`check_teach` (run with every check) finds what is wrong in a ``[teach]`` table that is
there: a track that does not exist or is hidden, a formula that does not compile, a phase the
round does not have, a placeholder the clients cannot fill. :func:`teach_gaps` (run by
``cibo check``, not when loading, so that journals written before ``[teach]`` existed keep
replaying) finds what is missing: the table itself, a goal, a defeat line, a phase, the glossary.
"""

from __future__ import annotations

import re

from cibo.core.ruleset import Ruleset, TeachLine
from cibo.core.teach import ACTION_VALUES
from cibo.rulesets.checks.context import CheckContext, P, join
from cibo.rulesets.checks.expressions import check_expr
from cibo.rulesets.structure import Issue

__all__ = ["check_placeholders", "check_teach", "teach_gaps"]

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_LINE_VALUES = ("value", "of")


def check_placeholders(cx: CheckContext, path: P, text: str, allowed: tuple[str, ...]) -> None:
    """``{name}``, or ``{name|one|more}`` (the number, then the word for one or for more)."""
    for inner in _PLACEHOLDER.findall(text):
        name, *forms = inner.split("|")
        if forms and len(forms) != 2:
            cx.err(path, f"{{{inner}}}: write {{{name}|one|more}}, the word for one and for more")
        if name not in allowed:
            known = join(f"{{{a}}}" for a in allowed) if allowed else "none is defined"
            cx.err(path, f"unknown placeholder {{{name}}} (use {known})")


def _line(cx: CheckContext, path: P, line: TeachLine) -> None:
    if not line.text.strip():
        cx.err((*path, "text"), "the sentence is empty")
    check_placeholders(cx, (*path, "text"), line.text, _LINE_VALUES)
    if line.track:
        track = cx.rs.tracks.get(line.track)
        if cx.need("tracks", line.track, (*path, "track"), "track") and track is not None \
                and not track.public:
            cx.err((*path, "track"), f"track {line.track!r} is hidden from the table")
    if line.of != "":
        check_expr(cx, (*path, "of"), line.of, {})
    if line.when:
        check_expr(cx, (*path, "when"), line.when, {}, what="condition")
    uses = {inner.split("|")[0] for inner in _PLACEHOLDER.findall(line.text)}
    if "value" in uses and not line.track:
        cx.err((*path, "text"), "{value} needs a track")
    if "of" in uses and not line.track and line.of == "":
        cx.err((*path, "text"), "{of} needs a track or an 'of'")


def check_teach(cx: CheckContext) -> None:
    """Every part of ``[teach]`` that is there names what exists; texts use known
    placeholders. Action texts (``{range}``, ``{roll}``...) are checked here too."""
    rs = cx.rs
    base = ("teach",)
    for side, lines in (("goals", rs.teach.goals), ("defeats", rs.teach.defeats)):
        for name, line in lines.items():
            _line(cx, (*base, side, name), line)
    phases = [p.phase for p in rs.round]
    for name in rs.teach.phases:
        if "round" not in cx.failed and name not in phases:
            cx.err((*base, "phases", name), f"the round has no phase {name!r} "
                                            f"(phases: {join(phases)})")
    for name, term in rs.teach.glossary.items():
        for key, text in (("term", term.term), ("text", term.text)):
            if not text.strip():
                cx.err((*base, "glossary", name, key), "empty")
    for name, action in rs.actions.items():
        check_placeholders(cx, ("actions", name, "text"), action.text, ACTION_VALUES)
    for hero_name, hero in rs.heroes.items():
        for name, action in hero.actions.items():
            check_placeholders(cx, ("heroes", hero_name, "actions", name, "text"), action.text,
                          ACTION_VALUES)


def teach_gaps(rs: Ruleset) -> list[Issue]:
    """What ``[teach]`` lacks: the table, a goal, a defeat line, a phase of the round, the
    glossary. Each problem's path is where the missing part goes."""
    teach = rs.teach
    base = ("teach",)
    if teach.empty:
        return [(base, "required table [teach] is missing: the goals, defeats, phases and "
                       "glossary the table is taught with (docs/rulesets.md, \"Teaching the "
                       "game\"); put it before [translations]")]
    out: list[Issue] = []
    if not teach.goals:
        out.append(((*base, "goals"), "required: at least one way to win, as a sentence"))
    if not teach.defeats:
        out.append(((*base, "defeats"), "required: at least one way to lose, as a sentence"))
    for phase in rs.round:
        if phase.phase not in teach.phases:
            out.append(((*base, "phases"), f"missing the phase {phase.phase!r}: say what "
                                           "happens in it"))
    if not teach.glossary:
        out.append(((*base, "glossary"), "required: explain the words the game uses"))
    return out
