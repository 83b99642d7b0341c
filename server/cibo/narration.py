"""Events told in words, in a language, for the terminal: the clients' own locale tables.

The browser clients tell events with ``clients/shared/narrate.js`` and the tables in
``clients/shared/locales/<lang>.json``; :class:`Narrator` tells them the same way from the same
tables, for ``cibo replay``. The language comes from the environment (``LC_ALL``,
``LC_MESSAGES``, ``LANG``, as a terminal program should): ``it_IT.UTF-8`` picks Italian, and
anything without a table (``C``, ``POSIX``, unset) is English. Ruleset texts come from the
ruleset's own ``[translations]`` (:mod:`cibo.core.texts`).

Plural forms use the simple rule English and Italian share (``one`` for 1, else ``other``), and
numbers are written plainly: Python has no CLDR data without an extra package.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from cibo.core.ruleset import Ruleset
from cibo.core.teach import fill_values
from cibo.core.texts import pretty, text_paths
from cibo.transports.http import clients_dir

__all__ = ["DEFAULT_LANGUAGE", "Locale", "Narrator", "language_from_env", "locale_dir"]

DEFAULT_LANGUAGE = "en"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def locale_dir() -> Path:
    """``shared/locales`` under the clients directory the server serves."""
    return clients_dir() / "shared" / "locales"


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for, if there is a table for it, else English."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            code = value.split(".")[0].split("_")[0].split("-")[0].lower()
            return code if (locale_dir() / f"{code}.json").is_file() else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


@cache
def _table(lang: str) -> dict[str, Any]:
    data = json.loads((locale_dir() / f"{lang}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{lang}.json is not a table of sentences")
    return data


class Locale:
    """One language's table, English behind it for a key it lacks."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = lang
        self.table = _table(lang)
        self.fallback = _table(DEFAULT_LANGUAGE)

    def has(self, key: str) -> bool:
        return key in self.table or key in self.fallback

    def t(self, key: str, **params: Any) -> str:
        """The sentence for ``key`` with its ``{placeholders}`` filled from ``params``."""
        entry = self.table.get(key, self.fallback.get(key, key))
        if isinstance(entry, dict):
            entry = entry.get("one" if params.get("count") == 1 else "other", entry["other"])
        return _PLACEHOLDER.sub(
            lambda m: str(params[m[1]]) if m[1] in params else m[0], str(entry)
        )


class Narrator:
    """Events of one game (public views, as dicts) told in the locale's language."""

    def __init__(self, ruleset: Ruleset, locale: Locale) -> None:
        self.rs = ruleset
        self.loc = locale
        source = text_paths(ruleset)
        own = ruleset.translations.texts.get(locale.lang, {})
        self.texts = {path: own.get(path, text) for path, text in source.items()}
        self.hero_kinds: dict[str, str] = {}
        self.unit_kinds: dict[str, str] = {}
        self.seats: dict[str, str] = {}
        self.reason = ""
        """The last concession offered, in words (a conceded ending gives it as its why)."""

    def text(self, path: str, default: str = "") -> str:
        return self.texts.get(path, default)

    def zone(self, name: str) -> str:
        return self.text(f"zones.{name}.label", pretty(name))

    def track(self, name: str) -> str:
        return self.text(f"tracks.{name}.label", pretty(name))

    def hero(self, hero_id: str) -> str:
        kind = self.hero_kinds.get(hero_id, hero_id)
        name = self.text(f"heroes.{kind}.name", pretty(kind))
        number = re.search(r"-(\d+)$", hero_id)
        repeatable = kind in self.rs.heroes and self.rs.heroes[kind].repeatable
        return f"{name} {number[1]}" if number and repeatable else name

    def unit(self, unit_id: str, kind: str = "") -> str:
        kind = kind or self.unit_kinds.get(unit_id, "")
        return self.text(f"units.{kind}.name", pretty(kind)) if kind else pretty(unit_id)

    def action(self, hero_id: str, action: str) -> str:
        kind = self.hero_kinds.get(hero_id, "")
        for base in (f"heroes.{kind}.actions", "actions"):
            if f"{base}.{action}.label" in self.texts:
                return self.texts[f"{base}.{action}.label"]
        owners = [k for k in self.rs.heroes if f"heroes.{k}.actions.{action}.label" in self.texts]
        return self.text(f"heroes.{owners[0]}.actions.{action}.label") if owners else pretty(action)

    def phase(self, name: str) -> str:
        return self.text(f"round.{name}.label", pretty(name))

    def difficulty(self, name: str) -> str:
        return self.text(f"difficulty.{name}.label", pretty(name))

    def band(self, name: str) -> str:
        for track in self.rs.tracks:
            found = self.text(f"tracks.{track}.bands.{name}.label")
            if found:
                return found
        return pretty(name)

    def target(self, value: str) -> str:
        if not value:
            return ""
        if value in self.rs.zones:
            return self.zone(value)
        if value in self.hero_kinds:
            return self.hero(value)
        if value in self.unit_kinds:
            return self.unit(value)
        return pretty(value)

    def cause(self, cause: str) -> str:
        if not cause:
            return ""
        kind, _, rest = cause.partition(":")
        if kind == "step":
            phase, _, step = rest.partition(".")
            label = self.text(f"round.{phase}.steps.{step}.label", pretty(step))
            return self.loc.t("cause.step", phase=self.phase(phase), step=label)
        if kind == "action":
            return self.action("", rest.split(":")[0])
        if kind == "table":
            table = rest.split("@")[0]
            return self.loc.t("cause.table", table=self.text(f"tables.{table}.label"))
        if kind == "unit" and rest in self.rs.units:
            return self.unit("", rest)
        if kind == "card":
            base = rest.split("#")[0]
            for deck in self.rs.decks:
                if f"decks.{deck}.cards.{base}.label" in self.texts:
                    return self.texts[f"decks.{deck}.cards.{base}.label"]
        if cause in self.unit_kinds:
            return self.unit(cause)
        if cause in self.hero_kinds:
            return self.hero(cause)
        return pretty(rest or kind)

    def outcome(self, status: str, cause: str, text: str) -> str:
        if status == "aborted":
            return self.loc.t("over.host_ended") if cause == "host" else text
        if cause == "conceded":
            return self.loc.t("over.conceded", reason=self.reason or text)
        side = "victory" if status == "won" else "defeat"
        return self.text(f"end.{side}.{cause}.text", text)

    def concession(self, e: Mapping[str, Any]) -> str:
        """A concession's reason (``concession_offered``) with its numbers, in the language."""
        text = self.text(f"concede.{e.get('reason', '')}.text", e.get("text", ""))
        return fill_values(text, e.get("values") or {})

    def line(self, e: Mapping[str, Any]) -> str | None:
        """One line for event ``e`` (a public view), or None for events not worth one."""
        kind = e.get("type", "")
        if kind == "hero_picked":
            self.hero_kinds[e["hero"]] = e["kind"]
        if kind == "seat_joined":
            self.seats[e["seat"]] = e["name"]
        if e.get("unit") and e.get("kind"):
            self.unit_kinds[e["unit"]] = e["kind"]
        if kind == "round_started" and e.get("round", 0) > self.rs.ruleset.rounds:
            return None  # the round past the last only ends the game on time: its end line tells
        t = self.loc.t
        seat = self.seats.get(e.get("seat", ""), e.get("seat", ""))
        simple: dict[str, tuple[str, dict[str, Any]]] = {
            "seat_joined": ("feed.seat_joined", {"name": e.get("name")}),
            "seat_left": ("feed.seat_left", {"name": seat}),
            "round_started": ("feed.round_started", {"round": e.get("round")}),
            "difficulty_set": ("feed.difficulty_set",
                               {"difficulty": self.difficulty(e.get("difficulty", ""))}),
            "game_started": ("feed.game_started",
                             {"difficulty": self.difficulty(e.get("difficulty", ""))}),
            "phase_started": ("feed.phase_started", {"phase": self.phase(e.get("name", ""))}),
            "turn_started": ("feed.turn_started", {"hero": self.hero(e.get("hero", ""))}),
            "hero_moved": ("feed.hero_moved", {"hero": self.hero(e.get("hero", "")),
                                               "zone": self.zone(e.get("zone", ""))}),
            "unit_spawned": ("feed.unit_spawned", {"unit": self.unit("", e.get("kind", "")),
                                                   "zone": self.zone(e.get("zone", ""))}),
            "unit_moved": ("feed.unit_moved", {"unit": self.unit(e.get("unit", "")),
                                               "zone": self.zone(e.get("zone", ""))}),
            "unit_damaged": ("feed.unit_damaged", {"unit": self.unit(e.get("unit", "")),
                                                   "count": e.get("amount"), "hp": e.get("hp")}),
            "unit_destroyed": ("feed.unit_destroyed",
                               {"unit": self.unit(e.get("unit", ""), e.get("kind", ""))}),
            "unit_regenerated": ("feed.unit_regenerated",
                                 {"unit": self.unit(e.get("unit", "")), "hp": e.get("hp")}),
            "hero_damaged": ("feed.hero_damaged", {"hero": self.hero(e.get("hero", "")),
                                                   "count": e.get("amount"), "hp": e.get("hp")}),
            "hero_downed": ("feed.hero_downed", {"hero": self.hero(e.get("hero", ""))}),
            "hero_healed": ("feed.hero_healed",
                            {"hero": self.hero(e.get("hero", "")), "hp": e.get("hp")}),
            "hero_revived": ("feed.hero_revived", {"hero": self.hero(e.get("hero", "")),
                                                   "zone": self.zone(e.get("zone", ""))}),
            "zone_dormant": ("feed.zone_dormant", {"zone": self.zone(e.get("zone", "")),
                                                   "round": e.get("until")}),
            "zone_destroyed": ("feed.zone_destroyed", {"zone": self.zone(e.get("zone", ""))}),
            "trigger_fired": ("feed.trigger_fired", {"track": self.track(e.get("track", "")),
                                                     "value": e.get("value")}),
        }
        if kind in simple:
            key, params = simple[kind]
            return t(key, **params)
        if kind == "hero_picked":
            return t("feed.hero_picked", name=seat, hero=self.hero(e["hero"]))
        if kind == "hero_dropped":
            return t("feed.hero_dropped", name=seat, hero=self.hero(e["hero"]))
        if kind == "hero_arrived":
            self.hero_kinds[e["hero"]] = e["kind"]
            return t("feed.hero_arrived", name=seat, hero=self.hero(e["hero"]),
                     zone=self.zone(e.get("zone", "")))
        if kind == "command_undone":
            by = self.seats.get(e.get("by", ""), e.get("by", ""))
            return t("feed.command_undone", name=by)
        if kind == "action_taken":
            target = self.target(e.get("target", ""))
            text = t("feed.action_target" if target else "feed.action",
                     hero=self.hero(e["hero"]), action=self.action(e["hero"], e["action"]),
                     target=target)
            roll = e.get("roll")
            if roll:
                text += f" · [{', '.join(str(d['value']) for d in roll.get('dice', []))}]"
                text += f" → {roll.get('total')}"
            if e.get("success") is not None:
                text += " · " + t("feed.success" if e["success"] else "feed.failed")
            return text
        if kind == "track_changed":
            cause = self.cause(e.get("cause", ""))
            delta = e.get("delta", 0)
            return t("feed.track_changed_cause" if cause else "feed.track_changed",
                     track=self.track(e["track"]), delta=f"+{delta}" if delta > 0 else delta,
                     value=e.get("value"), cause=cause)
        if kind == "table_rolled":
            key = "feed.table_rolled" + ("_at" if e.get("at") else "") + (
                "_band" if e.get("band") else "")
            where = f"bands.{e['band']}" if e.get("band") else "rows"
            row_text = self.text(f"tables.{e['table']}.{where}.{e['row']}.text", e.get("text", ""))
            line = t(key, table=self.text(f"tables.{e['table']}.label", pretty(e["table"])),
                     zone=self.zone(e.get("at", "")), band=self.band(e.get("band", "")),
                     roll=e.get("roll", {}).get("total"), row=e["row"] + 1)
            return f"{line} · {row_text}" if row_text else line
        if kind == "spawn_blocked":
            reason = e.get("reason", "")
            words = t(f"blocked.{reason}") if self.loc.has(f"blocked.{reason}") else reason
            return t("feed.spawn_blocked", unit=self.unit("", e["kind"]),
                     zone=self.zone(e["zone"]), reason=words)
        if kind == "unit_acted":
            name = str(e.get("behavior", "")).split(":")[0]
            act = t(f"behavior.{name}") if self.loc.has(f"behavior.{name}") else pretty(name)
            return t("feed.unit_acted", unit=self.unit(e["unit"]), act=act,
                     zone=self.zone(e["zone"]))
        if kind in ("marker_launched", "marker_moved"):
            marker = self.text(f"markers.{e['marker']}.label", pretty(e["marker"]))
            if kind == "marker_launched":
                return t("feed.marker_launched", marker=marker)
            return t("feed.marker_moved", marker=marker, zone=self.zone(e["zone"]))
        if kind == "card_drawn":
            base = str(e["card"]).split("#")[0]
            name = self.text(f"decks.{e['deck']}.cards.{base}.label", pretty(base))
            card = self.text(f"decks.{e['deck']}.cards.{base}.text", e.get("text") or name)
            return t("feed.card_drawn", deck=self.text(f"decks.{e['deck']}.label"), card=card)
        if kind in ("deck_built", "deck_reshuffled"):
            return t("feed.deck_shuffled", deck=self.text(f"decks.{e['deck']}.label"),
                     count=e.get("size"))
        if kind == "cards_peeked":
            return t("feed.cards_peeked", name=seat, count=e.get("n"),
                     deck=self.text(f"decks.{e['deck']}.label"))
        if kind == "game_paused":
            return t("feed.game_paused" if e.get("paused") else "feed.game_resumed")
        if kind == "concession_offered":
            self.reason = self.concession(e)
            return t("feed.concession_offered", reason=self.reason)
        if kind in ("concession_declined", "concession_accepted"):
            return t(f"feed.{kind}", name=seat)
        if kind == "game_ended":
            return self.outcome(e["status"], e.get("cause", ""), e.get("text", ""))
        if kind in ("turn_ended", "noise_changed"):
            return None
        return pretty(kind)
