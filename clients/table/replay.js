// Replay mode: a logged game played back on the table display, with play/pause, speed and a
// timeline. The server sends the public events and, after each one, the public state's changed
// top-level keys (see /api/games/<id> in docs/protocol.md); the state after step i is the
// initial state with every change up to i assigned in order.

import { h, place } from "/shared/dom.js";
import { Names, statusText } from "/shared/narrate.js";
import { language, languageSwitch, localizeRuleset, num, onLanguage, t } from "/shared/i18n.js";
import { TableView } from "/table/view.js";
import { shownRound } from "/shared/rounds.js";

const SPEEDS = [0.5, 1, 2, 4, 8, 16];
const PAUSE_MS = {
  round_started: 1400,
  table_rolled: 1500,
  game_ended: 1500,
  game_started: 1200,
  unit_spawned: 700,
  phase_started: 500,
  noise_changed: 120,
  turn_ended: 150,
  turn_started: 400,
  deck_built: 150,
};
const DEFAULT_MS = 650;
/** The games list's columns (their headings are replay.col_<name> in the tables). */
const COLUMNS = ["when", "ruleset", "players", "outcome", "rounds"];

function when(ts) {
  if (!ts) return "";
  const d = new Date(ts * 1000);
  return d.toLocaleString(language(), {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** Each ruleset this server offers by id, its name in the current language ({} if unknown). */
/** The rulesets this server offers, by id: their name in the reader's language and their rounds. */
async function rulesetInfo() {
  try {
    const res = await fetch("/api/rulesets", { cache: "no-cache" });
    const all = (await res.json()).rulesets || [];
    return Object.fromEntries(
      all.map((r) => [r.id, { name: localizeRuleset(r).name || r.id, rounds: r.rounds }]),
    );
  } catch {
    return {};
  }
}

async function listGames(root) {
  let games = [];
  let problem = "";
  try {
    const res = await fetch("/api/games", { cache: "no-cache" });
    games = ((await res.json()).games || []).filter((g) => g.outcome !== "lobby");
  } catch {
    problem = t("replay.list_failed");
  }
  // A game's ruleset by its name; one this server no longer offers keeps its id.
  const rulesets = games.length ? await rulesetInfo() : {};
  place(root, [
    h(
      "section",
      { class: "games" },
      languageSwitch(h),
      h("h1", { class: "games-title" }, t("replay.title")),
      h("p", { class: "lead" }, t("replay.lead")),
      problem ? h("p", { class: "form-error" }, problem) : null,
      games.length
        ? h(
          "table",
          { class: "games-table" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              COLUMNS.map((k) => h("th", { scope: "col" }, t(`replay.col_${k}`))),
              h("th", { scope: "col" }),
            ),
          ),
          h(
            "tbody",
            {},
            games.map((g) =>
              h(
                "tr",
                { "data-game": g.game_id },
                h("td", {}, when(g.created_at)),
                h(
                  "td",
                  { "data-ruleset": g.ruleset_id },
                  rulesets[g.ruleset_id]?.name || g.ruleset_id,
                ),
                h("td", {}, (g.players || []).join(", ") || "—"),
                h(
                  "td",
                  { class: `outcome outcome-${String(g.outcome).replace(/\s+/g, "-")}` },
                  statusText(g.outcome),
                ),
                h(
                  "td",
                  { class: "rounds" },
                  // A game lost on time ended as round 13 of 12 began: it played all 12.
                  g.rounds ? num(shownRound(g.rounds, rulesets[g.ruleset_id]?.rounds)) : "—",
                ),
                h(
                  "td",
                  {},
                  g.outcome === "corrupt"
                    ? h("span", { class: "muted" }, t("replay.unreadable"))
                    : h("a", {
                      class: "btn small",
                      href: `/table/?replay=${encodeURIComponent(g.game_id)}`,
                    }, t("replay.watch")),
                ),
              )
            ),
          ),
        )
        : h("p", { class: "muted" }, problem ? "" : t("replay.none")),
      h("p", {}, h("a", { class: "link", href: "/" }, t("replay.back"))),
    ),
  ]);
}

class Player {
  constructor(root, doc) {
    this.root = root;
    this.doc = doc;
    this.view = new TableView(root);
    this.index = 0;
    this.playing = false;
    this.speed = 1;
    this.timer = 0;
    this.events = doc.steps.map((st) => st.event).filter(Boolean);
    // states[i] is the state after i steps.
    this.states = [doc.initial];
    for (const st of doc.steps) {
      this.states.push(Object.assign({}, this.states[this.states.length - 1], st.state));
    }
    this.eventsBefore = [];
    let n = 0;
    for (let i = 0; i <= doc.steps.length; i++) {
      this.eventsBefore.push(n);
      if (i < doc.steps.length && doc.steps[i].event) n++;
    }
    this.roundAt = this.states.map((st) => shownRound(st.round || 0, st.rounds));
    this.ruleset = localizeRuleset(doc.ruleset);
    this.names = new Names(this.ruleset, doc.initial);
    this.controls = this.buildControls();
    const start = doc.steps.findIndex((st) => st.event?.type === "game_started");
    this.index = start >= 0 ? start + 1 : 0;
    this.onKey = (e) => this.key(e);
    document.addEventListener("keydown", this.onKey);
    this.draw();
  }

  /** The language changed: rebuild the controls and the names, then draw again. */
  relocalize() {
    this.ruleset = localizeRuleset(this.doc.ruleset);
    this.names = new Names(this.ruleset, this.states[this.index]);
    this.controls = this.buildControls();
    this.view.reset();
    this.draw();
  }

  get last() {
    return this.doc.steps.length;
  }

  buildControls() {
    this.playBtn = h("button", {
      class: "btn primary ctl-play",
      type: "button",
      "aria-label": t("replay.play"),
      onclick: () => this.toggle(),
    }, "▶");
    this.scrub = h("input", {
      class: "scrubber",
      type: "range",
      min: "0",
      max: String(this.last),
      step: "1",
      value: "0",
      "aria-label": t("replay.timeline"),
      oninput: () => this.seek(Number(this.scrub.value)),
    });
    this.speedSel = h(
      "select",
      {
        class: "input speed",
        "aria-label": t("replay.speed"),
        onchange: () => (this.speed = Number(this.speedSel.value)),
      },
      SPEEDS.map((v) => h("option", { value: String(v), selected: v === 1 }, `${num(v)}×`)),
    );
    this.where = h("span", { class: "ctl-where" });
    const marks = h("div", { class: "round-marks", "aria-hidden": "true" });
    let seen = 0;
    this.doc.steps.forEach((st, i) => {
      if (st.event?.type === "round_started" && st.event.round !== seen) {
        seen = st.event.round;
        marks.append(
          h("span", {
            class: "round-mark",
            vars: { "--at": `${((i + 1) / Math.max(1, this.last)) * 100}%` },
          }, num(seen)),
        );
      }
    });
    return h(
      "section",
      { class: "replay-bar", "aria-label": t("replay.controls") },
      h("button", {
        class: "btn ctl",
        type: "button",
        "aria-label": t("replay.to_start"),
        onclick: () => this.seek(0),
      }, "|◀"),
      h("button", {
        class: "btn ctl",
        type: "button",
        "aria-label": t("replay.step_back"),
        onclick: () => this.seek(this.index - 1),
      }, "◀"),
      this.playBtn,
      h("button", {
        class: "btn ctl",
        type: "button",
        "aria-label": t("replay.step_forward"),
        onclick: () => this.seek(this.index + 1),
      }, "▶|"),
      h("div", { class: "timeline" }, this.scrub, marks),
      this.speedSel,
      this.where,
      h("a", { class: "btn ctl small", href: "/table/?replay" }, t("replay.all")),
    );
  }

  key(e) {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    if (e.key === " ") {
      e.preventDefault();
      this.toggle();
    } else if (e.key === "ArrowRight") this.seek(this.index + 1);
    else if (e.key === "ArrowLeft") this.seek(this.index - 1);
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (this.index >= this.last) this.index = 0;
    this.playing = true;
    this.schedule();
    this.draw();
  }

  pause() {
    this.playing = false;
    clearTimeout(this.timer);
    this.draw();
  }

  schedule() {
    clearTimeout(this.timer);
    if (!this.playing) return;
    const next = this.doc.steps[this.index];
    const wait = (PAUSE_MS[next?.event?.type] ?? DEFAULT_MS) / this.speed;
    this.timer = setTimeout(() => {
      if (this.index >= this.last) {
        this.pause();
        return;
      }
      this.index += 1;
      this.draw();
      if (this.index >= this.last) this.pause();
      else this.schedule();
    }, wait);
  }

  seek(i) {
    this.index = Math.max(0, Math.min(this.last, i));
    this.draw();
    if (this.playing) this.schedule();
  }

  draw() {
    const state = this.states[this.index];
    this.names.update(state);
    this.playBtn.textContent = this.playing ? "❚❚" : "▶";
    this.playBtn.setAttribute("aria-label", t(this.playing ? "replay.pause" : "replay.play"));
    this.scrub.value = String(this.index);
    this.where.textContent = t("replay.where", {
      index: this.index,
      last: this.last,
      round: this.roundAt[this.index],
    });
    this.view.render({
      ruleset: this.ruleset,
      state,
      room: null,
      events: this.events.slice(0, this.eventsBefore[this.index]),
      code: "",
      status: "online",
      names: this.names,
      replay: this.controls,
      title: t("replay.game_title", { name: this.ruleset.name }),
    });
  }
}

export async function startReplay(root, gameId) {
  root.dataset.replay = "1";
  if (!gameId) {
    await listGames(root);
    onLanguage(() => listGames(root));
    return;
  }
  place(root, [
    h(
      "section",
      { class: "start" },
      h("h1", { class: "brand" }, t("common.brand")),
      h("p", {}, t("replay.loading")),
    ),
  ]);
  let doc;
  try {
    const res = await fetch(`/api/games/${encodeURIComponent(gameId)}`, { cache: "no-cache" });
    doc = await res.json();
    if (!res.ok) throw new Error(t("replay.cannot"));
  } catch {
    place(root, [
      h(
        "section",
        { class: "start" },
        h("h1", { class: "brand" }, t("common.brand")),
        h("p", { class: "form-error" }, t("replay.cannot")),
        h("a", { class: "link", href: "/table/?replay" }, t("replay.all")),
      ),
    ]);
    return;
  }
  const player = new Player(root, doc);
  onLanguage(() => player.relocalize());
}
