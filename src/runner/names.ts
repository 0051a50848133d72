/**
 * The names ork gives a job's worktree and branch, and the one place that recognises them: recovery and
 * `ork clean` remove only what carries a job's own name.
 *
 * @module
 */

import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { existsSync } from "../fs/paths.ts";
import type { WorktreeInfo } from "../git/mod.ts";
import { type Job, shortId } from "../queue/mod.ts";

/** The names a job's worktree and branch get: `ork-<role>-<unix-ts>-<id8>` and `ork/<role>-<unix-ts>-<id8>`. */
export function jobNames(
  job: Pick<Job, "id" | "role">,
  now: Date = new Date(),
): { worktree: string; branch: string } {
  const stamp = `${job.role}-${Math.floor(now.getTime() / 1000)}-${shortId(job.id)}`;
  return { worktree: `ork-${stamp}`, branch: `ork/${stamp}` };
}

/**
 * {@link jobNames} for a job's new try, moved on by a second while that worktree folder exists and is not
 * `own` (the claiming worker's): a job retried within the second by another worker must not take the folder
 * the first worker's slot still holds.
 *
 * @param worktreesDir the worktree folder (`worktree_base`)
 * @param own the claiming worker's worktree, which it may move onto the name
 */
export function freeJobNames(
  job: Pick<Job, "id" | "role">,
  worktreesDir: string,
  own: string | null,
  now: Date = new Date(),
): { worktree: string; branch: string } {
  for (let second = 0;; second++) {
    const names = jobNames(job, new Date(now.getTime() + second * 1000));
    const path = join(worktreesDir, names.worktree);
    if (path === own || !existsSync(path)) return names;
  }
}

/** How {@link jobNames} names a job's worktree folder; the last part is the job id's short form. */
const JOB_WORKTREE_NAME = /^ork-[A-Za-z0-9][A-Za-z0-9_-]*-\d+-([0-9a-z]{8})$/;
/** How {@link jobNames} names a job's branch. */
const JOB_BRANCH_NAME = /^ork\/[A-Za-z0-9][A-Za-z0-9_-]*-\d+-([0-9a-z]{8})$/;

/**
 * What in a job's record ork may remove for it, when recovering or cleaning up after it: its worktree only if it
 * is a folder of `worktreesDir` named for this job, its branch only if it is an `ork/...` branch named for this
 * job. A record naming anything else (the user's `src/`, `main`) was not written by ork: `problem` says what.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ownedByJob } from "./names.ts";
 *
 * const job = { id: "01m94kgj0cjak5cwjmxsh4kmtk", worktree: "/repo/.ork/worktrees/ork-tester-17-xsh4kmtk", branch: "main" };
 * assert.match(ownedByJob(job, "/repo/.ork/worktrees").problem ?? "", /branch main is not one of ork's/);
 * ```
 */
export function ownedByJob(
  job: Pick<Job, "id" | "worktree" | "branch">,
  worktreesDir: string,
): { problem: string | null } {
  const short = shortId(job.id);
  if (job.worktree !== null) {
    // ork records absolute paths; a relative one would be judged against one folder and removed in another.
    const path = resolve(job.worktree);
    if (
      !isAbsolute(job.worktree) || dirname(path) !== resolve(worktreesDir) ||
      JOB_WORKTREE_NAME.exec(basename(path))?.[1] !== short
    ) {
      return {
        problem: `its worktree ${job.worktree} is not one of ork's job worktrees (${worktreesDir}/ork-...)`,
      };
    }
  }
  if (job.branch !== null && JOB_BRANCH_NAME.exec(job.branch)?.[1] !== short) {
    return { problem: `its branch ${job.branch} is not one of ork's job branches (ork/...-${short})` };
  }
  return { problem: null };
}

/**
 * Whether a worktree is one ork made for a job and may remove: in the worktree folder, unlocked, named as
 * {@link jobNames} names them, with a detached HEAD. A worktree of the user's there (a branch checked out,
 * another name, locked) is never ork's to remove.
 *
 * @param worktree an entry of `git worktree list`
 * @param worktreesDir the worktree folder (`worktree_base`)
 */
export function isJobWorktree(worktree: WorktreeInfo, worktreesDir: string): boolean {
  return worktree.path.startsWith(resolve(worktreesDir) + sep) && !worktree.locked && worktree.detached &&
    JOB_WORKTREE_NAME.test(basename(worktree.path));
}
