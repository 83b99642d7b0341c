// The game night's small memories and summaries, kept out of the screens: the hero this phone
// played last (offered again in the next room), and what an automatic phase (the Safeguard's
// turn, upkeep) just did, as a few lines for the phone's banner.

import { feedLines } from "/shared/narrate.js";

const HERO_KEY = "cibo:last-hero";
/** Lines of an automatic phase shown on the phone (the TV shows all of them). */
const CITY_LINES = 4;

/** The hero kind this phone played last, or "". */
export function lastHero() {
  try {
    return localStorage.getItem(HERO_KEY) || "";
  } catch {
    return "";
  }
}

/** Remember the hero kind this phone plays, for "Play <hero> again" in the next room. */
export function rememberHero(kind) {
  try {
    if (kind) localStorage.setItem(HERO_KEY, kind);
  } catch {
    /* private mode: the next room simply does not offer it */
  }
}

/**
 * What the first automatic phase among `items` ({seq, event}) did: {phase, lines} (its feed
 * lines, the last few), or null when no automatic phase began in them. A phase is
 * automatic when the ruleset gives it no turns (`turns` "none": no hero acts in it).
 */
export function cityNews(items, ruleset, names) {
  const phases = ruleset?.phases || [];
  const automatic = (name) => {
    const p = phases.find((x) => x.name === name);
    return Boolean(p) && (!p.turns || p.turns === "none");
  };
  let phase = "";
  const events = [];
  for (const item of items) {
    const e = item.event;
    if (!e) continue;
    if (e.type === "phase_started") {
      // The first automatic phase is told (the Safeguard's turn); the next one ends it.
      if (phase) break;
      if (automatic(e.name)) phase = e.name;
      continue;
    }
    if (phase) events.push(e);
  }
  if (!phase || !names) return null;
  const lines = feedLines(events, names).filter((l) => l.kind !== "phase" && l.kind !== "round");
  return { phase, lines: lines.slice(-CITY_LINES) };
}
