// Where the enemies came from this round: each spawn roll or card, what it brought and where,
// told as a short story beside the board.

import { h, s } from "/shared/dom.js";
import { unitToken } from "/shared/board.js";
import {
  blockedReason,
  diceFaces,
  formulaText,
  rollModifier,
  spawnStories,
} from "/shared/narrate.js";
import { num, t } from "/shared/i18n.js";

/** A band's track and index ({track, index}) across the ruleset's tracks (for its colour). */
function bandOf(ruleset, band) {
  for (const [id, track] of Object.entries(ruleset.tracks || {})) {
    const i = (track.bands || []).findIndex((b) => b.name === band);
    if (i >= 0) return { track: id, index: i };
  }
  return { track: "", index: 0 };
}

/**
 * The spawn stories of the latest round that had any: {round, list}. A roll at a place that
 * already rolled this round is marked `again` (the surge of the noisiest tower, say).
 */
export function latestStories(ctx) {
  const { events, state } = ctx;
  const all = spawnStories(events.slice(-200)).filter((st) =>
    st.roll.type === "card_drawn" || st.roll.band || st.units.length || st.blocked.length
  );
  // Tag each story with its round, then keep the latest round's.
  if (!all.length) return { round: 0, list: [] };
  let round = 0;
  const roundOf = new Map();
  for (const e of events.slice(-200)) {
    if (e.type === "round_started") round = e.round;
    if (e.type === "table_rolled" || e.type === "card_drawn") roundOf.set(e, round);
  }
  const last = Math.max(...all.map((st) => roundOf.get(st.roll) ?? 0));
  const list = all.filter((st) => (roundOf.get(st.roll) ?? 0) === last);
  const seen = new Set();
  for (const st of list) {
    const where = st.roll.type === "table_rolled" && st.roll.at;
    st.again = Boolean(where && seen.has(where));
    if (where) seen.add(where);
  }
  return { round: last || state.round, list };
}

export function storiesPanel(view, ctx, names) {
  const { ruleset } = ctx;
  const { round, list } = latestStories(ctx);
  const d = {
    lang: document.documentElement.lang,
    round,
    fresh: ctx.stage ? list.length : 0,
    list: list.map((st) => [
      st.roll,
      st.again,
      st.units.map((u) => [u.kind, u.zone]),
      st.blocked.map((b) => b.kind),
    ]),
  };
  return view.memo.get("stories", d, () =>
    h(
      "section",
      { class: "stories-panel", "aria-label": t("stories.aria") },
      h(
        "h2",
        { class: "panel-title" },
        list.length ? t("stories.title_round", { round }) : t("stories.title"),
      ),
      h("p", { class: "stories-more", hidden: true }),
      list.length
        ? list.map((st, i) => {
          const el = st.roll.type === "card_drawn"
            ? cardStory(st, ruleset, names)
            : story(st, ruleset, names);
          if (d.fresh && i === d.fresh - 1) el.classList.add("fresh");
          return el;
        })
        : h(
          "p",
          { class: "muted" },
          t("stories.empty"),
        ),
    ));
}

function spawned(st, ruleset, names) {
  return [
    st.units.map((u) =>
      h(
        "span",
        { class: "spawned" },
        s(
          "svg",
          { viewBox: "-22 -22 44 44", class: "legend-shape", "aria-hidden": "true" },
          unitToken(ruleset, u.kind),
        ),
        `${names.unitKind(u.kind)} → ${names.zone(u.zone)}`,
      )
    ),
    st.blocked.map((b) =>
      h(
        "span",
        { class: "blocked" },
        t("stories.held_back", { unit: names.unitKind(b.kind), reason: blockedReason(b.reason) }),
      )
    ),
  ];
}

function cardStory(st, ruleset, names) {
  const e = st.roll;
  return h(
    "article",
    { class: "story card-story" },
    h(
      "div",
      { class: "story-head" },
      h("span", { class: "story-where" }, t("table.deck", { deck: names.deck(e.deck) })),
      h("span", { class: "card-chip" }, `▭ ${t("stories.card")}`),
    ),
    h(
      "div",
      { class: "chain" },
      h("span", { class: "step" }, t("stories.drew")),
      h("span", { class: "arrow" }, "→"),
      h("span", { class: "step total" }, names.card(e.card, e.texts, e.deck)),
    ),
    h(
      "div",
      { class: "story-result" },
      spawned(st, ruleset, names),
      names.cardText(e) ? h("span", { class: "story-text" }, names.cardText(e)) : null,
    ),
  );
}

function story(st, ruleset, names) {
  const e = st.roll;
  const band = bandOf(ruleset, e.band);
  return h(
    "article",
    { class: ["story", st.again ? "again" : ""], "data-at": e.at || "" },
    h(
      "div",
      { class: "story-head" },
      h("span", { class: "story-where" }, e.at ? names.zone(e.at) : names.table(e.table)),
      e.band
        ? h(
          "span",
          { class: `band-pill band-${band.index}` },
          // The long form says which track the band is of ("City alert: Purge", not the
          // difficulty); a crowded column keeps the short one (the colour is the track's).
          band.track
            ? h(
              "span",
              { class: "band-long" },
              t("stories.band", { track: names.track(band.track), band: names.band(e.band) }),
            )
            : null,
          h("span", { class: band.track ? "band-short" : "" }, names.band(e.band)),
        )
        : null,
    ),
    st.again ? h("p", { class: "story-again" }, t("stories.again")) : null,
    h(
      "div",
      { class: "chain" },
      h("span", { class: "step" }, t("cause.table", { table: names.table(e.table) })),
      h("span", { class: "arrow" }, "→"),
      h("span", { class: "step formula" }, formulaText(e.roll.formula, rollModifier(e.roll))),
      diceFaces(e.roll),
      h("span", { class: "arrow" }, "→"),
      h("span", { class: "step total" }, num(e.roll.total)),
      h("span", { class: "arrow" }, "→"),
      h("span", { class: "step" }, t("stories.row", { row: e.row + 1 })),
    ),
    h(
      "div",
      { class: "story-result" },
      spawned(st, ruleset, names),
      names.rowText(e) ? h("span", { class: "story-text" }, names.rowText(e)) : null,
      !st.units.length && !st.blocked.length && !e.text
        ? h("span", { class: "story-text" }, t("stories.nothing"))
        : null,
    ),
  );
}
