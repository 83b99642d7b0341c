// Dice in words and pictures: a formula as people say it ("2d6 + difficulty (+1)"), the
// faces of a roll, a roll's one-line summary.

import { h } from "./dom.js";
import { list, num, t } from "./i18n.js";

export function signed(n) {
  return n > 0 ? `+${num(n)}` : num(n);
}

/**
 * What a roll added to its dice: the total less the kept dice, when the formula adds exactly one
 * named value ("2d6 + @difficulty.spawn_mod" on Hard adds 1), else null. Success-counting rolls
 * ("cs>=") count hits, not pips, so they have none.
 */
export function rollModifier(roll) {
  const formula = String(roll?.formula || "");
  if (!roll?.dice?.length || /cs>=/.test(formula)) return null;
  if ((formula.match(/@\w+\.\w+/g) || []).length !== 1) return null;
  const kept = roll.dice.filter((d) => d.kept).reduce((sum, d) => sum + d.value, 0);
  const value = Number(roll.total) - kept;
  return Number.isFinite(value) ? value : null;
}

/**
 * A dice formula as people read it: "2d6r1cs>=4" -> "2d6, reroll 1s, hits on 4+",
 * "2d6 + @difficulty.spawn_mod" -> "2d6 + difficulty", or "2d6 + difficulty (+1)" when the
 * value it added is given (the words from the locale table). A hero's stat reads "hero bonus":
 * its name is the ruleset's, not a word of the player's language. A named value that added
 * nothing is left out ("2d6", not "2d6 + hero bonus (+0)").
 */
export function formulaText(formula, modifier = null) {
  let text = String(formula || "");
  if (modifier === 0) text = text.replace(/\s*[-+]\s*@\w+\.\w+/g, "");
  const valued = (key) =>
    modifier === null ? t(key) : t("dice.named_value", {
      name: t(key),
      value: modifier >= 0 ? `+${num(modifier)}` : num(modifier),
    });
  return text
    .replace(/cs>=(\d+)/g, (_, n) => t("dice.hits_on", { n: Number(n) }))
    .replace(/(d\d+)r(\d+)/g, (_, d, n) => d + t("dice.reroll", { n: Number(n) }))
    .replace(/(d\d+)kh(\d+)/g, (_, d, n) => d + t("dice.keep_best", { n: Number(n) }))
    .replace(/(d\d+)kl(\d+)/g, (_, d, n) => d + t("dice.keep_worst", { n: Number(n) }))
    .replace(/@difficulty\.\w+/g, () => valued("dice.difficulty"))
    .replace(/@hero\.\w+/g, () => valued("dice.hero"))
    .replace(/@scaling\.\w+/g, () => valued("dice.scaling"))
    .replace(/\s+/g, " ")
    .trim();
}

/** Dice faces as elements: kept dice solid, dropped ones faded, rerolled ones marked. */
export function diceFaces(roll, { size = "" } = {}) {
  const dice = roll?.dice || [];
  return h(
    "span",
    {
      class: ["dice", size],
      role: "img",
      "aria-label": t("dice.faces", { values: list(dice.map((d) => num(d.value))) }),
    },
    dice.map((d) =>
      h(
        "span",
        {
          class: ["die", d.kept ? "" : "dropped", d.rerolled ? "rerolled" : "", `d${d.sides}`],
          title: d.rerolled ? t("dice.rerolled") : d.kept ? `d${d.sides}` : t("dice.dropped"),
        },
        num(d.value),
      )
    ),
  );
}

/** "2d6 + difficulty → [4, 5] → 8" as text (a hero's own formula, "@hero.attack", is left out). */
export function rollText(roll) {
  if (!roll) return "";
  const dice = (roll.dice || [])
    .map((d) => (d.kept ? num(d.value) : `(${num(d.value)})`) + (d.rerolled ? "r" : ""))
    .join(", ");
  const formula = /^@hero\.\w+$/.test(String(roll.formula || "").trim())
    ? ""
    : `${formulaText(roll.formula, rollModifier(roll))} → `;
  return dice ? `${formula}[${dice}] → ${num(roll.total)}` : `${formula}${num(roll.total)}`;
}
