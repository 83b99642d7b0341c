// The screens around a game: the join form, a waiting line, and the end of a seat (removed,
// opened elsewhere, disconnected).

import { $, h, place } from "/shared/dom.js";
import { seats } from "/shared/protocol.js";

/** The join form; drawn once, later calls only refresh its error line. */
export function renderJoin(view, m) {
  view.setScreen("join");
  const app = view.root;
  if (app.firstElementChild) {
    const err = $("#join-error");
    if (err) err.textContent = m.error;
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
    h("label", { for: "code", class: "label" }, "Room code"),
    codeInput,
    h("label", { for: "name", class: "label" }, "Your name"),
    nameInput,
    h("p", { id: "join-error", class: "form-error", role: "alert" }, m.error),
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
  (m.code ? nameInput : codeInput).focus();
}

export function renderWaiting(view, text) {
  view.setScreen("waiting");
  place(view.root, [
    view.section("waiting", { text }, () =>
      h(
        "section",
        { class: "screen center" },
        h("h1", { class: "brand" }, "Cibo"),
        h("p", { class: "muted big-text" }, text),
      )),
  ]);
}

const ENDED_TITLES = {
  "join/kicked": "Removed from the game",
  "seat/replaced": "Opened elsewhere",
};

/** The server ended this seat for good (m.ended = {code, message}). */
export function renderEnded(view, m) {
  view.setScreen("ended");
  const { code, message } = m.ended;
  const again = code === "seat/replaced" ? "Play on this phone" : "Join again";
  place(view.root, [
    view.section("ended", { code, message }, () =>
      h(
        "section",
        { class: "screen center" },
        h("h1", { class: "title" }, ENDED_TITLES[code] || "Disconnected"),
        h("p", { class: "big-text" }, message || ""),
        h(
          "button",
          { class: "btn primary big", type: "button", onclick: () => view.actions.rejoin(code) },
          again,
        ),
      )),
  ]);
}
