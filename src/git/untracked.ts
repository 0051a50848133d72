/**
 * What a worktree's environment needs of git: what decides it (the blobs of its input files in a commit), what a
 * setup command left in a job worktree (its untracked files, and whether it changed tracked ones), and which
 * paths the repository ignores.
 *
 * @module
 */

import { git } from "./git.ts";
import {
  type CleanIndex,
  JOB_GIT_CONFIG,
  jobGitDir,
  restoreIndex,
  scrubJobGitDir,
  writeDetachedHead,
} from "./job_git_dir.ts";

/**
 * What `commit` holds at `paths` (files, or folders and everything below them), as `git ls-tree -r` lists it:
 * one `<mode> <type> <object>\t<path>` line per file, sorted; a path the commit does not have adds nothing. Two
 * commits with the same listing have the same content there.
 *
 * @param root the repository (any of its worktrees)
 * @param commit a commit (or tree)
 * @param paths paths relative to the repository's top
 * @returns the listing, empty when `paths` is empty
 * @throws {OrkError} `git-failed` when `commit` does not exist
 *
 * @example
 * ```ts ignore
 * const listing = await filesAt(root, "HEAD", ["package-lock.json"]);
 * // "100644 blob 3b18e512dba79e4c8300dd08aeb37f8e728b8dad\tpackage-lock.json"
 * ```
 */
export async function filesAt(root: string, commit: string, paths: readonly string[]): Promise<string> {
  if (paths.length === 0) return "";
  const result = await git(root, ["ls-tree", "-r", "--full-tree", commit, "--", ...paths]);
  return result.stdout.trimEnd();
}

/** What a command left in a job worktree that was clean at a commit before it ran. */
export interface Leftovers {
  /** Tracked files it changed or removed. */
  readonly changed: string[];
  /** Untracked files the repository does not ignore. */
  readonly notIgnored: string[];
  /** Everything untracked, ignored or not; a folder holding nothing tracked is one entry, ending in `/`. */
  readonly untracked: string[];
}

/**
 * What a command (a setup) left in job worktree `worktree`, which held exactly `commit` before it ran. ork's
 * copy of the index is put back first, so that nothing the command did to the index hides a change, and HEAD is
 * detached at `commit` again.
 *
 * @param worktree the top folder of a job worktree
 * @param commit the commit it held
 * @param clean ork's copy of its index, taken when it held that commit's tree
 * @returns the leftovers; paths relative to the worktree's top
 * @throws {OrkError} `bad-input` when `worktree` is not a linked worktree; `git-failed` when git fails
 */
export async function leftoversIn(worktree: string, commit: string, clean: CleanIndex): Promise<Leftovers> {
  const gitDir = await jobGitDir(worktree, "look into");
  await scrubJobGitDir(gitDir);
  // HEAD too: a setup that checked something out must not move what the worktree is taken to hold.
  await Promise.all([restoreIndex(gitDir, clean), writeDetachedHead(gitDir, commit)]);
  // Only content counts: a setup that hard-links a tracked file changes its ctime, and diff-files names every
  // file whose stats differ from the index unless the index is refreshed first (exit 1: some need it).
  await git(worktree, [...JOB_GIT_CONFIG, "update-index", "-q", "--refresh"], { ok: [1] });
  const list = async (args: string[]): Promise<string[]> =>
    (await git(worktree, [...JOB_GIT_CONFIG, ...args])).stdout.split("\0").filter((path) => path !== "");
  const [changed, notIgnored, untracked] = await Promise.all([
    list(["diff-files", "--name-only", "-z", "--ignore-submodules=dirty"]),
    list(["ls-files", "-z", "--others", "--exclude-standard"]),
    list(["ls-files", "-z", "--others", "--directory"]),
  ]);
  return { changed, notIgnored, untracked };
}

/**
 * Which of `paths` the repository ignores in `worktree` (`.gitignore`, `info/exclude`, `core.excludesFile`):
 * a tracked path is never ignored, unless `patternsOnly` (the index is not looked at). A folder's path ends in
 * `/`, or a `dir/` pattern does not match it.
 *
 * @param worktree a worktree's top folder
 * @param paths paths relative to it
 * @param options `patternsOnly`: only the ignore patterns decide (`--no-index`)
 * @returns the ignored ones, in the order given
 */
export async function ignoredPaths(
  worktree: string,
  paths: readonly string[],
  options: { patternsOnly?: boolean } = {},
): Promise<string[]> {
  if (paths.length === 0) return [];
  const args = ["check-ignore", "-z", "--stdin", ...(options.patternsOnly ? ["--no-index"] : [])];
  const result = await git(worktree, [...JOB_GIT_CONFIG, ...args], {
    ok: [1],
    input: paths.map((path) => `${path}\0`).join(""),
    // check-ignore refuses the literal pathspec magic; its paths are matched against patterns, never expanded.
    env: { GIT_LITERAL_PATHSPECS: undefined },
  });
  const ignored = new Set(result.stdout.split("\0"));
  return paths.filter((path) => ignored.has(path));
}
