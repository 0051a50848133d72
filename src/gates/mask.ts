/**
 * Showing a secret without giving it away: a finding has to say which value it means, so that the user can
 * find it, but logs and job files are read by more people (and tools) than the repository's secrets are.
 *
 * @module
 */

/** At most this many `*` are shown, so a private key does not fill the log, and long values look alike. */
const MAX_STARS = 32;

/**
 * Masks a secret: the first and last 4 characters of a value of 20 or more, the first and last 2 of 12 to 19,
 * none of a shorter one; `*` for the rest (at most 32 of them). Characters that would break a log line
 * (control characters) are shown as `*` too.
 *
 * @param secret the value found
 * @returns the masked form, never the whole value (for a non-empty one)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(maskSecret("AKIAQX7Z3N5P2R4T6V8W"), "AKIA************6V8W");
 * assert.equal(maskSecret("hunter2"), "*******");
 * ```
 */
export function maskSecret(secret: string): string {
  const chars = [...secret];
  const shown = chars.length >= 20 ? 4 : chars.length >= 12 ? 2 : 0;
  const safe = (part: string[]) =>
    part.map((char) => (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(char) ? "*" : char));
  const head = safe(chars.slice(0, shown)).join("");
  const tail = safe(chars.slice(chars.length - shown)).join("");
  return `${head}${"*".repeat(Math.min(chars.length - 2 * shown, MAX_STARS))}${shown > 0 ? tail : ""}`;
}
