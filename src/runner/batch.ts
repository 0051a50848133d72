/**
 * Batches in the merge train (`landing.batch`): when more jobs wait than there are free places to test them,
 * several go into one candidate, tested once and landed together; a batch that fails is split in halves, each
 * tested again (at once when there is room), until the job that fails is alone. The train (`train.ts`) forms
 * and splits them; the rules are here.
 *
 * @module
 */

import type { Car } from "./car.ts";
import type { Candidate, LandRequest } from "./land.ts";

/**
 * How many waiting jobs the next candidate holds: one while there is a free place for each, else enough to
 * test them all in the free places, at most `batch`.
 *
 * @param waiting the jobs waiting to be built, in the train
 * @param free the places free to test a candidate (at least 1)
 * @param batch `landing.batch`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(batchSize(3, 4, 8), 1); // room for each
 * assert.equal(batchSize(6, 2, 8), 3); // two candidates of three
 * assert.equal(batchSize(9, 1, 4), 4); // never more than `batch`
 * ```
 */
export function batchSize(waiting: number, free: number, batch: number): number {
  if (waiting <= free) return 1;
  return Math.max(1, Math.min(batch, Math.ceil(waiting / Math.max(1, free))));
}

/**
 * The most jobs each half may hold once a batch of `size` jobs failed: the first half is the larger.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(halfOf(4), 2);
 * assert.equal(halfOf(5), 3);
 * assert.equal(halfOf(2), 1);
 * ```
 */
export function halfOf(size: number): number {
  return Math.max(1, Math.ceil(size / 2));
}

/**
 * The candidate a batch is tested as: the last job's candidate (built on those of the jobs before it), against
 * the first one's base, so that the built-in gates and the landing see every job's change.
 */
export function batchCandidate(cars: readonly { readonly candidate: Candidate | null }[]): Candidate {
  const first = cars[0]!.candidate!;
  const last = cars.at(-1)!.candidate!;
  return { base: first.base, commit: last.commit, tree: last.tree };
}

/** The ids of a batch's jobs, but for `except`'s, for messages. */
export function batchNames(batch: readonly { readonly request: LandRequest }[], except?: unknown): string {
  return batch.filter((car) => car !== except).map((car) => car.request.job.id).join(", ");
}

/**
 * The waiting cars, from the one at `index` on, that go into its candidate: itself alone, unless more wait than
 * there are free places to test them (see {@link batchSize}) and their caps allow.
 *
 * @param cars the train's line, head first
 * @param free the places free to test a candidate
 * @param batch `landing.batch`
 */
export function nextBatch(cars: readonly Car[], index: number, free: number, batch: number): Car[] {
  const waiting = cars.slice(index).filter((car) => car.state === "waiting").length;
  const taken = [cars[index]!];
  let limit = Math.min(batchSize(waiting, free, batch), taken[0]!.cap);
  for (let next = cars[index + 1]; next?.state === "waiting"; next = cars[index + taken.length]) {
    if (taken.length >= Math.min(limit, next.cap)) break;
    limit = Math.min(limit, next.cap);
    taken.push(next);
  }
  return taken;
}
