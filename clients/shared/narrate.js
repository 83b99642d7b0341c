// Turning game events into short sentences, and rolls into dice, for the phone and the table.
// Everything here is generic: names come from the ruleset summary and the public state.

import { h } from "./dom.js";

/** "sabotage_tower" -> "Sabotage tower". */
export function pretty(name) {
  const text = String(name ?? "").replace(/[_-]+/g, " ").trim();
  return text ? text[0].toUpperCase() + text.slice(1) : "";
}

/** Lookups for one ruleset and the latest state. */
export class Names {
  constructor(ruleset, state) {
    this.ruleset = ruleset || {};
    this.update(state);
  }

  update(state) {
    this.state = state || this.state || {};
    this.heroById = new Map((this.state.heroes || []).map((x) => [x.id, x]));
    this.unitById = this.unitById || new Map();
    for (const u of this.state.units || []) this.unitById.set(u.id, u);
    this.seatById = new Map((this.state.seats || []).map((x) => [x.id, x.name]));
  }

  /** Remember what an event says about units that may be gone from the state later. */
  learn(event) {
    if (event && event.unit && event.kind) {
      this.unitById.set(event.unit, { id: event.unit, kind: event.kind });
    }
  }

  zone(id) {
    return this.ruleset.zones?.[id]?.label || pretty(id);
  }

  track(id) {
    return this.ruleset.tracks?.[id]?.label || pretty(id);
  }

  hero(id) {
    const hero = this.heroById.get(id);
    if (hero) {
      const number = String(id).match(/-(\d+)$/);
      return number && this.ruleset.heroes?.[hero.kind]?.repeatable
        ? `${hero.name} ${number[1]}`
        : hero.name;
    }
    const kind = this.ruleset.heroes?.[id];
    return kind ? kind.name : pretty(id);
  }

  heroKind(kind) {
    return this.ruleset.heroes?.[kind]?.name || pretty(kind);
  }

  unitKind(kind) {
    return this.ruleset.units?.[kind]?.name || pretty(kind);
  }

  unit(id, kind) {
    const known = kind || this.unitById.get(id)?.kind;
    return known ? this.unitKind(known) : pretty(id);
  }

  seat(id) {
    return this.seatById.get(id) || id;
  }

  difficulty(id) {
    return this.ruleset.difficulties?.[id] || pretty(id);
  }

  phase(name) {
    const found = (this.ruleset.phases || []).find((p) => p.name === name);
    return found ? found.label : pretty(name);
  }

  /** "hero:zuru", "u3", "action:attack", "step:upkeep.eat", "table:forage" -> words. */
  cause(text) {
    if (!text) return "";
    const [kind, rest = ""] = String(text).split(":", 2);
    if (kind === "step") {
      const [phase, step] = rest.split(".");
      return `${this.phase(phase)}: ${pretty(step)}`.trim();
    }
    if (kind === "action") return pretty(rest.split(":")[0]);
    if (kind === "table") return `${pretty(rest.split("@")[0])} table`;
    if (this.unitById.has(text)) return this.unit(text);
    if (this.heroById.has(text)) return this.hero(text);
    return pretty(rest || kind);
  }

  target(value) {
    if (!value) return "";
    if (this.ruleset.zones?.[value]) return this.zone(value);
    if (this.heroById.has(value)) return this.hero(value);
    if (this.unitById.has(value)) return this.unit(value);
    return pretty(value);
  }
}

function signed(n) {
  return n > 0 ? `+${n}` : `${n}`;
}

/**
 * A dice formula as people read it: "2d6r1cs>=4" -> "2d6, reroll 1s, hits on 4+",
 * "2d6 + @difficulty.spawn_mod" -> "2d6 + difficulty".
 */
export function formulaText(formula) {
  return String(formula || "")
    .replace(/cs>=(\d+)/g, ", hits on $1+")
    .replace(/(d\d+)r(\d+)/g, "$1, reroll $2s")
    .replace(/(d\d+)kh(\d+)/g, "$1, keep best $2")
    .replace(/(d\d+)kl(\d+)/g, "$1, keep worst $2")
    .replace(/@difficulty\.\w+/g, "difficulty")
    .replace(/@hero\.(\w+)/g, "$1")
    .replace(/@scaling\.\w+/g, "scaling")
    .replace(/\s+/g, " ")
    .trim();
}

/** Dice faces as elements: kept dice solid, dropped ones faded, rerolled ones marked. */
export function diceFaces(roll, { size = "" } = {}) {
  const dice = roll?.dice || [];
  return h(
    "span",
    {
      class: ["dice", size],
      role: "img",
      "aria-label": `dice ${dice.map((d) => d.value).join(", ")}`,
    },
    dice.map((d) =>
      h(
        "span",
        {
          class: ["die", d.kept ? "" : "dropped", d.rerolled ? "rerolled" : "", `d${d.sides}`],
          title: d.rerolled ? "rerolled" : d.kept ? `d${d.sides}` : "does not count",
        },
        String(d.value),
      )
    ),
  );
}

/** "2d6 + difficulty → [4, 5] → 8" as text (a hero's own formula, "@hero.attack", is left out). */
export function rollText(roll) {
  if (!roll) return "";
  const dice = (roll.dice || [])
    .map((d) => (d.kept ? `${d.value}` : `(${d.value})`) + (d.rerolled ? "r" : ""))
    .join(", ");
  const formula = /^@hero\.\w+$/.test(String(roll.formula || "").trim())
    ? ""
    : `${formulaText(roll.formula)} → `;
  return dice ? `${formula}[${dice}] → ${roll.total}` : `${formula}${roll.total}`;
}

/**
 * One line of narration for an event, or null for events not worth a line.
 * Returns {text, kind, icon}: kind is a CSS hook (good, bad, spawn, round, roll, info).
 */
export function narrate(event, names) {
  const e = event;
  switch (e.type) {
    case "seat_joined":
      return { text: `${e.name} joined`, kind: "info", icon: "+" };
    case "seat_left":
      return { text: `${names.seat(e.seat)} left`, kind: "info", icon: "−" };
    case "hero_picked":
      return {
        text: `${names.seat(e.seat)} plays ${names.heroKind(e.kind)}`,
        kind: "info",
        icon: "★",
      };
    case "hero_dropped":
      return {
        text: `${names.seat(e.seat)} puts ${names.hero(e.hero)} back`,
        kind: "info",
        icon: "☆",
      };
    case "difficulty_set":
      return { text: `Difficulty: ${names.difficulty(e.difficulty)}`, kind: "info", icon: "⚙" };
    case "game_started":
      return {
        text: `The game begins — ${names.difficulty(e.difficulty)}`,
        kind: "round",
        icon: "▶",
      };
    case "round_started":
      return { text: `Round ${e.round}`, kind: "round", icon: "◆" };
    case "phase_started":
      return { text: `${names.phase(e.name)} phase`, kind: "phase", icon: "›" };
    case "turn_started":
      return { text: `${names.hero(e.hero)}'s turn`, kind: "phase", icon: "›" };
    case "turn_ended":
      return null;
    case "action_taken": {
      const target = names.target(e.target);
      let text = `${names.hero(e.hero)}: ${pretty(e.action)}${target ? ` → ${target}` : ""}`;
      if (e.roll) text += ` · ${rollText(e.roll)}`;
      if (e.success === true) text += " · success";
      if (e.success === false) text += " · failed";
      return { text, kind: e.success === false ? "bad" : "act", icon: "✦", roll: e.roll };
    }
    case "hero_moved":
      return {
        text: `${names.hero(e.hero)} moves to ${names.zone(e.zone)}`,
        kind: "move",
        icon: "→",
      };
    case "track_changed": {
      const cause = names.cause(e.cause);
      return {
        text: `${names.track(e.track)} ${signed(e.delta)} → ${e.value}${
          cause ? ` (${cause})` : ""
        }`,
        kind: "track",
        icon: e.delta >= 0 ? "▲" : "▼",
      };
    }
    case "noise_changed":
      return null;
    case "trigger_fired":
      return { text: `${names.track(e.track)} reached ${e.value}!`, kind: "bad", icon: "!" };
    case "table_rolled": {
      const where = e.at ? ` at ${names.zone(e.at)}` : "";
      const band = e.band ? ` (${pretty(e.band)})` : "";
      return {
        text: `${pretty(e.table)} roll${where}${band}: ${rollText(e.roll)} → row ${e.row + 1}${
          e.text ? ` · ${e.text}` : ""
        }`,
        kind: "roll",
        icon: "⚄",
        roll: e.roll,
      };
    }
    case "unit_spawned":
      return {
        text: `${names.unitKind(e.kind)} appears at ${names.zone(e.zone)}`,
        kind: "spawn",
        icon: "▲",
      };
    case "spawn_blocked":
      return {
        text: `${names.unitKind(e.kind)} could not appear at ${names.zone(e.zone)} (${
          pretty(e.reason)
        })`,
        kind: "info",
        icon: "×",
      };
    case "unit_moved":
      return {
        text: `${names.unit(e.unit)} moves to ${names.zone(e.zone)}`,
        kind: "move",
        icon: "→",
      };
    case "unit_damaged":
      return {
        text: `${names.unit(e.unit)} takes ${e.amount} damage (${e.hp} HP left)`,
        kind: "good",
        icon: "✶",
      };
    case "unit_destroyed":
      return { text: `${names.unit(e.unit, e.kind)} destroyed`, kind: "good", icon: "✓" };
    case "unit_regenerated":
      return { text: `${names.unit(e.unit)} repairs itself (${e.hp})`, kind: "bad", icon: "+" };
    case "unit_acted":
      return {
        text: `${names.unit(e.unit)}: ${pretty(e.behavior.split(":")[0])} at ${names.zone(e.zone)}`,
        kind: "bad",
        icon: "⚠",
      };
    case "hero_damaged":
      return {
        text: `${names.hero(e.hero)} takes ${e.amount} damage (${e.hp} HP left)`,
        kind: "bad",
        icon: "✶",
      };
    case "hero_downed":
      return { text: `${names.hero(e.hero)} is down`, kind: "bad", icon: "✖" };
    case "hero_healed":
      return { text: `${names.hero(e.hero)} heals to ${e.hp} HP`, kind: "good", icon: "+" };
    case "hero_revived":
      return {
        text: `${names.hero(e.hero)} is back on their feet at ${names.zone(e.zone)}`,
        kind: "good",
        icon: "↑",
      };
    case "zone_dormant":
      return {
        text: `${names.zone(e.zone)} sleeps until round ${e.until}`,
        kind: "good",
        icon: "☾",
      };
    case "zone_destroyed":
      return { text: `${names.zone(e.zone)} destroyed`, kind: "good", icon: "✓" };
    case "marker_launched":
      return {
        text: `${names.ruleset.markers?.[e.marker]?.label || pretty(e.marker)} sets out`,
        kind: "good",
        icon: "⚑",
      };
    case "marker_moved":
      return {
        text: `${names.ruleset.markers?.[e.marker]?.label || pretty(e.marker)} reaches ${
          names.zone(e.zone)
        }`,
        kind: "good",
        icon: "⚑",
      };
    case "card_drawn":
      return {
        text: `${pretty(e.deck)} card: ${e.text || pretty(e.card)}`,
        kind: "roll",
        icon: "▭",
      };
    case "deck_built":
    case "deck_reshuffled":
      return {
        text: `The ${pretty(e.deck)} deck is shuffled (${e.size} cards)`,
        kind: "info",
        icon: "▭",
      };
    case "cards_peeked":
      return {
        text: `${names.seat(e.seat)} looks at ${e.n} ${pretty(e.deck)} card(s)`,
        kind: "info",
        icon: "◉",
      };
    case "game_paused":
      return { text: e.paused ? "Game paused" : "Game resumed", kind: "info", icon: "Ⅱ" };
    case "game_ended":
      return {
        text: e.text || pretty(e.status),
        kind: e.status === "won" ? "good" : "bad",
        icon: e.status === "won" ? "★" : "✖",
      };
    default:
      return { text: pretty(e.type), kind: "info", icon: "·" };
  }
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
