// The Cibo protocol client for browsers: one WebSocket to /ws (subprotocol cibo.v1.json), with
// silent reconnect and resume.
//
// A phone keeps {token, seat, seq} per room in localStorage. Whenever the socket is lost (sleep,
// reload, Wi-Fi change) it reconnects with backoff, says hello with its token and the last event
// number it saw, and the server sends what it missed. Browsers cannot see protocol pings, so an
// app-level heartbeat (ping/pong every few seconds) notices a dead socket that never fired
// `close`; `visibilitychange`, `pageshow` and `online` trigger a check straight away.
// Commands waiting for a result are sent again with the same cmd_id after a reconnect: the
// server applies each cmd_id once. Close and error codes, and when a close is final, come from
// codes.js, generated from the server's own tables (the Python client follows the same rule).

import {
  CLOSE_REASONS,
  errorMessage,
  FINAL_REASONS,
  FORGET_REASONS,
  isFinal,
  SUBPROTOCOL,
} from "/shared/codes.js";

export { SUBPROTOCOL };
const HEARTBEAT_MS = 4000;
const DEAD_AFTER_MS = 11000;
const CHECK_TIMEOUT_MS = 2500;
const BACKOFF_MS = [250, 600, 1200, 2500, 4000, 6000];

const KEY = (code) => `cibo:seat:${code}`;
const HOST_KEY = (code) => `cibo:host:${code}`;

function readJson(key) {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function writeJson(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* private mode or full storage: the seat then lasts as long as the page */
  }
}

export const seats = {
  load: (code) => readJson(KEY(code)),
  save: (code, seat) => writeJson(KEY(code), seat),
  forget: (code) => writeJson(KEY(code), null),
  hostToken: (code) => readJson(HOST_KEY(code)),
  saveHostToken: (code, token) => writeJson(HOST_KEY(code), token),
};

/** Normalise what a person typed as a room code (upper case, letters and digits only). */
export function cleanCode(text) {
  return String(text || "").toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 8);
}

function wsUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

/**
 * The view after an update that carries what changed: `changes` replace top-level keys, and in
 * each key of `patch` the fields it names of each entry it names replace theirs (an entry by
 * key in a map, by position in a list), in copies (a screen's views are never changed in
 * place, so what did not change keeps its identity).
 */
export function mergeUpdate(view, msg) {
  const out = Object.assign({}, view, msg.changes);
  for (const [key, entries] of Object.entries(msg.patch || {})) {
    const copy = Array.isArray(out[key]) ? out[key].slice() : Object.assign({}, out[key]);
    for (const [at, fields] of Object.entries(entries)) {
      const index = Array.isArray(copy) ? Number(at) : at;
      copy[index] = Object.assign({}, copy[index], fields);
    }
    out[key] = copy;
  }
  return out;
}

let counter = 0;
function newId(prefix) {
  const rand = new Uint32Array(2);
  crypto.getRandomValues(rand);
  counter += 1;
  return `${prefix}-${rand[0].toString(36)}${rand[1].toString(36)}-${counter}`;
}

/**
 * One seat, table or spectator in one room.
 *
 * Events (listen with conn.on(name, fn)):
 *   welcome {msg}          joined or resumed; conn.state, conn.room, conn.seat are set
 *   update  {events, state, reset}
 *   room    {room}
 *   status  {status}       "connecting" | "online" | "offline" | "closed"
 *   refused {code, message}  the hello was refused (nothing more happens until join())
 *   ended   {code, message}  the server closed for good (kicked, replaced, room closed)
 *   notice  {code, message}  an error not tied to a command
 *   cue     {cue}          a presentation cue for the table display ("skip_stage")
 *   texts   {ruleset, lang, texts}  the ruleset's texts in one more language (askTexts)
 */
export class Connection {
  constructor({
    code,
    role,
    name = "",
    hostToken = null,
    persist = role === "player",
    stages = true,
    lang = null,
  }) {
    this.code = cleanCode(code);
    this.role = role;
    /** The language the screen shows: the welcome brings the ruleset's texts in it. */
    this.lang = lang;
    /** A table display that stages the enemy's turn (false: reduced motion, nothing to skip). */
    this.stages = stages;
    this.name = name;
    this.hostToken = hostToken;
    this.persist = persist;
    const stored = persist ? seats.load(this.code) : null;
    this.token = stored?.token ?? null;
    this.seat = stored?.seat ?? null;
    this.seq = stored?.seq ?? null;
    this.state = null;
    this.room = null;
    this.host = false;
    this.status = "idle";
    this.joined = false;
    this.ws = null;
    this.pending = new Map();
    this.listeners = new Map();
    this.attempt = 0;
    this.retryTimer = null;
    this.beatTimer = null;
    this.checkTimer = null;
    this.lastHeard = 0;
    this.stopped = false;
    this.onWake = () => this.check();
    this.onOffline = () => {
      if (this.status === "online") this.setStatus("offline");
    };
    this.onVisible = () => {
      if (document.visibilityState === "visible") this.check();
    };
  }

  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(fn);
    return this;
  }

  emit(name, detail) {
    for (const fn of this.listeners.get(name) || []) {
      try {
        fn(detail);
      } catch (err) {
        console.error(err);
      }
    }
  }

  get hasSeat() {
    return Boolean(this.token);
  }

  /** Connect (or reconnect) now. A player without a stored seat needs a name first. */
  start() {
    this.stopped = false;
    document.addEventListener("visibilitychange", this.onVisible);
    window.addEventListener("pageshow", this.onWake);
    window.addEventListener("online", this.onWake);
    window.addEventListener("focus", this.onWake);
    window.addEventListener("offline", this.onOffline);
    this.open();
  }

  /** Join with a name (a new seat). */
  join(name) {
    this.final = null;
    this.name = name;
    this.token = null;
    this.seq = null;
    this.start();
  }

  stop() {
    this.stopped = true;
    document.removeEventListener("visibilitychange", this.onVisible);
    window.removeEventListener("pageshow", this.onWake);
    window.removeEventListener("online", this.onWake);
    window.removeEventListener("focus", this.onWake);
    window.removeEventListener("offline", this.onOffline);
    clearTimeout(this.retryTimer);
    clearInterval(this.beatTimer);
    clearTimeout(this.checkTimer);
    if (this.ws) this.ws.close(1000, "bye");
    this.ws = null;
    this.setStatus("closed");
  }

  setStatus(status) {
    if (this.status !== status) {
      this.status = status;
      this.emit("status", { status });
    }
  }

  open() {
    clearTimeout(this.retryTimer);
    if (this.ws) {
      const old = this.ws;
      this.ws = null;
      old.onclose =
        old.onmessage =
        old.onerror =
        old.onopen =
          null;
      try {
        old.close(4000, "reconnecting");
      } catch {
        /* already closed */
      }
    }
    this.joined = false;
    this.setStatus("connecting");
    let ws;
    try {
      ws = new WebSocket(wsUrl(), [SUBPROTOCOL]);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.lastHeard = Date.now();
      this.sendRaw(this.helloMessage());
      clearInterval(this.beatTimer);
      this.beatTimer = setInterval(() => this.beat(), HEARTBEAT_MS);
    };
    ws.onmessage = (e) => {
      this.lastHeard = Date.now();
      if (this.joined && this.status !== "online") this.setStatus("online");
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      this.handle(msg);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.beatTimer);
      if (this.stopped) return;
      if (this.final) {
        this.setStatus("closed");
        return;
      }
      // Closed without a final bye: the same rule as the Python client's (codes.js isFinal).
      const reason = e.reason || CLOSE_REASONS[e.code] || "";
      if (isFinal(e.code, reason)) {
        this.finish(reason || `close/${e.code}`, errorMessage(reason));
        return;
      }
      this.retry();
    };
  }

  helloMessage() {
    const msg = { type: "hello", role: this.role, code: this.code };
    if (this.token) msg.token = this.token;
    else if (this.name) msg.name = this.name;
    if (this.hostToken) msg.host_token = this.hostToken;
    if (this.seq !== null && this.seq !== undefined) msg.last_seq = this.seq;
    if (this.role === "table" && !this.stages) msg.stages = false;
    if (this.lang) msg.lang = this.lang;
    return msg;
  }

  retry() {
    this.setStatus("offline");
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    const delay = base * (0.8 + Math.random() * 0.4);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** The page woke up or came back online: make sure the socket still works. */
  check() {
    if (this.stopped || this.final) return;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) {
      this.attempt = 0;
      this.open();
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) return;
    const asked = Date.now();
    this.sendRaw({ type: "ping", t: asked });
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => {
      if (this.ws === ws && this.lastHeard < asked) {
        this.attempt = 0;
        this.open();
      }
    }, CHECK_TIMEOUT_MS);
  }

  beat() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastHeard > DEAD_AFTER_MS) {
      this.open(); // the socket went quiet without a close: start again
      return;
    }
    this.sendRaw({ type: "ping", t: Date.now() });
  }

  sendRaw(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  }

  finish(code, message) {
    this.final = { code, message };
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.beatTimer);
    if (FORGET_REASONS.has(code) && this.persist) seats.forget(this.code);
    for (const { reject } of this.pending.values()) reject({ code, message });
    this.pending.clear();
    this.setStatus("closed");
    this.emit("ended", { code, message });
  }

  remember() {
    if (this.persist && this.token) {
      seats.save(this.code, { token: this.token, seat: this.seat, seq: this.seq, name: this.name });
    }
  }

  handle(msg) {
    switch (msg.type) {
      case "welcome": {
        this.attempt = 0;
        this.joined = true;
        if (msg.token) this.token = msg.token;
        this.seat = msg.seat ?? null;
        this.host = Boolean(msg.host);
        this.room = msg.room;
        const fresh = (msg.events || []).filter((e) => this.seq === null || e.seq > this.seq);
        this.seq = msg.seq;
        this.state = msg.state;
        if (this.seat && this.room) {
          const me = (this.room.seats || []).find((x) => x.seat === this.seat);
          if (me) this.name = me.name;
        }
        this.remember();
        this.setStatus("online");
        this.emit("welcome", { msg, events: msg.resumed === "events" ? fresh : [] });
        for (const entry of this.pending.values()) this.sendRaw(entry.message); // same cmd_id
        break;
      }
      case "update": {
        const fresh = (msg.events || []).filter((e) => this.seq === null || e.seq > this.seq);
        this.seq = msg.seq;
        // A whole view, or only the top-level keys that changed since the last one.
        this.state = msg.state ?? mergeUpdate(this.state, msg);
        this.remember();
        this.emit("update", { events: fresh, state: this.state, reset: Boolean(msg.reset) });
        break;
      }
      case "room": {
        this.room = msg.room;
        if (this.seat) this.host = this.room.host_seat === this.seat;
        this.emit("room", { room: msg.room });
        break;
      }
      case "result": {
        const entry = this.pending.get(msg.cmd_id);
        if (!entry) break;
        this.pending.delete(msg.cmd_id);
        if (msg.ok) entry.resolve(msg);
        else entry.reject(msg.error || { code: "?", message: errorMessage("?") });
        break;
      }
      case "error": {
        if (!this.joined) {
          if (FORGET_REASONS.has(msg.code) && this.persist) {
            seats.forget(this.code);
            this.token = null;
            this.seq = null;
          }
          this.stopped = true;
          clearInterval(this.beatTimer);
          if (this.ws) this.ws.close(1000, "refused");
          this.setStatus("closed");
          this.emit("refused", { code: msg.code, message: msg.message });
        } else {
          this.emit("notice", { code: msg.code, message: msg.message });
        }
        break;
      }
      case "bye": {
        if (FINAL_REASONS.has(msg.code)) this.finish(msg.code, msg.message);
        else this.emit("notice", { code: msg.code, message: msg.message });
        break;
      }
      case "room_created": {
        this.emit("room_created", msg);
        break;
      }
      case "cue": {
        this.emit("cue", { cue: msg.cue });
        break;
      }
      case "texts": {
        this.emit("texts", { ruleset: msg.ruleset, lang: msg.lang, texts: msg.texts });
        break;
      }
      default:
        break; // pong and anything newer
    }
  }

  /**
   * The screen now shows `lang`: later hellos ask for its texts, and when the ruleset has the
   * language but `summary` lacks its texts they are asked for now (a `texts` event answers).
   */
  askTexts(lang, summary) {
    this.lang = lang;
    const known = summary?.languages || [];
    if (this.joined && known.includes(lang) && !summary.texts?.[lang]) {
      this.sendRaw({ type: "texts", lang });
    }
  }

  request(message) {
    return new Promise((resolve, reject) => {
      this.pending.set(message.cmd_id, { message, resolve, reject });
      this.sendRaw(message); // if offline, it goes out after the next welcome
    });
  }

  /** A game command; resolves with the result, rejects with {code, message}. */
  command(command) {
    return this.request({ type: "cmd", cmd_id: newId("c"), command });
  }

  /** A host control: pause, resume, lock, unlock, kick, transfer_host, skip_stage... */
  control(action, seat) {
    const message = { type: "control", cmd_id: newId("h"), action };
    if (seat) message.seat = seat;
    return this.request(message);
  }
}

/** Open a new room (answered with {code, host_token}); uses its own short-lived socket. */
export function createRoom({ ruleset, difficulty }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(), [SUBPROTOCOL]);
    const timer = setTimeout(() => {
      ws.close();
      reject({ code: "timeout", message: "The server did not answer." });
    }, 8000);
    ws.onopen = () => {
      const msg = { type: "create_room" };
      if (ruleset) msg.ruleset = ruleset;
      if (difficulty) msg.difficulty = difficulty;
      ws.send(JSON.stringify(msg));
    };
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === "room_created" || msg.type === "error") {
        clearTimeout(timer);
        ws.close(1000, "done");
        if (msg.type === "room_created") resolve(msg);
        else reject(msg);
      }
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject({ code: "offline", message: "Could not reach the server." });
    };
  });
}

const rulesetCache = new Map();

/**
 * `summary` with the texts of a `texts` event added (the same summary if they are for
 * another ruleset); the copy replaces the cached one.
 */
export function withTexts(summary, { ruleset, lang, texts }) {
  if (!summary || summary.id !== ruleset) return summary;
  const out = { ...summary, texts: { ...summary.texts, [lang]: texts } };
  rulesetCache.set(out.id, out);
  return out;
}

/**
 * The ruleset summary for a state: from the welcome message when the server sends one,
 * else from /api/rulesets/<id>.
 */
export async function rulesetFor(welcome, state) {
  if (welcome && welcome.ruleset && typeof welcome.ruleset === "object" && welcome.ruleset.zones) {
    rulesetCache.set(welcome.ruleset.id, welcome.ruleset);
    return welcome.ruleset;
  }
  const id = state && state.ruleset;
  if (!id) return null;
  if (rulesetCache.has(id)) return rulesetCache.get(id);
  const res = await fetch(`/api/rulesets/${encodeURIComponent(id)}`, { cache: "no-cache" });
  if (!res.ok) return null;
  const summary = await res.json();
  rulesetCache.set(id, summary);
  return summary;
}
