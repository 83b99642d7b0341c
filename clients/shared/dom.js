// Small DOM helpers. Text only ever goes in through textContent or attributes, never innerHTML,
// so names and other text from players cannot become markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function applyProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") {
      el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (key === "text") {
      el.textContent = String(value);
    } else if (key === "dataset") {
      for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    } else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "vars") {
      // CSS custom properties through the CSSOM (allowed by the style-src CSP).
      for (const [k, v] of Object.entries(value)) el.style.setProperty(k, String(v));
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h("button", {class: "big", onclick: f}, "Label"). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  applyProps(el, props);
  append(el, children);
  return el;
}

/** An SVG element; attributes are set as given. */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyProps(el, props);
  append(el, children);
  return el;
}

/** Replace every child of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** Show or hide an element with the `hidden` attribute. */
export function show(el, visible) {
  el.hidden = !visible;
}

/**
 * Keeps the element of each named section while its data is unchanged, so that a redraw does
 * not replace a button under a finger (or restart an animation) for nothing.
 */
export class Memo {
  constructor() {
    this.entries = new Map();
  }

  get(id, data, render) {
    const key = JSON.stringify(data);
    const prev = this.entries.get(id);
    if (prev && prev.key === key) return prev.el;
    const el = render(data);
    if (el) el.dataset.section = id;
    this.entries.set(id, { key, el });
    return el;
  }

  clear() {
    this.entries.clear();
  }
}

/** Make `container`'s children exactly `elements` (nulls skipped), moving as little as possible. */
export function place(container, elements) {
  const els = elements.filter(Boolean);
  els.forEach((el, i) => {
    const current = container.children[i];
    if (current !== el) container.insertBefore(el, current || null);
  });
  while (container.children.length > els.length) container.lastElementChild.remove();
}
