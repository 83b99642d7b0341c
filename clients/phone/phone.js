// The phone: join a room, pick a hero, play the actions the server says are legal right now.
// The room code comes from the URL (/j/ABCD); the host link adds #host=<token>.

import { $, Memo, h, place } from "/shared/dom.js";
import { Connection, cleanCode, createRoom, rulesetFor, seats } from "/shared/protocol.js";
import { Names, diceFaces, feedLines, formulaText, pretty } from "/shared/narrate.js";
import { SEAT_COLOURS, seatColours } from "/shared/board.js";

const app = $("#app");
const toastEl = $("#toast");
const connEl = $("#conn");

const ui = {
  code: "",
  conn: null,
  ruleset: null,
  names: null,
  screen: "",
  sections: new Memo(),
  rolls: [],
  feed: [],
  events: [],
  busy: false,
  hadActions: false,
  armed: "",
  hostLink: false,
  error: "",
  ended: null,
  rulesets: null,
  wakeLock: null,
  lastName: "",
  open: new Set(),
  totals: new Map(),
};

// -- URL ------------------------------------------------------------------------------------

function codeFromUrl() {
  const m = location.pathname.match(/^\/j\/([^/]+)/);
  if (m) return cleanCode(decodeURIComponent(m[1]));
  return cleanCode(new URLSearchParams(location.search).get("code"));
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
  const mine = ui.conn?.room?.seats?.find((s) => s.seat === ui.conn.seat);
  const name = mine?.name || ui.lastName || "";
  try {
    sessionStorage.setItem(NEXT_KEY, JSON.stringify({ code, name }));
  } catch {
    /* private mode: the join form then asks for the name */
  }
  if (hostToken) seats.saveHostToken(code, hostToken);
  ui.conn?.stop();
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

// -- feedback -------------------------------------------------------------------------------

let toastTimer = 0;
function toast(message, kind = "bad") {
  toastEl.textContent = message;
  toastEl.className = `toast ${kind}`;
  toastEl.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toastEl.hidden = true;
  }, 4500);
}

let connTimer = 0;
function showStatus(status) {
  clearTimeout(connTimer);
  if (status === "online" || status === "closed" || status === "idle") {
    if (status === "online") ui.everOnline = true;
    connEl.hidden = true;
    return;
  }
  // Short blips are not worth a banner.
  connTimer = setTimeout(() => {
    connEl.textContent = !ui.everOnline ? "Connecting…" : status === "offline" ? "Connection lost — reconnecting…" : "Reconnecting…";
    connEl.hidden = false;
  }, 900);
}

function buzz() {
  try {
    // Browsers only let a page vibrate once the person has touched it.
    if (navigator.vibrate && navigator.userActivation?.hasBeenActive !== false) navigator.vibrate([90, 60, 90]);
  } catch {
    /* not allowed here */
  }
}

async function keepAwake(on) {
  if (!("wakeLock" in navigator)) return; // only in secure contexts (HTTPS or localhost)
  try {
    if (on && !ui.wakeLock && !ui.waking && document.visibilityState === "visible") {
      ui.waking = true;
      ui.wakeLock = await navigator.wakeLock.request("screen");
      ui.waking = false;
      ui.wakeLock.addEventListener("release", () => {
        ui.wakeLock = null;
      });
    } else if (!on && ui.wakeLock) {
      await ui.wakeLock.release();
    }
  } catch {
    ui.wakeLock = null;
    ui.waking = false;
  }
}

// -- rendering helpers ----------------------------------------------------------------------

/** Reuse a section's element while its data is unchanged, so taps are never lost to a redraw. */
function section(id, data, render) {
  return ui.sections.get(id, data, render);
}

function setScreen(name) {
  if (ui.screen !== name) {
    ui.screen = name;
    ui.sections.clear();
    app.replaceChildren();
    app.dataset.screen = name;
  }
}

function pips(n, total, cls = "pip") {
  const out = [];
  for (let i = 0; i < total; i++) out.push(h("span", { class: [cls, i < n ? "on" : ""] }));
  return h("span", { class: "pips", "aria-label": `${n} of ${total}` }, out);
}

function costText(cost) {
  if (!cost) return "free";
  return cost === 1 ? "1 action" : `${cost} actions`;
}

function seatName(room, seatId) {
  return (room?.seats || []).find((x) => x.seat === seatId)?.name || seatId;
}

// -- commands -------------------------------------------------------------------------------

async function send(command, { quiet = false } = {}) {
  if (!ui.conn || ui.busy) return false;
  ui.busy = true;
  render();
  try {
    await ui.conn.command(command);
    return true;
  } catch (err) {
    if (!quiet) toast(err.message || "That did not work.");
    return false;
  } finally {
    ui.busy = false;
    render();
  }
}

async function control(action, seat) {
  try {
    await ui.conn.control(action, seat);
  } catch (err) {
    toast(err.message || "That did not work.");
  }
}

/** A <details> box that stays open across redraws. */
function details(id, props, summary, ...children) {
  const box = h("details", { ...props, open: ui.open.has(id) }, h("summary", {}, summary), ...children);
  box.addEventListener("toggle", () => {
    if (box.open) ui.open.add(id);
    else ui.open.delete(id);
  });
  return box;
}

/** A button that asks for a second tap before doing something destructive. */
function confirmButton(id, label, confirmLabel, onConfirm, cls = "") {
  const armed = ui.armed === id;
  return h(
    "button",
    {
      class: ["btn", cls, armed ? "armed" : ""],
      type: "button",
      onclick: () => {
        if (ui.armed === id) {
          ui.armed = "";
          onConfirm();
        } else {
          ui.armed = id;
          setTimeout(() => {
            if (ui.armed === id) {
              ui.armed = "";
              render();
            }
          }, 4000);
        }
        render();
      },
    },
    armed ? confirmLabel : label,
  );
}

// -- screens --------------------------------------------------------------------------------

function renderJoin() {
  setScreen("join");
  if (app.firstElementChild) {
    const err = $("#join-error");
    if (err) err.textContent = ui.error;
    return;
  }
  const stored = ui.code ? seats.load(ui.code) : null;
  const codeInput = h("input", {
    id: "code",
    name: "code",
    class: "input code-input",
    value: ui.code,
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    maxlength: "8",
    required: true,
    "aria-describedby": "join-error",
  });
  const nameInput = h("input", {
    id: "name",
    name: "name",
    class: "input",
    value: ui.lastName || stored?.name || "",
    autocomplete: "nickname",
    // The server cuts names to 16 characters; a flag or a family emoji alone takes 4 to 11 of
    // the UTF-16 units maxlength counts, so this only stops pasted novels.
    maxlength: "256",
    required: true,
    enterkeyhint: "go",
  });
  const form = h(
    "form",
    {
      class: "join-form",
      onsubmit: (e) => {
        e.preventDefault();
        const code = cleanCode(codeInput.value);
        const name = nameInput.value.trim();
        if (!code) {
          ui.error = "Type the code shown on the table display.";
          renderJoin();
          return;
        }
        if (!name) {
          ui.error = "Type a name so the others know who you are.";
          renderJoin();
          return;
        }
        ui.error = "";
        if (code !== ui.code) {
          ui.code = code;
          history.replaceState(null, "", `/j/${code}`);
        }
        connect({ name });
      },
    },
    h("label", { for: "code", class: "label" }, "Room code"),
    codeInput,
    h("label", { for: "name", class: "label" }, "Your name"),
    nameInput,
    h("p", { id: "join-error", class: "form-error", role: "alert" }, ui.error),
    h("button", { class: "btn primary big", type: "submit" }, "Join the game"),
  );
  app.append(
    h(
      "section",
      { class: "screen join" },
      h("h1", { class: "brand" }, "Cibo"),
      h("p", { class: "lead" }, "Defend the village together. Join with the code on the TV."),
      form,
      h("p", { class: "fineprint" }, "An unofficial fan game inspired by the film Blame!"),
    ),
  );
  (ui.code ? nameInput : codeInput).focus();
}

function renderWaiting(text) {
  setScreen("waiting");
  place(app, [
    section("waiting", { text }, () =>
      h("section", { class: "screen center" }, h("h1", { class: "brand" }, "Cibo"), h("p", { class: "muted big-text" }, text)),
    ),
  ]);
}

function renderEnded() {
  setScreen("ended");
  const { code, message } = ui.ended;
  const again = code === "seat/replaced" ? "Play on this phone" : "Join again";
  place(app, [
    section("ended", { code, message }, () =>
      h(
        "section",
        { class: "screen center" },
        h("h1", { class: "title" }, code === "join/kicked" ? "Removed from the game" : code === "seat/replaced" ? "Opened elsewhere" : "Disconnected"),
        h("p", { class: "big-text" }, message || ""),
        h(
          "button",
          {
            class: "btn primary big",
            type: "button",
            onclick: () => {
              ui.ended = null;
              if (code === "seat/replaced" && seats.load(ui.code)) connect({});
              else renderJoin();
            },
          },
          again,
        ),
      ),
    ),
  ]);
}

function topBar(state, room) {
  const mine = (state.actions || []).length > 0;
  const phase = state.phase?.label || "";
  const status =
    state.status === "lobby"
      ? "Lobby"
      : state.status === "playing"
        ? `Round ${state.round}/${state.rounds}${phase ? ` · ${phase}` : ""}`
        : "Game over";
  return section("top", { status, code: room?.code, mine, paused: room?.paused, name: ui.conn.name, host: ui.conn.host }, (d) =>
    h(
      "header",
      { class: ["topbar", d.mine ? "mine" : ""] },
      h("span", { class: "who" }, h("span", { class: "me-name" }, d.name || ""), d.host ? h("span", { class: "host-star", title: "host", "aria-label": "host" }, "★") : null),
      h("span", { class: "where" }, d.status),
      h("span", { class: "room-code", "aria-label": "room code" }, d.code || ""),
    ),
  );
}

function heroCard(kind, spec, { owner, mine, taken, full }) {
  const attack = formulaText(spec.attack || "");
  let button;
  if (mine) {
    button = h("button", { class: "btn", type: "button", onclick: () => send({ type: "drop_hero", hero: mine }) }, "Put back");
  } else if (taken && !spec.repeatable) {
    button = h("span", { class: "taken" }, `Taken by ${owner}`);
  } else {
    button = h(
      "button",
      { class: "btn primary", type: "button", disabled: full || ui.busy, onclick: () => send({ type: "pick_hero", hero: kind }) },
      `Play ${spec.name}`,
    );
  }
  return h(
    "article",
    { class: ["hero-card", mine ? "picked" : "", taken && !mine && !spec.repeatable ? "unavailable" : ""], "data-hero": kind },
    h("h3", {}, spec.name, mine ? h("span", { class: "chip ok" }, "yours") : null),
    h(
      "p",
      { class: "stats" },
      h("span", {}, `♥ ${spec.hp}`),
      h("span", {}, `move ${spec.move}`),
      attack ? h("span", {}, `attack ${attack}`) : null,
    ),
    spec.text ? h("p", { class: "hero-text" }, spec.text) : null,
    button,
  );
}

function renderLobby(state, room) {
  setScreen("lobby");
  const rs = ui.ruleset || {};
  const me = ui.conn.seat;
  const heroes = rs.heroes || {};
  const picks = state.heroes || [];
  const max = rs.heroes_range?.max ?? 99;
  const myHeroes = picks.filter((x) => x.seat === me);
  const data = {
    heroes,
    picks: picks.map((x) => [x.id, x.kind, x.seat]),
    seats: (room?.seats || []).map((x) => [x.seat, x.name]),
    busy: ui.busy,
  };
  const parts = [
    topBar(state, room),
    section("lobby-intro", { name: rs.name, text: rs.text, difficulty: state.difficulty, mine: myHeroes.length, host: ui.conn.host }, (d) =>
      h(
        "section",
        { class: "card intro" },
        h("h2", {}, d.name || "Cibo"),
        d.text ? h("p", { class: "intro-text" }, d.text) : null,
        h("p", {}, "Difficulty: ", h("strong", {}, ui.names?.difficulty(d.difficulty) || d.difficulty)),
        h(
          "p",
          { class: ["next-step", d.mine ? "ok" : ""] },
          !d.mine ? "Pick a hero to play." : d.host ? "You are in. Start the game when everyone has a hero." : "You are in. Waiting for the host to start…",
        ),
      ),
    ),
    section("heroes", data, () => {
      const cards = Object.entries(heroes).map(([kind, spec]) => {
        const owned = picks.filter((x) => x.kind === kind);
        const mine = owned.find((x) => x.seat === me);
        const owner = owned.length ? seatName(room, owned[0].seat) : "";
        return [Boolean(mine), heroCard(kind, spec, { owner, mine: mine?.id, taken: owned.length > 0, full: picks.length >= max })];
      });
      const chosen = cards.filter(([mine]) => mine).map(([, el]) => el);
      const others = cards.filter(([mine]) => !mine).map(([, el]) => el);
      return h(
        "section",
        { class: "hero-list", "aria-label": "Heroes" },
        h("h2", { class: "section-title" }, chosen.length ? "Your hero" : "Pick your hero"),
        chosen,
        chosen.length ? details("more-heroes", { class: "manage more-heroes" }, "Other heroes", h("div", { class: "hero-list" }, others)) : others,
      );
    }),
    section("players", { seats: room?.seats || [], picks: data.picks, me }, (d) => playersCard(d.seats, state, d.me)),
    ui.conn.host ? hostLobbyPanel(state, room) : null,
  ];
  place(app, parts);
}

function playersCard(roomSeats, state, me) {
  const colours = seatColours(state);
  return h(
    "section",
    { class: "card players" },
    h("h2", { class: "section-title" }, `Players (${roomSeats.length})`),
    h(
      "ul",
      { class: "player-list" },
      roomSeats.map((x) => {
        const heroes = (state.heroes || []).filter((hero) => hero.seat === x.seat).map((hero) => hero.name);
        return h(
          "li",
          { class: ["player", x.connected ? "" : "away", x.vacant ? "vacant" : ""], "data-seat": x.seat },
          h("span", { class: "seat-dot", vars: { "--seat": SEAT_COLOURS[(colours.get(x.seat) ?? 0) % SEAT_COLOURS.length] } }),
          h("span", { class: "player-name" }, x.name),
          x.seat === me ? h("span", { class: "chip" }, "you") : null,
          x.host ? h("span", { class: "chip host" }, "host") : null,
          h("span", { class: "player-heroes" }, heroes.join(", ") || "no hero yet"),
          x.connected ? null : h("span", { class: "chip away" }, x.vacant ? "empty seat" : "away"),
        );
      }),
    ),
  );
}

function hostLobbyPanel(state, room) {
  const rs = ui.ruleset || {};
  const d = {
    difficulty: state.difficulty,
    difficulties: rs.difficulties || {},
    locked: room?.locked,
    seats: (room?.seats || []).map((x) => [x.seat, x.name]),
    me: ui.conn.seat,
    armed: ui.armed,
  };
  return section("host", d, () =>
    h(
      "section",
      { class: "card host-panel", "aria-label": "Host controls" },
      h("h2", { class: "section-title" }, "Host controls"),
      h("p", { class: "label" }, "Difficulty"),
      h(
        "div",
        { class: "segmented", role: "group", "aria-label": "Difficulty" },
        Object.entries(d.difficulties).map(([id, label]) =>
          h(
            "button",
            {
              class: ["btn", id === d.difficulty ? "selected" : ""],
              type: "button",
              "aria-pressed": id === d.difficulty ? "true" : "false",
              "data-difficulty": id,
              onclick: () => send({ type: "set_difficulty", difficulty: id }),
            },
            label,
          ),
        ),
      ),
      h("button", { class: "btn primary big", type: "button", id: "start-game", onclick: () => send({ type: "start_game" }) }, "Start the game"),
      roomControls(d),
      newRoomControls(state),
    ),
  );
}

function roomControls(d) {
  return h(
    "div",
    { class: "host-row" },
    h(
      "button",
      { class: "btn", type: "button", onclick: () => control(d.locked ? "unlock" : "lock") },
      d.locked ? "Unlock the room" : "Lock the room",
    ),
    details(
      "manage",
      { class: "manage" },
      "Manage players",
      h(
        "ul",
        { class: "manage-list" },
        d.seats
          .filter(([seat]) => seat !== d.me)
          .map(([seat, name]) =>
            h(
              "li",
              {},
              h("span", { class: "player-name" }, name),
              h("button", { class: "btn small", type: "button", onclick: () => control("transfer_host", seat) }, "Make host"),
              confirmButton(`kick-${seat}`, "Remove", "Tap to confirm", () => control("kick", seat), "small danger"),
            ),
          ),
      ),
    ),
  );
}

function newRoomControls(state) {
  const box = details("new-room", { class: "manage new-room" }, "New room with another ruleset");
  const rulesetSel = h("select", { class: "input", "aria-label": "Ruleset" });
  const diffSel = h("select", { class: "input", "aria-label": "Difficulty" });
  const fillDiffs = () => {
    const chosen = (ui.rulesets || []).find((r) => r.id === rulesetSel.value);
    diffSel.replaceChildren(...Object.entries(chosen?.difficulties || {}).map(([id, label]) => h("option", { value: id }, label)));
  };
  rulesetSel.addEventListener("change", fillDiffs);
  const load = async () => {
    if (!box.open) return;
    try {
      if (!ui.rulesets) ui.rulesets = (await (await fetch("/api/rulesets")).json()).rulesets || [];
    } catch {
      ui.rulesets = [];
    }
    rulesetSel.replaceChildren(...ui.rulesets.map((r) => h("option", { value: r.id, selected: r.id === state.ruleset }, r.name)));
    fillDiffs();
  };
  box.addEventListener("toggle", load);
  load();
  box.append(
    h("p", { class: "hint" }, "Opens a fresh room with its own code; the others join it from the table display."),
    rulesetSel,
    diffSel,
    h(
      "button",
      {
        class: "btn",
        type: "button",
        onclick: async () => {
          try {
            const made = await createRoom({ ruleset: rulesetSel.value, difficulty: diffSel.value });
            seats.saveHostToken(made.code, made.host_token);
            location.assign(`/j/${made.code}#host=${made.host_token}`);
          } catch (err) {
            toast(err.message || "Could not open a room.");
          }
        },
      },
      "Open the new room",
    ),
  );
  return box;
}

/** Actions a hero had at the start of this phase (the state only says how many are left). */
function actionTotal(hero, state) {
  const key = `${state.round}:${state.phase?.index}`;
  const seen = ui.totals.get(hero.id);
  const total = seen && seen.key === key ? Math.max(seen.total, hero.actions_left) : hero.actions_left;
  ui.totals.set(hero.id, { key, total });
  return total;
}

function heroSheet(hero, state, colour, total) {
  const zone = ui.names.zone(hero.zone);
  const status = hero.downed ? "down" : hero.done ? "done" : hero.actions_left > 0 ? "acting" : "waiting";
  return h(
    "article",
    { class: ["sheet", `status-${status}`], "data-hero": hero.id, vars: { "--seat": colour } },
    h("div", { class: "sheet-head" }, h("span", { class: "token-dot" }, (hero.name || "?")[0]), h("h2", {}, ui.names.hero(hero.id)), h("span", { class: ["chip", status] }, status)),
    h(
      "div",
      { class: "sheet-body" },
      h("div", { class: "stat" }, h("span", { class: "stat-label" }, "HP"), h("span", { class: "stat-value" }, `${hero.hp}/${hero.max_hp}`), hpBar(hero.hp, hero.max_hp)),
      h("div", { class: "stat" }, h("span", { class: "stat-label" }, "At"), h("span", { class: "stat-value zone-name" }, zone)),
      h("div", { class: "stat" }, h("span", { class: "stat-label" }, "Actions"), pips(hero.actions_left, Math.max(total, hero.actions_left), "pip")),
    ),
  );
}

function hpBar(hp, max) {
  const pct = max ? Math.max(0, Math.min(100, (hp / max) * 100)) : 0;
  return h("span", { class: ["bar", pct <= 34 ? "low" : ""], role: "meter", "aria-valuemin": "0", "aria-valuemax": String(max), "aria-valuenow": String(hp) }, h("span", { class: "bar-fill", vars: { "--pct": `${pct}%` } }));
}

/** "@hero.attack" -> that hero's own formula, so a button or a roll shows the real dice. */
function heroFormula(formula, heroId, state) {
  const text = String(formula || "");
  const m = text.match(/^@hero\.(\w+)$/);
  if (!m) return text;
  const kind = (state?.heroes || []).find((x) => x.id === heroId)?.kind;
  const spec = ui.ruleset?.heroes?.[kind] || {};
  const value = spec[m[1]] ?? spec.stats?.[m[1]];
  return value === undefined ? text : String(value);
}

function targetLabel(target, state) {
  if (!target) return "";
  const unit = (state.units || []).find((u) => u.id === target);
  if (unit) return `${ui.names.unitKind(unit.kind)} · ${unit.hp} HP`;
  return ui.names.target(target);
}

function actionsSection(state) {
  const actions = state.actions || [];
  const groups = new Map();
  const ends = [];
  for (const a of actions) {
    if (a.type === "end_turn") {
      ends.push(a);
      continue;
    }
    const key = `${a.hero}|${a.action}`;
    if (!groups.has(key)) groups.set(key, { ...a, roll: heroFormula(a.roll, a.hero, state), targets: [] });
    groups.get(key).targets.push(a.target);
  }
  const data = { groups: [...groups.values()], ends, busy: ui.busy, units: state.units, heroes: (state.heroes || []).map((x) => [x.id, x.zone]) };
  const many = new Set(actions.map((a) => a.hero)).size > 1;
  return section("actions", data, (d) => {
    if (!d.groups.length && !d.ends.length) {
      const mine = (state.heroes || []).filter((x) => x.seat === ui.conn.seat);
      const down = mine.filter((x) => x.downed).map((x) => x.name);
      const waiting = down.length
        ? `${down.join(" and ")} ${down.length > 1 ? "are" : "is"} down and sit${down.length > 1 ? "" : "s"} this phase out.`
        : state.phase?.turns === "each_hero" && state.turn
          ? `Waiting for ${ui.names.hero(state.turn)}…`
          : "Waiting for the others…";
      return h("section", { class: "actions idle" }, h("p", { class: "muted big-text" }, waiting));
    }
    return h(
      "section",
      { class: "actions", "aria-label": "Your actions" },
      h("h2", { class: "section-title" }, "Your actions"),
      d.groups.map((g) => {
        const label = g.label === g.action ? pretty(g.action) : g.label;
        const single = g.targets.length === 1 && !g.targets[0];
        const meta = h(
          "span",
          { class: "action-meta" },
          h("span", { class: "cost" }, pips(g.cost, g.cost, "cost-pip"), ` ${costText(g.cost)}`),
          g.roll ? h("span", { class: "roll-hint" }, `⚄ ${formulaText(g.roll)}`) : null,
        );
        const who = many ? `${ui.names.hero(g.hero)}: ` : "";
        if (single) {
          return h(
            "button",
            {
              class: "action",
              type: "button",
              disabled: d.busy,
              "data-action": g.action,
              onclick: () => send({ type: "act", hero: g.hero, action: g.action, target: "" }),
            },
            h("span", { class: "action-label" }, who + label),
            meta,
            g.text ? h("span", { class: "action-text" }, g.text) : null,
          );
        }
        return h(
          "div",
          { class: "action-group", "data-action": g.action },
          h("div", { class: "group-head" }, h("span", { class: "action-label" }, who + label), meta),
          g.text ? h("p", { class: "action-text" }, g.text) : null,
          h(
            "div",
            { class: "targets" },
            g.targets.map((t) =>
              h(
                "button",
                {
                  class: "target",
                  type: "button",
                  disabled: d.busy,
                  "data-target": t,
                  onclick: () => send({ type: "act", hero: g.hero, action: g.action, target: t }),
                },
                targetLabel(t, state) || label,
              ),
            ),
          ),
        );
      }),
      h(
        "div",
        { class: "end-turns" },
        d.ends.map((a) =>
          h(
            "button",
            { class: "btn end-turn big", type: "button", disabled: d.busy, "data-hero": a.hero, onclick: () => send({ type: "end_turn", hero: a.hero }) },
            many ? `End ${ui.names.hero(a.hero)}'s turn` : "End turn",
          ),
        ),
      ),
    );
  });
}

function rollsSection() {
  return section("rolls", { rolls: ui.rolls }, (d) => {
    if (!d.rolls.length) return null;
    return h(
      "section",
      { class: "card rolls", "aria-label": "Your last roll", "aria-live": "polite" },
      h("h2", { class: "section-title" }, "Your last roll"),
      d.rolls.map((r) =>
        h(
          "div",
          { class: ["roll", r.success === true ? "success" : r.success === false ? "failure" : ""] },
          h("p", { class: "roll-title" }, r.title),
          h("div", { class: "roll-line" }, h("span", { class: "formula" }, formulaText(r.formula)), diceFaces(r.roll, { size: "big" }), h("span", { class: "total" }, `= ${r.roll.total}`)),
          r.outcome ? h("p", { class: "roll-outcome" }, r.outcome) : null,
        ),
      ),
    );
  });
}

function privateSection(state) {
  const cards = state.peek?.cards || [];
  return section("private", { cards }, (d) => {
    if (!d.cards.length) return null;
    return h(
      "section",
      { class: "card private", "aria-label": "Only you can see this" },
      h("h2", { class: "section-title" }, "Only you can see this"),
      h("ol", { class: "peek" }, d.cards.map((c) => h("li", {}, pretty(String(c).split("#")[0])))),
    );
  });
}

function tracksSection(state) {
  const rs = ui.ruleset || {};
  return section("tracks", { tracks: state.tracks }, (d) =>
    h(
      "section",
      { class: "tracks-strip", "aria-label": "Village" },
      Object.entries(d.tracks || {}).map(([id, t]) =>
        h(
          "div",
          { class: ["mini-track", t.band ? `band-${(rs.tracks?.[id]?.bands || []).findIndex((b) => b.name === t.band)}` : ""] },
          h("span", { class: "mini-label" }, rs.tracks?.[id]?.label || pretty(id)),
          h("span", { class: "mini-value" }, String(t.value)),
          t.band ? h("span", { class: "mini-band" }, pretty(t.band)) : null,
        ),
      ),
    ),
  );
}

function feedSection() {
  return section("feed", { feed: ui.feed.slice(-6) }, (d) =>
    h(
      "section",
      { class: "card feed-mini", "aria-label": "What just happened" },
      h("h2", { class: "section-title" }, "What just happened"),
      h("ol", { class: "feed" }, d.feed.map((line) => h("li", { class: `kind-${line.kind}` }, h("span", { class: "icon", "aria-hidden": "true" }, line.icon), line.text))),
    ),
  );
}

function hostGamePanel(state, room) {
  const d = { paused: room?.paused, locked: room?.locked, seats: (room?.seats || []).map((x) => [x.seat, x.name]), me: ui.conn.seat, armed: ui.armed };
  return section("host-game", d, () =>
    details(
      "host-game",
      { class: "card host-panel", "aria-label": "Host controls" },
      "Host controls",
      h(
        "div",
        { class: "host-row" },
        h("button", { class: "btn", type: "button", onclick: () => control(d.paused ? "resume" : "pause") }, d.paused ? "Resume" : "Pause"),
        confirmButton("end-game", "End the game", "Tap again to end", () => send({ type: "end_game" }), "danger"),
      ),
      roomControls(d),
    ),
  );
}

function renderGame(state, room) {
  setScreen("game");
  const mine = (state.heroes || []).filter((x) => x.seat === ui.conn.seat);
  const colours = seatColours(state);
  const colour = SEAT_COLOURS[(colours.get(ui.conn.seat) ?? 0) % SEAT_COLOURS.length];
  const parts = [
    topBar(state, room),
    room?.paused
      ? section("paused", {}, () => h("p", { class: "banner paused", role: "status" }, "The host has paused the game."))
      : null,
    (state.actions || []).length
      ? section("yourturn", { n: state.round, p: state.phase?.name }, () => h("p", { class: "banner your-turn", role: "status" }, "Your turn"))
      : null,
    section("sheets", { mine, phase: state.phase, colour, totals: mine.map((x) => actionTotal(x, state)) }, (d) =>
      h("section", { class: "sheets" }, d.mine.map((hero, i) => heroSheet(hero, state, d.colour, d.totals[i]))),
    ),
    rollsSection(),
    privateSection(state),
    actionsSection(state),
    tracksSection(state),
    feedSection(),
    ui.conn.host ? hostGamePanel(state, room) : null,
  ];
  place(app, parts);
}

function renderOver(state, room) {
  setScreen("over");
  const won = state.status === "won";
  const d = { status: state.status, outcome: state.outcome, round: state.round, seed: state.seed, commitment: state.commitment, host: ui.conn.host, next: room?.next || null };
  place(app, [
    topBar(state, room),
    section("over", d, () =>
      h(
        "section",
        { class: ["screen", "over", won ? "won" : "lost"], "data-outcome": d.status },
        h("p", { class: "over-mark", "aria-hidden": "true" }, won ? "★" : "✖"),
        h("h1", { class: "title" }, won ? "Victory" : d.status === "aborted" ? "Game ended" : "Defeat"),
        h("p", { class: "big-text" }, d.outcome?.text || ""),
        h("p", { class: "muted" }, `Round ${d.round} of ${state.rounds}`),
        d.seed ? h("p", { class: "fineprint seed" }, `Dice seed revealed: ${d.seed.slice(0, 16)}… (its hash was shown at the start: ${String(d.commitment).slice(0, 12)}…)`) : null,
        d.next
          ? h(
              "button",
              { class: "btn primary big", type: "button", "data-next": d.next, onclick: () => goToNextGame(d.next, null) },
              `Join the next game (${d.next})`,
            )
          : d.host
            ? h(
                "button",
                {
                  class: "btn primary big",
                  type: "button",
                  onclick: async (e) => {
                    const button = e.currentTarget;
                    button.disabled = true;
                    try {
                      const result = await ui.conn.control("next_game");
                      goToNextGame(result.next.code, result.next.host_token);
                    } catch (err) {
                      button.disabled = false;
                      toast(err.message || "Could not open a room.");
                    }
                  },
                },
                "Play again",
              )
            : h("p", { class: "muted" }, "Waiting for the host to start the next game…"),
      ),
    ),
    rollsSection(),
    feedSection(),
  ]);
}

function render() {
  if (ui.ended) return renderEnded();
  const conn = ui.conn;
  if (!conn || (!conn.state && !conn.token)) return renderJoin();
  const state = conn.state;
  if (!state) return renderWaiting("Joining…");
  if (!ui.names) ui.names = new Names(ui.ruleset, state);
  ui.names.update(state);
  if (state.status === "lobby") return renderLobby(state, conn.room);
  if (state.status === "playing") return renderGame(state, conn.room);
  return renderOver(state, conn.room);
}

// -- events from the server -----------------------------------------------------------------

function absorb(events) {
  const me = ui.conn.seat;
  let mineLast = false;
  for (const item of events) {
    const e = item.event;
    if (!e) continue;
    if (e.type === "action_taken") {
      mineLast = e.seat === me;
      if (mineLast) {
        ui.rolls = [];
        if (e.roll) {
          const target = ui.names.target(e.target);
          ui.rolls.push({
            title: `${ui.names.hero(e.hero)}: ${pretty(e.action)}${target ? ` → ${target}` : ""}`,
            roll: e.roll,
            formula: heroFormula(e.roll.formula, e.hero, ui.conn.state),
            success: e.success,
            outcome: e.success === true ? "Success" : e.success === false ? "Failed" : "",
          });
        }
      }
    } else if (e.type === "table_rolled" && mineLast) {
      ui.rolls.push({
        title: `${pretty(e.table)} table${e.at ? ` at ${ui.names.zone(e.at)}` : ""}`,
        roll: e.roll,
        formula: e.roll.formula,
        success: null,
        outcome: e.text || `Row ${e.row + 1}`,
      });
    } else if (e.type !== "track_changed" && e.type !== "noise_changed" && e.type !== "hero_moved" && e.type !== "unit_damaged" && e.type !== "unit_destroyed" && e.type !== "card_drawn" && e.type !== "cards_peeked") {
      mineLast = false;
    }
    ui.events.push(e);
  }
  if (ui.events.length > 60) ui.events.splice(0, ui.events.length - 60);
  ui.feed = feedLines(ui.events, ui.names);
  ui.rolls = ui.rolls.slice(-3);
}

function afterState() {
  const state = ui.conn.state;
  const has = state && state.status === "playing" && (state.actions || []).length > 0;
  if (has && !ui.hadActions) {
    buzz();
    document.title = "● Your turn — Cibo";
  } else if (!has) {
    document.title = "Cibo";
  }
  ui.hadActions = Boolean(has);
  keepAwake(state?.status === "playing");
  render();
}

async function loadRuleset(welcome) {
  if (ui.ruleset && ui.ruleset.id === ui.conn.state?.ruleset) return;
  try {
    ui.ruleset = await rulesetFor(welcome, ui.conn.state);
  } catch {
    ui.ruleset = null;
  }
  ui.names = new Names(ui.ruleset, ui.conn.state);
}

function connect({ name = "" }) {
  if (ui.conn) ui.conn.stop();
  if (name) ui.lastName = name;
  const stored = seats.load(ui.code);
  const hostToken = ui.hostLink || !stored ? seats.hostToken(ui.code) : null;
  const conn = new Connection({ code: ui.code, role: "player", hostToken });
  ui.conn = conn;
  conn.on("status", ({ status }) => showStatus(status));
  conn.on("welcome", async ({ msg, events }) => {
    await loadRuleset(msg);
    ui.names.update(conn.state);
    absorb(events);
    afterState();
  });
  conn.on("update", async ({ events }) => {
    if (!ui.ruleset || ui.ruleset.id !== conn.state?.ruleset) await loadRuleset(null);
    ui.names.update(conn.state);
    absorb(events);
    afterState();
  });
  conn.on("room", () => render());
  conn.on("refused", ({ code, message }) => {
    ui.error = message;
    if (code === "join/bad_token" || code === "join/kicked") ui.error = `${message}`;
    ui.conn = null;
    ui.screen = "";
    renderJoin();
  });
  conn.on("ended", ({ code, message }) => {
    ui.ended = { code, message };
    render();
  });
  conn.on("notice", ({ message }) => toast(message, "info"));
  if (name) conn.join(name);
  else conn.start();
  render();
}

function boot() {
  ui.code = codeFromUrl();
  ui.hostLink = takeHostToken(ui.code);
  const stored = ui.code ? seats.load(ui.code) : null;
  const followed = ui.code ? takeNextName(ui.code) : "";
  if (stored?.token) connect({});
  else if (followed) connect({ name: followed });
  else renderJoin();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && ui.conn?.state?.status === "playing") keepAwake(true);
  });
}

boot();
