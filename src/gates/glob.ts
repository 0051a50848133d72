/**
 * File globs for the gates' `allow` and `exclude` lists, read the way `.gitignore` reads them, since that is
 * the syntax people already write for paths in a repository.
 *
 * @module
 */

/**
 * Compiles one glob to a regular expression over repository paths (`/`-separated, from the top).
 *
 * - `*` matches within one path segment, `?` one character of it, `[abc]`/`[!abc]` one of (not) those,
 *   `{a,b}` either spelling;
 * - `**` matches across segments: `**\/x` is `x` in any folder, `dir/**` everything below `dir`;
 * - a glob without a `/` (other than a trailing one) matches a file or folder name at any depth (`*.pem`,
 *   `fixtures`); with one, it is anchored at the top (a leading `/` is dropped: `/config/*.env`);
 * - a glob that matches a folder matches every file below it (`tests/fixtures` is `tests/fixtures/**`).
 *
 * @param glob the pattern
 * @returns a regular expression matching whole paths
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(globToRegExp("*.pem").test("certs/dev.pem"));
 * assert.ok(globToRegExp("tests/fixtures").test("tests/fixtures/keys/a.env"));
 * assert.ok(!globToRegExp("/config/*.env").test("sub/config/a.env"));
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let pattern = glob.trim().replace(/\/+$/, "");
  const anchored = pattern.includes("/");
  pattern = pattern.replace(/^\/+/, "");
  let out = "";
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*") {
      if (pattern[i + 1] === "*") {
        const slashAfter = pattern[i + 2] === "/";
        const atSegmentStart = i === 0 || pattern[i - 1] === "/";
        if (atSegmentStart && slashAfter) {
          out += "(?:[^/]*/)*"; // `**/`: zero or more folders
          i += 2;
        } else {
          out += ".*";
          i += 1;
        }
      } else out += "[^/]*";
    } else if (char === "?") out += "[^/]";
    else if (char === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) out += "\\[";
      else {
        let body = pattern.slice(i + 1, close);
        const negated = body.startsWith("!") || body.startsWith("^");
        if (negated) body = body.slice(1);
        out += `[${negated ? "^/" : ""}${body.replace(/\\/g, "\\\\").replace(/\]/g, "\\]")}]`;
        i = close;
      }
    } else if (char === "{") {
      braces++;
      out += "(?:";
    } else if (char === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (char === "," && braces > 0) out += "|";
    else if (char === "\\" && i + 1 < pattern.length) out += escapeRegExp(pattern[++i]!);
    else out += escapeRegExp(char);
  }
  out += ")".repeat(braces); // an unclosed `{` still compiles
  return new RegExp(`^${anchored ? "" : "(?:.*/)?"}${out}(?:/.*)?$`);
}

/**
 * A test for "does any of these globs match this path"; see {@link globToRegExp} for the syntax.
 *
 * @param globs the patterns (none: nothing matches)
 * @returns the test
 */
export function globMatcher(globs: readonly string[]): (path: string) => boolean {
  const patterns = globs.filter((glob) => glob.trim() !== "").map(globToRegExp);
  return (path) => patterns.some((pattern) => pattern.test(path));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
