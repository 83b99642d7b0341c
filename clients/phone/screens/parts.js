// Small pieces more than one phone screen draws.

import { h } from "/shared/dom.js";

export function pips(n, total, cls = "pip") {
  const out = [];
  for (let i = 0; i < total; i++) out.push(h("span", { class: [cls, i < n ? "on" : ""] }));
  return h("span", { class: "pips", "aria-label": `${n} of ${total}` }, out);
}

export function costText(cost) {
  if (!cost) return "free";
  return cost === 1 ? "1 action" : `${cost} actions`;
}

export function seatName(room, seatId) {
  return (room?.seats || []).find((x) => x.seat === seatId)?.name || seatId;
}

function statusLine(state) {
  const phase = state.phase?.label || "";
  if (state.status === "lobby") return "Lobby";
  if (state.status === "playing") {
    return `Round ${state.round}/${state.rounds}${phase ? ` · ${phase}` : ""}`;
  }
  return "Game over";
}

/** The bar at the top: my name (a star for the host), where the game is, the room code. */
export function topBar(view, conn, state, room) {
  const data = {
    status: statusLine(state),
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
        d.host ? h("span", { class: "host-star", title: "host", "aria-label": "host" }, "★") : null,
      ),
      h("span", { class: "where" }, d.status),
      h("span", { class: "room-code", "aria-label": "room code" }, d.code || ""),
    ));
}
