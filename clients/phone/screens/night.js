// The game night's pieces of the game screen: Undo (mine, and the host's for anyone), a tap
// waiting to be sent, what the Safeguard's turn just did and the host's Skip while the TV stages
// it, watching as a spectator, and a free hero for a latecomer.

import { h } from "/shared/dom.js";
import { drawBoard } from "/shared/board.js";
import { t } from "/shared/i18n.js";
import { seatName } from "/phone/screens/parts.js";

/**
 * Undo: my own latest command while the server says I may (`undo.can`), and for the host the
 * latest command of whichever seat `undo.seat` names. A roll or a revealed card since makes the
 * server drop it, and the button goes with it.
 */
export function undoSection(view, m, state, room) {
  const { send } = view.actions;
  const undo = state.undo || {};
  const me = m.conn.seat;
  const d = {
    can: Boolean(undo.can),
    other: m.conn.host && undo.seat && undo.seat !== me ? undo.seat : "",
    name: undo.seat ? seatName(room, undo.seat) : "",
    busy: m.busy,
  };
  return view.section("undo", d, () => {
    if (!d.can && !d.other) return null;
    return h(
      "section",
      { class: "undo-row" },
      d.can
        ? h(
          "button",
          {
            class: "btn undo",
            type: "button",
            id: "undo",
            disabled: d.busy,
            onclick: () => send({ type: "undo" }),
          },
          h("span", { class: "icon", "aria-hidden": "true" }, "↶"),
          t("night.undo"),
        )
        : null,
      d.other
        ? h(
          "button",
          {
            class: "btn undo",
            type: "button",
            "data-undo-seat": d.other,
            disabled: d.busy,
            onclick: () => send({ type: "undo", seat: d.other }),
          },
          h("span", { class: "icon", "aria-hidden": "true" }, "↶"),
          t("night.undo_for", { name: d.name }),
        )
        : null,
    );
  });
}

/** A tap made while offline: it goes out after the reconnect, and says so until its result. */
export function willSendSection(view, m) {
  return view.section("will-send", { on: Boolean(m.willSend) }, (d) =>
    d.on
      ? h(
        "p",
        { class: "banner will-send", role: "status" },
        h("span", { class: "chip sending" }, t("night.sending")),
        " ",
        t("night.will_send"),
      )
      : null);
}

/** What the Safeguard's turn (an automatic phase) just did, until this phone's next tap. */
export function citySection(view, m) {
  const city = m.city;
  const d = { phase: city?.phase || "", lines: (city?.lines || []).map((l) => l.text) };
  return view.section("city", d, () => {
    if (!d.phase) return null;
    const phase = m.names?.phase(d.phase) || d.phase;
    return h(
      "section",
      { class: "card city", role: "status", "aria-live": "polite" },
      h("h2", { class: "section-title" }, t("night.city_title", { phase })),
      d.lines.length
        ? h("ul", { class: "city-lines" }, d.lines.map((line) => h("li", {}, line)))
        : h("p", { class: "muted" }, t("night.city_wait")),
    );
  });
}

/**
 * The host's Skip while the TV stages the enemy's turn (model.stageUntil, see phone.js): one tap
 * and every table display shows it all at once. Only with a table display in the room that
 * stages it (one whose person asked for reduced motion shows the turn's end at once).
 */
export function stageSkipSection(view, m, room) {
  const on = Boolean(m.conn.host) && !m.watching && m.stageUntil > Date.now() &&
    (room?.staging_tables ?? room?.tables ?? 0) > 0;
  return view.section("stage-skip", { on }, (d) =>
    d.on
      ? h(
        "section",
        { class: "card stage-skip-box", role: "status" },
        h("p", { class: "stage-skip-lead" }, t("night.tv_staging")),
        h(
          "button",
          {
            class: "btn primary big",
            type: "button",
            id: "skip-stage",
            onclick: () => view.actions.skipStage(),
          },
          t("night.skip_stage"),
          h("span", { class: "icon", "aria-hidden": "true" }, " ▸▸"),
        ),
      )
      : null);
}

/**
 * A spectator's line: no hero here, only the board, the tracks and the feed; once the host lets
 * latecomers in and a hero is free, a way to join and take it.
 */
export function watchingSection(view, m, state, room) {
  const d = { open: Boolean(room?.latecomers) && (state.free_heroes || []).length > 0 };
  return view.section("watching", d, () =>
    h(
      "section",
      { class: "watching-box" },
      h("p", { class: "banner watching", role: "status" }, t("night.watching")),
      d.open && m.watching
        ? h(
          "button",
          {
            class: "btn primary big",
            type: "button",
            id: "join-late",
            onclick: () => view.actions.joinLate(),
          },
          t("night.pick_free"),
        )
        : null,
    ));
}

/** The board as the TV draws it (for a phone that watches: it has no sheets or actions). */
export function boardSection(view, m, state) {
  if (!m.ruleset?.zones) return null;
  const d = {
    zones: state.zones,
    heroes: state.heroes,
    units: state.units,
    markers: state.markers,
    seats: state.seats,
  };
  return view.section("board", d, () => {
    const svg = drawBoard(m.ruleset, state);
    // Long zone names (Italian ones) reach past the board's frame: once drawn, the frame is
    // widened to what was drawn, so no label is cut at the phone's edge.
    requestAnimationFrame(() => {
      try {
        const b = svg.getBBox();
        if (b.width && b.height) {
          svg.setAttribute("viewBox", `${b.x - 6} ${b.y - 6} ${b.width + 12} ${b.height + 12}`);
        }
      } catch {
        /* not drawn (hidden): the ruleset's frame stays */
      }
    });
    return h("section", { class: "card board-card" }, svg);
  });
}

/** A latecomer's seat with no hero yet: the free heroes, one tap each. */
export function freeHeroSection(view, m, state) {
  const { send } = view.actions;
  const heroes = m.ruleset?.heroes || {};
  const d = { free: state.free_heroes || [], busy: m.busy };
  return view.section("free-heroes", d, () =>
    h(
      "section",
      { class: "card free-heroes", "aria-label": t("night.pick_free") },
      h("h2", { class: "section-title" }, t("night.pick_free")),
      h("p", {}, t("night.pick_free_lead")),
      h(
        "div",
        { class: "free-list" },
        d.free.map((kind) =>
          h(
            "button",
            {
              class: "btn primary",
              type: "button",
              "data-free-hero": kind,
              disabled: d.busy,
              onclick: () => send({ type: "pick_hero", hero: kind }),
            },
            t("lobby.play_hero", { hero: heroes[kind]?.name || kind }),
          )
        ),
      ),
    ));
}
