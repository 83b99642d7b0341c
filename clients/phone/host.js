// What only the host's phone shows: difficulty and start in the lobby, pause and end during
// the game, lock, kick and transfer in both, and a new room with another ruleset.

import { h, s } from "/shared/dom.js";
import { qrMatrix, qrPath } from "/phone/qr.js";
import { createRoom, seats } from "/shared/protocol.js";
import { reveal, toast } from "/phone/feedback.js";
import { errorText, localizeRuleset, t } from "/shared/i18n.js";

/** The server's rulesets, fetched the first time the new-room box is opened. */
let rulesets = null;

function roomData(m, room) {
  return {
    locked: room?.locked,
    seats: (room?.seats || []).map((x) => [x.seat, x.name, Boolean(x.bot), Boolean(x.vacant)]),
    me: m.conn.seat,
    joinUrl: room?.join_url || "",
    moving: movingLink,
  };
}

/** The one-time link of the last "move to a new phone": {seat, name, url} or null. */
let movingLink = null;

/** Ask for a seat's one-time link and show it (the old phone is signed out once it is used). */
async function moveSeat(view, seat, name, joinUrl) {
  const result = await view.actions.control("move_seat", seat);
  if (!result?.move) return;
  const base = joinUrl || location.href.split("#")[0];
  movingLink = { seat, name, url: `${base}#move=${result.move.token}` };
  view.actions.render();
  reveal(".move-link");
}

/** The link as a QR code to scan with the new phone (none if it is too long to draw here). */
function qrCode(url) {
  const matrix = qrMatrix(url);
  if (!matrix) return null;
  const side = matrix.length + 8;
  return h(
    "div",
    { class: "move-qr" },
    s(
      "svg",
      {
        class: "qr",
        viewBox: `0 0 ${side} ${side}`,
        role: "img",
        "aria-label": t("night.qr"),
        "shape-rendering": "crispEdges",
      },
      s("rect", { width: side, height: side, fill: "#fff" }),
      s("path", { d: qrPath(matrix), fill: "#000" }),
    ),
  );
}

function movePanel(view, moving) {
  if (!moving) return null;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(moving.url);
      toast(t("night.copied"), "info");
    } catch {
      /* no clipboard here (plain http): the link is selectable on screen */
    }
  };
  return h(
    "div",
    {
      class: "move-link",
      role: "dialog",
      "aria-label": t("night.move_title", { name: moving.name }),
    },
    h("h3", {}, t("night.move_title", { name: moving.name })),
    h("p", {}, t("night.move_lead")),
    qrCode(moving.url),
    h("p", { class: "move-url", id: "move-url" }, moving.url),
    h(
      "div",
      { class: "host-row" },
      h("button", { class: "btn", type: "button", onclick: copy }, t("night.copy")),
      h(
        "button",
        {
          class: "btn",
          type: "button",
          onclick: () => {
            movingLink = null;
            view.actions.render();
          },
        },
        t("night.close"),
      ),
    ),
  );
}

export function hostLobbyPanel(view, m, state, room) {
  const rs = m.ruleset || {};
  const { send, control } = view.actions;
  const d = {
    difficulty: state.difficulty,
    difficulties: rs.difficulties || {},
    ...roomData(m, room),
    armed: view.armed,
    busy: m.busy, // a tap while a command is on its way would be dropped: Start waits for it
  };
  return view.section("host", d, () =>
    h(
      "section",
      { class: "card host-panel", "aria-label": t("host.controls") },
      h("h2", { class: "section-title" }, t("host.controls")),
      h("p", { class: "label" }, t("host.difficulty")),
      h(
        "div",
        { class: "segmented", role: "group", "aria-label": t("host.difficulty") },
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
          )
        ),
      ),
      h(
        "button",
        {
          class: "btn primary big",
          type: "button",
          id: "start-game",
          disabled: d.busy,
          onclick: () => send({ type: "start_game" }),
        },
        t("host.start"),
      ),
      h(
        "button",
        { class: "btn", type: "button", id: "add-bot", onclick: () => control("add_bot") },
        t("night.add_bot"),
      ),
      roomControls(view, d),
      newRoomControls(view, state),
    ));
}

export function hostGamePanel(view, m, state, room) {
  const { control, send } = view.actions;
  const d = {
    paused: room?.paused,
    latecomers: Boolean(room?.latecomers),
    free: (state.free_heroes || []).length,
    ...roomData(m, room),
    armed: view.armed,
  };
  return view.section("host-game", d, () =>
    view.details(
      "host-game",
      { class: "card host-panel", "aria-label": t("host.controls") },
      t("host.controls"),
      h(
        "div",
        { class: "host-row" },
        h(
          "button",
          { class: "btn", type: "button", onclick: () => control(d.paused ? "resume" : "pause") },
          t(d.paused ? "host.resume" : "host.pause"),
        ),
        view.confirmButton(
          "end-game",
          t("host.end"),
          t("host.end_confirm"),
          () => send({ type: "end_game" }),
          "danger",
        ),
      ),
      h(
        "div",
        { class: "host-row toggle-row" },
        h("span", { class: "label", id: "latecomers-label" }, t("night.latecomers")),
        h(
          "button",
          {
            class: ["btn", "small", d.latecomers ? "selected" : ""],
            type: "button",
            id: "latecomers",
            role: "switch",
            "aria-checked": d.latecomers ? "true" : "false",
            "aria-labelledby": "latecomers-label",
            onclick: () => control(d.latecomers ? "latecomers_off" : "latecomers_on"),
          },
          t(d.latecomers ? "night.latecomers_on" : "night.latecomers_off"),
        ),
      ),
      d.free
        ? h(
          "button",
          { class: "btn", type: "button", id: "add-bot", onclick: () => control("add_bot") },
          t("night.add_bot"),
        )
        : null,
      movePanel(view, d.moving),
      roomControls(view, d, true),
    ));
}

function manageRow(view, d, [seat, name, bot, vacant], playing) {
  const { control } = view.actions;
  return h(
    "li",
    { "data-seat": seat },
    h("span", { class: "player-name" }, name),
    bot ? h("span", { class: "chip bot" }, t("night.bot")) : null,
    bot || vacant ? null : h(
      "button",
      { class: "btn small", type: "button", onclick: () => control("transfer_host", seat) },
      t("host.make_host"),
    ),
    playing && !bot && !vacant
      ? h(
        "button",
        {
          class: "btn small move-seat",
          type: "button",
          onclick: () => moveSeat(view, seat, name, d.joinUrl),
        },
        t("night.move_seat"),
      )
      : null,
    playing && vacant
      ? h(
        "button",
        { class: "btn small", type: "button", onclick: () => control("add_bot", seat) },
        t("night.bot_seat"),
      )
      : null,
    view.confirmButton(
      `kick-${seat}`,
      t("host.remove"),
      t("host.remove_confirm"),
      () => control("kick", seat),
      "small danger",
    ),
  );
}

function roomControls(view, d, playing = false) {
  const { control } = view.actions;
  return h(
    "div",
    { class: "host-row" },
    h(
      "button",
      { class: "btn", type: "button", onclick: () => control(d.locked ? "unlock" : "lock") },
      t(d.locked ? "host.unlock" : "host.lock"),
    ),
    view.details(
      "manage",
      { class: "manage" },
      t("host.manage"),
      h(
        "ul",
        { class: "manage-list" },
        d.seats.filter(([seat]) => seat !== d.me).map((row) => manageRow(view, d, row, playing)),
      ),
    ),
  );
}

async function openNewRoom(ruleset, difficulty) {
  try {
    const made = await createRoom({ ruleset, difficulty });
    seats.saveHostToken(made.code, made.host_token);
    location.assign(`/j/${made.code}#host=${made.host_token}`);
  } catch (err) {
    toast(err.code ? errorText(err.code) : t("host.open_failed"));
  }
}

function newRoomControls(view, state) {
  const box = view.details(
    "new-room",
    { class: "manage new-room" },
    t("host.new_room"),
  );
  const rulesetSel = h("select", { class: "input", "aria-label": t("host.ruleset") });
  const diffSel = h("select", { class: "input", "aria-label": t("host.difficulty") });
  const fillDiffs = () => {
    const chosen = (rulesets || []).find((r) => r.id === rulesetSel.value);
    diffSel.replaceChildren(
      ...Object.entries(chosen?.difficulties || {}).map(([id, label]) =>
        h("option", { value: id }, label)
      ),
    );
  };
  rulesetSel.addEventListener("change", fillDiffs);
  const load = async () => {
    if (!box.open) return;
    try {
      if (!rulesets) {
        const all = (await (await fetch("/api/rulesets")).json()).rulesets || [];
        rulesets = all.map((r) => localizeRuleset(r));
      }
    } catch {
      rulesets = [];
    }
    rulesetSel.replaceChildren(
      ...rulesets.map((r) =>
        h("option", { value: r.id, selected: r.id === state.ruleset }, r.name)
      ),
    );
    fillDiffs();
  };
  box.addEventListener("toggle", load);
  load();
  box.append(
    h(
      "p",
      { class: "hint" },
      t("host.new_room_hint"),
    ),
    rulesetSel,
    diffSel,
    h(
      "button",
      {
        class: "btn",
        type: "button",
        onclick: () => openNewRoom(rulesetSel.value, diffSel.value),
      },
      t("host.open"),
    ),
  );
  return box;
}
