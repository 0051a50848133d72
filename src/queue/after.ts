/**
 * `ork enqueue --after <id>,...`: a job runs only once the jobs it waits for have completed (landed, or
 * completed without changes). One that failed or was cancelled fails it, naming that job; one still pending
 * or running keeps it waiting. Dependencies name jobs that exist when the job is enqueued, so no cycle can form.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import type { Job } from "./job.ts";

/** Whether a pending job may run now. */
export type Readiness = { readonly kind: "ready" | "waiting" } | {
  readonly kind: "blocked";
  readonly why: string;
};

/**
 * Whether `job` may run, its dependencies read with `find`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readiness } from "./after.ts";
 * import type { Job } from "./job.ts";
 *
 * const jobs = new Map([["a", { id: "a", status: "running" }], ["b", { id: "b", status: "failed" }]]);
 * const find = (id: string) => (jobs.get(id) as Job | undefined) ?? null;
 * assert.deepEqual(readiness({ after: ["a"] } as Job, find), { kind: "waiting" });
 * assert.equal(readiness({ after: ["b"] } as Job, find).kind, "blocked");
 * assert.deepEqual(readiness({ after: [] } as unknown as Job, find), { kind: "ready" });
 * ```
 */
export function readiness(job: Job, find: (id: string) => Job | null): Readiness {
  let waiting = false;
  for (const id of job.after ?? []) {
    const dep = find(id);
    if (dep === null) return { kind: "blocked", why: `job ${id} it was to run after no longer exists` };
    if (dep.status === "failed" || dep.status === "cancelled") {
      return { kind: "blocked", why: `job ${id} it was to run after ${dep.status}` };
    }
    if (dep.status !== "completed") waiting = true;
  }
  return { kind: waiting ? "waiting" : "ready" };
}

/**
 * The whole ids of the jobs a new job is to run after, refusing one that has already failed or was cancelled.
 *
 * @param locate finds a job by whole id or unique prefix (throws `job-not-found` or `ambiguous-id`)
 * @throws {InputError} for a job that can no longer complete
 */
export function resolveAfter(ids: readonly string[], locate: (id: string) => Job): string[] {
  return ids.map((id) => {
    const dep = locate(id);
    if (dep.status === "failed" || dep.status === "cancelled") {
      throw new InputError(
        `--after: job ${dep.id} is ${dep.status}, so a job after it would never run`,
        `ork retry ${dep.id} first, or leave it out`,
      );
    }
    return dep.id;
  });
}
