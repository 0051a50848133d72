/**
 * What a job changed, for a person to look at: once it landed, the landing (its commit against its first
 * parent, what the target gained); before, the work on its branch against the tip it started from. A job with
 * neither is refused with why.
 *
 * @module
 */

import { InputError, OrkError } from "../errors/mod.ts";
import { readBranch, resolveCommit } from "../git/mod.ts";
import type { Job } from "../queue/mod.ts";

/** The two commits a job's change lies between, and what they are, in words. */
export interface JobChange {
  readonly from: string;
  readonly to: string;
  /** `landed as 1a2b3c4d5e6f` or `branch ork/... against 3c4d5e6f7a8b`. */
  readonly what: string;
}

/**
 * The job's change.
 *
 * @param root the repository's main worktree
 * @throws {InputError} naming why the job has none to show (not run yet, no changes, its branch gone)
 */
export async function jobChange(root: string, job: Job): Promise<JobChange> {
  if (job.status === "completed" && job.landed_commit !== null) {
    const parent = await resolveCommit(root, `${job.landed_commit}^1`).catch((error) => {
      if (error instanceof OrkError && error.code === "bad-input") return null;
      throw error;
    });
    if (parent !== null) {
      return { from: parent, to: job.landed_commit, what: `landed as ${job.landed_commit.slice(0, 12)}` };
    }
  }
  const tip = job.branch === null ? null : await readBranch(root, job.branch);
  if (tip !== null && job.base !== null) {
    return { from: job.base, to: tip, what: `branch ${job.branch} against ${job.base.slice(0, 12)}` };
  }
  throw new InputError(`job ${job.id} has no change to show: ${whyNone(job)}`, hintFor(job));
}

function whyNone(job: Job): string {
  switch (job.status) {
    case "pending":
      return job.parked_until === null
        ? "it has not run yet"
        : `it is parked after a usage limit until ${job.parked_until}, and keeps nothing of its last try`;
    case "running":
      return "it is running, and its work is not committed yet";
    case "awaiting_review":
      return "its branch was removed";
    case "completed":
      return job.landed_commit === null ? "it completed without changes" : "its landed commit is gone";
    case "failed":
    case "cancelled":
      return `it ${job.status} before committing anything, or its branch was removed`;
  }
}

function hintFor(job: Job): string {
  return job.status === "pending" || job.status === "running"
    ? `wait for it to finish (ork status), or read its log: ork logs ${job.id}`
    : `read its log: ork logs ${job.id}`;
}
