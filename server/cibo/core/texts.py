"""A ruleset's texts by path: what a translation must give, and what each says in the source.

A text path names one text by its place in the ruleset file, with entries by name and rows by
index (from 0): ``ruleset.name``, ``zones.gate.label``, ``heroes.killy.actions.beam.text``,
``tables.spawn.bands.calm.0.text``, ``round.upkeep.steps.eat.label``,
``end.victory.evacuated.text``, ``concede.route_short.text``, ``teach.goals.route.text``,
``teach.phases.heroes``, ``teach.glossary.noise.term``.
Names that have no label field in the file (a band, a table, a deck, a card, a step, an action
without ``label``) still have a ``label`` path: its source text is the name made readable
(``find`` -> ``Find``), and a translation gives it in words. The clients look texts up by the
same paths (``clients/shared/i18n.js``), so an event that names a table row finds its text.
"""

from __future__ import annotations

import re

from cibo.core.ruleset import Action, Row, Ruleset

__all__ = ["card_paths", "pretty", "text_paths"]


def pretty(name: str) -> str:
    """``sabotage_tower`` -> ``Sabotage tower`` (the same rule as the clients' ``pretty``)."""
    text = re.sub(r"[_-]+", " ", name).strip()
    return text[:1].upper() + text[1:]


def _action(out: dict[str, str], base: str, name: str, action: Action) -> None:
    out[f"{base}.{name}.label"] = action.label or pretty(name)
    if action.text:
        out[f"{base}.{name}.text"] = action.text


def _rows(out: dict[str, str], base: str, rows: tuple[Row, ...]) -> None:
    for index, row in enumerate(rows):
        if row.text:
            out[f"{base}.{index}.text"] = row.text


def card_paths(rs: Ruleset, deck: str, card: str) -> dict[str, str]:
    """The texts of one card of ``deck`` (``retool#2`` is a copy of ``retool``): path -> its
    text in the source language; empty when the deck has no such card."""
    spec = rs.decks.get(deck)
    base = card.split("#", maxsplit=1)[0]
    cards = (*spec.cards, *spec.specials) if spec is not None else ()
    found = next((c for c in cards if c.id == base), None)
    if found is None:
        return {}
    out = {f"decks.{deck}.cards.{base}.label": pretty(base)}
    if found.text:
        out[f"decks.{deck}.cards.{base}.text"] = found.text
    return out


def text_paths(rs: Ruleset) -> dict[str, str]:
    """Every text of ``rs`` a reader may see: path -> its text in the source language."""
    out: dict[str, str] = {"ruleset.name": rs.ruleset.name}
    if rs.ruleset.text:
        out["ruleset.text"] = rs.ruleset.text
    for name, zone in rs.zones.items():
        out[f"zones.{name}.label"] = zone.label or name
    for name, track in rs.tracks.items():
        out[f"tracks.{name}.label"] = track.label or name
        for band in track.bands:
            out[f"tracks.{name}.bands.{band.name}.label"] = pretty(band.name)
    for name, hero in rs.heroes.items():
        out[f"heroes.{name}.name"] = hero.name
        if hero.text:
            out[f"heroes.{name}.text"] = hero.text
        for action_name, action in hero.actions.items():
            _action(out, f"heroes.{name}.actions", action_name, action)
    for name, action in rs.actions.items():
        _action(out, "actions", name, action)
    for name, unit in rs.units.items():
        out[f"units.{name}.name"] = unit.name
        if unit.text:
            out[f"units.{name}.text"] = unit.text
    for name, table in rs.tables.items():
        out[f"tables.{name}.label"] = pretty(name)
        if table.text:
            out[f"tables.{name}.text"] = table.text
        _rows(out, f"tables.{name}.rows", table.rows)
        for band_name, rows in table.bands.items():
            _rows(out, f"tables.{name}.bands.{band_name}", rows)
    for name, deck in rs.decks.items():
        out[f"decks.{name}.label"] = pretty(name)
        if deck.text:
            out[f"decks.{name}.text"] = deck.text
        for card in (*deck.cards, *deck.specials):
            out.update(card_paths(rs, name, card.id))
    for name, marker in rs.markers.items():
        out[f"markers.{name}.label"] = marker.label or name
    for phase in rs.round:
        out[f"round.{phase.phase}.label"] = phase.label or phase.phase
        for step in phase.steps:
            out[f"round.{phase.phase}.steps.{step.step}.label"] = pretty(step.step)
            if step.text:
                out[f"round.{phase.phase}.steps.{step.step}.text"] = step.text
    for side, conditions in (("victory", rs.end.victory), ("defeat", rs.end.defeat)):
        for cond in conditions:
            if cond.text:
                out[f"end.{side}.{cond.id}.text"] = cond.text
    for entry in rs.concede:
        out[f"concede.{entry.id}.text"] = entry.text
    for name, difficulty in rs.difficulty.items():
        out[f"difficulty.{name}.label"] = difficulty.label
        if difficulty.text:
            out[f"difficulty.{name}.text"] = difficulty.text
    teach = rs.teach
    for side, lines in (("goals", teach.goals), ("defeats", teach.defeats)):
        for name, line in lines.items():
            out[f"teach.{side}.{name}.text"] = line.text
    for name, text in teach.phases.items():
        out[f"teach.phases.{name}"] = text
    for name, term in teach.glossary.items():
        out[f"teach.glossary.{name}.term"] = term.term
        out[f"teach.glossary.{name}.text"] = term.text
    return out
