// The table display's concession offer: when the ruleset says the game is lost in all but name,
// the reason (with its numbers) goes over the board, big, until a phone answers Concede or Play
// on. Drawn by TableView (view.js) once the enemy's turn has been staged.

import { h } from "/shared/dom.js";
import { t } from "/shared/i18n.js";

/** The offer panel for ``ctx`` (null when no concession is on offer). */
export function concedePanel(view, ctx, names) {
  const { state } = ctx;
  const offer = state.status === "playing" ? state.concession : null;
  if (!offer || ctx.stage) return null;
  const d = { lang: document.documentElement.lang, offer, round: state.round };
  return view.memo.get("concede", d, () =>
    h(
      "section",
      {
        class: "concede-offer",
        role: "alertdialog",
        "aria-labelledby": "concede-title",
        "data-reason": offer.reason,
      },
      h(
        "div",
        { class: "concede-card" },
        h("p", { class: "concede-mark", "aria-hidden": "true" }, "⚑"),
        h("h1", { class: "concede-title", id: "concede-title" }, t("concede.title")),
        h("p", { class: "concede-reason" }, names.concession(offer)),
        h("p", { class: "concede-hint" }, t("concede.tv_hint")),
      ),
    ));
}
