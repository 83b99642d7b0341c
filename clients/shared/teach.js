// Teaching the game from the ruleset: the goal panel (how to win and how you lose, with the
// numbers of the moment) and the Rules sheet (the round, every action, every unit, the bands of
// each banded track, the glossary). Every sentence is the ruleset's own `[teach]` text or an
// action's or unit's text, in the device's language; every number comes from the server, which
// works the formulas out (no expression or stat name ever reaches the screen).

import { h } from "./dom.js";
import { fillValues, formulaText } from "./narrate.js";
import { language, t } from "./i18n.js";

/** A ruleset text by path: the device's language, else the ruleset's first language. */
function text(names, path) {
  const rs = names.ruleset || {};
  const source = (rs.languages || ["en"])[0];
  return names.text(path, rs.texts?.[source]?.[path] ?? "");
}

function meter(live) {
  const pct = Math.max(0, Math.min(100, (live.value / live.of) * 100));
  return h(
    "span",
    {
      class: "teach-meter",
      role: "meter",
      "aria-valuemin": "0",
      "aria-valuemax": String(live.of),
      "aria-valuenow": String(live.value),
      "aria-valuetext": t("teach.progress", { value: live.value, of: live.of }),
    },
    h("span", { class: "teach-meter-fill", vars: { "--pct": `${pct}%` } }),
  );
}

function goalLine(names, state, side, id) {
  const live = state.teach?.[side]?.[id] || {};
  const bar = side === "goals" && live.value !== undefined && live.of > 0;
  return h(
    "li",
    { class: ["teach-line", side], "data-line": id },
    h("span", { class: "teach-text" }, fillValues(text(names, `teach.${side}.${id}.text`), live)),
    bar ? meter(live) : null,
  );
}

/**
 * The goal each track is filled toward, by track id: the `of` of the goal line that counts it,
 * the same number the goal panel shows ("Route 2/5"), worked out by the server for this table
 * (`state.teach`; e.g. a route goal scaled by the number of heroes). Only a track that a goal
 * counts and no defeat watches is filled toward a goal (the route, the terminal's parts); a
 * track a defeat watches (villagers, rations) is a stock to keep and is shown against its
 * maximum. Every screen that shows a track's value out of something uses this.
 */
export function trackGoals(ruleset, state) {
  const lines = ruleset?.teach || {};
  const watched = new Set(Object.values(lines.defeats || {}).map((line) => line.track));
  const goals = {};
  for (const [id, line] of Object.entries(lines.goals || {})) {
    const of = state?.teach?.goals?.[id]?.of;
    if (line.track && !watched.has(line.track) && of > 0 && !(line.track in goals)) {
      goals[line.track] = of;
    }
  }
  return goals;
}

/** What the goal panel depends on (for a memo key): redraw when any of it changes. */
export function goalData(state) {
  return { lang: language(), teach: state?.teach || null };
}

/** How long each line of the TV's goal panel stays in view. */
const SLOT_MS = 6000;

/**
 * Line `i` of `n` takes its turn in the TV panel's one place: in view for one slot out of `n`.
 * The turns follow one clock (performance.now), so a redraw does not start them over.
 */
function takeTurns(el, i, n) {
  if (n < 2 || typeof el.animate !== "function") return;
  const share = 1 / n;
  const shown = { visibility: "visible", opacity: 1 };
  const hidden = { visibility: "hidden", opacity: 0 };
  el.animate(
    [
      { ...shown, offset: 0 },
      { ...shown, offset: share * 0.999 },
      { ...hidden, offset: share },
      { ...hidden, offset: 1 },
    ],
    {
      id: "teach-turns",
      duration: n * SLOT_MS,
      iterations: Infinity,
      delay: -(i * SLOT_MS + (performance.now() % (n * SLOT_MS))),
    },
  );
}

/**
 * The lines of one side ("goals" or "defeats") that apply now, in the ruleset's order: the
 * server lists in `state.teach` only the lines whose condition holds (a rule of one
 * difficulty is not taught at the others).
 */
function shownLines(teach, state, side) {
  const live = state?.teach?.[side] || {};
  return Object.keys(teach[side] || {}).filter((id) => id in live);
}

/** The TV's panel: one line at a time, each under its heading ("How to win · 1 of 3"). */
function tvPanel(names, state, teach) {
  const goals = shownLines(teach, state, "goals");
  const defeats = shownLines(teach, state, "defeats");
  const lines = [
    ...goals.map((id, k) => ["goals", id, k, goals.length]),
    ...defeats.map((id, k) => ["defeats", id, k, defeats.length]),
  ];
  const slots = lines.map(([side, id, k, total], i) => {
    const cls = side === "goals" ? "win" : "lose";
    return h(
      "div",
      { class: ["teach-slot", cls], "data-slot": String(i), "data-slots": String(lines.length) },
      h(
        "h2",
        { class: ["teach-head", cls] },
        t(side === "goals" ? "teach.win" : "teach.lose"),
        h("span", { class: "teach-count" }, t("common.n_of_total", { n: k + 1, total })),
      ),
      h("ul", { class: "teach-list" }, goalLine(names, state, side, id)),
    );
  });
  slots.forEach((el, i) => takeTurns(el, i, slots.length));
  return h(
    "section",
    { class: ["teach-goals", "tv"], "aria-label": t("teach.goal_title") },
    slots,
  );
}

/**
 * The goal panel: the ways to win (with a progress bar where a track counts toward them) and
 * the ways to lose, each a sentence with its live numbers. Null for a ruleset without [teach].
 * On the TV (`tv`) the lines take turns in one place, so that the panel stays small beside
 * the tracks and the heroes in the left column.
 */
export function goalPanel(names, state, { tv = false } = {}) {
  const teach = names.ruleset?.teach;
  if (!teach || !state?.teach || !Object.keys(teach.goals || {}).length) return null;
  if (tv) return tvPanel(names, state, teach);
  const half = (side, cls, title, ids) =>
    h(
      "div",
      { class: ["teach-half", cls] },
      h("h2", { class: ["teach-head", cls] }, title),
      h("ul", { class: "teach-list" }, ids.map((id) => goalLine(names, state, side, id))),
    );
  return h(
    "section",
    { class: ["teach-goals", "card"], "aria-label": t("teach.goal_title") },
    half("goals", "win", t("teach.win"), shownLines(teach, state, "goals")),
    half("defeats", "lose", t("teach.lose"), shownLines(teach, state, "defeats")),
  );
}

// -- the Rules sheet --------------------------------------------------------------------------

function phasesPart(names) {
  const rs = names.ruleset || {};
  return h(
    "section",
    { class: "teach-part", "data-part": "round" },
    h("h3", {}, t("teach.round")),
    h(
      "ol",
      { class: "teach-phases" },
      (rs.phases || []).map((p) =>
        h(
          "li",
          { "data-phase": p.name },
          h("strong", {}, names.phase(p.name)),
          h("span", {}, text(names, `teach.phases.${p.name}`)),
        )
      ),
    ),
  );
}

function actionItem(names, heroId, name, values) {
  const meta = [
    values.cost ? t("game.cost", { count: values.cost }) : t("game.free"),
    values.noise ? t("teach.noise", { count: values.noise }) : t("teach.quiet"),
    values.roll ? t("teach.roll", { dice: formulaText(values.roll) }) : "",
  ].filter(Boolean);
  return h(
    "li",
    { class: "teach-item", "data-action": name },
    h("strong", { class: "teach-name" }, names.action(heroId, name)),
    h("span", { class: "teach-meta" }, meta.join(" · ")),
    h("span", { class: "teach-desc" }, names.actionText(heroId, name, "")),
  );
}

function actionsPart(names, state, seat) {
  const heroes = state.heroes || [];
  const mine = heroes.filter((x) => x.seat === seat);
  const shown = mine.length ? mine : heroes.slice(0, 1);
  const shared = Object.keys(names.ruleset?.actions || {});
  return h(
    "section",
    { class: "teach-part", "data-part": "actions" },
    h("h3", {}, t("teach.actions")),
    shown.map((hero) => {
      const sheet = state.sheets?.[hero.id] || {};
      const values = sheet.actions || {};
      const own = Object.keys(values).filter((a) => !shared.includes(a));
      return h(
        "div",
        { class: "teach-hero", "data-hero": hero.id },
        sheet.attack
          ? h(
            "p",
            { class: "teach-dice" },
            t("teach.hero_dice", {
              hero: names.hero(hero.id),
              dice: formulaText(sheet.attack),
            }),
          )
          : null,
        h(
          "ul",
          { class: "teach-items" },
          [...own, ...shared].map((a) => actionItem(names, hero.id, a, values[a] || {})),
        ),
      );
    }),
  );
}

function unitsPart(names, state) {
  const units = names.ruleset?.units || {};
  const live = state.teach?.units || {};
  return h(
    "section",
    { class: "teach-part", "data-part": "units" },
    h("h3", {}, t("teach.units")),
    h(
      "ul",
      { class: "teach-items" },
      Object.entries(units).map(([kind, u]) => {
        const hp = live[kind]?.hp ?? (typeof u.hp === "number" ? u.hp : null);
        const stats = [
          hp !== null ? t("teach.unit_hp", { hp }) : "",
          t("teach.unit_attack", { n: u.attack }),
          t("teach.unit_move", { count: u.move }),
          u.armor ? t("teach.unit_armor", { n: u.armor }) : "",
          u.unique ? t("teach.unit_unique") : "",
        ].filter(Boolean);
        return h(
          "li",
          { class: "teach-item", "data-unit": kind },
          h("strong", { class: "teach-name" }, names.unitKind(kind)),
          h("span", { class: "teach-meta" }, stats.join(" · ")),
          u.text ? h("span", { class: "teach-desc" }, u.text) : null,
        );
      }),
    ),
  );
}

function bandsParts(names) {
  const tracks = names.ruleset?.tracks || {};
  return Object.entries(tracks)
    .filter(([, tr]) => (tr.bands || []).length)
    .map(([id, tr]) =>
      h(
        "section",
        { class: "teach-part", "data-part": "bands", "data-track": id },
        h("h3", {}, t("teach.bands", { track: names.track(id) })),
        h(
          "ul",
          { class: "teach-bands" },
          tr.bands.map((b, i) => {
            const to = i + 1 < tr.bands.length ? tr.bands[i + 1].from - 1 : tr.max;
            return h(
              "li",
              { class: `band-${i}`, "data-band": b.name },
              h("strong", {}, names.band(b.name)),
              " ",
              h("span", { class: "teach-meta" }, t("teach.band_range", { from: b.from, to })),
            );
          }),
        ),
      )
    );
}

function glossaryPart(names) {
  const ids = names.ruleset?.teach?.glossary || [];
  return h(
    "section",
    { class: "teach-part", "data-part": "glossary" },
    h("h3", {}, t("teach.glossary")),
    h(
      "dl",
      { class: "teach-glossary" },
      ids.map((id) => [
        h("dt", { "data-term": id }, text(names, `teach.glossary.${id}.term`)),
        h("dd", {}, text(names, `teach.glossary.${id}.text`)),
      ]).flat(),
    ),
  );
}

/** Open the Rules sheet as a modal dialog over the page; it is removed when closed. */
export function openRules(names, state, seat) {
  const close = () => dialog.close();
  const dialog = h(
    "dialog",
    { class: "teach-sheet", "aria-label": t("teach.rules_title") },
    h(
      "div",
      { class: "teach-sheet-head" },
      h("h2", {}, t("teach.rules_title")),
      h("button", { class: "btn teach-close", type: "button", onclick: close }, t("teach.close")),
    ),
    h(
      "div",
      { class: "teach-sheet-body" },
      phasesPart(names),
      actionsPart(names, state, seat),
      unitsPart(names, state),
      ...bandsParts(names),
      glossaryPart(names),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** The button that opens the Rules sheet for `seat`, with the names and state of its render. */
export function rulesButton(names, state, seat) {
  return h(
    "button",
    {
      class: "btn teach-rules-btn",
      type: "button",
      "aria-haspopup": "dialog",
      onclick: () => openRules(names, state, seat),
    },
    t("teach.rules"),
  );
}

/** The phone's goal card: the goal panel with the Rules button under it. */
export function phoneTeach(names, state, seat) {
  const panel = goalPanel(names, state);
  return h(
    "div",
    { class: "teach-phone" },
    panel,
    h("p", { class: "teach-rules-row" }, rulesButton(names, state, seat)),
  );
}

/** What the phone's goal card depends on: the goal data and this seat's heroes' numbers. */
export function phoneTeachData(state, seat) {
  return {
    ...goalData(state),
    values: (state?.heroes || []).filter((x) => x.seat === seat).map((x) => state.sheets?.[x.id]),
    heroes: (state?.heroes || []).length,
  };
}
