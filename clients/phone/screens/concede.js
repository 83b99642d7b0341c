// The phone's answer to a concession offer: why the ruleset says the game is lost, and the two
// answers. Any seat answers for the table; until one does, the heroes wait.

import { h } from "/shared/dom.js";
import { t } from "/shared/i18n.js";

/** The offer and its two buttons, or null when no concession is on offer. */
export function concedeSection(view, m, state) {
  const offer = state.status === "playing" ? state.concession : null;
  if (!offer) return null;
  const { send } = view.actions;
  const d = {
    offer,
    busy: m.busy,
    can: (state.actions || []).some((a) => a.type === "concede"),
  };
  return view.section("concede", d, () =>
    h(
      "section",
      { class: "card concede", role: "alertdialog", "aria-labelledby": "concede-title" },
      h("h2", { class: "concede-title", id: "concede-title" }, t("concede.title")),
      h("p", { class: "big-text concede-reason" }, m.names.concession(d.offer)),
      h("p", { class: "muted" }, t("concede.ask")),
      d.can
        ? h(
          "div",
          { class: "concede-buttons" },
          h("button", {
            class: "btn big concede-yes",
            type: "button",
            disabled: d.busy,
            onclick: () => send({ type: "concede" }),
          }, t("concede.concede")),
          h("button", {
            class: "btn big primary concede-no",
            type: "button",
            disabled: d.busy,
            onclick: () => send({ type: "play_on" }),
          }, t("concede.play_on")),
        )
        : null,
    ));
}
