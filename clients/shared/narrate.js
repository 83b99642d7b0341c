// Turning game events into short sentences, and rolls into dice, for the phone and the table.
// Everything here is generic: names come from the ruleset summary and the public state.

import { h } from "./dom.js";
import { has, list, num, rulesetText, t } from "./i18n.js";

/** "sabotage_tower" -> "Sabotage tower". */
export function pretty(name) {
  const text = String(name ?? "").replace(/[_-]+/g, " ").trim();
  return text ? text[0].toUpperCase() + text.slice(1) : "";
}

/** Lookups for one ruleset (localized with localizeRuleset) and the latest state. */
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

  /** A ruleset text by its path, in the current language, else `value`. */
  text(path, value) {
    return rulesetText(this.ruleset, path, value);
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

  /** A band's name ("calm") in words, from the track it belongs to. */
  band(name) {
    for (const id of Object.keys(this.ruleset.tracks || {})) {
      const found = this.text(`tracks.${id}.bands.${name}.label`, "");
      if (found) return found;
    }
    return pretty(name);
  }

  hero(id) {
    const hero = this.heroById.get(id);
    if (hero) {
      const name = this.heroKind(hero.kind);
      const number = String(id).match(/-(\d+)$/);
      return number && this.ruleset.heroes?.[hero.kind]?.repeatable ? `${name} ${number[1]}` : name;
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

  /** Whose action `action` is: the hero kind that has it as its own, else "" (shared). */
  actionOwner(heroId, action) {
    const kind = this.heroById.get(heroId)?.kind || heroId;
    const has = (k) => this.text(`heroes.${k}.actions.${action}.label`, "") !== "";
    if (kind && has(kind)) return kind;
    if (this.text(`actions.${action}.label`, "") !== "") return "";
    return Object.keys(this.ruleset.heroes || {}).find(has) || "";
  }

  /** An action's name: the hero's own action, else the shared one. */
  action(heroId, action) {
    const owner = this.actionOwner(heroId, action);
    const base = owner ? `heroes.${owner}.actions` : "actions";
    return this.text(`${base}.${action}.label`, pretty(action));
  }

  /** An action's rules text, as `action`, with this hero's numbers in its {placeholders}. */
  actionText(heroId, action, value) {
    const owner = this.actionOwner(heroId, action);
    const base = owner ? `heroes.${owner}.actions` : "actions";
    const values = this.heroById.get(heroId)?.values?.actions?.[action] || {};
    return fillValues(this.text(`${base}.${action}.text`, value), values);
  }

  table(name) {
    return this.text(`tables.${name}.label`, pretty(name));
  }

  deck(name) {
    return this.text(`decks.${name}.label`, pretty(name));
  }

  /** A card's name ("retool#2" is a copy of "retool"), from whichever deck has it. */
  card(id) {
    const base = String(id).split("#")[0];
    for (const deck of this.ruleset.decks || []) {
      const found = this.text(`decks.${deck}.cards.${base}.label`, "");
      if (found) return found;
    }
    return pretty(base);
  }

  marker(id) {
    return this.ruleset.markers?.[id]?.label || pretty(id);
  }

  /** The text of the table row a roll landed on. */
  rowText(e) {
    const where = e.band ? `bands.${e.band}` : "rows";
    return this.text(`tables.${e.table}.${where}.${e.row}.text`, e.text || "");
  }

  cardText(e) {
    const base = String(e.card).split("#")[0];
    return this.text(`decks.${e.deck}.cards.${base}.text`, e.text || "");
  }

  /** How a game ended, in words: the ruleset's end text, or the host's stop. */
  outcome(status, cause, text) {
    if (status === "aborted") return cause === "host" ? t("over.host_ended") : text || "";
    const side = status === "won" ? "victory" : "defeat";
    return this.text(`end.${side}.${cause}.text`, text || "");
  }

  /** "hero:zuru", "u3", "action:attack", "step:upkeep.eat", "table:forage" -> words. */
  cause(text) {
    if (!text) return "";
    const [kind, rest = ""] = String(text).split(":", 2);
    if (kind === "step") {
      const [phase, step] = rest.split(".");
      return t("cause.step", {
        phase: this.phase(phase),
        step: this.text(`round.${phase}.steps.${step}.label`, pretty(step)),
      });
    }
    if (kind === "action") return this.action("", rest.split(":")[0]);
    if (kind === "table") return t("cause.table", { table: this.table(rest.split("@")[0]) });
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

/**
 * A ruleset text with its {placeholders} filled: numbers as the language writes them, a dice
 * formula ("roll") in words. `{range|zone|zones}` adds the word for one or for more after the
 * number. A placeholder without a value becomes "…", never its name.
 */
export function fillValues(text, values = {}) {
  return String(text ?? "").replace(
    /\{(\w+)(?:\|([^|{}]*)\|([^|{}]*))?\}/g,
    (_, name, one, more) => {
      const value = values?.[name];
      if (value === undefined || value === null || value === "") return "…";
      if (name === "roll") return formulaText(value);
      const shown = typeof value === "number" ? num(value) : String(value);
      if (one === undefined) return shown;
      return `${shown} ${Number(value) === 1 ? one : more}`;
    },
  );
}

function signed(n) {
  return n > 0 ? `+${num(n)}` : num(n);
}

/**
 * What a roll added to its dice: the total less the kept dice, when the formula adds exactly one
 * named value ("2d6 + @difficulty.spawn_mod" on Hard adds 1), else null. Success-counting rolls
 * ("cs>=") count hits, not pips, so they have none.
 */
export function rollModifier(roll) {
  const formula = String(roll?.formula || "");
  if (!roll?.dice?.length || /cs>=/.test(formula)) return null;
  if ((formula.match(/@\w+\.\w+/g) || []).length !== 1) return null;
  const kept = roll.dice.filter((d) => d.kept).reduce((sum, d) => sum + d.value, 0);
  const value = Number(roll.total) - kept;
  return Number.isFinite(value) ? value : null;
}

/**
 * A dice formula as people read it: "2d6r1cs>=4" -> "2d6, reroll 1s, hits on 4+",
 * "2d6 + @difficulty.spawn_mod" -> "2d6 + difficulty", or "2d6 + difficulty (+1)" when the
 * value it added is given (the words from the locale table).
 */
export function formulaText(formula, modifier = null) {
  const valued = (key) =>
    modifier === null ? t(key) : t("dice.named_value", {
      name: t(key),
      value: modifier >= 0 ? `+${num(modifier)}` : num(modifier),
    });
  return String(formula || "")
    .replace(/cs>=(\d+)/g, (_, n) => t("dice.hits_on", { n: Number(n) }))
    .replace(/(d\d+)r(\d+)/g, (_, d, n) => d + t("dice.reroll", { n: Number(n) }))
    .replace(/(d\d+)kh(\d+)/g, (_, d, n) => d + t("dice.keep_best", { n: Number(n) }))
    .replace(/(d\d+)kl(\d+)/g, (_, d, n) => d + t("dice.keep_worst", { n: Number(n) }))
    .replace(/@difficulty\.\w+/g, () => valued("dice.difficulty"))
    .replace(/@hero\.(\w+)/g, "$1")
    .replace(/@scaling\.\w+/g, () => valued("dice.scaling"))
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
      "aria-label": t("dice.faces", { values: list(dice.map((d) => num(d.value))) }),
    },
    dice.map((d) =>
      h(
        "span",
        {
          class: ["die", d.kept ? "" : "dropped", d.rerolled ? "rerolled" : "", `d${d.sides}`],
          title: d.rerolled ? t("dice.rerolled") : d.kept ? `d${d.sides}` : t("dice.dropped"),
        },
        num(d.value),
      )
    ),
  );
}

/** "2d6 + difficulty → [4, 5] → 8" as text (a hero's own formula, "@hero.attack", is left out). */
export function rollText(roll) {
  if (!roll) return "";
  const dice = (roll.dice || [])
    .map((d) => (d.kept ? num(d.value) : `(${num(d.value)})`) + (d.rerolled ? "r" : ""))
    .join(", ");
  const formula = /^@hero\.\w+$/.test(String(roll.formula || "").trim())
    ? ""
    : `${formulaText(roll.formula, rollModifier(roll))} → `;
  return dice ? `${formula}[${dice}] → ${num(roll.total)}` : `${formula}${num(roll.total)}`;
}

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
          card: names.cardText(e) || names.card(e.card),
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
