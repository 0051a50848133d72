/**
 * Which failures run a job again. A failure that would only happen again (a secrets finding, a role refusal, a
 * change to ork's own config) never does; the others do when `orchestrator.retry_on` names their kind and the
 * job has retries left, a timeout at most once.
 *
 * @module
 */

import type { RetryKind } from "../config/mod.ts";

/** A failure's kind, for {@link retryAllowed}: `retry_on`'s kinds, and `secrets`, which never retries. */
export type FailureKind = RetryKind | "secrets";

/** A timed-out job runs again at most this often: a job that hangs once usually hangs again. */
export const TIMEOUT_RETRIES = 1;

/**
 * Whether a failure of `kind` may spend a retry (the queue then checks that retries are left).
 *
 * @param kind what failed
 * @param retryOn `orchestrator.retry_on`
 * @param retriesSpent the job's `retry_count` before this failure
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryAllowed } from "./retry.ts";
 *
 * const retryOn = ["command", "timeout", "gate", "conflict"] as const;
 * assert.equal(retryAllowed("gate", retryOn, 0), true);
 * assert.equal(retryAllowed("secrets", retryOn, 0), false);
 * assert.equal(retryAllowed("timeout", retryOn, 1), false);
 * assert.equal(retryAllowed("setup", retryOn, 0), false);
 * ```
 */
export function retryAllowed(
  kind: FailureKind,
  retryOn: readonly RetryKind[],
  retriesSpent: number,
): boolean {
  if (kind === "secrets" || !retryOn.includes(kind)) return false;
  return kind !== "timeout" || retriesSpent < TIMEOUT_RETRIES;
}
