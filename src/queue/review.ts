/**
 * A person's decisions, as moves of the state machine: a running job whose gates passed waits for review
 * (`awaiting_review`), approved (back to `pending`, to land without running its command again) or rejected
 * (`failed`, no retry); and `ork retry` of a failed job.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import type { Job } from "./job.ts";
import { transition } from "./status.ts";

/** The candidate a job's gates passed on, kept in its `result` while it awaits review. */
export interface ReviewedCandidate {
  /** The job's commit that was reviewed (its branch's tip then): only this lands once approved. */
  readonly head: string;
  /** The target's tip it was built on. */
  readonly base: string;
  /** The candidate commit. */
  readonly commit: string;
  /**
   * Its tree: approved on a target that still gives this tree, it lands without testing again; null when its
   * branch moved after the review (tested again whatever the target).
   */
  readonly tree: string | null;
  /** The gates as they were configured, so that changed gates test again. */
  readonly gates_key: string;
}

/**
 * The running job, its gates passed, waiting for `ork approve` with its branch and candidate kept; an earlier
 * approval no longer holds.
 *
 * @param note why it waits again, when it was approved before (its branch moved); kept as its error
 */
export function awaitingReview(
  job: Job,
  result: Record<string, unknown>,
  note: string | null = null,
  now: Date = new Date(),
): Job {
  return transition(job, "awaiting_review", { result, error: note, approved_at: null }, now);
}

/**
 * The job approved: `pending` again, marked `approved_at`, so that the next runner to claim it lands its branch
 * (tested again on the target's tip unless that still gives the tree its gates passed on).
 *
 * @throws {InputError} when the job does not await review
 */
export function approved(job: Job, now: Date = new Date()): Job {
  refuseUnlessAwaiting(job, "approved");
  return transition(job, "pending", { approved_at: now.toISOString(), error: null }, now);
}

/**
 * The job rejected: `failed` for good (no retry is spent or left), with the reason as its error.
 *
 * @throws {InputError} when the job does not await review
 */
export function rejected(job: Job, reason: string | null, now: Date = new Date()): Job {
  refuseUnlessAwaiting(job, "rejected");
  return transition(
    job,
    "failed",
    { error: reason === null ? "rejected in review" : `rejected: ${reason}` },
    now,
  );
}

function refuseUnlessAwaiting(job: Job, verb: "approved" | "rejected"): void {
  if (job.status === "awaiting_review") return;
  throw new InputError(
    `job ${job.id} is ${job.status}; only a job awaiting review can be ${verb}`,
    "see the jobs waiting for you: ork list --status awaiting_review",
  );
}

/**
 * A failed job back to `pending` for `ork retry`: its retries restored, its last outcome and any approval
 * cleared (its command runs anew). A job parked after a usage limit may run at once instead of at its time. Only a failed job: the state machine's other moves to pending (a running
 * job's retry, an approval) are the runner's and `ork approve`'s.
 *
 * @throws {InputError} when the job has not failed
 */
export function retried(job: Job, now: Date = new Date()): Job {
  // Parked after a usage limit that has reset sooner than said: no status change, it may run at once.
  if (job.status === "pending" && job.parked_until !== null) {
    return { ...job, parked_until: null, error: null };
  }
  if (job.status !== "failed") {
    throw new InputError(
      `job ${job.id} is ${job.status}; only a failed job can be retried`,
      job.status === "awaiting_review"
        ? `approve it (ork approve ${job.id}) or reject it`
        : "see the failed jobs: ork list --status failed",
    );
  }
  return transition(job, "pending", {
    retry_count: 0,
    error: null,
    result: null,
    exit_code: null,
    approved_at: null,
  }, now);
}

/**
 * A rejection's reason as given (`--reason`, or the dashboard's): one line of text, trimmed; null for none.
 *
 * @param name how to name it in a refusal
 * @throws {InputError} for anything else: not text, empty, or with a control character or line break
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(checkReason(" too big ", "--reason"), "too big");
 * assert.equal(checkReason(undefined, "--reason"), null);
 * assert.throws(() => checkReason("a\nb", "--reason"), /--reason must be one line of text/);
 * ```
 */
export function checkReason(reason: unknown, name: string): string | null {
  if (reason === undefined || reason === null) return null;
  if (
    typeof reason !== "string" || reason.trim() === "" ||
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(reason)
  ) {
    throw new InputError(
      `${name} must be one line of text, got ${JSON.stringify(reason)}`,
      'say in a few words why, such as "breaks the build on Windows"',
    );
  }
  return reason.trim();
}
