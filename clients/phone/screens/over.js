// The end of a game: the outcome, the revealed dice seed, and the way to the next game.

import { h, place } from "/shared/dom.js";
import { toast } from "/phone/feedback.js";
import { errorText, t } from "/shared/i18n.js";
import { feedSection, rollsSection } from "/phone/screens/game.js";
import { languageFooter, topBar } from "/phone/screens/parts.js";
import { roundOf } from "/shared/rounds.js";

function title(status, won, cause) {
  if (won) return t("over.victory");
  if (cause === "conceded") return t("over.conceded_title");
  return t(status === "aborted" ? "over.ended" : "over.defeat");
}

/**
 * The link to this game's replay. The view does not carry the replay id, so the finished games
 * (/api/games, newest first) are searched for this one: same ruleset, outcome, round and players.
 */
async function findReplay(d) {
  try {
    const res = await fetch("/api/games", { cache: "no-cache" });
    const games = (await res.json()).games || [];
    const players = [...d.players].sort().join("\n");
    const same = games.filter((g) =>
      g.ruleset_id === d.ruleset && g.outcome === d.status && g.rounds === d.round
    );
    // Names may have changed hands during the game (a seat taken over): then the newest alike.
    const found = same.find((g) => [...(g.players || [])].sort().join("\n") === players) ||
      same[0];
    return found?.game_id || "";
  } catch {
    return "";
  }
}

const replays = new Map();

function replayLink(view, d) {
  const key = `${d.ruleset}|${d.status}|${d.round}|${d.players.join("|")}`;
  if (!replays.has(key)) {
    replays.set(key, "");
    // The journal is closed a moment after the last event: look twice.
    const look = async (tries) => {
      const id = await findReplay(d);
      if (id) {
        replays.set(key, id);
        view.actions.render();
      } else if (tries > 1) setTimeout(() => look(tries - 1), 1500);
    };
    look(4);
  }
  const id = replays.get(key);
  if (!id) return null;
  return h(
    "a",
    {
      class: "btn replay-link",
      id: "replay-link",
      href: `/table/?replay=${encodeURIComponent(id)}`,
      target: "_blank",
      rel: "noopener",
    },
    t("night.replay"),
  );
}

function seedLine(d) {
  if (!d.seed) return null;
  const hash = String(d.commitment).slice(0, 12);
  return h(
    "p",
    { class: "fineprint seed" },
    t("over.seed", { seed: `${d.seed.slice(0, 16)}…`, hash: `${hash}…` }),
  );
}

/** Join the room the host opened, open it (the host), or wait for the host to. */
function nextGame(view, d) {
  if (d.next) {
    return h(
      "button",
      {
        class: "btn primary big",
        type: "button",
        "data-next": d.next,
        onclick: () => view.actions.followNext(d.next),
      },
      t("over.join_next", { code: d.next }),
    );
  }
  if (!d.host) return h("p", { class: "muted" }, t("over.waiting_next"));
  const playAgain = async (e) => {
    const button = e.currentTarget;
    button.disabled = true;
    try {
      await view.actions.playAgain();
    } catch (err) {
      button.disabled = false;
      toast(err.code ? errorText(err.code) : t("host.open_failed"));
    }
  };
  return h(
    "button",
    { class: "btn primary big", type: "button", onclick: playAgain },
    t("over.play_again"),
  );
}

export function renderOver(view, m, state, room) {
  view.setScreen("over");
  const won = state.status === "won";
  const d = {
    status: state.status,
    outcome: state.outcome,
    round: state.round,
    seed: state.seed,
    commitment: state.commitment,
    concession: state.concession,
    host: m.conn.host,
    next: room?.next || null,
    ruleset: state.ruleset,
    players: (state.seats || []).map((x) => x.name),
    replay: "",
  };
  d.replay = replays.get(`${d.ruleset}|${d.status}|${d.round}|${d.players.join("|")}`) || "";
  place(view.root, [
    topBar(view, m.conn, state, room, m.names),
    view.section("over", d, () =>
      h(
        "section",
        {
          class: ["screen", "over", won ? "won" : "lost"],
          "data-outcome": d.status,
          "data-cause": d.outcome?.cause || "",
        },
        h("p", { class: "over-mark", "aria-hidden": "true" }, won ? "★" : "✖"),
        h("h1", { class: "title" }, title(d.status, won, d.outcome?.cause)),
        h(
          "p",
          { class: "big-text" },
          d.outcome ? m.names.outcome(d.status, d.outcome.cause, d.outcome.text) : "",
        ),
        d.status === "aborted" ? null : h(
          "p",
          { class: "big-text outcome-text" },
          t(
            won
              ? "night.won_text"
              : d.outcome?.cause === "conceded"
              ? "table.end_conceded_lead"
              : "night.lost_text",
          ),
        ),
        h("p", { class: "muted" }, roundOf(d.round, state.rounds)),
        nextGame(view, d),
        replayLink(view, d),
        seedLine(d),
      )),
    rollsSection(view, m),
    feedSection(view, m),
    languageFooter(view),
  ]);
}
