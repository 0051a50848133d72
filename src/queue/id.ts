/**
 * Job ids: 26 characters of lowercase Crockford base32, a 48-bit millisecond timestamp then 80 random bits (the
 * ULID layout). They are unique across processes without coordination (80 random bits), sort by creation time,
 * and are monotonic within one process even inside one millisecond.
 *
 * @module
 */

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

/** A whole job id. */
export const JOB_ID_PATTERN: RegExp = /^[0-9a-hjkmnp-tv-z]{26}$/;

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = "";
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function randomDigits(): number[] {
  const bytes = crypto.getRandomValues(new Uint8Array(RANDOM_CHARS));
  return Array.from(bytes, (b) => b & 31);
}

/** Adds one to a base32 digit string; within one millisecond this keeps ids of this process in order. */
function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  return randomDigits(); // 2^80 ids in one millisecond: start over rather than overflow
}

/**
 * A new job id.
 *
 * @param now the creation time (defaults to the clock)
 * @returns a 26-character id that sorts after every id this process made before
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = newJobId(), b = newJobId();
 * assert(a < b);
 * ```
 */
export function newJobId(now: number = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = randomDigits();
  }
  return encodeTime(lastTime) + lastRandom.map((d) => ALPHABET[d]).join("");
}

/** The random tail of an id (its last 8 characters): short, and distinct between jobs made in the same second. */
export function shortId(id: string): string {
  return id.slice(-8);
}
