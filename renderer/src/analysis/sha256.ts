// SHA-256 (FIPS 180-4) and UTF-8 encoding in plain TypeScript: the analysis layer has no access
// to node:crypto, WebCrypto (async) or TextEncoder (not in the ES2022 lib).
//
// kube-proxy's chain names are hashes of short strings, and a large cluster has hundreds of
// thousands of them: the message (as big-endian words), the schedule and the state are allocated
// once and reused, an ASCII string is packed straight into message words (no byte buffer), and a
// call allocates nothing but its 32-byte digest (sha256Words: nothing at all).

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const H0 = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const W = new Int32Array(64);
const H = new Int32Array(8);
/** the padded message as big-endian words; grows when a longer message comes */
let message = new Int32Array(64);
/** a non-ASCII string's UTF-8 bytes; grows when a longer string comes */
let scratch = new Uint8Array(256);

/** Writes the UTF-8 bytes of `text` into `scratch` (lone surrogates become U+FFFD, as TextEncoder does); returns the length. */
function encodeIntoScratch(text: string): number {
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const out = scratch;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      out[n++] = cp;
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x800) {
      out[n++] = 0xc0 | (cp >> 6);
      out[n++] = 0x80 | (cp & 63);
    } else if (cp < 0x10000) {
      out[n++] = 0xe0 | (cp >> 12);
      out[n++] = 0x80 | ((cp >> 6) & 63);
      out[n++] = 0x80 | (cp & 63);
    } else {
      out[n++] = 0xf0 | (cp >> 18);
      out[n++] = 0x80 | ((cp >> 12) & 63);
      out[n++] = 0x80 | ((cp >> 6) & 63);
      out[n++] = 0x80 | (cp & 63);
    }
  }
  return n;
}

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8Encode(text: string): Uint8Array {
  return scratch.slice(0, encodeIntoScratch(text));
}

/** Zeroes the words of a `length`-byte message and its padding; returns the word count (a multiple of 16). */
function prepareMessage(length: number): number {
  // the message, 0x80, zeros, then the bit length as a 64-bit big-endian integer
  const words = (((length + 8) >>> 6) + 1) << 4;
  if (message.length < words) message = new Int32Array(words * 2);
  message.fill(0, 0, words);
  return words;
}

/** Pads a `length`-byte message already in `message` (FIPS 180-4 5.1.1). */
function pad(length: number, words: number): void {
  message[length >>> 2] |= 0x80 << (24 - ((length & 3) << 3));
  message[words - 2] = Math.floor(length / 0x20000000);
  message[words - 1] = (length * 8) | 0;
}

/** Packs `text`'s character codes as bytes when all are ASCII; false (leaving the message words half written) otherwise. */
function packAscii(text: string): boolean {
  const m = message;
  const n = text.length;
  let i = 0;
  for (const end = n & ~3; i < end; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) return false;
    m[i >>> 2] = (c0 << 24) | (c1 << 16) | (c2 << 8) | c3;
  }
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return false;
    m[i >>> 2] |= c << (24 - ((i & 3) << 3));
  }
  return true;
}

function packBytes(bytes: Uint8Array, length: number): void {
  const m = message;
  let i = 0;
  for (const end = length & ~3; i < end; i += 4) {
    m[i >>> 2] = (bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3];
  }
  for (; i < length; i++) m[i >>> 2] |= bytes[i] << (24 - ((i & 3) << 3));
}

/** One 16-word block of `message` at word `offset` into the state H. */
function compress(offset: number): void {
  const w = W;
  const m = message;
  for (let t = 0; t < 16; t++) w[t] = m[offset + t];
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
  let a = H[0];
  let b = H[1];
  let c = H[2];
  let d = H[3];
  let e = H[4];
  let f = H[5];
  let g = H[6];
  let h = H[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + b) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
  H[5] = (H[5] + f) | 0;
  H[6] = (H[6] + g) | 0;
  H[7] = (H[7] + h) | 0;
}

/**
 * The SHA-256 digest of `data` as 8 big-endian 32-bit words (a string is hashed as its UTF-8
 * bytes), in a buffer the next call overwrites: read it before hashing again.
 */
export function sha256Words(data: Uint8Array | string): Readonly<Int32Array> {
  let length: number;
  let words: number;
  if (typeof data === 'string') {
    // an ASCII string's UTF-8 bytes are its character codes
    length = data.length;
    words = prepareMessage(length);
    if (!packAscii(data)) {
      length = encodeIntoScratch(data);
      words = prepareMessage(length);
      packBytes(scratch, length);
    }
  } else {
    length = data.length;
    words = prepareMessage(length);
    packBytes(data, length);
  }
  pad(length, words);
  H.set(H0);
  for (let offset = 0; offset < words; offset += 16) compress(offset);
  return H;
}

/** The 32-byte SHA-256 digest of `data` (a string is hashed as its UTF-8 bytes). */
export function sha256(data: Uint8Array | string): Uint8Array {
  const state = sha256Words(data);
  const digest = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const word = state[i];
    digest[i * 4] = word >>> 24;
    digest[i * 4 + 1] = word >>> 16;
    digest[i * 4 + 2] = word >>> 8;
    digest[i * 4 + 3] = word;
  }
  return digest;
}
