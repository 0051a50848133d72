/**
 * The landing's last step as the queue records it: the target moves, and the jobs are completed with their
 * landings, in one hold of the queue lock, so that a cancel cannot come between the two and leave a landed job
 * recorded as cancelled. Each job's candidate is recorded before the target moves: a recovery after a crash in
 * between tells by it whether the job landed.
 *
 * @module
 */

import type { FsQueue } from "../queue/mod.ts";
import type { FinishBatch, LandRequest, LastStep } from "./land.ts";

/**
 * The `finish` of one job's landing (see `LandRequest.finish`).
 *
 * @param stop aborted when the runner was told twice to stop: nothing more lands (checked under the queue lock)
 */
export function finishJob(queue: FsQueue, id: string, stop: AbortSignal): LandRequest["finish"] {
  return async (land, candidate) => {
    const step = await finishLanding(queue, stop, [{ id, commit: candidate }], land);
    return step.kind === "not-running" ? null : step;
  };
}

/**
 * The `finish` of a batch's landing (several jobs tested as one candidate): all are completed, or none; the
 * target does not move while one of them is not running.
 *
 * @param stop aborted when the runner was told twice to stop: nothing more lands (checked under the queue lock)
 */
export function finishBatchOf(queue: FsQueue, stop: AbortSignal): FinishBatch {
  return (cars, land) =>
    finishLanding(queue, stop, cars.map((car) => ({ id: car.request.job.id, commit: car.commit })), land);
}

/** Runs `land` while every job is running, and completes them all with their own commits if it landed. */
async function finishLanding(
  queue: FsQueue,
  stop: AbortSignal,
  jobs: readonly { id: string; commit: string }[],
  land: () => Promise<LastStep>,
): Promise<LastStep | { kind: "not-running"; jobs: string[] }> {
  const ids = jobs.map((job) => job.id);
  const finished = await queue.finishAllWhileRunning<LastStep>(
    jobs.map(({ id, commit }) => ({ id, intent: { landed_commit: commit } })),
    async () => {
      if (stop.aborted) return { value: { kind: "stopped" } as const, complete: null };
      const step = await land();
      if (step.kind !== "landed") return { value: step, complete: null };
      return {
        value: step,
        complete: (id: string) => ({
          result: { landed: true, gates: step.gates, ...(ids.length > 1 ? { batch: ids } : {}) },
          changes: { exit_code: 0, landed_commit: jobs[ids.indexOf(id)]!.commit },
        }),
      };
    },
  );
  return "notRunning" in finished ? { kind: "not-running", jobs: finished.notRunning } : finished.value;
}
