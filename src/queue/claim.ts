/**
 * Claiming: the next pending job in run order (priority, then age) that may run now becomes `running` for a
 * worker. A job waiting for others (`--after`), or parked after a usage limit until it resets, is passed over and
 * stays pending; one whose dependency failed or was cancelled fails, naming it. Runs under the queue lock (see `FsQueue.claim`).
 *
 * @module
 */

import type { QueueCore } from "./core.ts";
import { isParked, type Job } from "./job.ts";
import type { PendingEntry } from "./order.ts";
import { readiness } from "./after.ts";
import { transition } from "./status.ts";

/** Claims the next job that may run for `worker`; null when none may. */
export function claimNext(core: QueueCore, worker: string): Job | null {
  let scanned = core.pending.sync();
  const waiting: PendingEntry[] = [];
  try {
    for (;;) {
      const next = core.pending.pop();
      if (next === undefined) {
        // The index can miss a job whose journal line a crash lost; look at the files before saying "empty".
        if (scanned) return null;
        core.pending.scan();
        scanned = true;
        continue;
      }
      // find, not a read of queue/ alone: a crash in the middle of a cancel can leave the job's old, pending
      // record in queue/ beside the cancelled one in the archive.
      const found = core.files.find(next.id);
      if (found === null || found.place !== "queue" || found.job.status !== "pending") continue;
      const job = found.job;
      // Parked after a usage limit: not before it resets.
      if (isParked(job)) {
        waiting.push(next);
        continue;
      }
      const ready = readiness(job, (id) => core.files.find(id)?.job ?? null);
      if (ready.kind === "waiting") {
        waiting.push(next);
        continue;
      }
      if (ready.kind === "blocked") {
        core.store(job, transition(job, "failed", { error: ready.why }), "queue");
        continue;
      }
      const running = transition(job, "running", { worker });
      core.store(job, running, "queue");
      core.pending.rotateIfBig();
      return running;
    }
  } finally {
    // Still pending: back in the index for the next claim.
    core.pending.restore(waiting);
  }
}
