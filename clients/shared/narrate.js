// Turning game events into short sentences, and rolls into dice, for the phone and the table.
// Everything here is generic: names come from the ruleset summary and the public state.
// Names (names.js) and dice (dice.js) live beside it; they are exported here too.

import { has, t } from "./i18n.js";
import { pretty } from "./names.js";
import { rollText, signed } from "./dice.js";

export { fillValues, Names, pretty } from "./names.js";
export { diceFaces, formulaText, rollModifier, rollText } from "./dice.js";

/**
 * One line of narration for an event, or null for events not worth a line.
 * Returns {text, kind, icon}: kind is a CSS hook (good, bad, spawn, round, roll, info).
 */
export function narrate(event, names) {
  const e = event;
  switch (e.type) {
    case "seat_joined":
      return { text: t("feed.seat_joined", { name: e.name }), kind: "info", icon: "+" };
    case "seat_left":
      return { text: t("feed.seat_left", { name: names.seat(e.seat) }), kind: "info", icon: "−" };
    case "hero_picked":
      return {
        text: t("feed.hero_picked", { name: names.seat(e.seat), hero: names.heroKind(e.kind) }),
        kind: "info",
        icon: "★",
      };
    case "hero_dropped":
      return {
        text: t("feed.hero_dropped", { name: names.seat(e.seat), hero: names.hero(e.hero) }),
        kind: "info",
        icon: "☆",
      };
    case "hero_arrived":
      return {
        text: t("feed.hero_arrived", {
          name: names.seat(e.seat),
          hero: names.hero(e.hero),
          zone: names.zone(e.zone),
        }),
        kind: "info",
        icon: "★",
      };
    case "command_undone":
      return {
        text: t("feed.command_undone", { name: names.seat(e.by) }),
        kind: "info",
        icon: "↶",
      };
    case "difficulty_set":
      return {
        text: t("feed.difficulty_set", { difficulty: names.difficulty(e.difficulty) }),
        kind: "info",
        icon: "⚙",
      };
    case "game_started":
      return {
        text: t("feed.game_started", { difficulty: names.difficulty(e.difficulty) }),
        kind: "round",
        icon: "▶",
      };
    case "round_started":
      // The round past the last one only ends the game on time: its end line tells it.
      if (names.ruleset.rounds && e.round > names.ruleset.rounds) return null;
      return { text: t("feed.round_started", { round: e.round }), kind: "round", icon: "◆" };
    case "phase_started":
      return {
        text: t("feed.phase_started", { phase: names.phase(e.name) }),
        kind: "phase",
        icon: "›",
      };
    case "turn_started":
      return {
        text: t("feed.turn_started", { hero: names.hero(e.hero) }),
        kind: "phase",
        icon: "›",
      };
    case "turn_ended":
      return null;
    case "action_taken": {
      const target = names.target(e.target);
      const params = { hero: names.hero(e.hero), action: names.action(e.hero, e.action), target };
      let text = t(target ? "feed.action_target" : "feed.action", params);
      if (e.roll) text += ` · ${rollText(e.roll)}`;
      if (e.success === true) text += ` · ${t("feed.success")}`;
      if (e.success === false) text += ` · ${t("feed.failed")}`;
      return { text, kind: e.success === false ? "bad" : "act", icon: "✦", roll: e.roll };
    }
    case "hero_moved":
      return {
        text: t("feed.hero_moved", { hero: names.hero(e.hero), zone: names.zone(e.zone) }),
        kind: "move",
        icon: "→",
      };
    case "track_changed": {
      const cause = names.cause(e.cause);
      const params = { track: names.track(e.track), delta: signed(e.delta), value: e.value, cause };
      return {
        text: t(cause ? "feed.track_changed_cause" : "feed.track_changed", params),
        kind: "track",
        icon: e.delta >= 0 ? "▲" : "▼",
      };
    }
    case "noise_changed":
      return null;
    case "trigger_fired":
      return {
        text: t("feed.trigger_fired", { track: names.track(e.track), value: e.value }),
        kind: "bad",
        icon: "!",
      };
    case "table_rolled": {
      const params = {
        table: names.table(e.table),
        zone: e.at ? names.zone(e.at) : "",
        band: e.band ? names.band(e.band) : "",
        roll: rollText(e.roll),
        row: e.row + 1,
      };
      const key = `feed.table_rolled${e.at ? "_at" : ""}${e.band ? "_band" : ""}`;
      const text = names.rowText(e);
      return {
        text: t(key, params) + (text ? ` · ${text}` : ""),
        kind: "roll",
        icon: "⚄",
        roll: e.roll,
      };
    }
    case "unit_spawned":
      return {
        text: t("feed.unit_spawned", { unit: names.unitKind(e.kind), zone: names.zone(e.zone) }),
        kind: "spawn",
        icon: "▲",
      };
    case "spawn_blocked":
      return {
        text: t("feed.spawn_blocked", {
          unit: names.unitKind(e.kind),
          zone: names.zone(e.zone),
          reason: blockedReason(e.reason),
        }),
        kind: "info",
        icon: "×",
      };
    case "unit_moved":
      return {
        text: t("feed.unit_moved", { unit: names.unit(e.unit), zone: names.zone(e.zone) }),
        kind: "move",
        icon: "→",
      };
    case "unit_damaged":
      return {
        text: t("feed.unit_damaged", { unit: names.unit(e.unit), count: e.amount, hp: e.hp }),
        kind: "good",
        icon: "✶",
      };
    case "unit_destroyed":
      return {
        text: t("feed.unit_destroyed", { unit: names.unit(e.unit, e.kind) }),
        kind: "good",
        icon: "✓",
      };
    case "unit_regenerated":
      return {
        text: t("feed.unit_regenerated", { unit: names.unit(e.unit), hp: e.hp }),
        kind: "bad",
        icon: "+",
      };
    case "unit_acted":
      return {
        text: t("feed.unit_acted", {
          unit: names.unit(e.unit),
          act: behaviorText(e.behavior),
          zone: names.zone(e.zone),
        }),
        kind: "bad",
        icon: "⚠",
      };
    case "hero_damaged":
      return {
        text: t("feed.hero_damaged", { hero: names.hero(e.hero), count: e.amount, hp: e.hp }),
        kind: "bad",
        icon: "✶",
      };
    case "hero_downed":
      return { text: t("feed.hero_downed", { hero: names.hero(e.hero) }), kind: "bad", icon: "✖" };
    case "hero_healed":
      return {
        text: t("feed.hero_healed", { hero: names.hero(e.hero), hp: e.hp }),
        kind: "good",
        icon: "+",
      };
    case "hero_revived":
      return {
        text: t("feed.hero_revived", { hero: names.hero(e.hero), zone: names.zone(e.zone) }),
        kind: "good",
        icon: "↑",
      };
    case "zone_dormant":
      return {
        text: t("feed.zone_dormant", { zone: names.zone(e.zone), round: e.until }),
        kind: "good",
        icon: "☾",
      };
    case "zone_destroyed":
      return {
        text: t("feed.zone_destroyed", { zone: names.zone(e.zone) }),
        kind: "good",
        icon: "✓",
      };
    case "marker_launched":
      return {
        text: t("feed.marker_launched", { marker: names.marker(e.marker) }),
        kind: "good",
        icon: "⚑",
      };
    case "marker_moved":
      return {
        text: t("feed.marker_moved", { marker: names.marker(e.marker), zone: names.zone(e.zone) }),
        kind: "good",
        icon: "⚑",
      };
    case "card_drawn":
      return {
        text: t("feed.card_drawn", {
          deck: names.deck(e.deck),
          card: names.cardText(e) || names.card(e.card, e.texts, e.deck),
        }),
        kind: "roll",
        icon: "▭",
      };
    case "deck_built":
    case "deck_reshuffled":
      return {
        text: t("feed.deck_shuffled", { deck: names.deck(e.deck), count: e.size }),
        kind: "info",
        icon: "▭",
      };
    case "cards_peeked":
      return {
        text: t("feed.cards_peeked", {
          name: names.seat(e.seat),
          deck: names.deck(e.deck),
          count: e.n,
        }),
        kind: "info",
        icon: "◉",
      };
    case "game_paused":
      return {
        text: t(e.paused ? "feed.game_paused" : "feed.game_resumed"),
        kind: "info",
        icon: "Ⅱ",
      };
    case "concession_offered":
      return {
        text: t("feed.concession_offered", { reason: names.concession(e) }),
        kind: "bad",
        icon: "⚑",
      };
    case "concession_declined":
      return {
        text: t("feed.concession_declined", { name: names.seat(e.seat) }),
        kind: "info",
        icon: "▶",
      };
    case "concession_accepted":
      return {
        text: t("feed.concession_accepted", { name: names.seat(e.seat) }),
        kind: "bad",
        icon: "⚑",
      };
    case "game_ended":
      return {
        text: names.outcome(e.status, e.cause, e.text) || statusText(e.status),
        kind: e.status === "won" ? "good" : "bad",
        icon: e.status === "won" ? "★" : "✖",
      };
    default:
      return { text: pretty(e.type), kind: "info", icon: "·" };
  }
}

/** Why a unit could not appear ("unique", "supply"), in words. */
export function blockedReason(reason) {
  return has(`blocked.${reason}`) ? t(`blocked.${reason}`) : pretty(reason);
}

/** What a unit did ("attack_hero", "act:siege"), in words. */
export function behaviorText(behavior) {
  const name = String(behavior).split(":")[0];
  return has(`behavior.${name}`) ? t(`behavior.${name}`) : pretty(name);
}

/** A game's status ("won", "lost", "aborted", "playing"...) in words. */
export function statusText(status) {
  return has(`status.${status}`) ? t(`status.${status}`) : pretty(status);
}

/**
 * Group events into spawn stories: each table roll or card draw with the units that came of it.
 * Returns [{roll: table_rolled or card_drawn event, units: [unit_spawned...], blocked: [...]}].
 */
export function spawnStories(events) {
  const out = [];
  let current = null;
  for (const e of events) {
    if (e.type === "table_rolled" || e.type === "card_drawn") {
      current = { roll: e, units: [], blocked: [] };
      out.push(current);
    } else if (e.type === "unit_spawned" && current && /^(table|card):/.test(String(e.source))) {
      current.units.push(e);
    } else if (e.type === "spawn_blocked" && current) {
      current.blocked.push(e);
    } else if (
      e.type !== "unit_spawned" && e.type !== "spawn_blocked" && e.type !== "noise_changed"
    ) {
      current = null;
    }
  }
  return out;
}

/** Narration lines for a run of events (a move already told by its action is told once). */
export function feedLines(events, names) {
  const lines = [];
  let previous = null;
  for (const e of events) {
    if (!e) continue;
    names.learn(e);
    const told = e.type === "hero_moved" && previous?.type === "action_taken" &&
      previous.hero === e.hero && previous.target === e.zone;
    const line = told ? null : narrate(e, names);
    if (line) lines.push(line);
    previous = e;
  }
  return lines;
}
