// A small QR code encoder (ISO/IEC 18004: byte mode, error correction level M, versions 1-6,
// up to 106 bytes), so the host's phone can show a seat's one-time "new phone" link as a code to
// scan. The server's QR route only draws room codes; this link exists only on the host's phone.
//
// The steps are the standard's: the bit stream (mode, length, bytes, terminator, padding), the
// Reed-Solomon check words per block (GF(256) with the polynomial 0x11D), interleaving, the
// function patterns (finders, timing, alignment, dark module), the zig-zag placement, the eight
// masks (the one with the lowest penalty wins) and the format bits.

// Per version (1-6) at level M: [check words per block, blocks, data words per block].
const BLOCKS = [null, [10, 1, 16], [16, 1, 28], [26, 1, 44], [18, 2, 32], [24, 2, 43], [
  16,
  4,
  27,
]];
const ALIGN = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34]];
const MAX_VERSION = 6;

// GF(256) exponent and logarithm tables.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}

function mul(a, b) {
  return a && b ? EXP[LOG[a] + LOG[b]] : 0;
}

/** The Reed-Solomon check words (n of them) of `data`. */
function checkWords(data, n) {
  // The generator (x - a^0)(x - a^1)...(x - a^(n-1)), highest power first without its leading 1.
  let gen = [1];
  for (let i = 0; i < n; i++) {
    const next = new Array(gen.length + 1).fill(0);
    for (let j = 0; j < gen.length; j++) {
      next[j] ^= gen[j];
      next[j + 1] ^= mul(gen[j], EXP[i]);
    }
    gen = next;
  }
  const rem = new Array(n).fill(0);
  for (const byte of data) {
    const factor = byte ^ rem.shift();
    rem.push(0);
    for (let j = 0; j < n; j++) rem[j] ^= mul(gen[j + 1], factor);
  }
  return rem;
}

/** The codewords of `bytes` for `version`: data then check words, interleaved by block. */
function codewords(bytes, version) {
  const [ecc, blocks, per] = BLOCKS[version];
  const capacity = blocks * per;
  const bits = [];
  const put = (value, length) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(0b0100, 4);
  put(bytes.length, 8);
  for (const b of bytes) put(b, 8);
  put(0, Math.min(4, capacity * 8 - bits.length));
  while (bits.length % 8) bits.push(0);
  const data = [];
  for (let i = 0; i < bits.length; i += 8) {
    data.push(bits.slice(i, i + 8).reduce((acc, bit) => (acc << 1) | bit, 0));
  }
  for (let pad = 0xec; data.length < capacity; pad ^= 0xec ^ 0x11) data.push(pad);
  const split = [];
  for (let b = 0; b < blocks; b++) split.push(data.slice(b * per, (b + 1) * per));
  const checks = split.map((block) => checkWords(block, ecc));
  const out = [];
  for (let i = 0; i < per; i++) for (const block of split) out.push(block[i]);
  for (let i = 0; i < ecc; i++) for (const check of checks) out.push(check[i]);
  return out;
}

const MASKS = [
  (x, y) => (x + y) % 2 === 0,
  (_x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

function grid(size) {
  return Array.from({ length: size }, () => new Array(size).fill(false));
}

/** The modules that are not data: finders, separators, timing, alignment, format areas. */
function functionPatterns(version) {
  const size = 17 + 4 * version;
  const dark = grid(size);
  const fixed = grid(size);
  const set = (x, y, on) => {
    if (x < 0 || y < 0 || x >= size || y >= size) return;
    dark[y][x] = on;
    fixed[y][x] = true;
  };
  for (let i = 0; i < size; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]]) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const d = Math.max(Math.abs(dx), Math.abs(dy));
        set(cx + dx, cy + dy, d !== 2 && d !== 4);
      }
    }
  }
  const at = ALIGN[version];
  for (const cy of at) {
    for (const cx of at) {
      const nearFinder = (cx === 6 && cy === 6) || (cx === 6 && cy === size - 7) ||
        (cx === size - 7 && cy === 6);
      if (nearFinder) continue;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
        }
      }
    }
  }
  // Reserve the format areas (drawn last) and the dark module.
  for (let i = 0; i < 9; i++) {
    set(8, i, false);
    set(i, 8, false);
  }
  for (let i = 0; i < 8; i++) {
    set(size - 1 - i, 8, false);
    set(8, size - 1 - i, false);
  }
  set(8, size - 8, true);
  // The timing modules the reservation above covered.
  set(6, 8, true);
  set(8, 6, true);
  return { size, dark, fixed };
}

function drawFormat(dark, size, mask) {
  const data = mask; // level M is 00
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  const bits = ((data << 10) | rem) ^ 0x5412;
  const bit = (i) => ((bits >>> i) & 1) === 1;
  for (let i = 0; i <= 5; i++) dark[i][8] = bit(i);
  dark[7][8] = bit(6);
  dark[8][8] = bit(7);
  dark[8][7] = bit(8);
  for (let i = 9; i < 15; i++) dark[8][14 - i] = bit(i);
  for (let i = 0; i < 8; i++) dark[8][size - 1 - i] = bit(i);
  for (let i = 8; i < 15; i++) dark[size - 15 + i][8] = bit(i);
  dark[size - 8][8] = true;
}

function placeData(dark, fixed, size, words) {
  let i = 0;
  const total = words.length * 8;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const upward = ((right + 1) & 2) === 0;
    for (let v = 0; v < size; v++) {
      const y = upward ? size - 1 - v : v;
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        if (fixed[y][x]) continue;
        dark[y][x] = i < total && ((words[i >>> 3] >>> (7 - (i & 7))) & 1) === 1;
        i++;
      }
    }
  }
}

/** The standard's penalty of a finished symbol (lower reads better). */
function penalty(m) {
  const size = m.length;
  let score = 0;
  const lines = [];
  for (let y = 0; y < size; y++) lines.push(m[y]);
  for (let x = 0; x < size; x++) lines.push(m.map((row) => row[x]));
  for (const line of lines) {
    let run = 1;
    for (let i = 1; i <= size; i++) {
      if (i < size && line[i] === line[i - 1]) run++;
      else {
        if (run >= 5) score += run - 2;
        run = 1;
      }
    }
    const text = line.map((d) => (d ? "1" : "0")).join("");
    for (const p of ["10111010000", "00001011101"]) {
      for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) score += 40;
    }
  }
  let darkCount = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (m[y][x]) darkCount++;
      if (x + 1 < size && y + 1 < size) {
        const c = m[y][x];
        if (m[y][x + 1] === c && m[y + 1][x] === c && m[y + 1][x + 1] === c) score += 3;
      }
    }
  }
  const percent = (darkCount * 100) / (size * size);
  score += 10 * Math.floor(Math.abs(percent - 50) / 5);
  return score;
}

/**
 * The QR matrix of `text` (UTF-8, level M): rows of booleans (true is dark), without the quiet
 * zone; null when it is longer than version 6 holds. `version` and `mask` may be forced (tests).
 */
export function qrMatrix(text, { version = 0, mask = -1 } = {}) {
  const bytes = [...new TextEncoder().encode(text)];
  let v = version;
  if (!v) {
    for (v = 1; v <= MAX_VERSION; v++) {
      const [, blocks, per] = BLOCKS[v];
      if (4 + 8 + bytes.length * 8 <= blocks * per * 8) break;
    }
  }
  if (v > MAX_VERSION) return null;
  const words = codewords(bytes, v);
  const { size, dark, fixed } = functionPatterns(v);
  placeData(dark, fixed, size, words);
  const masked = (k) => {
    const m = dark.map((row, y) => row.map((d, x) => (fixed[y][x] ? d : d !== MASKS[k](x, y))));
    drawFormat(m, size, k);
    return m;
  };
  if (mask >= 0) return masked(mask);
  let best = null;
  let bestScore = Infinity;
  for (let k = 0; k < 8; k++) {
    const m = masked(k);
    const score = penalty(m);
    if (score < bestScore) [best, bestScore] = [m, score];
  }
  return best;
}

/** An SVG path ("d") drawing the dark modules of `matrix`, offset by a quiet zone of `quiet`. */
export function qrPath(matrix, quiet = 4) {
  const parts = [];
  matrix.forEach((row, y) =>
    row.forEach((d, x) => {
      if (d) parts.push(`M${x + quiet} ${y + quiet}h1v1h-1z`);
    })
  );
  return parts.join("");
}
