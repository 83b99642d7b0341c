// The table display's picture of one moment: lobby with the join code, the board with tracks,
// heroes, where the enemies came from and the event feed, or the end screen. Used live and in
// replays.
// Only public information is ever given to it.

import { h, Memo, place, s } from "/shared/dom.js";
import { drawBoard, heroToken, SEAT_COLOURS, seatColours, unitToken } from "/shared/board.js";
import { feedLines, Names } from "/shared/narrate.js";
import { languageSwitch, num, t } from "/shared/i18n.js";
import { isMuted, setMuted } from "/shared/sound.js";
import { shownRound } from "/shared/rounds.js";
import { stageBanner } from "/table/banner.js";
import { concedePanel } from "/table/concede.js";
import { endScreen } from "/table/end.js";
import { lobbyPanel } from "/table/lobby.js";
import { latestStories, storiesPanel } from "/table/stories.js";
import { goalData, goalPanel, trackGoals } from "/shared/teach.js";

const FEED_LINES = 24;
/** Ever smaller spawn stories, tried in turn until the column fits its box (see fit). */
const DENSITY = ["", "dense", "denser"];

function pct(value, min, max) {
  return max > min ? Math.max(0, Math.min(100, ((value - min) / (max - min)) * 100)) : 0;
}

/** A speaker drawn in SVG (the TV may have no emoji font): with waves, or crossed out. */
function speaker(muted) {
  return s(
    "svg",
    { viewBox: "0 0 24 24", class: "speaker", "aria-hidden": "true" },
    s("path", { d: "M3 9h4l5-4v14l-5-4H3z", fill: "currentColor" }),
    muted
      ? s("path", { d: "M16 9l5 6M21 9l-5 6", stroke: "currentColor", "stroke-width": "2" })
      : s("path", {
        d: "M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12",
        stroke: "currentColor",
        "stroke-width": "2",
        fill: "none",
      }),
  );
}

export class TableView {
  constructor(root) {
    this.root = root;
    this.memo = new Memo();
    this.mode = "";
    this.previous = {};
    this.left = h("div", { class: "left-col" });
    this.proofOpen = false;
  }

  /** Forget what was drawn (after a language change). */
  reset() {
    this.mode = "";
  }

  setMode(mode) {
    if (this.mode !== mode) {
      this.mode = mode;
      this.memo.clear();
      this.root.replaceChildren();
      this.root.dataset.mode = mode;
    }
  }

  /**
   * ctx: {ruleset, state, room, events: [public event...], code, status, names,
   *       replay: the replay controls or null, title, message (shown while there is no state),
   *       stage: the staged step ({step, steps, kind, events}) or null, skip: ends the staging}
   */
  render(ctx) {
    const { state, ruleset } = ctx;
    if (!state || !ruleset) {
      this.setMode("wait");
      place(this.root, [
        h(
          "section",
          { class: "start" },
          languageSwitch(h),
          h("h1", { class: "brand" }, t("common.brand")),
          h("p", {}, ctx.message || t("conn.connecting")),
        ),
      ]);
      return;
    }
    const names = ctx.names || new Names(ruleset, state);
    if (state.status === "lobby" && !ctx.replay) {
      this.setMode("lobby");
      place(this.root, [lobbyPanel(this, ctx, names), this.statusBadge(ctx)]);
      return;
    }
    this.setMode("game");
    const over = state.status !== "lobby" && state.status !== "playing";
    const goals = this.memo.get(
      "teach",
      goalData(state),
      () => goalPanel(names, state, { tv: true }),
    );
    place(this.left, [this.tracksPanel(ctx, names), goals, this.heroesPanel(ctx, names)]);
    place(this.root, [
      this.header(ctx, names),
      this.boardPanel(ctx, names),
      this.left,
      storiesPanel(this, ctx, names),
      this.feedPanel(ctx, names),
      ctx.replay || null,
      this.stageBanner(ctx, names),
      over ? this.endScreen(ctx, names) : concedePanel(this, ctx, names),
      this.statusBadge(ctx),
    ]);
    this.fit();
  }

  /**
   * Keep the spawn column and the feed inside their boxes, whatever the round brought: the
   * stories get denser, then the oldest of them give way to a "+ n earlier rolls" line; the
   * feed drops its oldest lines. Nothing is ever cut in half.
   */
  fit() {
    const panel = this.root.querySelector(".stories-panel");
    if (panel) {
      const stories = [...panel.querySelectorAll(".story")];
      const more = panel.querySelector(".stories-more");
      const over = () => panel.scrollHeight > panel.clientHeight + 1;
      for (const st of stories) st.hidden = false;
      if (more) more.hidden = true;
      let level = 0;
      panel.dataset.density = DENSITY[level];
      while (over() && level < DENSITY.length - 1) panel.dataset.density = DENSITY[++level];
      let dropped = 0;
      while (over() && dropped < stories.length - 1) {
        stories[dropped++].hidden = true;
        if (more) {
          more.hidden = false;
          more.textContent = t("stories.more", { count: dropped });
        }
      }
    }
    // Five or six heroes: their cards lose the player's line, then the tracks tighten; if
    // that is still not enough, the goal line gives way (every phone shows the whole goal).
    const left = this.root.querySelector(".left-col");
    if (left) {
      const goals = left.querySelector(".teach-goals");
      if (goals) goals.hidden = false;
      let level = 0;
      left.dataset.density = DENSITY[level];
      const over = () =>
        [left, ...left.children].some((el) => el.scrollHeight > el.clientHeight + 1);
      while (over() && level < DENSITY.length - 1) {
        left.dataset.density = DENSITY[++level];
      }
      if (goals && over()) goals.hidden = true;
    }
    const feed = this.root.querySelector(".feed-panel");
    const list = feed?.querySelector(".feed");
    if (feed && list) {
      const items = [...list.children];
      for (const li of items) li.hidden = false;
      const top = () =>
        feed.getBoundingClientRect().top + parseFloat(getComputedStyle(feed).paddingTop);
      let i = 0;
      while (i < items.length - 1 && list.getBoundingClientRect().top < top() - 0.5) {
        items[i++].hidden = true;
      }
    }
  }

  stageBanner(ctx, names) {
    return stageBanner(ctx, names);
  }

  statusBadge(ctx) {
    return this.memo.get(
      "status",
      { status: ctx.status || "" },
      (d) =>
        d.status && d.status !== "online"
          ? h(
            "p",
            { class: "conn-badge", role: "status" },
            t(d.status === "offline" ? "conn.lost" : "conn.connecting"),
          )
          : h("span", { class: "conn-ok", hidden: true }),
    );
  }

  // -- lobby ----------------------------------------------------------------------------------

  // -- game -----------------------------------------------------------------------------------

  header(ctx, names) {
    const { state, ruleset, room } = ctx;
    const d = {
      title: ctx.title || ruleset.name,
      round: shownRound(state.round, state.rounds),
      rounds: state.rounds,
      phase: state.phase ? names.phase(state.phase.name) : "",
      turn: state.phase?.turns === "each_hero" && state.turn ? names.hero(state.turn) : "",
      status: state.status,
      code: ctx.replay ? "" : ctx.code,
      paused: room?.paused,
      difficulty: names.difficulty(state.difficulty),
    };
    return this.memo.get("header", d, () =>
      h(
        "header",
        { class: "table-header" },
        h(
          "div",
          { class: "title-block" },
          h("h1", { class: "game-title" }, d.title),
          h(
            "span",
            { class: "difficulty-chip" },
            t("table.difficulty_chip", { difficulty: d.difficulty }),
          ),
        ),
        h(
          "div",
          { class: "round-block" },
          h(
            "span",
            { class: "round" },
            h("span", { class: "round-label" }, `${t("table.round")} `),
            h("strong", {}, num(d.round)),
            h("span", { class: "of" }, ` / ${num(d.rounds)}`),
          ),
          d.phase ? h("span", { class: "phase" }, d.phase) : null,
          d.turn ? h("span", { class: "turn" }, t("table.turn_of", { hero: d.turn })) : null,
          d.paused ? h("span", { class: "paused-chip" }, `Ⅱ ${t("table.paused")}`) : null,
        ),
        d.code
          ? h(
            "div",
            { class: "code-block" },
            h("span", { class: "code-label" }, t("table.join")),
            h("span", { class: "code-small" }, d.code),
          )
          : null,
        this.muteButton(),
        languageSwitch(h),
      ));
  }

  /** Sound on or off for this screen (kept by sound.js for the device). */
  muteButton() {
    const button = h("button", { class: "btn small mute", type: "button" });
    const label = () => {
      const muted = isMuted();
      button.replaceChildren(speaker(muted));
      button.setAttribute("aria-label", t(muted ? "table.unmute" : "table.mute"));
      button.setAttribute("aria-pressed", String(muted));
      button.title = t(muted ? "table.unmute" : "table.mute");
    };
    button.addEventListener("click", () => {
      setMuted(!isMuted());
      label();
    });
    label();
    return button;
  }

  boardPanel(ctx) {
    const { ruleset, state } = ctx;
    const stories = latestStories(ctx);
    const fresh = stories.round >= state.round - 1;
    const highlight = new Set(fresh ? stories.list.map((st) => st.roll.at).filter(Boolean) : []);
    const d = {
      lang: document.documentElement.lang,
      heroes: state.heroes,
      units: state.units,
      zones: state.zones,
      markers: state.markers,
      seats: state.seats,
      highlight: [...highlight],
    };
    this.onBoardClick = ctx.skip || null;
    return this.memo.get(
      "board",
      d,
      () =>
        h(
          "section",
          {
            class: "board-panel",
            "aria-label": t("table.board"),
            onclick: () => this.onBoardClick?.(),
          },
          drawBoard(ruleset, state, { highlight }),
          this.legend(ruleset, state),
        ),
    );
  }

  legend(ruleset, state) {
    const kinds = Object.keys(ruleset.units || {});
    const present = new Set((state.units || []).map((u) => u.kind));
    const shown = kinds.filter((k) => present.has(k));
    const noisy = Object.values(state.zones || {}).some((z) => z?.noise > 0);
    return h(
      "div",
      { class: "legend" },
      noisy ? h("span", { class: "legend-item legend-noise" }, t("table.noise_legend")) : null,
      (shown.length ? shown : kinds).map((kind) =>
        h(
          "span",
          { class: "legend-item" },
          s(
            "svg",
            { viewBox: "-22 -22 44 44", class: "legend-shape", "aria-hidden": "true" },
            unitToken(ruleset, kind),
          ),
          h(
            "span",
            {},
            present.has(kind)
              ? `${ruleset.units[kind].name} ×${
                num(state.units.filter((u) => u.kind === kind).length)
              }`
              : ruleset.units[kind].name,
          ),
        )
      ),
    );
  }

  tracksPanel(ctx, names) {
    const { ruleset, state } = ctx;
    const extras = [
      ...Object.entries(state.markers || {}).map(([id, m]) => [
        names.marker(id),
        m.launched ? t("table.marker_at", { zone: names.zone(m.at) }) : t("table.marker_waiting"),
      ]),
      ...Object.entries(state.decks || {}).map((
        [id, deck],
      ) => [t("table.deck", { deck: names.deck(id) }), t("table.left", { count: deck.remaining })]),
    ];
    // A track filled toward a goal (the route) is shown out of that goal, as the goal panel is.
    const goals = trackGoals(ruleset, state);
    const d = { tracks: state.tracks, extras, goals };
    const changes = {};
    for (const [id, t] of Object.entries(state.tracks || {})) {
      const before = this.previous[id];
      if (before !== undefined && before !== t.value) {
        changes[id] = t.value > before ? "up" : "down";
      }
      this.previous[id] = t.value;
    }
    return this.memo.get("tracks", d, () =>
      h(
        "section",
        { class: "tracks-panel", "aria-label": t("table.tracks") },
        Object.entries(d.tracks || {}).map(([id, tr]) => {
          const spec = ruleset.tracks?.[id] ||
            { label: names.track(id), min: 0, max: tr.value || 1, bands: [] };
          const bands = spec.bands || [];
          const bi = bands.findIndex((b) => b.name === tr.band);
          const top = d.goals[id] ?? spec.max;
          return h(
            "div",
            {
              class: [
                "track",
                changes[id] ? `changed ${changes[id]}` : "",
                bands.length ? "banded" : "",
              ],
              "data-track": id,
              "data-goal": id in d.goals ? String(d.goals[id]) : null,
            },
            h(
              "div",
              { class: "track-head" },
              h("span", { class: "track-label" }, spec.label),
              h(
                "span",
                { class: "track-value" },
                num(tr.value),
                h("span", { class: "track-max" }, `/${num(top)}`),
                changes[id]
                  ? h(
                    "span",
                    { class: "delta", "aria-hidden": "true" },
                    changes[id] === "up" ? " ▲" : " ▼",
                  )
                  : null,
              ),
              tr.band ? h("span", { class: `band-pill band-${bi}` }, names.band(tr.band)) : null,
            ),
            h(
              "div",
              { class: "track-bar" },
              h("div", {
                class: ["track-fill", bi >= 0 ? `band-${bi}` : ""],
                vars: { "--pct": `${pct(tr.value, spec.min, top)}%` },
              }),
              bands.slice(1).map((b) =>
                h("span", {
                  class: "band-tick",
                  vars: { "--at": `${pct(b.from, spec.min, top)}%` },
                })
              ),
            ),
          );
        }),
        d.extras.map(([label, value]) =>
          h(
            "p",
            { class: "extra" },
            h("span", { class: "extra-label" }, label),
            h("span", { class: "extra-value" }, value),
          )
        ),
      ));
  }

  heroesPanel(ctx, names) {
    const { state, room } = ctx;
    const colours = seatColours(state);
    const roster = new Map((room?.seats || []).map((x) => [x.seat, x]));
    const d = {
      heroes: state.heroes,
      seats: state.seats,
      away: [...roster.values()].filter((x) => !x.connected).map((x) => x.seat),
      turns: state.phase?.turns,
      turn: state.turn,
    };
    return this.memo.get("heroes", d, () =>
      h(
        "section",
        { class: "heroes-panel", "aria-label": t("table.heroes") },
        (d.heroes || []).map((hero) => {
          const seat = (d.seats || []).find((x) => x.id === hero.seat);
          const status = hero.downed
            ? "down"
            : d.turns === "each_hero"
            ? (d.turn === hero.id ? "acting" : "waiting")
            : hero.done
            ? "done"
            : "acting";
          const colour = SEAT_COLOURS[(colours.get(hero.seat) ?? 0) % SEAT_COLOURS.length];
          return h(
            "article",
            {
              class: ["hero-card", `status-${status}`, d.away.includes(hero.seat) ? "away" : ""],
              "data-hero": hero.id,
              vars: { "--seat": colour },
            },
            s(
              "svg",
              { viewBox: "-24 -24 48 48", class: "hero-badge", "aria-hidden": "true" },
              heroToken(hero, colours.get(hero.seat) ?? 0, { r: 22 }),
            ),
            h(
              "div",
              { class: "hero-info" },
              h(
                "p",
                { class: "hero-top" },
                h("span", { class: "hero-name" }, names.hero(hero.id)),
                h("span", { class: "hp" }, `♥ ${num(hero.hp)}/${num(hero.max_hp)}`),
              ),
              h(
                "p",
                { class: "hero-bottom" },
                h("span", { class: "hero-player" }, seat ? seat.name : ""),
                d.away.includes(hero.seat)
                  ? h("span", { class: "hero-status away" }, t("table.phone_away"))
                  : h(
                    "span",
                    { class: ["hero-status", status] },
                    status === "acting" && d.turns !== "each_hero"
                      ? t("table.actions_left", { count: hero.actions_left })
                      : t(`hero_status.${status}`),
                  ),
              ),
            ),
          );
        }),
      ));
  }

  feedPanel(ctx, names) {
    const d = { lines: feedLines(ctx.events.slice(-120), names).slice(-FEED_LINES) };
    return this.memo.get("feed", d, () =>
      h(
        "section",
        { class: "feed-panel", "aria-label": t("table.feed"), "aria-live": "polite" },
        h(
          "ol",
          { class: "feed" },
          d.lines.map((line, i) =>
            h(
              "li",
              { class: [`kind-${line.kind}`, i === d.lines.length - 1 ? "newest" : ""] },
              h("span", { class: "icon", "aria-hidden": "true" }, line.icon),
              h("span", { class: "line" }, line.text),
            )
          ),
        ),
      ));
  }

  endScreen(ctx, names) {
    return endScreen(this, ctx, names);
  }
}
