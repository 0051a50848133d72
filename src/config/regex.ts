/**
 * What makes a regular expression from the config unfit to run on a command's output: a repeated group with a
 * repetition inside (`(\w+\s?)+`), whose backtracking can take exponential time on a line that almost matches
 * and would hold the runner up; and, for patterns that must find something, one that matches empty text.
 *
 * @module
 */

/**
 * Why `source` could backtrack exponentially (a quantified group that holds a quantifier), or null. A
 * conservative check on the pattern's text, as safe-regex's star height: it may refuse a pattern that would
 * have been fine, never the other way round for this shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(nestedRepetition(String.raw`usage limit reached\|(?<reset>\d{10})`), null);
 * assert.match(nestedRepetition(String.raw`^(\w+\s?)+limit$`) ?? "", /repeated group/);
 * assert.equal(nestedRepetition(String.raw`[(+]+(a|b)*`), null);
 * ```
 */
export function nestedRepetition(source: string): string | null {
  // For each open group: whether a quantifier appeared inside it.
  const open: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (char === "]") inClass = false;
      continue;
    }
    if (char === "[") inClass = true;
    else if (char === "(") open.push(false);
    else if (char === ")") {
      const repeatsInside = open.pop() ?? false;
      const next = source[i + 1];
      const repeated = next === "*" || next === "+" ||
        (next === "{" && /^\{\d+,\d*\}/.test(source.slice(i + 1)));
      if (repeated && repeatsInside) {
        return "a repeated group with a repetition inside can take exponential time on a line that almost matches";
      }
      if (open.length > 0 && (repeated || repeatsInside)) open[open.length - 1] = true;
    } else if ((char === "*" || char === "+" || char === "{") && open.length > 0) {
      if (char !== "{" || /^\{\d+,\d*\}/.test(source.slice(i))) open[open.length - 1] = true;
    }
  }
  return null;
}
