/**
 * What a job's steps share: the context a worker runs a job in, the run as setting it up made it, and how each
 * way a job can end is recorded (failed, cancelled, put back), every one through the queue's state machine and
 * the event log.
 *
 * @module
 */

import type { AgentPreset, OrkConfig } from "../config/mod.ts";
import type { FsQueue, Job } from "../queue/mod.ts";
import type { ExecSandbox, Sandbox } from "../sandbox/mod.ts";
import type { OrkPaths } from "../workspace/mod.ts";
import { reasonOf } from "../errors/mod.ts";
import type { EventLog, JobRef } from "./events.ts";
import type { Train } from "./train.ts";
import { type FailureKind, retryAllowed } from "./retry.ts";
import type { Slot } from "./slot.ts";
import type { ExecOutcome } from "../process/mod.ts";
import { type EnvironmentResult, prepareForJob } from "./environment.ts";

/** What running a job needs. */
export interface JobContext {
  /** The main worktree's root. */
  readonly root: string;
  /** The config ork loaded. */
  readonly config: OrkConfig;
  /** ork's folders. */
  readonly paths: OrkPaths;
  /** The queue. */
  readonly queue: FsQueue;
  /** The branch work lands on. */
  readonly target: string;
  /** This worker's name, as recorded in the job. */
  readonly worker: string;
  /** This worker's worktree. */
  readonly slot: Slot;
  /** Where events go. */
  readonly events: EventLog;
  /** Aborted when the runner is told twice to stop: the job is stopped and goes back to pending. */
  readonly stop: AbortSignal;
  /** The confinement jobs and gates run in, detected once per runner. */
  readonly sandbox: Sandbox;
  /** The runner's merge train, where the job's commit is tested and lands. */
  readonly train: Train;
}

/** How a job's run ended, for the runner's exit code. */
export type JobOutcome =
  | "completed"
  | "failed"
  | "retrying"
  | "cancelled"
  | "requeued"
  | "awaiting_review"
  | "parked";

/** How often a running job's file is read to see whether it was cancelled. */
const CANCEL_POLL_MS = 250;

/** A job's run as it goes along: what setting it up made, for the steps after. */
export interface Run {
  readonly job: Job;
  readonly ref: JobRef;
  /** The job's agent preset, null for a plain command. */
  readonly preset: AgentPreset | null;
  /** The target's tip the job started from. */
  readonly base: string;
  readonly branch: string;
  readonly worktree: string;
  readonly logPath: string;
  /** The confinement of setup and the gates. */
  readonly sandbox: ExecSandbox | undefined;
  /** The job command's: setup's, with its role's and agent's writable paths. */
  readonly jobSandbox: ExecSandbox | undefined;
  /** Setup's and the gates' variables. */
  readonly env: Record<string, string>;
}

/** What the job's command did. */
export interface Ran {
  readonly outcome: ExecOutcome;
  /** The log's size before the command: its own output is what came after. */
  readonly logSizeBefore: number;
  /** What setup made in the worktree (ignored files that must stay ignored). */
  readonly environmentPaths: readonly string[];
  readonly timeoutSeconds: number;
  /** Whether the job was cancelled while the command ran. */
  readonly cancelled: boolean;
}

/** Aborts `cancel` once the job is no longer running (cancelled from another process); stop it when done. */
export function watchForCancel(ctx: JobContext, id: string, cancel: AbortController): { stop(): void } {
  const timer = setInterval(async () => {
    try {
      if ((await ctx.queue.statusOf(id)) !== "running") cancel.abort("cancelled");
    } catch (error) {
      // A failed look must not end the runner (a rejected timer callback would); the next tick looks again.
      ctx.events.emit({ kind: "warning", message: `could not read job ${id}'s status: ${reasonOf(error)}` });
    }
  }, CANCEL_POLL_MS);
  return { stop: () => clearInterval(timer) };
}

/** The job was cancelled: said in the event log. */
export function cancelled(ctx: JobContext, job: JobRef): JobOutcome {
  ctx.events.emit({ kind: "cancelled", job });
  return "cancelled";
}

/** Puts the job back to pending without spending a retry (the runner stopped). */
export async function requeue(ctx: JobContext, job: JobRef, reason: string): Promise<JobOutcome> {
  await ctx.queue.requeue(job.id, reason);
  ctx.events.emit({ kind: "requeued", job, reason });
  return "requeued";
}

/** Whether a failure of `kind` may spend one of the job's retries (see retry.ts). */
export function mayRetry(ctx: JobContext, job: Job, kind: FailureKind): boolean {
  return retryAllowed(kind, ctx.config.orchestrator.retry_on, job.retry_count);
}

/** Fails the job (or puts it back, spending a retry, when `options.retry` allows one). */
export async function failed(
  ctx: JobContext,
  job: JobRef,
  error: string,
  changes: Parameters<FsQueue["fail"]>[2],
  options: Parameters<FsQueue["fail"]>[3] = {},
): Promise<JobOutcome> {
  const after = await ctx.queue.fail(job.id, error, changes, options);
  const retrying = after.status === "pending";
  ctx.events.emit({ kind: "failed", job, error, retrying });
  return retrying ? "retrying" : "failed";
}

/**
 * Gives the run's worktree, holding `commit`, its environment (see `prepareForJob`): before the job's command
 * (`record: "always"`) and before the gates of each candidate (`record: "built"`).
 */
export function prepareRun(
  run: Run,
  ctx: JobContext,
  how: { commit: string; signal: AbortSignal; onStart: (pid: number) => void; record: "always" | "built" },
): Promise<EnvironmentResult> {
  const { ref, worktree, logPath, env, sandbox } = run;
  return prepareForJob(ctx, ref, {
    worktree,
    commit: how.commit,
    clean: ctx.slot.index,
    logPath,
    env,
    sandbox,
    signal: how.signal,
    onStart: how.onStart,
  }, { record: how.record });
}
