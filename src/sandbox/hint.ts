/**
 * What to tell a user whose job failed on the sandbox's walls rather than on its own: a write to a read-only
 * path in the home folder (an agent's state, a package manager's cache) names the path and the setting that
 * opens it; a path under `/tmp` that is not there says that `/tmp` is private inside. Plain functions of the
 * job's output.
 *
 * @module
 */

/** Folders of the home folder that are parents of others' state, not state themselves: name one level more. */
const SHARED_HOME_FOLDERS = new Set([".cache", ".config", ".local"]);

/**
 * The hint for the end of a failed sandboxed job's output, or null when nothing in it points at the sandbox.
 *
 * @param lines the output's last lines
 * @param home the user's home folder (`$HOME`), absolute
 * @returns one sentence, to follow the job's error
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   sandboxHint(["npm error rofs EROFS: read-only file system, mkdtemp '/home/u/.npm/_cacache/tmp/x'"], "/home/u"),
 *   "/home/u/.npm/_cacache/tmp/x is read-only in the sandbox; to let jobs write there, add ~/.npm to " +
 *     "orchestrator.sandbox_writable (or to the role's sandbox_writable)",
 * );
 * assert.equal(sandboxHint(["all good"], "/home/u"), null);
 * ```
 */
export function sandboxHint(lines: readonly string[], home: string): string | null {
  const homePrefix = home.endsWith("/") ? home : `${home}/`;
  for (const line of [...lines].reverse()) {
    if (/EROFS|read-only file system/i.test(line)) {
      const path = pathsIn(line).find((candidate) => home !== "" && candidate.startsWith(homePrefix));
      if (path !== undefined) {
        const parts = path.slice(homePrefix.length).split("/");
        const depth = SHARED_HOME_FOLDERS.has(parts[0] ?? "") && parts.length > 2 ? 2 : 1;
        const setting = `~/${parts.slice(0, depth).join("/")}`;
        return `${path} is read-only in the sandbox; to let jobs write there, add ${setting} to ` +
          "orchestrator.sandbox_writable (or to the role's sandbox_writable)";
      }
    }
    if (/no such file or directory|not found|can't open|cannot open/i.test(line)) {
      const path = pathsIn(line).find((candidate) => candidate.startsWith("/tmp/"));
      if (path !== undefined) {
        return `${path} is not there in the sandbox: its /tmp is private and empty; keep what jobs need ` +
          "outside /tmp (in the repository, or a path in orchestrator.sandbox_writable)";
      }
    }
  }
  return null;
}

/**
 * The absolute paths a line of output names, quoted or not. Curly quotes are written as `\u` escapes: one
 * non-ASCII character makes V8 hold the whole bundle as two bytes a character, megabytes more.
 */
function pathsIn(line: string): string[] {
  return [...line.matchAll(/(?:^|[\s'"`\u2018\u201c(=:,[])(\/[^\s'"`\u2019\u201d),:\]]+)/g)].map((match) =>
    match[1] ?? ""
  )
    .map((path) => path.replace(/[.;]+$/, ""));
}
