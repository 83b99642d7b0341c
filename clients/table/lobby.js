// The table display's lobby: the join code and QR code, the ruleset, and who has joined.

import { h } from "/shared/dom.js";
import { SEAT_COLOURS, seatColours } from "/shared/board.js";
import { languageSwitch, list, t } from "/shared/i18n.js";

/** "or open <host> and type", with the host in bold wherever the language puts it. */
function codeHint(host) {
  const [before, after = ""] = t("lobby.code_hint").split("{host}");
  return [before, h("strong", {}, host), after];
}

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
    lang: document.documentElement.lang,
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
        h("h1", { class: "join-title" }, t(d.locked ? "lobby.locked" : "lobby.scan")),
        h(
          "div",
          { class: "qr-box" },
          h("img", {
            class: "qr",
            src: `/api/rooms/${encodeURIComponent(d.code)}/qr.svg`,
            alt: t("lobby.qr_alt", { url: d.url }),
            width: "420",
            height: "420",
          }),
        ),
        h("p", { class: "join-url" }, d.url),
        h("p", { class: "code-hint" }, ...codeHint(host)),
        h(
          "p",
          { class: "room-code", "aria-label": t("lobby.code_aria", { code: d.code }) },
          spaced,
        ),
      ),
      h(
        "div",
        { class: "lobby-side" },
        languageSwitch(h),
        h("p", { class: "eyebrow" }, t("lobby.tonight")),
        h("h2", { class: "ruleset-name" }, d.name || ""),
        ruleset.text ? h("p", { class: "ruleset-text" }, ruleset.text) : null,
        h(
          "p",
          { class: "difficulty" },
          `${t("lobby.difficulty")} `,
          h("strong", {}, names.difficulty(d.difficulty)),
        ),
        h("h3", { class: "side-title" }, t("lobby.at_table", { count: d.seats.length })),
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
                  heroes.length ? list(heroes.map((x) => names.hero(x.id))) : t("lobby.choosing"),
                ),
              );
            }),
          )
          : h("p", { class: "muted" }, t("lobby.nobody")),
        h(
          "p",
          { class: "hint" },
          t("lobby.range", { min: range.min ?? "?", max: range.max ?? "?" }),
        ),
      ),
    );
  });
}
