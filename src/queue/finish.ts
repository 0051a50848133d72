/**
 * Finishing jobs while they are running, in one hold of the queue lock: the last step of landing, where the work
 * is moving the target branch and a cancel must come before it or after the completion, never between.
 *
 * @module
 */

import type { QueueCore } from "./core.ts";
import type { Job } from "./job.ts";
import { transition, type TransitionChanges } from "./status.ts";

/** What completing a job records: its result, and other fields of the record. */
export interface Completion {
  readonly result: Record<string, unknown>;
  readonly changes: TransitionChanges;
}

/**
 * `FsQueue.finishWhileRunning` for several jobs whose outcome one step makes final (the jobs of one
 * merge-train candidate, landed together): `work` runs only while every one is running, and completes them
 * all in the same hold of the queue lock, or none.
 *
 * @param jobs each job's id and the fields recorded for it before `work` runs (taken back unless completed)
 * @param work returns its value and, to complete the jobs, what to record for each (null leaves them running)
 * @returns the ids of the jobs not running (then `work` did not run); else `work`'s value and the jobs as
 *   stored afterwards, in order
 */
export async function finishAll<T>(
  core: QueueCore,
  jobs: readonly { id: string; intent: TransitionChanges }[],
  work: () => Promise<{ value: T; complete: ((id: string) => Completion) | null }>,
): Promise<{ value: T; jobs: Job[] } | { notRunning: string[] }> {
  using _lock = await core.lock("finish");
  const found = jobs.map(({ id, intent }) => {
    const { job, place } = core.files.locate(id);
    return { job, place, intended: Object.keys(intent).length === 0 ? job : { ...job, ...intent } };
  });
  const notRunning = found.filter(({ job }) => job.status !== "running").map(({ job }) => job.id);
  if (notRunning.length > 0) return { notRunning };
  // Recorded before the work, for whoever finds the jobs running after a crash in the middle of it.
  const putBack = () => {
    for (const { job, place, intended } of found) if (intended !== job) core.store(intended, job, place);
  };
  for (const { job, place, intended } of found) if (intended !== job) core.store(job, intended, place);
  let outcome: Awaited<ReturnType<typeof work>>;
  try {
    outcome = await work();
  } catch (error) {
    putBack();
    throw error;
  }
  const { value, complete } = outcome;
  if (complete === null) {
    putBack();
    return { value, jobs: found.map(({ job }) => job) };
  }
  return {
    value,
    jobs: found.map(({ place, intended }) => {
      const { changes, result } = complete(intended.id);
      const next = transition(intended, "completed", { ...changes, result });
      core.store(intended, next, place);
      return next;
    }),
  };
}
