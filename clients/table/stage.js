// Staging the enemy's turn on the table display. The server resolves the Safeguard phase (spawn
// rolls, units entering, moves, attacks, upkeep, the next round) in one update; shown at once,
// nobody at the table sees what hit them. The Stage holds such an update's events back and
// reveals them step by step (a roll, then the units it brought, then moves, attacks, upkeep),
// with a short hold per step, while the board shows the game as it stood before the events not
// yet revealed.
//
// The server never waits for this: a new update during staging reveals the rest at once (the
// screen catches up), a key press or a click skips (so does the host's phone: the server sends
// the table the cue `skip_stage`), and the steps end on their own. With
// `prefers-reduced-motion` the end state shows at once. Sounds mark dice, spawns, an alert band
// rising and the end of the game.

import { play } from "/shared/sound.js";
import { cutSteps, HOLD, holdOf, isEnemyTurn, stageScale } from "/shared/staging.js";

/** Index of the band a track value falls in (bands: [{name, from}] in rising order). */
function bandAt(spec, value) {
  let found = -1;
  (spec?.bands || []).forEach((b, i) => {
    if (value >= b.from) found = i;
  });
  return found;
}

/** The cues a run of events calls for, once each, in a fixed order. */
export function cuesFor(events, ruleset) {
  const cues = new Set();
  for (const e of events) {
    if (e.type === "table_rolled" || (e.type === "action_taken" && e.roll)) cues.add("dice");
    if (e.type === "card_drawn") cues.add("dice");
    if (e.type === "unit_spawned") cues.add("spawn");
    if (e.type === "track_changed" && e.delta > 0) {
      const spec = ruleset?.tracks?.[e.track];
      if (bandAt(spec, e.value) > bandAt(spec, e.value - e.delta)) cues.add("alert");
    }
    if (e.type === "game_ended") cues.add(e.status === "won" ? "victory" : "defeat");
  }
  return ["dice", "spawn", "alert", "victory", "defeat"].filter((c) => cues.has(c));
}

/** Whether this screen's person asked for reduced motion: then nothing is staged. */
export function reducedMotion() {
  return globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
}

/**
 * The picture of the game while some events are not revealed yet: `state` (the latest, from the
 * server) with what the hidden events changed taken back from `before` (the state when the
 * staging began). Units still to enter are left out; units still to move stand where they were;
 * tracks, heroes, round and phase show their earlier values.
 */
export function stagedState(state, before, hidden) {
  if (!hidden.length || !before) return state;
  const out = { ...state };
  const entering = new Set();
  const moving = new Set();
  const heroes = new Set();
  const tracks = new Set();
  let round = false;
  for (const e of hidden) {
    if (e.type === "unit_spawned") entering.add(e.unit);
    if (e.type === "unit_moved") moving.add(e.unit);
    if (e.hero) heroes.add(e.hero);
    if (e.type === "track_changed") tracks.add(e.track);
    if (e.type === "round_started" || e.type === "phase_started") round = true;
    if (e.type === "game_ended") out.status = before.status;
  }
  const earlier = new Map((before.units || []).map((u) => [u.id, u]));
  out.units = (state.units || [])
    .filter((u) => !entering.has(u.id))
    .map((
      u,
    ) => (moving.has(u.id) && earlier.has(u.id) ? { ...u, zone: earlier.get(u.id).zone } : u));
  // A unit destroyed by an event still hidden is still on the board.
  const now = new Set(out.units.map((u) => u.id));
  for (const e of hidden) {
    if (e.type === "unit_destroyed" && earlier.has(e.unit) && !now.has(e.unit)) {
      out.units.push(earlier.get(e.unit));
    }
  }
  const beforeHeroes = new Map((before.heroes || []).map((x) => [x.id, x]));
  out.heroes = (state.heroes || []).map((x) =>
    heroes.has(x.id) && beforeHeroes.has(x.id) ? beforeHeroes.get(x.id) : x
  );
  if (tracks.size) {
    out.tracks = { ...state.tracks };
    for (const id of tracks) if (before.tracks?.[id]) out.tracks[id] = before.tracks[id];
  }
  if (round) {
    out.round = before.round;
    out.phase = before.phase;
    out.turn = before.turn;
  }
  return out;
}

/**
 * Reveals updates on the table display. `show(events, state)` draws: `events` are the events
 * revealed so far, `state` the picture to draw (see stagedState), `stage` null or
 * {step, steps, kind, event} while staging.
 */
export class Stage {
  constructor(show, { hold = HOLD, reduced = reducedMotion } = {}) {
    this.show = show;
    this.hold = hold;
    this.reduced = reduced;
    this.shown = [];
    this.steps = [];
    this.index = 0;
    this.timer = 0;
    this.before = null;
    this.state = null;
    this.ruleset = null;
    this.scale = 1;
  }

  get staging() {
    return this.index < this.steps.length;
  }

  /** Forget everything (a reset or a new welcome): `events` are shown as they are. */
  reset(events, state, ruleset) {
    this.stop();
    this.shown = [...events];
    this.state = state;
    this.ruleset = ruleset;
    this.draw();
  }

  /**
   * A live update: its `fresh` events and the new `state`. An update during staging first
   * reveals everything still held (the table catches up with the server).
   */
  update(fresh, state, ruleset) {
    const before = this.state;
    this.finish(false);
    this.state = state;
    this.ruleset = ruleset;
    if (!fresh.length || !before || !isEnemyTurn(fresh) || this.reduced()) {
      this.shown.push(...fresh);
      for (const cue of cuesFor(fresh, ruleset)) play(cue);
      this.draw();
      return;
    }
    this.before = before;
    this.steps = cutSteps(fresh);
    this.index = 0;
    this.scale = stageScale(this.steps, this.hold);
    this.next();
  }

  /** Redraw what is shown now (after a language change, a room message...). */
  draw() {
    const hidden = this.steps.slice(this.index).flatMap((st) => st.events);
    const state = this.staging ? stagedState(this.state, this.before, hidden) : this.state;
    const current = this.staging && this.index > 0 ? this.steps[this.index - 1] : null;
    this.show(
      this.shown,
      state,
      current
        ? { step: this.index, steps: this.steps.length, kind: current.kind, events: current.events }
        : null,
    );
  }

  next() {
    clearTimeout(this.timer);
    if (!this.staging) return;
    const step = this.steps[this.index];
    this.index += 1;
    this.shown.push(...step.events);
    for (const cue of cuesFor(step.events, this.ruleset)) play(cue);
    if (!this.staging) {
      this.finish(true);
      return;
    }
    this.draw();
    this.timer = setTimeout(() => this.next(), holdOf(step, this.scale, this.hold));
  }

  /** Reveal every held event at once (skip, or a newer update arrived). */
  finish(draw = true) {
    clearTimeout(this.timer);
    if (this.staging) {
      const rest = this.steps.slice(this.index).flatMap((st) => st.events);
      this.shown.push(...rest);
      const cues = cuesFor(rest, this.ruleset).filter((c) => c === "victory" || c === "defeat");
      for (const cue of cues) play(cue);
    }
    this.steps = [];
    this.index = 0;
    this.before = null;
    if (draw) this.draw();
  }

  /** Anyone at the TV, or the host from their phone (the `skip_stage` cue), skips the staging. */
  skip() {
    if (this.staging) this.finish(true);
  }

  stop() {
    clearTimeout(this.timer);
    this.steps = [];
    this.index = 0;
    this.before = null;
  }
}
