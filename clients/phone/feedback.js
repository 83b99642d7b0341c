// What the phone does besides drawing: a toast, the connection banner, a buzz when a turn
// begins, and keeping the screen awake during a game.

import { $ } from "/shared/dom.js";
import { t } from "/shared/i18n.js";

const toastEl = $("#toast");
const connEl = $("#conn");
let toastTimer = 0;
let connTimer = 0;
let everOnline = false;
let wakeLock = null;
let waking = false;

/** Show `message` for a few seconds; `kind` is "bad" (an error) or "info". */
export function toast(message, kind = "bad") {
  toastEl.textContent = message;
  toastEl.className = `toast ${kind}`;
  toastEl.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toastEl.hidden = true;
  }, 4500);
}

/** The connection banner for a Connection status ("connecting", "online", "offline", ...). */
export function showStatus(status) {
  clearTimeout(connTimer);
  if (status === "online" || status === "closed" || status === "idle") {
    if (status === "online") everOnline = true;
    connEl.hidden = true;
    return;
  }
  // Short blips are not worth a banner.
  connTimer = setTimeout(() => {
    connEl.textContent = t(
      !everOnline ? "conn.connecting" : status === "offline" ? "conn.lost" : "conn.reconnecting",
    );
    connEl.hidden = false;
  }, 900);
}

/** A short double buzz (where the browser allows it). */
export function buzz() {
  try {
    // Browsers only let a page vibrate once the person has touched it.
    if (navigator.vibrate && navigator.userActivation?.hasBeenActive !== false) {
      navigator.vibrate([90, 60, 90]);
    }
  } catch {
    /* not allowed here */
  }
}

/** Hold (or let go of) a screen wake lock. */
export async function keepAwake(on) {
  if (!("wakeLock" in navigator)) return; // only in secure contexts (HTTPS or localhost)
  try {
    if (on && !wakeLock && !waking && document.visibilityState === "visible") {
      waking = true;
      wakeLock = await navigator.wakeLock.request("screen");
      waking = false;
      wakeLock.addEventListener("release", () => {
        wakeLock = null;
      });
    } else if (!on && wakeLock) {
      await wakeLock.release();
    }
  } catch {
    wakeLock = null;
    waking = false;
  }
}

/** Whether this person asked for reduced motion (no smooth scrolling then). */
export function reducedMotion() {
  return globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
}

/**
 * Bring the element `selector` names into view if any of it is off screen: a new roll or the
 * YOUR TURN banner must never be drawn above or below what the player sees.
 */
export function reveal(selector) {
  const el = document.querySelector(selector);
  if (!el) return;
  const box = el.getBoundingClientRect();
  if (box.top >= 0 && box.bottom <= innerHeight) return;
  const tall = box.height > innerHeight;
  el.scrollIntoView({
    block: tall ? "start" : "center",
    behavior: reducedMotion() ? "auto" : "smooth",
  });
}
