// The banner over the board while the TV stages the enemy's turn (stage.js decides the steps):
// the phase, "step n of m", the step's lines in words, and a Skip button.

import { h } from "/shared/dom.js";
import { t } from "/shared/i18n.js";
import { feedLines } from "/shared/narrate.js";

/** The staged step of the enemy's turn: what just happened, big, and how to skip. */
export function stageBanner(ctx, names) {
  const st = ctx.stage;
  if (!st) return null;
  const phase = [...ctx.events].reverse().find((e) => e.type === "phase_started");
  const lines = feedLines(st.events, names).slice(0, 3);
  return h(
    "section",
    {
      class: ["stage-banner", `stage-${st.kind}`],
      role: "status",
      "aria-live": "polite",
      "data-step": String(st.step),
      "data-steps": String(st.steps),
      "data-kind": st.kind,
      onclick: () => ctx.skip?.(),
    },
    h(
      "div",
      { class: "stage-top" },
      h(
        "span",
        { class: "stage-title" },
        phase ? names.phase(phase.name) : t("stage.enemy_turn"),
      ),
      h("span", { class: "stage-count" }, t("stage.step", { step: st.step, steps: st.steps })),
      h("button", {
        class: "btn small stage-skip",
        type: "button",
        title: t("stage.skip_hint"),
        onclick: (e) => {
          e.stopPropagation();
          ctx.skip?.();
        },
      }, t("stage.skip")),
    ),
    lines.map((line) =>
      h(
        "p",
        { class: ["stage-line", `kind-${line.kind}`] },
        h("span", { class: "icon", "aria-hidden": "true" }, line.icon),
        h("span", {}, line.text),
      )
    ),
  );
}
