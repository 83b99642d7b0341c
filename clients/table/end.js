// The table display's end of the game: the outcome in words, the final tracks, a link to the
// game's replay and, behind a "verify" control, the proof that every roll was fixed before the
// game began (the seed revealed at the end is hashed here and compared with the seal shown at
// the start). Drawn by TableView (view.js) over the board.

import { h } from "/shared/dom.js";
import { num, t } from "/shared/i18n.js";
import { seedMatches } from "/shared/sha256.js";
import { trackGoals } from "/shared/teach.js";
import { roundOf } from "/shared/rounds.js";

/** The end screen for ``ctx`` (the game is over); ``view`` keeps its memo and whether the
 * proof is open. */
export function endScreen(view, ctx, names) {
  const { state, ruleset, room } = ctx;
  const won = state.status === "won";
  const aborted = state.status === "aborted";
  const conceded = state.outcome?.cause === "conceded";
  const replayId = ctx.replay ? "" : room?.replay || "";
  const d = {
    lang: document.documentElement.lang,
    status: state.status,
    outcome: state.outcome,
    round: state.round,
    seed: state.seed,
    tracks: state.tracks,
    goals: trackGoals(ruleset, state),
    commitment: state.commitment,
    concession: state.concession,
    replayId,
    open: view.proofOpen,
  };
  const why = d.outcome ? names.outcome(d.status, d.outcome.cause, d.outcome.text) : "";
  const replayUrl = replayId
    ? `${location.origin}/table/?replay=${encodeURIComponent(replayId)}`
    : "";
  return view.memo.get("end", d, () =>
    h(
      "section",
      {
        class: ["end-screen", won ? "won" : "lost"],
        role: "dialog",
        "aria-label": t(won ? "over.victory" : "over.defeat"),
        "data-outcome": d.status,
        "data-cause": d.outcome?.cause || "",
      },
      h(
        "div",
        { class: ["end-card", d.open ? "proof-open" : ""] },
        h("p", { class: "end-mark", "aria-hidden": "true" }, won ? "★" : "✖"),
        h(
          "h1",
          { class: "end-title" },
          t(
            won
              ? "over.victory"
              : aborted
              ? "over.ended"
              : conceded
              ? "over.conceded_title"
              : "over.defeat",
          ),
        ),
        aborted ? null : h(
          "p",
          { class: "end-lead" },
          t(
            won
              ? "table.end_won_lead"
              : conceded
              ? "table.end_conceded_lead"
              : "table.end_lost_lead",
          ),
        ),
        why
          ? h(
            "p",
            { class: "end-text" },
            aborted || conceded ? why : t("table.end_why", { text: why }),
          )
          : null,
        h(
          "p",
          { class: "end-meta" },
          `${ruleset.name} · ${names.difficulty(state.difficulty)} · ${
            roundOf(d.round, state.rounds)
          }`,
        ),
        h(
          "div",
          { class: "end-tracks" },
          Object.entries(d.tracks || {}).map(([id, tr]) =>
            h(
              "span",
              { class: "end-track", "data-track": id },
              h("span", { class: "end-track-label" }, names.track(id)),
              h(
                "strong",
                {},
                num(tr.value),
                id in d.goals ? h("span", { class: "end-track-of" }, `/${num(d.goals[id])}`) : null,
              ),
            )
          ),
        ),
        ctx.replay ? null : h(
          "p",
          { class: "end-again" },
          t("table.end_again", { again: t("over.play_again") }),
        ),
        replayId
          ? h(
            "div",
            { class: "end-replay" },
            h("a", { class: "btn primary replay-link", href: replayUrl }, t("table.end_replay")),
            h("span", { class: "replay-url" }, t("table.end_replay_at", { url: replayUrl })),
          )
          : null,
        d.seed ? proof(view, d, replayId, ctx.code) : null,
      ),
    ));
}

/** The dice proof behind a "verify" control: the seal, the revealed seed, checked here. */
function proof(view, d, replayId, code) {
  // The journal's own id has the room code between the replay id's two halves.
  const gameId = replayId && code ? `${replayId.slice(0, 15)}-${code}-${replayId.slice(16)}` : "";
  const ok = seedMatches(d.seed, d.commitment);
  const toggle = h("button", {
    class: "btn small verify-toggle",
    type: "button",
    "aria-expanded": String(d.open),
    onclick: () => {
      view.proofOpen = !view.proofOpen;
      const box = toggle.parentElement.querySelector(".proof");
      box.hidden = !view.proofOpen;
      // The proof takes the place of the track totals, so the card still fits the screen.
      toggle.closest(".end-card")?.classList.toggle("proof-open", view.proofOpen);
      if (view.proofOpen) box.scrollIntoView({ block: "nearest" });
      toggle.setAttribute("aria-expanded", String(view.proofOpen));
      toggle.textContent = t(view.proofOpen ? "table.verify_hide" : "table.verify");
    },
  }, t(d.open ? "table.verify_hide" : "table.verify"));
  return h(
    "div",
    { class: "end-proof" },
    toggle,
    h(
      "div",
      { class: "proof", hidden: !d.open, "data-verified": String(ok) },
      h(
        "p",
        { class: ["proof-verdict", ok ? "ok" : "bad"] },
        t(ok ? "table.verify_ok" : "table.verify_bad"),
      ),
      h(
        "p",
        { class: "proof-how" },
        t("table.verify_how", { hash: d.commitment, seed: d.seed }),
      ),
      gameId ? h("p", { class: "proof-cli" }, t("table.verify_cli", { game: gameId })) : null,
    ),
  );
}
