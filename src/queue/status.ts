/**
 * A job's life as a state machine, in one place: the statuses, the moves allowed between them, and
 * {@link transition}, through which every status change goes.
 *
 * ```
 * pending ──claim──> running ──ok──> completed
 *    │                  │ ├──fail, retries left──> pending
 *    │                  │ ├──usage limit──> pending, parked until it resets (no retry spent)
 *    │                  │ ├──fail, none left────> failed ──ork retry──> pending
 *    │                  │ └──gates passed, review──> awaiting_review ──ork approve──> pending (lands next)
 *    ├──cancel──> cancelled <──cancel──┘               ▲       │ └──ork reject──> failed
 *    └──a job it waits for (--after) failed──────────────┘       └──cancel──> cancelled
 * ```
 *
 * @module
 */

import { OrkError } from "../errors/mod.ts";
import type { Job, JobTry } from "./job.ts";

/** Every status a job can have. */
export const JOB_STATUSES = [
  "pending",
  "running",
  "awaiting_review",
  "completed",
  "failed",
  "cancelled",
] as const;

/** A job's status. */
export type JobStatus = typeof JOB_STATUSES[number];

/** Statuses a job ends in; such jobs live in the archive. */
export const FINISHED_STATUSES: ReadonlySet<JobStatus> = new Set(["completed", "failed", "cancelled"]);

/** The moves the state machine allows: from -> the statuses it may go to. */
export const ALLOWED_MOVES: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  // A pending job fails without running when a job it waits for (`--after`) failed or was cancelled.
  pending: ["running", "cancelled", "failed"],
  running: ["completed", "failed", "pending", "cancelled", "awaiting_review"],
  // Approved (back to pending, to land), rejected (failed) or cancelled.
  awaiting_review: ["pending", "failed", "cancelled"],
  failed: ["pending"],
  completed: [],
  cancelled: [],
};

/** True when the state machine allows moving from `from` to `to`. */
export function canMove(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED_MOVES[from].includes(to);
}

/** Fields a caller may set along with a status change. */
export type TransitionChanges = Partial<
  Pick<
    Job,
    | "error"
    | "result"
    | "exit_code"
    | "worker"
    | "retry_count"
    | "branch"
    | "worktree"
    | "log_path"
    | "base"
    | "landed_commit"
    | "pid"
    | "sandbox"
    | "environment"
    | "approved_at"
    | "parked_until"
  >
>;

/** The record of the run `job` (running) had, ending now as `next`. */
function tryOf(job: Job, next: Job, at: string): JobTry {
  const outcome = next.status === "pending"
    ? (next.retry_count > job.retry_count ? "retrying" : next.parked_until !== null ? "parked" : "requeued")
    : next.status as "completed" | "failed" | "cancelled" | "awaiting_review";
  return {
    try: (job.tries?.length ?? 0) + 1,
    started_at: job.started_at,
    finished_at: at,
    outcome,
    error: outcome === "completed" ? null : next.error,
    branch: next.branch,
    landed_commit: outcome === "completed" ? next.landed_commit : null,
  };
}

/**
 * The job after moving it to `to`: checks the move against {@link ALLOWED_MOVES} and sets the timestamps the new
 * status implies (a running job has `started_at`, a finished one `finished_at`, a pending one neither).
 *
 * @param job the job as it is
 * @param to the new status
 * @param changes other fields to set in the same write
 * @param now the time of the change
 * @returns a new job record; `job` is not modified
 * @throws {OrkError} `invalid-transition` naming both statuses when the move is not allowed
 */
export function transition(
  job: Job,
  to: JobStatus,
  changes: TransitionChanges = {},
  now: Date = new Date(),
): Job {
  if (!canMove(job.status, to)) {
    const allowed = ALLOWED_MOVES[job.status];
    throw new OrkError(
      "invalid-transition",
      `cannot move job ${job.id} from ${job.status} to ${to}`,
      allowed.length === 0
        ? `a ${job.status} job is final`
        : `from ${job.status} a job can only go to ${allowed.join(" or ")}`,
    );
  }
  const at = now.toISOString();
  const next: Job = { ...job, ...changes, status: to };
  // A run that ends is kept in `tries`, whatever ended it.
  if (job.status === "running" && to !== "running") next.tries = [...(job.tries ?? []), tryOf(job, next, at)];
  switch (to) {
    case "running":
      return { ...next, started_at: at, finished_at: null, parked_until: null };
    case "pending": {
      // A pending job has no run: whatever ran before left, and its next run starts from a new base. A retry
      // runs the command anew, whose work nobody approved. An approved job keeps its base until it lands (or a
      // retry drops the approval): its reviewed change is shown against it.
      const retried = next.retry_count > job.retry_count;
      const approved = !retried && next.approved_at !== null;
      return {
        ...next,
        started_at: null,
        finished_at: null,
        worker: null,
        pid: null,
        base: approved ? job.base : null,
        // Parked only by a change that says until when (a usage limit); any other move to pending is free to run.
        parked_until: changes.parked_until ?? null,
        ...(retried ? { approved_at: null } : {}),
      };
    }
    case "awaiting_review":
      // Its run is over (its branch and the candidate its gates passed are kept); a person decides next.
      return { ...next, finished_at: null, worker: null, pid: null };
    case "completed":
      // An earlier try's failure (a conflict, a recovery) is history once the job succeeds.
      return { ...next, error: changes.error ?? null, finished_at: at, pid: null };
    case "failed":
    case "cancelled":
      return { ...next, finished_at: at, pid: null, parked_until: null };
  }
}
