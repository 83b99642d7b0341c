// The phone: join a room, pick a hero, play the actions the server says are legal right now.
// The room code comes from the URL (/j/ABCD); the host link adds #host=<token>.
//
// This module is the glue: it reads the URL, holds the model (model.js) and the Connection,
// turns what the server says into model changes, and asks the view (view.js) to draw.

import { $ } from "/shared/dom.js";
import { cleanCode, Connection, rulesetFor, seats, withTexts } from "/shared/protocol.js";
import { Names } from "/shared/narrate.js";
import {
  errorText,
  initI18n,
  language,
  localizeRuleset,
  onLanguage,
  t,
  translatePage,
} from "/shared/i18n.js";
import { absorb, newModel } from "/phone/model.js";
import { buzz, keepAwake, reveal, showStatus, toast } from "/phone/feedback.js";
import { play, unlockOnGesture } from "/shared/sound.js";
import { cityNews, lastHero, rememberHero } from "/phone/night.js";
import { PhoneView } from "/phone/view.js";
import { stagingMs } from "/shared/staging.js";

await initI18n();
translatePage();
const model = newModel();
const view = new PhoneView($("#app"), {
  send,
  control,
  join,
  rejoin,
  playAgain,
  followNext: (code) => goToNextGame(code, null),
  skipStage,
  watch,
  joinLate,
  render,
});

// -- URL ------------------------------------------------------------------------------------

function codeFromUrl() {
  const m = location.pathname.match(/^\/j\/([^/]+)/);
  if (m) return cleanCode(decodeURIComponent(m[1]));
  return cleanCode(new URLSearchParams(location.search).get("code"));
}

/** A one-time link from the host's "move to a new phone" (#move=<token>): this phone takes the seat. */
function takeMoveToken() {
  const m = location.hash.match(/move=([A-Za-z0-9_-]+)/);
  if (!m) return "";
  history.replaceState(null, "", location.pathname + location.search);
  return m[1];
}

function takeHostToken(code) {
  const m = location.hash.match(/host=([A-Za-z0-9_-]+)/);
  if (!m) return false;
  if (code) seats.saveHostToken(code, m[1]);
  // The token leaves the address bar, so it is not shown on screen or shared by accident.
  history.replaceState(null, "", location.pathname + location.search);
  return true;
}

// The next game: the host opens its room from the end screen; every phone of the old room is
// offered to follow with one tap, keeping its name (carried in sessionStorage, never the URL).
const NEXT_KEY = "cibo.next";

function goToNextGame(code, hostToken) {
  const conn = model.conn;
  const mine = conn?.room?.seats?.find((s) => s.seat === conn.seat);
  const name = mine?.name || model.lastName || "";
  try {
    sessionStorage.setItem(NEXT_KEY, JSON.stringify({ code, name }));
  } catch {
    /* private mode: the join form then asks for the name */
  }
  if (hostToken) seats.saveHostToken(code, hostToken);
  conn?.stop();
  location.assign(`/j/${code}`);
}

function takeNextName(code) {
  try {
    const pending = JSON.parse(sessionStorage.getItem(NEXT_KEY) || "null");
    sessionStorage.removeItem(NEXT_KEY);
    return pending && pending.code === code && typeof pending.name === "string" ? pending.name : "";
  } catch {
    return "";
  }
}

// -- what the screens' buttons do -----------------------------------------------------------

function render() {
  const state = model.conn?.state;
  if (state && !model.ended) {
    if (!model.names) model.names = new Names(model.ruleset, state);
    model.names.update(state);
  }
  view.render(model);
}

async function send(command, { quiet = false } = {}) {
  if (!model.conn || model.busy) return false;
  model.busy = true;
  // A tap made while the connection is down goes out after the reconnect: say so until then.
  model.willSend = model.conn.status !== "online";
  model.city = null;
  render();
  try {
    await model.conn.command(command);
    if (command.type === "pick_hero") rememberHero(command.hero);
    return true;
  } catch (err) {
    if (!quiet) toast(errorText(err.code));
    return false;
  } finally {
    model.busy = false;
    model.willSend = false;
    render();
  }
}

async function control(action, seat) {
  try {
    return await model.conn.control(action, seat);
  } catch (err) {
    toast(errorText(err.code));
    return null;
  }
}

/**
 * The TV stages the enemy's turn of a live update for a few seconds (/shared/staging.js says
 * how long, from the same events); the host's phone offers to skip it for that long. The next
 * update ends it on the TV, so here too.
 */
function noteStaging(items) {
  clearTimeout(model.stageTimer);
  const ms = model.conn?.host ? stagingMs(items.map((x) => x.event).filter(Boolean)) : 0;
  model.stageUntil = ms ? Date.now() + ms : 0;
  if (ms) {
    model.stageTimer = setTimeout(() => {
      model.stageUntil = 0;
      render();
    }, ms);
  }
}

/** The host skips the TV's staging: the server cues the table displays to show it all now. */
async function skipStage() {
  if (await control("skip_stage")) {
    clearTimeout(model.stageTimer);
    model.stageUntil = 0;
    render();
  }
}

/** Watch the game from this phone (a spectator: the board and tracks, no actions). */
function watch() {
  model.error = "";
  model.errorSay = null;
  model.watchOffer = "";
  connect({ spectator: true });
}

/** A watcher takes a free hero (the host let latecomers in): join with the name it gave. */
function joinLate() {
  model.watching = false;
  if (model.lastName) connect({ name: model.lastName });
  else {
    model.conn?.stop();
    model.conn = null;
    view.reset();
    view.showJoin(model);
  }
}

/** The join form was sent: check it, then connect with a new seat. */
function join(codeText, nameText) {
  const code = cleanCode(codeText);
  const name = nameText.trim();
  if (!code) {
    model.errorSay = () => t("join.need_code");
    model.error = model.errorSay();
    view.showJoin(model);
    return;
  }
  if (!name) {
    model.errorSay = () => t("join.need_name");
    model.error = model.errorSay();
    view.showJoin(model);
    return;
  }
  model.error = "";
  model.errorSay = null;
  if (code !== model.code) {
    model.code = code;
    history.replaceState(null, "", `/j/${code}`);
  }
  connect({ name });
}

/** The seat ended (see the ended screen): take it back here, or join again. */
function rejoin(code) {
  model.ended = null;
  if (code === "seat/replaced" && seats.load(model.code)) connect({});
  else view.showJoin(model);
}

/** The host opens the next game's room and everyone here is offered to follow. */
async function playAgain() {
  const result = await model.conn.control("next_game");
  goToNextGame(result.next.code, result.next.host_token);
}

// -- events from the server -----------------------------------------------------------------

function afterState(fresh) {
  const state = model.conn.state;
  const has = state && state.status === "playing" && (state.actions || []).length > 0;
  const turnBegan = has && !model.hadActions;
  if (turnBegan) {
    buzz();
    play("your_turn");
    document.title = t("phone.title_turn");
  } else if (!has) {
    document.title = t("common.brand");
  }
  model.hadActions = Boolean(has);
  keepAwake(state?.status === "playing");
  const status = state?.status;
  if (fresh && model.lastStatus === "playing" && (status === "won" || status === "lost")) {
    play(status === "won" ? "victory" : "defeat");
  }
  model.lastStatus = status;
  render();
  // What just changed for this player is brought into view: a new roll of mine first, else the
  // start of my turn (the YOUR TURN banner), never left above or below the screen.
  if (fresh && model.rollsChanged) reveal(".rolls");
  else if (turnBegan) reveal(state.concession ? ".concede" : ".banner.your-turn");
}

/** Take events in; `history` (what a watcher is shown of the game so far) makes no sound. */
function takeEvents(events, { history = false } = {}) {
  const conn = model.conn;
  model.names.update(conn.state);
  const before = model.rolls;
  Object.assign(
    model,
    absorb(model, events, {
      seat: conn.seat,
      names: model.names,
      state: conn.state,
      ruleset: model.ruleset,
    }),
  );
  model.rollsChanged = model.rolls.length > 0 &&
    (model.rolls.length !== before.length ||
      model.rolls.some((r, i) => r.roll !== before[i]?.roll));
  if (history) {
    afterState(false);
    return;
  }
  if (model.rollsChanged && events.length) play("dice");
  const undone = events.filter((x) => x.event?.type === "command_undone").map((x) => x.event);
  if (undone.length) {
    play("undo");
    const last = undone.at(-1);
    const by = last.by || last.seat;
    const name = (conn.room?.seats || []).find((x) => x.seat === by)?.name || by;
    toast(t("night.undone", { name }), "info");
  }
  const news = cityNews(events, model.ruleset, model.names);
  if (news) model.city = news;
  for (const x of events) {
    const e = x.event;
    if (e?.type === "hero_picked" && e.seat === conn.seat) rememberHero(e.kind);
  }
  afterState(events.length > 0);
}

async function loadRuleset(welcome) {
  if (model.ruleset && model.ruleset.id === model.conn.state?.ruleset) return;
  try {
    model.rawRuleset = await rulesetFor(welcome, model.conn.state);
  } catch {
    model.rawRuleset = null;
  }
  model.ruleset = localizeRuleset(model.rawRuleset);
  model.names = new Names(model.ruleset, model.conn.state);
}

function connect({ name = "", spectator = false, moveToken = "" }) {
  if (model.conn) model.conn.stop();
  if (name) model.lastName = name;
  const stored = seats.load(model.code);
  const hostToken = spectator || moveToken
    ? null
    : model.hostLink || !stored
    ? seats.hostToken(model.code)
    : null;
  const lang = language();
  const conn = spectator
    ? new Connection({ code: model.code, role: "spectator", persist: false, lang })
    : new Connection({ code: model.code, role: "player", hostToken, lang });
  // A watcher asks for the events the room still holds, so its feed tells the game so far.
  if (spectator) conn.seq = 0;
  if (moveToken) {
    // The host's one-time link: sent as this phone's token; the welcome brings a token of its own.
    conn.token = moveToken;
    conn.seat = null;
    conn.seq = null;
  }
  model.conn = conn;
  model.watching = spectator;
  conn.on("status", ({ status }) => showStatus(status));
  conn.on("welcome", async ({ msg, events }) => {
    await loadRuleset(msg);
    takeEvents(events, { history: spectator });
  });
  conn.on("update", async ({ events }) => {
    if (!model.ruleset || model.ruleset.id !== conn.state?.ruleset) await loadRuleset(null);
    noteStaging(events);
    takeEvents(events);
  });
  conn.on("room", () => render());
  // The person switched language: the texts the welcome lacked arrive.
  conn.on("texts", (found) => {
    model.rawRuleset = withTexts(model.rawRuleset, found);
    if (found.lang === language()) relocalize();
  });
  conn.on("refused", ({ code }) => {
    // A latecomer is told the truth and offered to watch.
    model.watchOffer = code === "join/watch_only" || code === "join/game_started" ? code : "";
    model.errorSay = () => errorText(code);
    model.error = model.errorSay();
    model.conn = null;
    view.reset();
    view.showJoin(model);
  });
  conn.on("ended", ({ code }) => {
    if (code === "seat/moved") seats.forget(model.code);
    model.ended = { code, message: errorText(code) };
    render();
  });
  conn.on("notice", ({ code }) => toast(errorText(code), "info"));
  if (name) conn.join(name);
  else conn.start();
  render();
}

/** The language changed: every text is drawn again in it (the feed too). */
function relocalize() {
  model.conn?.askTexts(language(), model.rawRuleset);
  model.ruleset = localizeRuleset(model.rawRuleset);
  model.names = model.conn?.state ? new Names(model.ruleset, model.conn.state) : null;
  document.title = t(model.hadActions ? "phone.title_turn" : "common.brand");
  if (model.errorSay) model.error = model.errorSay();
  if (model.ended) model.ended = { ...model.ended, message: errorText(model.ended.code) };
  view.reset();
  if (model.conn?.state && model.names) {
    const known = { rolls: model.rolls, events: model.events, seqs: model.seqs };
    const ctx = { seat: model.conn.seat, names: model.names, state: model.conn.state };
    Object.assign(model, absorb(known, [], { ...ctx, ruleset: model.ruleset }));
  }
  if (!model.conn && !model.ended) view.showJoin(model);
  else render();
}

function boot() {
  onLanguage(relocalize);
  unlockOnGesture();
  model.code = codeFromUrl();
  const moveToken = takeMoveToken();
  model.hostLink = takeHostToken(model.code);
  const stored = model.code ? seats.load(model.code) : null;
  const followed = model.code ? takeNextName(model.code) : "";
  model.lastHero = lastHero();
  if (moveToken && model.code) connect({ moveToken });
  else if (stored?.token) connect({});
  else if (followed) connect({ name: followed });
  else view.showJoin(model);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && model.conn?.state?.status === "playing") {
      keepAwake(true);
    }
  });
}

boot();
