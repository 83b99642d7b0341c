// What only the host's phone shows: difficulty and start in the lobby, pause and end during
// the game, lock, kick and transfer in both, and a new room with another ruleset.

import { h } from "/shared/dom.js";
import { createRoom, seats } from "/shared/protocol.js";
import { toast } from "/phone/feedback.js";
import { errorText, localizeRuleset, t } from "/shared/i18n.js";

/** The server's rulesets, fetched the first time the new-room box is opened. */
let rulesets = null;

function roomData(m, room) {
  return {
    locked: room?.locked,
    seats: (room?.seats || []).map((x) => [x.seat, x.name]),
    me: m.conn.seat,
  };
}

export function hostLobbyPanel(view, m, state, room) {
  const rs = m.ruleset || {};
  const { send } = view.actions;
  const d = {
    difficulty: state.difficulty,
    difficulties: rs.difficulties || {},
    ...roomData(m, room),
    armed: view.armed,
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
          onclick: () => send({ type: "start_game" }),
        },
        t("host.start"),
      ),
      roomControls(view, d),
      newRoomControls(view, state),
    ));
}

export function hostGamePanel(view, m, room) {
  const { control, send } = view.actions;
  const d = { paused: room?.paused, ...roomData(m, room), armed: view.armed };
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
      roomControls(view, d),
    ));
}

function manageRow(view, seat, name) {
  const { control } = view.actions;
  return h(
    "li",
    {},
    h("span", { class: "player-name" }, name),
    h(
      "button",
      { class: "btn small", type: "button", onclick: () => control("transfer_host", seat) },
      t("host.make_host"),
    ),
    view.confirmButton(
      `kick-${seat}`,
      t("host.remove"),
      t("host.remove_confirm"),
      () => control("kick", seat),
      "small danger",
    ),
  );
}

function roomControls(view, d) {
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
        d.seats.filter(([seat]) => seat !== d.me).map(([seat, name]) =>
          manageRow(view, seat, name)
        ),
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
