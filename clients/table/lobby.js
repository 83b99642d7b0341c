// The table display's lobby: the join code and QR code, the ruleset, and who has joined.

import { h } from "/shared/dom.js";
import { SEAT_COLOURS, seatColours } from "/shared/board.js";

/** The lobby section for `view` (a TableView) at the moment `ctx`. */
export function lobbyPanel(view, ctx, names) {
  const { state, room, ruleset } = ctx;
  const seats = room?.seats || [];
  const data = {
    code: ctx.code,
    url: room?.join_url || "",
    seats: seats.map((x) => [x.seat, x.name, x.connected]),
    heroes: (state.heroes || []).map((x) => [x.id, x.name, x.seat]),
    difficulty: state.difficulty,
    locked: room?.locked,
    name: ruleset.name,
  };
  return view.memo.get("lobby", data, (d) => {
    const colours = seatColours(state);
    const spaced = String(d.code || "");
    const range = ruleset.heroes_range || {};
    const host = d.url ? d.url.replace(/^https?:\/\//, "").replace(/\/j\/.*$/, "") : location.host;
    return h(
      "section",
      { class: "lobby" },
      h(
        "div",
        { class: "join-panel" },
        h("h1", { class: "join-title" }, d.locked ? "The room is locked" : "Scan to join"),
        h(
          "div",
          { class: "qr-box" },
          h("img", {
            class: "qr",
            src: `/api/rooms/${encodeURIComponent(d.code)}/qr.svg`,
            alt: `QR code for ${d.url}`,
            width: "420",
            height: "420",
          }),
        ),
        h("p", { class: "join-url" }, d.url),
        h("p", { class: "code-hint" }, "or open ", h("strong", {}, host), " and type"),
        h("p", { class: "room-code", "aria-label": `room code ${d.code}` }, spaced),
      ),
      h(
        "div",
        { class: "lobby-side" },
        h("p", { class: "eyebrow" }, "Tonight"),
        h("h2", { class: "ruleset-name" }, d.name || ""),
        ruleset.text ? h("p", { class: "ruleset-text" }, ruleset.text) : null,
        h(
          "p",
          { class: "difficulty" },
          "Difficulty ",
          h("strong", {}, names.difficulty(d.difficulty)),
        ),
        h("h3", { class: "side-title" }, `At the table (${d.seats.length})`),
        d.seats.length
          ? h(
            "ul",
            { class: "lobby-players" },
            d.seats.map(([seat, name, connected]) => {
              const heroes = (state.heroes || []).filter((x) => x.seat === seat);
              const colour = SEAT_COLOURS[(colours.get(seat) ?? 0) % SEAT_COLOURS.length];
              return h(
                "li",
                {
                  class: ["lobby-player", connected ? "" : "away"],
                  "data-seat": seat,
                  vars: { "--seat": colour },
                },
                h("span", { class: "seat-dot" }),
                h("span", { class: "player-name" }, name),
                h(
                  "span",
                  { class: "player-heroes" },
                  heroes.length ? heroes.map((x) => x.name).join(", ") : "choosing a hero…",
                ),
              );
            }),
          )
          : h("p", { class: "muted" }, "Nobody yet. Scan the code with your phone."),
        h(
          "p",
          { class: "hint" },
          `${range.min ?? "?"}–${
            range.max ?? "?"
          } heroes · the host starts the game from their phone`,
        ),
      ),
    );
  });
}
