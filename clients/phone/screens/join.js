// The screens around a game: the join form, a waiting line, and the end of a seat (removed,
// opened elsewhere, disconnected).

import { $, h, place } from "/shared/dom.js";
import { seats } from "/shared/protocol.js";
import { languageSwitch, t } from "/shared/i18n.js";

/** The join form; drawn once, later calls only refresh its error line. */
export function renderJoin(view, m) {
  view.setScreen("join");
  const app = view.root;
  if (app.firstElementChild) {
    const err = $("#join-error");
    if (err) err.textContent = m.error;
    watchOffer(view, m);
    return;
  }
  const stored = m.code ? seats.load(m.code) : null;
  const codeInput = h("input", {
    id: "code",
    name: "code",
    class: "input code-input",
    value: m.code,
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
    value: m.lastName || stored?.name || "",
    autocomplete: "nickname",
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
        view.actions.join(codeInput.value, nameInput.value);
      },
    },
    h("label", { for: "code", class: "label" }, t("join.code_label")),
    codeInput,
    h("label", { for: "name", class: "label" }, t("join.name_label")),
    nameInput,
    h("p", { id: "join-error", class: "form-error", role: "alert" }, m.error),
    h("div", { id: "join-watch" }),
    h("button", { class: "btn primary big", type: "submit" }, t("join.submit")),
  );
  app.append(
    h(
      "section",
      { class: "screen join" },
      languageSwitch(h),
      h("h1", { class: "brand" }, t("common.brand")),
      h("p", { class: "lead" }, t("join.lead")),
      form,
      h("p", { class: "fineprint" }, t("join.fineprint")),
    ),
  );
  watchOffer(view, m);
  (m.code ? nameInput : codeInput).focus();
}

/** A mid-game join was refused (watch only, or no hero free): offer to watch instead. */
function watchOffer(view, m) {
  const box = $("#join-watch");
  if (!box) return;
  box.replaceChildren(
    ...(m.watchOffer
      ? [
        h(
          "button",
          {
            class: "btn big watch",
            type: "button",
            id: "watch",
            onclick: () => view.actions.watch(),
          },
          t("night.watch"),
        ),
      ]
      : []),
  );
}

export function renderWaiting(view, text) {
  view.setScreen("waiting");
  place(view.root, [
    view.section("waiting", { text }, () =>
      h(
        "section",
        { class: "screen center" },
        h("h1", { class: "brand" }, t("common.brand")),
        h("p", { class: "muted big-text" }, text),
      )),
  ]);
}

const ENDED_TITLES = {
  "join/kicked": "ended.kicked",
  "seat/replaced": "ended.replaced",
  "seat/moved": "ended.moved",
};

/** The server ended this seat for good (m.ended = {code, message}). */
export function renderEnded(view, m) {
  view.setScreen("ended");
  const { code, message } = m.ended;
  const again = t(code === "seat/replaced" ? "ended.play_here" : "ended.join_again");
  place(view.root, [
    view.section("ended", { code, message }, () =>
      h(
        "section",
        { class: "screen center" },
        h("h1", { class: "title" }, t(ENDED_TITLES[code] || "ended.disconnected")),
        h("p", { class: "big-text" }, message || ""),
        h(
          "button",
          { class: "btn primary big", type: "button", onclick: () => view.actions.rejoin(code) },
          again,
        ),
      )),
  ]);
}
