// The phone's model: what it knows beyond the connection's view. No DOM here, so every function
// can be reasoned about (and tested) from its arguments alone.

import { feedLines } from "/shared/narrate.js";
import { t } from "/shared/i18n.js";

/** Events kept for the feed. */
const KEEP_EVENTS = 60;
/** Rolls shown under "Your last roll". */
const KEEP_ROLLS = 3;

/**
 * Events that follow from an action without being a new one: a table rolled after one of these
 * still belongs to this phone's last action.
 */
export const CONSEQUENCES = new Set([
  "track_changed",
  "noise_changed",
  "hero_moved",
  "unit_damaged",
  "unit_destroyed",
  "card_drawn",
  "cards_peeked",
]);

/** A fresh model; `conn` is the current Connection (or null before joining). */
export function newModel() {
  return {
    code: "",
    conn: null,
    ruleset: null,
    names: null,
    rolls: [],
    feed: [],
    events: [],
    seqs: [], // the event number of each of `events`
    busy: false,
    hadActions: false,
    hostLink: false,
    error: "",
    errorSay: null, // says `error` again in the current language (after a switch)
    ended: null,
    lastName: "",
    willSend: false, // a tap made offline, waiting for the reconnect to go out
    city: null, // {phase, lines}: what the last automatic phase did (see night.js cityNews)
    watching: false, // this phone watches as a spectator
    watchOffer: "", // the refusal code of a mid-game join (the join screen offers to watch)
    lastHero: "", // the hero kind this phone played last (offered again in the next room)
    lastStatus: "",
    rollsChanged: false,
    stageUntil: 0, // Date.now() until which the TV stages the enemy's turn (see phone.js)
    stageTimer: 0,
  };
}

/** "@hero.attack" -> that hero's own formula, so a button or a roll shows the real dice. */
export function heroFormula(formula, heroId, state, ruleset) {
  const text = String(formula || "");
  const m = text.match(/^@hero\.(\w+)$/);
  if (!m) return text;
  const kind = (state?.heroes || []).find((x) => x.id === heroId)?.kind;
  const spec = ruleset?.heroes?.[kind] || {};
  const value = spec[m[1]] ?? spec.stats?.[m[1]];
  return value === undefined ? text : String(value);
}

function actionRoll(e, { names, state, ruleset }) {
  const target = names.target(e.target);
  const params = { hero: names.hero(e.hero), action: names.action(e.hero, e.action), target };
  return {
    title: t(target ? "roll.action_target" : "roll.action", params),
    roll: e.roll,
    formula: heroFormula(e.roll.formula, e.hero, state, ruleset),
    success: e.success,
    outcome: e.success === true ? t("roll.success") : e.success === false ? t("roll.failed") : "",
  };
}

function tableRoll(e, names) {
  return {
    title: t(e.at ? "roll.table_at" : "roll.table", {
      table: names.table(e.table),
      zone: e.at ? names.zone(e.at) : "",
    }),
    roll: e.roll,
    formula: e.roll.formula,
    success: null,
    outcome: names.rowText(e) || t("roll.row", { row: e.row + 1 }),
  };
}

/**
 * Take newly received events ({seq, event} items) into the feed and this seat's rolls.
 *
 * `prev` holds {rolls, events, seqs}; `seat` is this phone's seat; `names`, `state` and
 * `ruleset` name things. Returns {rolls, events, seqs, feed} (new arrays; `prev` is left as it
 * was). A roll is this seat's when it comes with its own action, or from a table rolled as that
 * action's consequence. An undo (`command_undone`) takes the events after its `back_to` out of
 * the feed: what was taken back is no longer told as done.
 */
export function absorb(prev, items, { seat, names, state, ruleset }) {
  let rolls = [...prev.rolls];
  let events = [...prev.events];
  let seqs = [...(prev.seqs || [])];
  let mineLast = false;
  for (const item of items) {
    const e = item.event;
    if (!e) continue;
    if (e.type === "command_undone") {
      const keep = seqs.map((n) => !(n > e.back_to));
      events = events.filter((_, i) => keep[i]);
      seqs = seqs.filter((_, i) => keep[i]);
      mineLast = false;
      continue;
    }
    if (e.type === "action_taken") {
      mineLast = e.seat === seat;
      if (mineLast) {
        rolls = [];
        if (e.roll) rolls.push(actionRoll(e, { names, state, ruleset }));
      }
    } else if (e.type === "table_rolled" && mineLast) {
      rolls.push(tableRoll(e, names));
    } else if (!CONSEQUENCES.has(e.type)) {
      mineLast = false;
    }
    events.push(e);
    seqs.push(item.seq);
  }
  if (events.length > KEEP_EVENTS) {
    events.splice(0, events.length - KEEP_EVENTS);
    seqs.splice(0, seqs.length - KEEP_EVENTS);
  }
  return { rolls: rolls.slice(-KEEP_ROLLS), events, seqs, feed: feedLines(events, names) };
}
