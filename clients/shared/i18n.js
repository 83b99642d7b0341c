// The clients' words: every sentence, label and title a person sees comes from a locale table
// (/shared/locales/<lang>.json, one flat object of keys), never from English in the code.
//
// A table's value is a string with {name} placeholders, or an object of plural forms
// ({"one": "...", "other": "..."}) chosen with Intl.PluralRules on the `count` parameter.
// Numbers in parameters are written with Intl.NumberFormat. A key missing in the chosen
// language falls back to English, then to the key itself (a test keeps the tables equal).
//
// The language is the device's own: the one chosen with the switch (kept in localStorage), else
// the first of navigator.languages that has a table, else English. <html lang> follows it.
// Ruleset texts are translated by the ruleset itself (see localizeRuleset).

/** The languages with a table, each with its own name (shown on the switch). */
export const LANGUAGES = Object.freeze({ en: "English", it: "Italiano" });
const FALLBACK = "en";
const STORE_KEY = "cibo:lang";

let lang = FALLBACK;
let table = {};
let fallback = {};
let plurals = new Intl.PluralRules(FALLBACK);
let numbers = new Intl.NumberFormat(FALLBACK);
const listeners = new Set();

async function fetchTable(code) {
  const res = await fetch(`/shared/locales/${code}.json`, { cache: "no-cache" });
  if (!res.ok) throw new Error(`no locale table ${code}`);
  return res.json();
}

/** The language this device asks for: the stored choice, else the browser's languages. */
export function preferredLanguage() {
  try {
    const stored = localStorage.getItem(STORE_KEY);
    if (stored && Object.hasOwn(LANGUAGES, stored)) return stored;
  } catch {
    /* storage unavailable: follow the browser */
  }
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (Object.hasOwn(LANGUAGES, base)) return base;
  }
  return FALLBACK;
}

/** The current language code ("en", "it"). */
export function language() {
  return lang;
}

/** Use tables already at hand (tests, tools): `own` for `code`, `english` as the fallback. */
export function setTables(code, own, english = own) {
  fallback = english;
  table = own;
  lang = code;
  plurals = new Intl.PluralRules(lang);
  numbers = new Intl.NumberFormat(lang);
}

/** Load the tables for `code` (or the preferred language) and make it current. */
export async function initI18n(code = preferredLanguage()) {
  if (!Object.keys(fallback).length) fallback = await fetchTable(FALLBACK);
  table = code === FALLBACK ? fallback : await fetchTable(code).catch(() => fallback);
  lang = table === fallback ? FALLBACK : code;
  plurals = new Intl.PluralRules(lang);
  numbers = new Intl.NumberFormat(lang);
  document.documentElement.lang = lang;
  return lang;
}

/** Switch to `code`, remember it on this device, and tell every listener. */
export async function setLanguage(code) {
  try {
    localStorage.setItem(STORE_KEY, code);
  } catch {
    /* the choice then lasts as long as the page */
  }
  await initI18n(code);
  for (const fn of listeners) fn(lang);
}

/** Call `fn(lang)` after each language change. */
export function onLanguage(fn) {
  listeners.add(fn);
}

/** A number written the way the current language writes it. */
export function num(n) {
  return typeof n === "number" ? numbers.format(n) : String(n ?? "");
}

/** Items joined as a sentence does ("A, B and C" / "A, B e C"). */
export function list(items) {
  return new Intl.ListFormat(lang, { type: "conjunction" }).format(items.map(String));
}

function pick(entry, params) {
  if (entry === null || typeof entry !== "object") return entry;
  const count = Number(params.count ?? 0);
  return entry[plurals.select(count)] ?? entry.other;
}

/** The sentence for `key` with its {placeholders} filled from `params`. */
export function t(key, params = {}) {
  let entry = Object.hasOwn(table, key) ? table[key] : fallback[key];
  if (entry === undefined) return key;
  entry = pick(entry, params);
  return String(entry).replace(/\{(\w+)\}/g, (whole, name) => {
    if (!Object.hasOwn(params, name)) return whole;
    return num(params[name]);
  });
}

/** Whether the tables have a sentence for `key`. */
export function has(key) {
  return Object.hasOwn(table, key) || Object.hasOwn(fallback, key);
}

/** The sentence for a server error or closing code (the wire's `message` is not shown). */
export function errorText(code) {
  const key = `error.${code}`;
  return has(key) ? t(key) : t("error.generic");
}

/**
 * The ruleset summary with its texts in the current language: the summary's own texts are in
 * the ruleset's first language, and `texts[lang]` maps a text's path ("zones.gate.label") to
 * its translation. The copy keeps `texts`, and `text(path, fallback)` looks one up.
 */
export function localizeRuleset(summary) {
  if (!summary) return summary;
  const own = summary.texts?.[lang] || {};
  const tr = (path, value) => (Object.hasOwn(own, path) ? own[path] : value);
  const mapEntries = (obj, fn) =>
    Object.fromEntries(Object.entries(obj || {}).map(([k, v]) => [k, fn(k, v)]));
  return {
    ...summary,
    name: tr("ruleset.name", summary.name),
    text: tr("ruleset.text", summary.text),
    zones: mapEntries(summary.zones, (k, z) => ({ ...z, label: tr(`zones.${k}.label`, z.label) })),
    tracks: mapEntries(
      summary.tracks,
      (k, x) => ({ ...x, label: tr(`tracks.${k}.label`, x.label) }),
    ),
    heroes: mapEntries(summary.heroes, (k, x) => ({
      ...x,
      name: tr(`heroes.${k}.name`, x.name),
      text: tr(`heroes.${k}.text`, x.text),
    })),
    units: mapEntries(summary.units, (k, x) => ({
      ...x,
      name: tr(`units.${k}.name`, x.name),
      text: tr(`units.${k}.text`, x.text),
    })),
    markers: mapEntries(
      summary.markers,
      (k, x) => ({ ...x, label: tr(`markers.${k}.label`, x.label) }),
    ),
    phases: (summary.phases || []).map((p) => ({
      ...p,
      label: tr(`round.${p.name}.label`, p.label),
    })),
    difficulties: mapEntries(summary.difficulties, (k, x) => tr(`difficulty.${k}.label`, x)),
    text_of: own,
  };
}

/** A ruleset text by path in the current language, else `value` (the ruleset's own). */
export function rulesetText(ruleset, path, value) {
  const own = ruleset?.text_of || {};
  return Object.hasOwn(own, path) ? own[path] : value;
}

/** The language switch: one button per language, the current one pressed. */
export function languageSwitch(h) {
  return h(
    "div",
    { class: "lang-switch", role: "group", "aria-label": t("common.language") },
    Object.entries(LANGUAGES).map(([code, name]) =>
      h(
        "button",
        {
          class: ["lang-btn", code === lang ? "selected" : ""],
          type: "button",
          lang: code,
          "data-lang": code,
          "aria-pressed": code === lang ? "true" : "false",
          title: name,
          onclick: () => setLanguage(code),
        },
        code.toUpperCase(),
      )
    ),
  );
}

/**
 * Fill the page's static markup from the tables: `data-i18n="key"` sets an element's text,
 * `data-i18n-aria="key"` its aria-label, `data-i18n-title="key"` the document title.
 */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  const title = root.querySelector("title[data-i18n-title]");
  if (title) document.title = t(title.dataset.i18nTitle);
}
