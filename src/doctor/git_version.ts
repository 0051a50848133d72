/**
 * The `git` check: is git on the PATH, and new enough for what `src/git/` asks of it.
 *
 * @module
 */

import { type Check, failed, passed, runTool, warned } from "./check.ts";
import { messageOf } from "../errors/mod.ts";

/** A git version as `[major, minor, patch]`. */
export type GitVersion = readonly [number, number, number];

/**
 * What ork runs that older gits lack, newest first; the first entry is the minimum. Kept in step with
 * `src/git/`: `land.ts` builds the candidate with `merge-tree --write-tree --name-only --no-messages` (2.38) and
 * `worktree.ts` lists worktrees with `worktree list --porcelain -z` (2.36).
 */
export const GIT_NEEDS: ReadonlyArray<{ readonly version: GitVersion; readonly what: string }> = [
  { version: [2, 38, 0], what: "git merge-tree --write-tree (landing a job)" },
  { version: [2, 36, 0], what: "git worktree list -z (ork clean, reusing worktrees)" },
];

const NAME = "git";

/**
 * Reads the version out of `git --version` (`git version 2.39.5`, `git version 2.39.3 (Apple Git-146)`,
 * `git version 2.45.1.windows.1`).
 *
 * @param output what `git --version` printed
 * @returns the version, or null when the text holds none
 */
export function parseGitVersion(output: string): GitVersion | null {
  const match = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return null;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function older(a: GitVersion, b: GitVersion): boolean {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]!;
  }
  return false;
}

/** `2.39.5`; `2.38` for `2.38.0`. */
const show = (version: GitVersion) => (version[2] === 0 ? version.slice(0, 2) : version).join(".");

/**
 * The verdict on what `git --version` printed: ok at the minimum or newer, fail below it (naming what needs the
 * newer git), warn when the version cannot be read.
 *
 * @param output what `git --version` printed
 * @returns the `git` check
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(gitVersionCheck("git version 2.39.5\n").status, "ok");
 * assert.equal(gitVersionCheck("git version 2.34.1\n").status, "fail");
 * ```
 */
export function gitVersionCheck(output: string): Check {
  const minimum = GIT_NEEDS[0]!.version;
  const version = parseGitVersion(output);
  if (version === null) {
    return warned(
      NAME,
      `cannot read a version in 'git --version' output: ${JSON.stringify(output.trim().slice(0, 80))}`,
      `make sure 'git' on the PATH is git ${show(minimum)} or newer`,
    );
  }
  const missing = GIT_NEEDS.filter((need) => older(version, need.version)).map((need) => need.what);
  if (missing.length === 0) return passed(NAME, `git ${show(version)} (ork needs ${show(minimum)} or newer)`);
  return failed(
    NAME,
    `git ${show(version)} is too old: ork needs ${show(minimum)} or newer for ${missing.join(", ")}`,
    `install git ${show(minimum)} or newer (https://git-scm.com/downloads) and put it first on the PATH`,
  );
}

/**
 * Runs `git --version` from the PATH and judges it.
 *
 * @returns the check, and whether git was found at all (the checks that run git are skipped without it)
 */
export async function checkGit(): Promise<{ check: Check; found: boolean }> {
  const minimum = show(GIT_NEEDS[0]!.version);
  let result: Deno.CommandOutput;
  try {
    result = await runTool("git", ["--version"]);
  } catch (error) {
    const found = !(error instanceof Deno.errors.NotFound);
    const why = found ? `git could not be run: ${messageOf(error)}` : "git not found on PATH";
    return { check: failed(NAME, why, `install git ${minimum} or newer and put it on the PATH`), found };
  }
  const decoder = new TextDecoder();
  if (!result.success) {
    const said = decoder.decode(result.stderr).trim().split("\n")[0] ?? "";
    return {
      check: failed(
        NAME,
        `'git --version' failed (exit ${result.code})${said ? `: ${said}` : ""}`,
        "repair git's installation",
      ),
      found: true,
    };
  }
  return { check: gitVersionCheck(decoder.decode(result.stdout)), found: true };
}
