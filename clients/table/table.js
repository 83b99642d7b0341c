// The table display: /table/?code=ABCD shows that room live; /table/?replay lists the logged
// games and /table/?replay=<game_id> plays one back. It joins as the "table" role, so the
// server only ever sends it public information.

import { $, h, place } from "/shared/dom.js";
import { cleanCode, Connection, rulesetFor, withTexts } from "/shared/protocol.js";
import { Names } from "/shared/narrate.js";
import {
  errorText,
  initI18n,
  language,
  languageSwitch,
  localizeRuleset,
  onLanguage,
  t,
  translatePage,
} from "/shared/i18n.js";
import { TableView } from "/table/view.js";
import { startReplay } from "/table/replay.js";
import { reducedMotion, Stage } from "/table/stage.js";
import { unlockOnGesture } from "/shared/sound.js";

await initI18n();
translatePage();
const MAX_EVENTS = 800;
const root = $("#app");

function askForCode(message = "") {
  const input = h("input", {
    class: "input code-input",
    id: "code",
    autocomplete: "off",
    autocapitalize: "characters",
    maxlength: "8",
    "aria-label": t("common.room_code"),
  });
  place(root, [
    h(
      "section",
      { class: "start" },
      languageSwitch(h),
      h("h1", { class: "brand" }, t("common.brand")),
      h("p", { class: "lead" }, t("table.which_room")),
      h(
        "form",
        {
          class: "code-form",
          onsubmit: (e) => {
            e.preventDefault();
            const code = cleanCode(input.value);
            if (code) location.assign(`/table/?code=${code}`);
          },
        },
        input,
        h("button", { class: "btn primary", type: "submit" }, t("table.show_room")),
      ),
      message ? h("p", { class: "form-error", role: "alert" }, message) : null,
      h(
        "p",
        {},
        h("a", { href: "/table/?replay", class: "link" }, t("table.watch_replay")),
      ),
    ),
  ]);
  input.focus();
}

function live(code) {
  const view = new TableView(root);
  // A TV that stages nothing (reduced motion) says so: the host's phone then offers no Skip.
  const conn = new Connection({
    code,
    role: "table",
    persist: false,
    stages: !reducedMotion(),
    lang: language(),
  });
  conn.seq = 0; // ask for every event the server still holds, so the feed survives a reload
  let raw = null;
  let ruleset = null;
  let names = null;
  // What is on screen: the events revealed so far and the state to draw (see stage.js).
  let shown = { events: [], state: null, stage: null };

  const draw = () => {
    if (names && shown.state) names.update(shown.state);
    view.render({
      ruleset,
      state: shown.state,
      room: conn.room,
      events: shown.events,
      code,
      status: conn.status,
      names,
      stage: shown.stage,
      skip: () => stage.skip(),
    });
  };
  const stage = new Stage((events, state, staging) => {
    if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
    shown = { events, state, stage: staging };
    draw();
  });
  const ensureRuleset = async (msg) => {
    if (!ruleset || ruleset.id !== conn.state?.ruleset) {
      raw = await rulesetFor(msg, conn.state);
      ruleset = localizeRuleset(raw);
      names = ruleset ? new Names(ruleset, conn.state) : null;
    }
  };
  const eventsOf = (items) => items.map((item) => item.event).filter(Boolean);

  // The host opened a room for the next game: this screen shows its lobby (code and QR).
  const followNext = () => {
    const next = cleanCode(conn.room?.next);
    if (!next || next === code) return false;
    conn.stop();
    location.assign(`/table/?code=${next}`);
    return true;
  };

  conn.on("welcome", async ({ msg, events: missed }) => {
    if (followNext()) return;
    await ensureRuleset(msg);
    // Events held back by a staging were received: they count as shown before the missed ones.
    stage.finish(false);
    const kept = msg.resumed === "events" ? stage.shown : [];
    stage.reset([...kept, ...eventsOf(missed)], conn.state, ruleset);
  });
  conn.on("update", async ({ events: fresh, state, reset }) => {
    await ensureRuleset(null);
    if (reset) stage.reset(eventsOf(fresh), state, ruleset);
    else stage.update(eventsOf(fresh), state, ruleset);
  });
  conn.on("room", () => {
    followNext();
    draw();
  });
  conn.on("status", draw);
  // The host skipped the staged turn from their phone: the same as a skip at the TV.
  conn.on("cue", ({ cue }) => {
    if (cue === "skip_stage") stage.skip();
  });
  conn.on("refused", ({ code: reason }) => askForCode(errorText(reason)));
  conn.on("ended", ({ code: reason }) => view.render({ message: errorText(reason) }));
  // The person switched language: the texts the welcome lacked arrive.
  conn.on("texts", (found) => {
    raw = withTexts(raw, found);
    if (found.lang === language()) relocalize();
  });
  const relocalize = () => {
    conn.askTexts(language(), raw);
    ruleset = localizeRuleset(raw);
    names = ruleset ? new Names(ruleset, conn.state) : null;
    view.reset();
    draw();
  };
  onLanguage(relocalize);
  // Anyone at the TV may skip the staged turn: a key or a click on the board.
  document.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    if (stage.staging && [" ", "Enter", "Escape", "ArrowRight"].includes(e.key)) {
      e.preventDefault();
      stage.skip();
    }
  });
  unlockOnGesture();
  conn.start();
  view.render({ message: t("table.connecting_to", { code }) });
}

const params = new URLSearchParams(location.search);
if (params.has("replay")) {
  startReplay(root, params.get("replay") || "");
} else {
  const code = cleanCode(params.get("code"));
  if (code) live(code);
  else {
    askForCode();
    onLanguage(() => askForCode());
  }
}
