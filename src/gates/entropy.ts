/**
 * ork's own secrets rule, beside secretlint's preset: a high-entropy value assigned to a name that says it is a
 * secret (`api_key = "..."`, `DB_PASSWORD: ...`, `"authToken": "..."`). The preset knows the shapes of
 * well-known providers' keys; this catches the rest, such as an in-house service's token.
 *
 * @module
 */

/** The rule's id, as findings name it. */
export const ENTROPY_RULE_ID = "ork/high-entropy-assignment";

/** One value the rule found. */
export interface AssignedSecret {
  /** Where the value starts in the text. */
  readonly index: number;
  /** The value itself (callers mask it before showing it anywhere). */
  readonly value: string;
}

/** Words in a name that mark its value as a secret. */
const NAME_WORD = /key|secret|token|passw(?:or)?d|pwd|credential/gi;

/**
 * What follows the word, tried at its end: the rest of the name (bounded, so that a long run of word
 * characters costs linear time), a closing quote or bracket, `=`, `:`, `:=` or `=>`, an opening quote, and the
 * value. Values are the characters of keys and tokens (base64, base64url, hex, JWT); a value that goes on past
 * 256 of them is data, not a key.
 */
const ASSIGNMENT =
  /[\w.-]{0,64}["'\]]?\s{0,8}(?::=|=>|=|:)\s{0,8}["'`]?([A-Za-z0-9+/=_\-.~]{16,256})(?![A-Za-z0-9+/=_\-.~])/y;

/** The examples from AWS's documentation, which secretlint's preset ignores too. */
const DOCUMENTED_EXAMPLES = new Set(["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);

/**
 * Shannon entropy of a string, in bits per character.
 *
 * @param text any string
 * @returns 0 for an empty or one-character-kind string, up to log2 of its length
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(shannonEntropy("aaaa"), 0);
 * assert.equal(shannonEntropy("abcd"), 2);
 * ```
 */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Whether a value looks like a generated secret rather than code, a path or a word: letters and digits mixed,
 * high entropy (3.5 bits per character; 3.0 for 32 or more hex digits, whose alphabet is smaller), and not a
 * dotted name (`config.apiKey2`), a file path (`keys/server-2024.pem`) or one of AWS's documented examples.
 *
 * @param value a candidate value
 * @returns true when it should be reported
 */
export function looksLikeSecret(value: string): boolean {
  if (DOCUMENTED_EXAMPLES.has(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return false;
  if (/^[\w.\/-]*\.[A-Za-z]{1,5}$/.test(value) && /[\/.]/.test(value.slice(0, -1))) {
    // A path or a file name with an extension; a JWT ends in a long segment, not a 1-5 letter one.
    return false;
  }
  const hex = /^[0-9a-fA-F]+$/.test(value);
  if (hex) return value.length >= 32 && shannonEntropy(value) >= 3.0;
  return shannonEntropy(value) >= 3.5;
}

/**
 * Finds high-entropy values assigned to secret-sounding names. Linear in the text's length.
 *
 * @param text the text to scan (the added lines of a file)
 * @returns each value found, in order
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const found = findAssignedSecrets('API_KEY = "k9Xq2LmV8rT5wP1yS7uB4nC6"\nname = "plain words here"');
 * assert.deepEqual(found.map((f) => f.value), ["k9Xq2LmV8rT5wP1yS7uB4nC6"]);
 * ```
 */
export function findAssignedSecrets(text: string): AssignedSecret[] {
  const found: AssignedSecret[] = [];
  let after = 0;
  for (const word of text.matchAll(NAME_WORD)) {
    const end = word.index + word[0].length;
    if (end <= after) continue;
    ASSIGNMENT.lastIndex = end;
    const match = ASSIGNMENT.exec(text);
    const value = match?.[1];
    if (match === null || value === undefined) continue;
    after = ASSIGNMENT.lastIndex;
    if (!looksLikeSecret(value)) continue;
    found.push({ index: after - value.length, value });
  }
  return found;
}
