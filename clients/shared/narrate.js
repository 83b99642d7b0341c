// Turning game events into short sentences, and rolls into dice, for the phone and the table.
// Everything here is generic: names come from the ruleset summary and the public state.
// Names (names.js) and dice (dice.js) live beside it; they are exported here too.

import { has, t } from "./i18n.js";
import { pretty } from "./names.js";
import { rollText, signed } from "./dice.js";

export { fillValues, Names, pretty } from "./names.js";
export { diceFaces, formulaText, rollModifier, rollText } from "./dice.js";

/**
 * Events told in one sentence: type -> [kind, icon, the sentence's values (event, names), the
 * locale key when it is not `feed.<type>`]. kind is a CSS hook (good, bad, spawn, round, roll,
 * info, phase, move).
 */
const LINES = {
  seat_joined: ["info", "+", (e) => ({ name: e.name })],
  seat_left: ["info", "−", (e, n) => ({ name: n.seat(e.seat) })],
  hero_picked: ["info", "★", (e, n) => ({ name: n.seat(e.seat), hero: n.heroKind(e.kind) })],
  hero_dropped: ["info", "☆", (e, n) => ({ name: n.seat(e.seat), hero: n.hero(e.hero) })],
  hero_arrived: [
    "info",
    "★",
    (e, n) => ({ name: n.seat(e.seat), hero: n.hero(e.hero), zone: n.zone(e.zone) }),
  ],
  command_undone: ["info", "↶", (e, n) => ({ name: n.seat(e.by) })],
  difficulty_set: ["info", "⚙", (e, n) => ({ difficulty: n.difficulty(e.difficulty) })],
  game_started: ["round", "▶", (e, n) => ({ difficulty: n.difficulty(e.difficulty) })],
  phase_started: ["phase", "›", (e, n) => ({ phase: n.phase(e.name) })],
  turn_started: ["phase", "›", (e, n) => ({ hero: n.hero(e.hero) })],
  hero_moved: ["move", "→", (e, n) => ({ hero: n.hero(e.hero), zone: n.zone(e.zone) })],
  trigger_fired: ["bad", "!", (e, n) => ({ track: n.track(e.track), value: e.value })],
  unit_spawned: ["spawn", "▲", (e, n) => ({ unit: n.unitKind(e.kind), zone: n.zone(e.zone) })],
  spawn_blocked: [
    "info",
    "×",
    (e, n) => ({
      unit: n.unitKind(e.kind),
      zone: n.zone(e.zone),
      reason: blockedReason(e.reason),
    }),
  ],
  unit_moved: ["move", "→", (e, n) => ({ unit: n.unit(e.unit), zone: n.zone(e.zone) })],
  unit_damaged: ["good", "✶", (e, n) => ({ unit: n.unit(e.unit), count: e.amount, hp: e.hp })],
  unit_destroyed: ["good", "✓", (e, n) => ({ unit: n.unit(e.unit, e.kind) })],
  unit_regenerated: ["bad", "+", (e, n) => ({ unit: n.unit(e.unit), hp: e.hp })],
  unit_acted: [
    "bad",
    "⚠",
    (e, n) => ({ unit: n.unit(e.unit), act: behaviorText(e.behavior), zone: n.zone(e.zone) }),
  ],
  hero_damaged: ["bad", "✶", (e, n) => ({ hero: n.hero(e.hero), count: e.amount, hp: e.hp })],
  hero_downed: ["bad", "✖", (e, n) => ({ hero: n.hero(e.hero) })],
  hero_healed: ["good", "+", (e, n) => ({ hero: n.hero(e.hero), hp: e.hp })],
  hero_revived: ["good", "↑", (e, n) => ({ hero: n.hero(e.hero), zone: n.zone(e.zone) })],
  zone_dormant: ["good", "☾", (e, n) => ({ zone: n.zone(e.zone), round: e.until })],
  zone_destroyed: ["good", "✓", (e, n) => ({ zone: n.zone(e.zone) })],
  marker_launched: ["good", "⚑", (e, n) => ({ marker: n.marker(e.marker) })],
  marker_moved: ["good", "⚑", (e, n) => ({ marker: n.marker(e.marker), zone: n.zone(e.zone) })],
  card_drawn: [
    "roll",
    "▭",
    (e, n) => ({ deck: n.deck(e.deck), card: n.cardText(e) || n.card(e.card, e.texts, e.deck) }),
  ],
  deck_built: [
    "info",
    "▭",
    (e, n) => ({ deck: n.deck(e.deck), count: e.size }),
    "feed.deck_shuffled",
  ],
  deck_reshuffled: [
    "info",
    "▭",
    (e, n) => ({ deck: n.deck(e.deck), count: e.size }),
    "feed.deck_shuffled",
  ],
  cards_peeked: [
    "info",
    "◉",
    (e, n) => ({ name: n.seat(e.seat), deck: n.deck(e.deck), count: e.n }),
  ],
  concession_offered: ["bad", "⚑", (e, n) => ({ reason: n.concession(e) })],
  concession_declined: ["info", "▶", (e, n) => ({ name: n.seat(e.seat) })],
  concession_accepted: ["bad", "⚑", (e, n) => ({ name: n.seat(e.seat) })],
};

/** Events that are not worth a line of their own (their effect is told elsewhere). */
const SILENT = new Set(["turn_ended", "noise_changed"]);

/**
 * One line of narration for an event, or null for events not worth a line.
 * Returns {text, kind, icon} (and `roll` for a line that shows dice): kind is a CSS hook.
 */
export function narrate(event, names) {
  const e = event;
  const line = LINES[e.type];
  if (line) {
    const [kind, icon, values, key = `feed.${e.type}`] = line;
    return { text: t(key, values(e, names)), kind, icon };
  }
  if (SILENT.has(e.type)) return null;
  switch (e.type) {
    case "round_started":
      // The round past the last one only ends the game on time: its end line tells it.
      if (names.ruleset.rounds && e.round > names.ruleset.rounds) return null;
      return { text: t("feed.round_started", { round: e.round }), kind: "round", icon: "◆" };
    case "action_taken": {
      const target = names.target(e.target);
      const params = { hero: names.hero(e.hero), action: names.action(e.hero, e.action), target };
      let text = t(target ? "feed.action_target" : "feed.action", params);
      if (e.roll) text += ` · ${rollText(e.roll)}`;
      if (e.success === true) text += ` · ${t("feed.success")}`;
      if (e.success === false) text += ` · ${t("feed.failed")}`;
      return { text, kind: e.success === false ? "bad" : "act", icon: "✦", roll: e.roll };
    }
    case "track_changed": {
      const cause = names.cause(e.cause);
      const params = { track: names.track(e.track), delta: signed(e.delta), value: e.value, cause };
      return {
        text: t(cause ? "feed.track_changed_cause" : "feed.track_changed", params),
        kind: "track",
        icon: e.delta >= 0 ? "▲" : "▼",
      };
    }
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
    case "game_paused":
      return {
        text: t(e.paused ? "feed.game_paused" : "feed.game_resumed"),
        kind: "info",
        icon: "Ⅱ",
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
