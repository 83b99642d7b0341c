// The game screen: my heroes' sheets, my last roll, what only I can see, the actions the server
// says are legal now, the village's tracks and what just happened.

import { h, place } from "/shared/dom.js";
import { diceFaces, formulaText, rollModifier } from "/shared/narrate.js";
import { list, num, t } from "/shared/i18n.js";
import { SEAT_COLOURS, seatColours } from "/shared/board.js";
import { heroFormula } from "/phone/model.js";
import { hostGamePanel } from "/phone/host.js";
import { costText, languageFooter, pips, topBar } from "/phone/screens/parts.js";
import {
  boardSection,
  citySection,
  freeHeroSection,
  stageSkipSection,
  undoSection,
  watchingSection,
  willSendSection,
} from "/phone/screens/night.js";
import { phoneTeach, phoneTeachData, trackGoals } from "/shared/teach.js";
import { concedeSection } from "/phone/screens/concede.js";

/** Actions a hero had at the start of this phase (the state only says how many are left). */
function actionTotal(view, hero, state) {
  const key = `${state.round}:${state.phase?.index}`;
  const seen = view.totals.get(hero.id);
  const total = seen && seen.key === key
    ? Math.max(seen.total, hero.actions_left)
    : hero.actions_left;
  view.totals.set(hero.id, { key, total });
  return total;
}

function hpBar(hp, max) {
  const pct = max ? Math.max(0, Math.min(100, (hp / max) * 100)) : 0;
  return h(
    "span",
    {
      class: ["bar", pct <= 34 ? "low" : ""],
      role: "meter",
      "aria-valuemin": "0",
      "aria-valuemax": String(max),
      "aria-valuenow": String(hp),
    },
    h("span", { class: "bar-fill", vars: { "--pct": `${pct}%` } }),
  );
}

function stat(label, ...value) {
  return h("div", { class: "stat" }, h("span", { class: "stat-label" }, label), ...value);
}

function heroSheet(names, hero, colour, total) {
  const zone = names.zone(hero.zone);
  const status = hero.downed
    ? "down"
    : hero.done
    ? "done"
    : hero.actions_left > 0
    ? "acting"
    : "waiting";
  return h(
    "article",
    { class: ["sheet", `status-${status}`], "data-hero": hero.id, vars: { "--seat": colour } },
    h(
      "div",
      { class: "sheet-head" },
      h("span", { class: "token-dot" }, (hero.name || "?")[0]),
      h("h2", {}, names.hero(hero.id)),
      h("span", { class: ["chip", status] }, t(`hero_status.${status}`)),
    ),
    h(
      "div",
      { class: "sheet-body" },
      stat(
        t("game.hp"),
        h("span", { class: "stat-value" }, `${num(hero.hp)}/${num(hero.max_hp)}`),
        hpBar(hero.hp, hero.max_hp),
      ),
      stat(t("game.at"), h("span", { class: "stat-value zone-name" }, zone)),
      stat(t("game.actions"), pips(hero.actions_left, Math.max(total, hero.actions_left), "pip")),
    ),
  );
}

function targetLabel(names, target, state) {
  if (!target) return "";
  const unit = (state.units || []).find((u) => u.id === target);
  if (unit) return t("game.unit_target", { unit: names.unitKind(unit.kind), hp: unit.hp });
  return names.target(target);
}

/** Why this phone has nothing to do right now. */
function waitingText(m, state) {
  const mine = (state.heroes || []).filter((x) => x.seat === m.conn.seat);
  const down = mine.filter((x) => x.downed).map((x) => m.names.hero(x.id));
  if (down.length) return t("game.down", { names: list(down), count: down.length });
  return state.phase?.turns === "each_hero" && state.turn
    ? t("game.waiting_for", { hero: m.names.hero(state.turn) })
    : t("game.waiting_others");
}

/** Legal actions grouped by hero and action (one group, many targets), and the turn ends.
 * How an action looks comes from the seat's `menu`, its dice from the hero's sheet. */
function groupActions(actions, state, ruleset) {
  const groups = new Map();
  const ends = [];
  for (const a of actions) {
    if (a.type === "end_turn") {
      ends.push(a);
      continue;
    }
    const key = `${a.hero}|${a.action}`;
    if (!groups.has(key)) {
      const look = state.menu?.[a.hero]?.[a.action] || {};
      const dice = state.sheets?.[a.hero]?.actions?.[a.action]?.roll || "";
      groups.set(key, {
        ...look,
        ...a,
        roll: heroFormula(dice, a.hero, state, ruleset),
        targets: [],
      });
    }
    groups.get(key).targets.push(a.target);
  }
  return { groups: [...groups.values()], ends };
}

/** What an action does, as a class: a plain move looks unlike an attack on the same zone. */
function verbClass(g) {
  const verbs = g.verbs || [];
  if (verbs.length && verbs.every((v) => v === "move")) return "verb-move";
  if (verbs.some((v) => /damage|destroy|attack/.test(v))) return "verb-harm";
  return "verb-other";
}

const VERB_ICONS = { "verb-move": "➜", "verb-harm": "✸", "verb-other": "✦" };

function actionGroup(view, m, state, g, d, many) {
  const { send } = view.actions;
  const label = m.names.action(g.hero, g.action);
  const text = m.names.actionText(g.hero, g.action, g.text);
  const single = g.targets.length === 1 && !g.targets[0];
  const meta = h(
    "span",
    { class: "action-meta" },
    h("span", { class: "cost" }, pips(g.cost, g.cost, "cost-pip"), ` ${costText(g.cost)}`),
    g.roll ? h("span", { class: "roll-hint" }, `⚄ ${formulaText(g.roll)}`) : null,
  );
  const who = many ? `${m.names.hero(g.hero)}: ` : "";
  const act = (target) => send({ type: "act", hero: g.hero, action: g.action, target });
  if (single) {
    return h(
      "button",
      {
        class: "action",
        type: "button",
        disabled: d.busy,
        "data-action": g.action,
        onclick: () => act(""),
      },
      h("span", { class: "action-label" }, who + label),
      meta,
      text ? h("span", { class: "action-text" }, text) : null,
    );
  }
  return h(
    "div",
    { class: ["action-group", verbClass(g)], "data-action": g.action },
    h("div", { class: "group-head" }, h("span", { class: "action-label" }, who + label), meta),
    text ? h("p", { class: "action-text" }, text) : null,
    h(
      "div",
      { class: "targets" },
      g.targets.map((target) => {
        // Each target names its action and cost: "Beam → Cable Bridge (2 actions)" never looks
        // like "Move → Cable Bridge (1 action)".
        const where = targetLabel(m.names, target, state) || label;
        const text = t("night.target_cost", {
          action: label,
          target: where,
          cost: costText(g.cost),
        });
        return h(
          "button",
          {
            class: ["target", verbClass(g)],
            type: "button",
            disabled: d.busy,
            "data-target": target,
            "aria-label": text,
            onclick: () => act(target),
          },
          h("span", { class: "target-icon", "aria-hidden": "true" }, VERB_ICONS[verbClass(g)]),
          h("span", { class: "target-where" }, where),
          h("span", { class: "target-cost" }, `${label} · ${costText(g.cost)}`),
        );
      }),
    ),
  );
}

function actionsSection(view, m, state) {
  const { send } = view.actions;
  const actions = state.actions || [];
  const data = {
    ...groupActions(actions, state, m.ruleset),
    busy: m.busy,
    units: state.units,
    heroes: (state.heroes || []).map((x) => [x.id, x.zone]),
  };
  const many = new Set(actions.map((a) => a.hero)).size > 1;
  return view.section("actions", data, (d) => {
    if (!d.groups.length && !d.ends.length) {
      return h(
        "section",
        { class: "actions idle" },
        h("p", { class: "muted big-text" }, waitingText(m, state)),
      );
    }
    return h(
      "section",
      { class: "actions", "aria-label": t("game.your_actions") },
      h("h2", { class: "section-title" }, t("game.your_actions")),
      d.groups.map((g) => actionGroup(view, m, state, g, d, many)),
      h(
        "div",
        { class: "end-turns" },
        d.ends.map((a) =>
          h(
            "button",
            {
              class: "btn end-turn big",
              type: "button",
              disabled: d.busy,
              "data-hero": a.hero,
              onclick: () => send({ type: "end_turn", hero: a.hero }),
            },
            many ? t("game.end_hero_turn", { hero: m.names.hero(a.hero) }) : t("game.end_turn"),
          )
        ),
      ),
    );
  });
}

function rollClass(r) {
  return ["roll", r.success === true ? "success" : r.success === false ? "failure" : ""];
}

/** This seat's last rolls (model.js decides which rolls are its own). */
export function rollsSection(view, m) {
  return view.section("rolls", { rolls: m.rolls }, (d) => {
    if (!d.rolls.length) return null;
    return h(
      "section",
      { class: "card rolls", "aria-label": t("game.last_roll"), "aria-live": "polite" },
      h("h2", { class: "section-title" }, t("game.last_roll")),
      d.rolls.map((r) =>
        h(
          "div",
          { class: rollClass(r) },
          h("p", { class: "roll-title" }, r.title),
          h(
            "div",
            { class: "roll-line" },
            h("span", { class: "formula" }, formulaText(r.formula, rollModifier(r.roll))),
            diceFaces(r.roll, { size: "big" }),
            h("span", { class: "total" }, `= ${num(r.roll.total)}`),
          ),
          r.outcome ? h("p", { class: "roll-outcome" }, r.outcome) : null,
        )
      ),
    );
  });
}

function privateSection(view, m, state) {
  const cards = state.peek?.cards || [];
  const texts = state.peek?.texts || {};
  return view.section("private", { cards, texts }, (d) => {
    if (!d.cards.length) return null;
    return h(
      "section",
      { class: "card private", "aria-label": t("game.private") },
      h("h2", { class: "section-title" }, t("game.private")),
      h(
        "ol",
        { class: "peek" },
        d.cards.map((c) => {
          const said = m.names.peekText(c, d.texts);
          return h(
            "li",
            {},
            h("strong", { class: "peek-name" }, m.names.card(c, d.texts)),
            said ? h("span", { class: "peek-text" }, ` ${said}`) : null,
          );
        }),
      ),
    );
  });
}

function tracksSection(view, m, state) {
  const rs = m.ruleset || {};
  const bandClass = (id, tr) => {
    if (!tr.band) return "";
    return `band-${(rs.tracks?.[id]?.bands || []).findIndex((b) => b.name === tr.band)}`;
  };
  // A track filled toward a goal (the route) shows it: "2/5", as the goal panel does.
  const goals = trackGoals(rs, state);
  return view.section("tracks", { tracks: state.tracks, goals }, (d) =>
    h(
      "section",
      { class: "tracks-strip", "aria-label": t("game.tracks") },
      Object.entries(d.tracks || {}).map(([id, tr]) =>
        h(
          "div",
          { class: ["mini-track", bandClass(id, tr)], "data-track": id },
          h("span", { class: "mini-label" }, m.names.track(id)),
          h(
            "span",
            { class: "mini-value" },
            num(tr.value),
            id in d.goals ? h("span", { class: "mini-of" }, `/${num(d.goals[id])}`) : null,
          ),
          tr.band ? h("span", { class: "mini-band" }, m.names.band(tr.band)) : null,
        )
      ),
    ));
}

/** The last few lines of the feed. */
export function feedSection(view, m) {
  return view.section("feed", { feed: m.feed.slice(-6) }, (d) =>
    h(
      "section",
      { class: "card feed-mini", "aria-label": t("game.feed") },
      h("h2", { class: "section-title" }, t("game.feed")),
      h(
        "ol",
        { class: "feed" },
        d.feed.map((line) =>
          h(
            "li",
            { class: `kind-${line.kind}` },
            h("span", { class: "icon", "aria-hidden": "true" }, line.icon),
            line.text,
          )
        ),
      ),
    ));
}

export function renderGame(view, m, state, room) {
  view.setScreen("game");
  const seat = m.conn.seat;
  const mine = (state.heroes || []).filter((x) => x.seat === seat);
  const colour = SEAT_COLOURS[(seatColours(state).get(seat) ?? 0) % SEAT_COLOURS.length];
  const sheets = {
    mine,
    phase: state.phase,
    colour,
    totals: mine.map((x) => actionTotal(view, x, state)),
  };
  const yourTurn = { n: state.round, p: state.phase?.name };
  const offer = state.status === "playing" && state.concession ? state.concession : null;
  const heroless = Boolean(seat) && !m.watching && mine.length === 0 &&
    (state.free_heroes || []).length > 0;
  place(view.root, [
    topBar(view, m.conn, state, room, m.names),
    m.watching || !seat ? watchingSection(view, m, state, room) : null,
    m.watching || !seat ? boardSection(view, m, state) : null,
    heroless ? freeHeroSection(view, m, state) : null,
    willSendSection(view, m),
    m.conn.host ? stageSkipSection(view, m, room) : null,
    room?.paused
      ? view.section(
        "paused",
        {},
        () => h("p", { class: "banner paused", role: "status" }, t("game.paused")),
      )
      : null,
    offer ? concedeSection(view, m, state) : null,
    (state.actions || []).length && !offer
      ? view.section(
        "yourturn",
        yourTurn,
        () => h("p", { class: "banner your-turn", role: "status" }, t("game.your_turn")),
      )
      : null,
    view.section("sheets", sheets, (d) =>
      h(
        "section",
        { class: "sheets" },
        d.mine.map((hero, i) => heroSheet(m.names, hero, d.colour, d.totals[i])),
      )),
    citySection(view, m),
    rollsSection(view, m),
    privateSection(view, m, state),
    seat ? undoSection(view, m, state, room) : null,
    seat && !offer ? actionsSection(view, m, state) : null,
    view.section("teach", phoneTeachData(state, seat), () => phoneTeach(m.names, state, seat)),
    tracksSection(view, m, state),
    feedSection(view, m),
    m.conn.host ? hostGamePanel(view, m, state, room) : null,
    languageFooter(view),
  ]);
}
