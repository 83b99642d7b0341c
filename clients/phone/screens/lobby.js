// The lobby: the ruleset's introduction, the heroes to pick, who is here, and for the host
// the difficulty and the start button.

import { h, place } from "/shared/dom.js";
import { formulaText } from "/shared/narrate.js";
import { list, num, t } from "/shared/i18n.js";
import { SEAT_COLOURS, seatColours } from "/shared/board.js";
import { hostLobbyPanel } from "/phone/host.js";
import { languageFooter, seatName, topBar } from "/phone/screens/parts.js";

function heroCard(view, m, kind, spec, { owner, mine, taken, full }) {
  const { send } = view.actions;
  const attack = formulaText(spec.attack || "");
  let button;
  if (mine) {
    button = h(
      "button",
      { class: "btn", type: "button", onclick: () => send({ type: "drop_hero", hero: mine }) },
      t("lobby.put_back"),
    );
  } else if (taken && !spec.repeatable) {
    button = h("span", { class: "taken" }, t("lobby.taken_by", { name: owner }));
  } else {
    button = h(
      "button",
      {
        class: "btn primary",
        type: "button",
        disabled: full || m.busy,
        onclick: () => send({ type: "pick_hero", hero: kind }),
      },
      t("lobby.play_hero", { hero: spec.name }),
    );
  }
  const unavailable = taken && !mine && !spec.repeatable;
  return h(
    "article",
    {
      class: ["hero-card", mine ? "picked" : "", unavailable ? "unavailable" : ""],
      "data-hero": kind,
    },
    h("h3", {}, spec.name, mine ? h("span", { class: "chip ok" }, t("lobby.yours")) : null),
    h(
      "p",
      { class: "stats" },
      h("span", {}, `♥ ${num(spec.hp)}`),
      h("span", {}, t("lobby.move", { n: spec.move })),
      attack ? h("span", {}, t("lobby.attack", { dice: attack })) : null,
    ),
    spec.text ? h("p", { class: "hero-text" }, spec.text) : null,
    button,
  );
}

function nextStep(d) {
  if (!d.mine) return t("lobby.pick_one");
  return t(d.host ? "lobby.in_host" : "lobby.in_wait");
}

function intro(view, m, state, mine) {
  const rs = m.ruleset || {};
  const data = {
    name: rs.name,
    text: rs.text,
    difficulty: state.difficulty,
    mine,
    host: m.conn.host,
  };
  return view.section("lobby-intro", data, (d) =>
    h(
      "section",
      { class: "card intro" },
      h("h2", {}, d.name || t("common.brand")),
      d.text ? h("p", { class: "intro-text" }, d.text) : null,
      h(
        "p",
        {},
        `${t("lobby.difficulty")} `,
        h("strong", {}, m.names?.difficulty(d.difficulty) || d.difficulty),
      ),
      h("p", { class: ["next-step", d.mine ? "ok" : ""] }, nextStep(d)),
    ));
}

function heroList(view, m, state, room, data) {
  const rs = m.ruleset || {};
  const me = m.conn.seat;
  const heroes = rs.heroes || {};
  const picks = state.heroes || [];
  const max = rs.heroes_range?.max ?? 99;
  return view.section("heroes", data, () => {
    const cards = Object.entries(heroes).map(([kind, spec]) => {
      const owned = picks.filter((x) => x.kind === kind);
      const mine = owned.find((x) => x.seat === me);
      const owner = owned.length ? seatName(room, owned[0].seat) : "";
      const card = heroCard(view, m, kind, spec, {
        owner,
        mine: mine?.id,
        taken: owned.length > 0,
        full: picks.length >= max,
      });
      return [Boolean(mine), card];
    });
    const chosen = cards.filter(([mine]) => mine).map(([, el]) => el);
    const others = cards.filter(([mine]) => !mine).map(([, el]) => el);
    return h(
      "section",
      { class: "hero-list", "aria-label": t("lobby.heroes") },
      h("h2", { class: "section-title" }, t(chosen.length ? "lobby.your_hero" : "lobby.pick_hero")),
      chosen,
      chosen.length
        ? view.details(
          "more-heroes",
          { class: "manage more-heroes" },
          t("lobby.other_heroes"),
          h("div", { class: "hero-list" }, others),
        )
        : others,
    );
  });
}

export function renderLobby(view, m, state, room) {
  view.setScreen("lobby");
  const rs = m.ruleset || {};
  const me = m.conn.seat;
  const picks = state.heroes || [];
  const data = {
    heroes: rs.heroes || {},
    picks: picks.map((x) => [x.id, x.kind, x.seat]),
    seats: (room?.seats || []).map((x) => [x.seat, x.name]),
    busy: m.busy,
  };
  const mine = picks.filter((x) => x.seat === me).length;
  place(view.root, [
    topBar(view, m.conn, state, room, m.names),
    mine ? null : againSection(view, m, state),
    intro(view, m, state, mine),
    heroList(view, m, state, room, data),
    view.section(
      "players",
      { seats: room?.seats || [], picks: data.picks, me },
      (d) => playersCard(d.seats, state, d.me, m.names),
    ),
    m.conn.host ? hostLobbyPanel(view, m, state, room) : null,
    languageFooter(view),
  ]);
}

/** "Play <hero> again": the hero this phone played last, one tap, while it is free here. */
function againSection(view, m, state) {
  const { send } = view.actions;
  const kind = m.lastHero;
  const spec = m.ruleset?.heroes?.[kind];
  const free = Boolean(spec) && (state.free_heroes || []).includes(kind);
  return view.section("again", { kind, free, busy: m.busy }, (d) =>
    d.free
      ? h(
        "button",
        {
          class: "btn primary big again",
          type: "button",
          id: "play-again-hero",
          disabled: d.busy,
          onclick: () => send({ type: "pick_hero", hero: d.kind }),
        },
        t("night.again", { hero: spec.name }),
      )
      : null);
}

function playersCard(roomSeats, state, me, names) {
  const colours = seatColours(state);
  return h(
    "section",
    { class: "card players" },
    h("h2", { class: "section-title" }, t("lobby.players", { count: roomSeats.length })),
    h(
      "ul",
      { class: "player-list" },
      roomSeats.map((x) => {
        const heroes = (state.heroes || [])
          .filter((hero) => hero.seat === x.seat)
          .map((hero) => names ? names.hero(hero.id) : hero.name);
        const colour = SEAT_COLOURS[(colours.get(x.seat) ?? 0) % SEAT_COLOURS.length];
        return h(
          "li",
          {
            class: ["player", x.connected ? "" : "away", x.vacant ? "vacant" : ""],
            "data-seat": x.seat,
          },
          h("span", { class: "seat-dot", vars: { "--seat": colour } }),
          h("span", { class: "player-name" }, x.name),
          x.bot ? h("span", { class: "chip bot" }, t("night.bot")) : null,
          x.seat === me ? h("span", { class: "chip" }, t("lobby.you")) : null,
          x.host ? h("span", { class: "chip host" }, t("common.host")) : null,
          h("span", { class: "player-heroes" }, heroes.length ? list(heroes) : t("lobby.no_hero")),
          x.connected
            ? null
            : h("span", { class: "chip away" }, t(x.vacant ? "lobby.empty_seat" : "lobby.away")),
        );
      }),
    ),
  );
}
