// How the table display paces the enemy's turn, as pure functions: which updates are staged,
// how their events are cut into steps, and how long each step stays. The TV's Stage
// (/table/stage.js) plays them; the host's phone works out from the same events how long the TV
// will stage, so that it offers "Skip" exactly while there is something to skip.

/** Events that belong to the enemy's turn: an update with any of them is staged. */
const ENEMY = new Set([
  "table_rolled",
  "card_drawn",
  "unit_spawned",
  "spawn_blocked",
  "unit_moved",
  "unit_acted",
  "round_started",
]);

/**
 * How long each kind of step stays before the next (ms). A turn whose steps would take longer
 * than BUDGET_MS in all is played faster (no step under MIN_HOLD_MS): the table keeps pace with
 * the game, and the next player should not wait on the screen.
 */
export const BUDGET_MS = 6000;
export const MIN_HOLD_MS = 350;
export const HOLD = {
  roll: 1200,
  spawn: 900,
  move: 650,
  attack: 1000,
  track: 700,
  phase: 600,
  round: 1100,
  end: 600,
  other: 600,
};

/** Whether a step's first event starts a step of its own, and which kind. */
function stepKind(e) {
  switch (e.type) {
    case "table_rolled":
      return e.band ? "roll" : "other";
    case "card_drawn":
      return "roll";
    case "unit_spawned":
    case "spawn_blocked":
      return "spawn";
    case "unit_moved":
      return "move";
    case "unit_acted":
      return "attack";
    case "track_changed":
      return "track";
    case "phase_started":
      return "phase";
    case "round_started":
      return "round";
    case "game_ended":
      return "end";
    default:
      return "";
  }
}

/**
 * Cut events into steps: [{kind, events}]. A roll opens a step; the units it brought are the
 * next step; consecutive moves are one step; each attack (with the damage it did) is a step.
 */
export function cutSteps(events) {
  const steps = [];
  let current = null;
  // What comes before the first step (the last hero's turn ending) opens it, not a step alone.
  const lead = [];
  for (const e of events) {
    const kind = stepKind(e);
    if (!current && !kind) {
      lead.push(e);
      continue;
    }
    // A phase's opening joins the round's start, and its track changes join it (the upkeep).
    const joins = current && (
      !kind ||
      (kind === current.kind && (kind === "spawn" || kind === "move" || kind === "track")) ||
      (kind === "phase" && current.kind === "round") ||
      (kind === "track" && current.kind === "phase")
    );
    if (joins) current.events.push(e);
    else {
      current = { kind: kind || "other", events: steps.length ? [e] : [...lead, e] };
      steps.push(current);
    }
  }
  if (!steps.length && lead.length) steps.push({ kind: "other", events: lead });
  return steps;
}

/** Whether an update's events are worth staging. */
export function isEnemyTurn(events) {
  return events.some((e) =>
    ENEMY.has(e.type) && (e.type !== "table_rolled" || e.band) &&
    (e.type !== "unit_spawned" || /^(table|card):/.test(String(e.source)))
  );
}

/** How long `step` stays with the turn played at `scale` (1: full pace). */
export function holdOf(step, scale, hold = HOLD) {
  const base = hold[step.kind] ?? hold.other;
  return Math.max(Math.min(base, MIN_HOLD_MS), base * scale);
}

/** The pace of a turn cut into `steps`: 1, or less when it would take over BUDGET_MS. */
export function stageScale(steps, hold = HOLD) {
  const total = steps.slice(0, -1).reduce((sum, st) => sum + holdOf(st, 1, hold), 0);
  return total > BUDGET_MS ? BUDGET_MS / total : 1;
}

/**
 * How long the TV stages an update with these events (ms): 0 when it shows them at once. The
 * last step ends the staging, so its own hold does not count.
 */
export function stagingMs(events, hold = HOLD) {
  if (!events.length || !isEnemyTurn(events)) return 0;
  const steps = cutSteps(events);
  const scale = stageScale(steps, hold);
  return steps.slice(0, -1).reduce((sum, st) => sum + holdOf(st, scale, hold), 0);
}
