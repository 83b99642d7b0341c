// The game's sounds, synthesized in the browser with the Web Audio API: no audio files, nothing
// fetched. Each cue is a short pattern of notes (an oscillator shape, a pitch, a start and a
// length), kept quiet so a room of phones does not become a din.
//
// Browsers only let a page make sound after a person has touched it, so the audio context is
// created on the first tap or key press (unlock) and cues before that are dropped silently.
// Muting is a per-device choice kept in localStorage; a device whose person asked for reduced
// motion is not muted by that (sound is not motion), but nothing here vibrates or animates.

/** The cues the clients may play. */
export const CUES = Object.freeze([
  "your_turn",
  "dice",
  "spawn",
  "alert",
  "victory",
  "defeat",
  "undo",
]);

const STORE_KEY = "cibo:muted";
const VOLUME = 0.12;

// [shape, frequency in Hz, start in s, length in s] for each note of a cue.
const PATTERNS = {
  your_turn: [["sine", 660, 0, 0.12], ["sine", 880, 0.13, 0.18]],
  dice: [
    ["square", 220, 0, 0.03],
    ["square", 260, 0.05, 0.03],
    ["square", 200, 0.1, 0.03],
    ["square", 300, 0.16, 0.05],
  ],
  spawn: [["sawtooth", 110, 0, 0.25], ["sawtooth", 92, 0.2, 0.3]],
  alert: [["triangle", 740, 0, 0.1], ["triangle", 740, 0.16, 0.1], ["triangle", 740, 0.32, 0.1]],
  victory: [
    ["sine", 523, 0, 0.15],
    ["sine", 659, 0.15, 0.15],
    ["sine", 784, 0.3, 0.15],
    ["sine", 1047, 0.45, 0.4],
  ],
  defeat: [["triangle", 392, 0, 0.3], ["triangle", 330, 0.3, 0.3], ["triangle", 262, 0.6, 0.6]],
  undo: [["sine", 880, 0, 0.08], ["sine", 660, 0.09, 0.1]],
};

let context = null;
let muted = readMuted();
const listeners = new Set();

function readMuted() {
  try {
    return localStorage.getItem(STORE_KEY) === "1";
  } catch {
    return false;
  }
}

/** Whether this device is muted. */
export function isMuted() {
  return muted;
}

/** Mute or unmute this device (remembered across reloads). */
export function setMuted(value) {
  muted = Boolean(value);
  try {
    localStorage.setItem(STORE_KEY, muted ? "1" : "0");
  } catch {
    /* storage unavailable: the choice lasts until the page is closed */
  }
  for (const fn of listeners) fn(muted);
}

/** Call `fn(muted)` whenever the choice changes; returns a function that stops it. */
export function onMuteChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Create the audio context on the first gesture (browsers refuse it before). */
export function unlockOnGesture(target = document) {
  const unlock = () => {
    if (!context) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      context = new Ctx();
    }
    if (context.state === "suspended") context.resume();
  };
  target.addEventListener("pointerdown", unlock, { passive: true });
  target.addEventListener("keydown", unlock);
}

/** Play one cue now; unknown cues, a muted device or a locked context make no sound.
 * Returns whether anything was scheduled (tests read it). */
export function play(cue) {
  const notes = PATTERNS[cue];
  if (!notes || muted || !context || context.state !== "running") return false;
  const now = context.currentTime;
  for (const [shape, freq, start, length] of notes) {
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.type = shape;
    osc.frequency.value = freq;
    // A short attack and release: a bare oscillator clicks when it starts and stops.
    gain.gain.setValueAtTime(0, now + start);
    gain.gain.linearRampToValueAtTime(VOLUME, now + start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + start + length);
    osc.connect(gain).connect(context.destination);
    osc.start(now + start);
    osc.stop(now + start + length + 0.02);
  }
  return true;
}
