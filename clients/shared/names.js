// Names for one ruleset and the latest state: zones, tracks, heroes, units, actions, tables, in
// the device's language (the ruleset's own translations, then the locale tables), and ruleset
// texts with their {placeholders} filled with current values.

import { language, num, rulesetText, t } from "./i18n.js";
import { formulaText } from "./dice.js";

/** "sabotage_tower" -> "Sabotage tower". */
export function pretty(name) {
  const text = String(name ?? "").replace(/[_-]+/g, " ").trim();
  return text ? text[0].toUpperCase() + text.slice(1) : "";
}

/** Lookups for one ruleset (localized with localizeRuleset) and the latest state. */
export class Names {
  constructor(ruleset, state) {
    this.ruleset = ruleset || {};
    /** Card texts learned from the drawn cards' events: language -> path -> text. */
    this.cardTexts = {};
    /** Heroes' kinds by id, learned from the events that bring them (not yet in the state). */
    this.heroKinds = new Map();
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

  /**
   * Remember what an event says about units that may be gone from the state later, about
   * heroes not in it yet, and the texts of a drawn card (what its effects name as their
   * cause: "card:retool_1").
   */
  learn(event) {
    if (event && event.unit && event.kind) {
      this.unitById.set(event.unit, { id: event.unit, kind: event.kind });
    }
    if ((event?.type === "hero_picked" || event?.type === "hero_arrived") && event.kind) {
      this.heroKinds.set(event.hero, { kind: event.kind });
    }
    if (event?.type === "card_drawn" && event.texts) {
      for (const [lang, texts] of Object.entries(event.texts)) {
        this.cardTexts[lang] = { ...this.cardTexts[lang], ...texts };
      }
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
    const hero = this.heroById.get(id) || this.heroKinds.get(id);
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
    const values = this.state.sheets?.[heroId]?.actions?.[action] || {};
    return fillValues(this.text(`${base}.${action}.text`, value), values);
  }

  table(name) {
    return this.text(`tables.${name}.label`, pretty(name));
  }

  deck(name) {
    return this.text(`decks.${name}.label`, pretty(name));
  }

  /**
   * A card's text by its path, from `texts` (language -> path -> text), which the event or
   * the peek that shows the card brings (the ruleset summary has no card), else from the cards
   * learned so far: in the current language, else in the ruleset's first one, else `value`.
   */
  cardPath(texts, path, value) {
    for (const lang of [language(), this.ruleset.languages?.[0]]) {
      for (const own of [texts?.[lang], this.cardTexts[lang]]) {
        if (own && Object.hasOwn(own, path)) return own[path];
      }
    }
    return this.text(path, value);
  }

  /**
   * A card's name ("retool#2" is a copy of "retool"), from `texts` (see cardPath) and from
   * `deck`, else whichever deck has it.
   */
  card(id, texts, deck) {
    const base = String(id).split("#")[0];
    for (const name of deck ? [deck] : this.ruleset.decks || []) {
      const found = this.cardPath(texts, `decks.${name}.cards.${base}.label`, "");
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

  /** A drawn card's text, from the texts its event brings (see cardPath). */
  cardText(e) {
    const base = String(e.card).split("#")[0];
    return this.cardPath(e.texts, `decks.${e.deck}.cards.${base}.text`, e.text || "");
  }

  /** A peeked card's text (no deck named: whichever deck has the card), else "". */
  peekText(id, texts) {
    const base = String(id).split("#")[0];
    for (const name of this.ruleset.decks || []) {
      const found = this.cardPath(texts, `decks.${name}.cards.${base}.text`, "");
      if (found) return found;
    }
    return "";
  }

  /** Why the table is offered a concession ({reason, values, text}), with its numbers. */
  concession(offer) {
    if (!offer) return "";
    return fillValues(this.text(`concede.${offer.reason}.text`, offer.text), offer.values);
  }

  /** How a game ended, in words: the ruleset's end text, the host's stop, or a concession
   * (its reason, from the offer the state keeps). */
  outcome(status, cause, text) {
    if (status === "aborted") return cause === "host" ? t("over.host_ended") : text || "";
    if (cause === "conceded") {
      const reason = this.state?.concession ? this.concession(this.state.concession) : text;
      return t("over.conceded", { reason: reason || "" });
    }
    const side = status === "won" ? "victory" : "defeat";
    return this.text(`end.${side}.${cause}.text`, text || "");
  }

  /**
   * "hero:zuru", "u3", "action:attack", "step:upkeep.eat", "table:forage", "card:retool_1",
   * "unit:infiltrator" (what a unit of that kind did) -> words.
   */
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
    if (kind === "card") return this.card(rest);
    if (kind === "unit" && this.ruleset.units?.[rest]) return this.unitKind(rest);
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
