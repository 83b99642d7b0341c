// The board as SVG, drawn from the ruleset's zone graph and a public state.
// Zone positions come from `pos` (0..100 on both axes); zones without one are placed by a small
// deterministic spring layout, so the same ruleset always gives the same picture.
// Colour is never the only signal: heroes carry their initial, units a shape per kind and a
// letter, towers their state in words.

import { t } from "./i18n.js";
import { s } from "./dom.js";

export const W = 1000;
export const H = 900;
const PAD_X = 100;
const PAD_Y = 70;

/** Okabe–Ito colours, safe for the common colour-vision deficiencies. */
export const OKABE = {
  orange: "#E69F00",
  sky: "#56B4E9",
  green: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  purple: "#CC79A7",
  black: "#000000",
};
export const SEAT_COLOURS = [
  OKABE.sky,
  OKABE.yellow,
  OKABE.green,
  OKABE.purple,
  OKABE.orange,
  OKABE.blue,
];
export const UNIT_SHAPES = ["triangle", "square", "diamond", "hexagon", "pentagon", "star"];

const TAG_GLYPHS = {
  home: "⌂",
  shielded: "◈",
  watchtower: "◉",
  exit: "⇩",
  entry: "⇧",
  forage: "✿",
  salvage: "⚙",
  route: "═",
  siege: "▥",
  cover: "▒",
};

/** Zone centres in board coordinates: {zone: [x, y]}. */
export function layout(ruleset) {
  const zones = ruleset.zones || {};
  const names = Object.keys(zones);
  const out = {};
  const placed = names.filter((n) => Array.isArray(zones[n].pos) && zones[n].pos.length === 2);
  const missing = names.filter((n) => !placed.includes(n));
  if (placed.length) {
    // Stretch the designer's positions over the whole board, keeping their arrangement.
    const xs = placed.map((n) => zones[n].pos[0]);
    const ys = placed.map((n) => zones[n].pos[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const fit = (
      v,
      lo,
      hi,
      pad,
      size,
    ) => (hi > lo ? pad + ((v - lo) / (hi - lo)) * (size - 2 * pad) : size / 2);
    for (const n of placed) {
      out[n] = [fit(zones[n].pos[0], x0, x1, PAD_X, W), fit(zones[n].pos[1], y0, y1, PAD_Y, H)];
    }
  }
  if (missing.length) springLayout(zones, names, out, missing);
  return out;
}

function springLayout(zones, names, out, missing) {
  // Fruchterman–Reingold from a circle in ruleset order: no randomness, so always the same.
  const cx = W / 2;
  const cy = H / 2;
  missing.forEach((name, i) => {
    const a = (2 * Math.PI * i) / missing.length - Math.PI / 2;
    out[name] = [
      cx + Math.cos(a) * (W / 2 - PAD_X) * 0.8,
      cy + Math.sin(a) * (H / 2 - PAD_Y) * 0.8,
    ];
  });
  const free = new Set(missing);
  const k = Math.sqrt(((W - 2 * PAD_X) * (H - 2 * PAD_Y)) / Math.max(1, names.length)) * 0.75;
  const links = [];
  for (const name of names) {
    for (const other of zones[name].links || []) {
      if (out[other] && name < other) links.push([name, other]);
    }
  }
  const steps = 400;
  for (let step = 0; step < steps; step++) {
    const disp = Object.fromEntries(names.map((n) => [n, [0, 0]]));
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const [a, b] = [out[names[i]], out[names[j]]];
        const dx = a[0] - b[0];
        const dy = a[1] - b[1];
        const d = Math.max(Math.hypot(dx, dy), 0.01);
        const push = (k * k) / d;
        disp[names[i]][0] += (dx / d) * push;
        disp[names[i]][1] += (dy / d) * push;
        disp[names[j]][0] -= (dx / d) * push;
        disp[names[j]][1] -= (dy / d) * push;
      }
    }
    for (const [m, n] of links) {
      const [a, b] = [out[m], out[n]];
      const dx = a[0] - b[0];
      const dy = a[1] - b[1];
      const d = Math.max(Math.hypot(dx, dy), 0.01);
      const pull = (d * d) / k;
      disp[m][0] -= (dx / d) * pull;
      disp[m][1] -= (dy / d) * pull;
      disp[n][0] += (dx / d) * pull;
      disp[n][1] += (dy / d) * pull;
    }
    const heat = (W / 12) * (1 - step / steps) + 1;
    for (const name of free) {
      const [dx, dy] = disp[name];
      const d = Math.max(Math.hypot(dx, dy), 0.01);
      const p = out[name];
      p[0] = Math.min(W - PAD_X, Math.max(PAD_X, p[0] + (dx / d) * Math.min(d, heat)));
      p[1] = Math.min(H - PAD_Y, Math.max(PAD_Y, p[1] + (dy / d) * Math.min(d, heat)));
    }
  }
}

function polygon(shape, r) {
  const pts = [];
  const corners =
    { triangle: 3, square: 4, diamond: 4, pentagon: 5, hexagon: 6, star: 10 }[shape] || 4;
  const turn = shape === "square" ? Math.PI / 4 : -Math.PI / 2;
  for (let i = 0; i < corners; i++) {
    const a = turn + (2 * Math.PI * i) / corners;
    const rr = shape === "star" && i % 2 ? r * 0.5 : shape === "triangle" ? r * 1.15 : r;
    pts.push(
      `${(Math.cos(a) * rr).toFixed(1)},${
        (Math.sin(a) * rr + (shape === "triangle" ? r * 0.2 : 0)).toFixed(1)
      }`,
    );
  }
  return pts.join(" ");
}

/** The shape used for a unit kind (by its order in the ruleset). */
export function unitShape(ruleset, kind) {
  const kinds = Object.keys(ruleset.units || {});
  const i = Math.max(0, kinds.indexOf(kind));
  return UNIT_SHAPES[i % UNIT_SHAPES.length];
}

/** A unit token: shape + letter. */
export function unitToken(ruleset, kind, { r = 17, label = true } = {}) {
  const name = ruleset.units?.[kind]?.name || kind;
  const shape = unitShape(ruleset, kind);
  return s(
    "g",
    { class: `unit-token shape-${shape}` },
    s("polygon", { points: polygon(shape, r), class: "unit-shape" }),
    label
      ? s("text", {
        class: ["unit-letter", r < 16 ? "small" : ""],
        "text-anchor": "middle",
        dy: "0.36em",
        y: shape === "triangle" ? r * 0.25 : 0,
      }, name[0] || "?")
      : null,
  );
}

/** A hero token: a disc in the seat's colour with the hero's initial. */
export function heroToken(hero, colourIndex, { r = 19 } = {}) {
  const big = r >= 18;
  // Repeatable heroes ("escort-2") get their number too, so two of a kind stay apart.
  const number = String(hero.id || "").match(/-(\d+)$/);
  const label = (hero.name || hero.id || "?")[0] + (number ? number[1] : "");
  return s(
    "g",
    {
      class: ["hero-token", hero.downed ? "downed" : ""],
      vars: { "--seat": SEAT_COLOURS[colourIndex % SEAT_COLOURS.length] },
    },
    s("circle", { r, class: "hero-disc" }),
    s("text", {
      class: ["hero-letter", big && label.length < 2 ? "" : "small"],
      "text-anchor": "middle",
      dy: "0.36em",
    }, label),
    hero.downed
      ? s("path", {
        d: `M${-r * 0.7},${-r * 0.7}L${r * 0.7},${r * 0.7}M${r * 0.7},${-r * 0.7}L${-r * 0.7},${
          r * 0.7
        }`,
        class: "downed-cross",
      })
      : null,
  );
}

function textWidth(text, size) {
  return String(text).length * size * 0.58;
}

/** One line, or two split at the space nearest the middle when the label is long. */
function splitLabel(label) {
  const text = String(label);
  if (text.length <= 11 || !text.includes(" ")) return [text];
  let best = -1;
  for (let i = 0; i < text.length; i++) {
    if (
      text[i] === " " &&
      (best < 0 || Math.abs(i - text.length / 2) < Math.abs(best - text.length / 2))
    ) best = i;
  }
  return [text.slice(0, best), text.slice(best + 1)];
}

/** Seat id -> colour index, in seat order. */
export function seatColours(state) {
  const map = new Map();
  (state.seats || []).forEach((seat, i) => map.set(seat.id, i));
  return map;
}

/**
 * Draw the board for `state` into a new <svg>. `highlight` is a set of zone names to mark
 * (e.g. where the latest spawn happened).
 */
export function drawBoard(ruleset, state, { highlight = new Set(), compact = false } = {}) {
  const zones = ruleset.zones || {};
  const pos = layout(ruleset);
  const colours = seatColours(state);
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`,
    class: ["board", compact ? "compact" : ""],
    role: "img",
    "aria-label": t("table.board"),
    preserveAspectRatio: "xMidYMid meet",
  });
  const links = s("g", { class: "links" });
  const seen = new Set();
  for (const [name, zone] of Object.entries(zones)) {
    for (const other of zone.links || []) {
      const key = [name, other].sort().join("|");
      if (seen.has(key) || !pos[other]) continue;
      seen.add(key);
      const [x1, y1] = pos[name];
      const [x2, y2] = pos[other];
      links.append(s("line", { x1, y1, x2, y2, class: "link" }));
    }
    for (const watched of zone.watches || []) {
      if (!pos[watched]) continue;
      const [x1, y1] = pos[name];
      const [x2, y2] = pos[watched];
      const active = state.zones?.[name]?.active !== false && !state.zones?.[name]?.destroyed;
      links.append(s("line", { x1, y1, x2, y2, class: ["watch", active ? "" : "off"] }));
    }
  }
  svg.append(links);

  // Convoy-like markers: their path as a dashed route.
  for (const [name, marker] of Object.entries(ruleset.markers || {})) {
    const path = (marker.path || []).filter((z) => pos[z]);
    if (path.length > 1) {
      const d = path.map((z, i) => `${i ? "L" : "M"}${pos[z][0]},${pos[z][1]}`).join("");
      svg.append(s("path", { d, class: "marker-path", "data-marker": name }));
    }
  }

  const heroesAt = {};
  for (const hero of state.heroes || []) if (hero.zone) (heroesAt[hero.zone] ||= []).push(hero);
  const unitsAt = {};
  for (const unit of state.units || []) (unitsAt[unit.zone] ||= []).push(unit);
  const markersAt = {};
  for (const [name, m] of Object.entries(state.markers || {})) {
    if (m.launched && m.at) (markersAt[m.at] ||= []).push(name);
  }

  const size = 24;
  const line = 27;
  const step = 36;
  for (const [name, zone] of Object.entries(zones)) {
    const [x0, y0] = pos[name];
    const info = state.zones?.[name] || {};
    const tags = zone.tags || [];
    const tower = (zone.watches || []).length > 0 || tags.includes("watchtower");
    const lines = splitLabel(zone.label || name);
    const glyph = tags.map((t) => TAG_GLYPHS[t]).find(Boolean) ||
      (tower ? TAG_GLYPHS.watchtower : "");
    const shown = [
      ...(heroesAt[name] || []).map((hero) => ["hero", hero]),
      ...(unitsAt[name] || []).map((u) => ["unit", u]),
    ];
    const labelW = Math.max(...lines.map((t) => textWidth(t, size)));
    const w = Math.max(
      compact ? 110 : 124,
      labelW + (glyph ? 48 : 28),
      Math.min(shown.length, 4) * step + 14,
    );
    const perRow = Math.max(1, Math.floor((w - 10) / step));
    const rows = Math.min(2, Math.ceil(shown.length / perRow));
    const status = tower
      ? (info.destroyed ? "destroyed" : info.active === false ? "asleep" : "watching")
      : "";
    const hgt = 14 + lines.length * line + (status ? 20 : 0) + rows * step + (rows ? 6 : 4);
    const top = -hgt / 2;
    // A tall zone near an edge (two rows of tokens, a noise badge above) is nudged inside the
    // picture, so nothing of it is cut by the board's frame.
    const y = Math.min(H - hgt / 2 - 4, Math.max(hgt / 2 + 18, y0));
    // Likewise sideways: a long name in another language ("Torre di Guardia profonda") widens
    // the box past the frame; the noise pill sits on its right edge, 30 wide on each side.
    const x = Math.min(W - w / 2 - 32, Math.max(w / 2 + 8, x0));
    const g = s("g", {
      class: [
        "zone",
        ...tags.map((t) => `tag-${t.replace(/[^a-z0-9_-]/gi, "")}`),
        tower ? "tower" : "",
        info.destroyed ? "destroyed" : "",
        status === "asleep" ? "dormant" : "",
        highlight.has(name) ? "highlight" : "",
      ],
      transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`,
      "data-zone": name,
    });
    if (tags.includes("shielded")) {
      g.append(
        s("rect", {
          x: -w / 2 - 6,
          y: top - 6,
          width: w + 12,
          height: hgt + 12,
          rx: 18,
          class: "shield-ring",
        }),
      );
    }
    g.append(
      s("rect", {
        x: -w / 2,
        y: top,
        width: w,
        height: hgt,
        rx: tower ? 4 : 14,
        class: "zone-box",
      }),
    );
    const textX = glyph ? 10 : 0;
    lines.forEach((t, i) =>
      g.append(
        s("text", {
          class: "zone-label",
          x: textX,
          y: top + 8 + line * (i + 1) - 6,
          "text-anchor": "middle",
        }, t),
      )
    );
    if (glyph) {
      g.append(
        s(
          "text",
          { class: "zone-glyph", x: -w / 2 + 16, y: top + 27, "text-anchor": "middle" },
          glyph,
        ),
      );
    }
    let cursor = top + 10 + lines.length * line;
    if (status) {
      g.append(
        s("text", {
          class: ["tower-status", status],
          x: 0,
          y: cursor + 12,
          "text-anchor": "middle",
        }, t(`tower.${status}`)),
      );
      cursor += 20;
    }
    if (info.noise) {
      g.append(
        s(
          "g",
          { class: "noise", transform: `translate(${w / 2},${top})` },
          s("title", {}, t("table.noise_title", { n: info.noise })),
          s("rect", { x: -30, y: -15, width: 60, height: 28, rx: 14, class: "noise-pill" }),
          s(
            "text",
            { x: 0, y: 6, "text-anchor": "middle", class: "noise-text" },
            `)))${info.noise}`,
          ),
        ),
      );
    }
    // Tokens: heroes then units, at most two rows; what does not fit is counted in the last slot.
    const capacity = rows * perRow;
    const visible = shown.length > capacity ? shown.slice(0, capacity - 1) : shown;
    const slots = visible.length + (shown.length > visible.length ? 1 : 0);
    const slotAt = (i) => {
      const row = Math.floor(i / perRow);
      const inRow = Math.min(perRow, slots - row * perRow);
      return [((i % perRow) - (inRow - 1) / 2) * step, cursor + step / 2 + 2 + row * step];
    };
    visible.forEach(([kind, item], i) => {
      const [tx, ty] = slotAt(i);
      const t = s("g", {
        transform: `translate(${tx.toFixed(1)},${ty.toFixed(1)})`,
        class: "token",
        "data-id": item.id,
      });
      if (kind === "hero") t.append(heroToken(item, colours.get(item.seat) ?? 0, { r: 16 }));
      else t.append(unitToken(ruleset, item.kind, { r: 15 }));
      g.append(t);
    });
    if (slots > visible.length) {
      const [tx, ty] = slotAt(visible.length);
      g.append(
        s(
          "text",
          { class: "more", x: tx, y: ty + 7, "text-anchor": "middle" },
          `+${shown.length - visible.length}`,
        ),
      );
    }
    for (const [i, marker] of (markersAt[name] || []).entries()) {
      g.append(
        s(
          "text",
          {
            class: "marker-flag",
            x: -w / 2 + 4 + i * 24,
            y: top + hgt + 22,
            "text-anchor": "start",
          },
          "⚑",
          s("title", {}, ruleset.markers?.[marker]?.label || marker),
        ),
      );
    }
    svg.append(g);
  }
  return svg;
}
