/**
 * A change shown to a person (`ork show`, `ork diff`): how many lines each file gains and loses, and `git diff`
 * itself on the user's terminal, so that their pager, colours and diff settings apply.
 *
 * @module
 */

import { OrkError } from "../errors/mod.ts";
import { git, gitOnTerminal, gitPrefix } from "./git.ts";

/** One file a change touches. */
export interface FileStat {
  /** Its path (the new one for a rename). */
  readonly path: string;
  /** Lines added; null for a binary file. */
  readonly added: number | null;
  /** Lines deleted; null for a binary file. */
  readonly deleted: number | null;
}

/**
 * The files `to` changes against `from`, with line counts (`git diff --numstat`, renames followed).
 *
 * @param root the repository's main worktree
 * @throws {OrkError} `git-failed` when a commit does not exist
 */
export async function fileStats(root: string, from: string, to: string): Promise<FileStat[]> {
  const result = await git(root, ["diff", "--numstat", "-z", "--find-renames", from, to]);
  const fields = result.stdout.split("\0");
  const stats: FileStat[] = [];
  for (let i = 0; i < fields.length; i++) {
    const line = fields[i]!;
    if (line === "") continue;
    const [added = "-", deleted = "-", path = ""] = line.split("\t");
    // A rename gives "added\tdeleted\t" and then the old and the new path as fields of their own.
    let name = path;
    if (path === "") {
      i += 2;
      name = fields[i] ?? "";
    }
    const count = (text: string) => (text === "-" ? null : Number(text));
    stats.push({ path: name, added: count(added), deleted: count(deleted) });
  }
  return stats;
}

/**
 * Runs `git diff` (`--stat` with `stat`) from `from` to `to` in the repository with the user's terminal as its
 * output: git picks its pager and colours as it would for the user.
 *
 * @returns git's exit code
 */
export async function printDiff(
  root: string,
  from: string,
  to: string,
  opts: { stat?: boolean } = {},
): Promise<number> {
  const code = await gitOnTerminal(root, ["diff", ...(opts.stat ? ["--stat"] : []), from, to, "--"]);
  if (code > 1) {
    throw new OrkError(
      "git-failed",
      `git diff ${from} ${to} failed (exit ${code})`,
      "check the repository with git status",
    );
  }
  return code;
}

/** A change as the text of a unified diff, for a page to render. */
export interface DiffText {
  /** The diff, cut at `maxBytes` (at a line's end). */
  readonly text: string;
  /** Whether it was cut. */
  readonly truncated: boolean;
}

/**
 * The unified diff from `from` to `to` as text (`git diff --no-color --no-ext-diff`, renames followed), whatever
 * the user's diff settings say about colour or external tools: for a page, not a terminal.
 *
 * @param maxBytes where a large diff is cut
 * @throws {OrkError} `git-failed` when a commit does not exist
 */
export function diffText(root: string, from: string, to: string, maxBytes = 2_000_000): Promise<DiffText> {
  return gitPrefix(root, ["diff", "--no-color", "--no-ext-diff", "--find-renames", from, to, "--"], maxBytes);
}
