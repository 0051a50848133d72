/**
 * `ork enqueue --unique KEY`: at most one pending or running job per key, for a cron line or a Makefile target
 * that enqueues the same work again while the last is still waiting or running. Checked under the queue lock
 * (see `FsQueue.enqueueUnique`), so two enqueues at once cannot both pass.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import type { Job } from "./job.ts";

/**
 * Refuses `key` when a pending or running job among `jobs` has it.
 *
 * @throws {InputError} naming the job that has the key and its status
 */
export function refuseTaken(jobs: readonly Job[], key: string): void {
  const holder = jobs.find((job) =>
    job.unique === key &&
    (job.status === "pending" || job.status === "running" || job.status === "awaiting_review")
  );
  if (holder === undefined) return;
  throw new InputError(
    `--unique ${JSON.stringify(key)}: job ${holder.id} with that key is ${holder.status}`,
    `wait for it to finish (ork status), or cancel it: ork cancel ${holder.id}`,
  );
}
