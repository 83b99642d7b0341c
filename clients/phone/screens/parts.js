// Small pieces more than one phone screen draws.

import { h } from "/shared/dom.js";
import { languageSwitch, t } from "/shared/i18n.js";
import { isMuted, onMuteChange, setMuted } from "/shared/sound.js";
import { shownRound } from "/shared/rounds.js";

export function pips(n, total, cls = "pip") {
  const out = [];
  for (let i = 0; i < total; i++) out.push(h("span", { class: [cls, i < n ? "on" : ""] }));
  return h("span", { class: "pips", "aria-label": t("common.n_of_total", { n, total }) }, out);
}

export function costText(cost) {
  return cost ? t("game.cost", { count: cost }) : t("game.free");
}

export function seatName(room, seatId) {
  return (room?.seats || []).find((x) => x.seat === seatId)?.name || seatId;
}

function statusLine(state, phase) {
  if (state.status === "lobby") return t("top.lobby");
  if (state.status === "playing") {
    const round = t("top.round", {
      round: shownRound(state.round, state.rounds),
      rounds: state.rounds,
    });
    return phase ? `${round} · ${phase}` : round;
  }
  return t("top.over");
}

/** The language switch and the sound switch, at the foot of each screen (this phone's own choice). */
export function languageFooter(view) {
  const lang = document.documentElement.lang;
  return view.section(
    "lang",
    { lang, muted: isMuted() },
    () => h("footer", { class: "lang-foot" }, languageSwitch(h), muteButton(view)),
  );
}

let muteWatched = false;

/** The sound switch (this phone's own choice, kept by sound.js). */
function muteButton(view) {
  if (!muteWatched) {
    muteWatched = true;
    onMuteChange(() => view.actions.render());
  }
  const muted = isMuted();
  return h(
    "button",
    {
      class: ["btn", "small", "mute", muted ? "muted" : ""],
      type: "button",
      id: "mute",
      "aria-pressed": muted ? "true" : "false",
      onclick: () => setMuted(!isMuted()),
    },
    h("span", { class: "icon", "aria-hidden": "true" }, "♪"),
    t(muted ? "night.mute" : "night.unmute"),
  );
}

/** The bar at the top: my name (a star for the host), where the game is, the room code. */
export function topBar(view, conn, state, room, names) {
  const phase = state.phase ? names?.phase(state.phase.name) || state.phase.label : "";
  const data = {
    lang: document.documentElement.lang,
    status: statusLine(state, phase),
    code: room?.code,
    mine: (state.actions || []).length > 0,
    paused: room?.paused,
    name: conn.name,
    host: conn.host,
  };
  return view.section("top", data, (d) =>
    h(
      "header",
      { class: ["topbar", d.mine ? "mine" : ""] },
      h(
        "span",
        { class: "who" },
        h("span", { class: "me-name" }, d.name || ""),
        d.host
          ? h("span", {
            class: "host-star",
            title: t("common.host"),
            "aria-label": t("common.host"),
          }, "★")
          : null,
      ),
      h("span", { class: "where" }, d.status),
      h("span", { class: "room-code", "aria-label": t("common.room_code") }, d.code || ""),
    ));
}
