/**
 * Finding the repository a command works on, without starting git: walk up to `.git`, as git does.
 *
 * @module
 */

import { dirname, isAbsolute, join, resolve } from "node:path";
import { isNotFound, OrkError } from "../errors/mod.ts";

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/**
 * The root of the main worktree of the git repository containing `start`. From inside a linked worktree (a job's
 * `.ork/worktrees/...`), it is still the main worktree, where `.ork/` lives.
 *
 * @param start a directory inside the repository
 * @returns the absolute path of the main worktree's root
 * @throws {OrkError} `not-a-repo` when no `.git` is found up to the filesystem root
 */
export function findRepoRoot(start: string): string {
  const from = resolve(start);
  const startInfo = statOrNull(from);
  if (startInfo === null || !startInfo.isDirectory) {
    throw new OrkError("not-a-repo", `no such directory: ${from}`, "pass an existing directory to -C/--repo");
  }
  for (let dir = from;; dir = dirname(dir)) {
    const dotGit = join(dir, ".git");
    const info = statOrNull(dotGit);
    if (info?.isDirectory) return dir;
    if (info?.isFile) return mainWorktreeOf(dir, dotGit);
    if (dirname(dir) === dir) break;
  }
  throw new OrkError(
    "not-a-repo",
    `not a git repository (or any parent up to /): ${from}`,
    "run ork inside a git repository, or pass -C <dir>; 'git init' makes one",
  );
}

/** A `.git` file says `gitdir: <path>`; for a linked worktree, `<path>/commondir` leads to the main `.git`. */
function mainWorktreeOf(dir: string, dotGitFile: string): string {
  const text = Deno.readTextFileSync(dotGitFile);
  const match = /^gitdir:\s*(.+)$/m.exec(text);
  if (!match?.[1]) return dir;
  const gitDir = resolve(dir, match[1].trim());
  let common: string;
  try {
    common = Deno.readTextFileSync(join(gitDir, "commondir")).trim();
  } catch (error) {
    if (isNotFound(error)) return dir; // a submodule or a separate git dir: this directory is the root
    throw error;
  }
  const commonDir = isAbsolute(common) ? common : resolve(gitDir, common);
  return dirname(commonDir);
}

/**
 * The git directory shared by all worktrees of the repository whose main worktree is `root` (normally
 * `<root>/.git`; elsewhere when `.git` is a file pointing to a separate git dir).
 */
export function gitCommonDir(root: string): string {
  const dotGit = join(root, ".git");
  const info = statOrNull(dotGit);
  if (info === null || info.isDirectory) return dotGit;
  const match = /^gitdir:\s*(.+)$/m.exec(Deno.readTextFileSync(dotGit));
  if (!match?.[1]) return dotGit;
  const gitDir = resolve(root, match[1].trim());
  try {
    const common = Deno.readTextFileSync(join(gitDir, "commondir")).trim();
    return isAbsolute(common) ? common : resolve(gitDir, common);
  } catch (error) {
    if (isNotFound(error)) return gitDir;
    throw error;
  }
}
