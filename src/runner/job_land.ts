/**
 * The last of a job's steps: its commit goes to the merge train, and how landing ended is recorded: landed
 * (completed with the landing in the same step as the target moved), failed as `verdict.ts` says, cancelled or
 * put back.
 *
 * @module
 */

import { CONFIG_FILES } from "../config/mod.ts";
import { deleteBranch, type JobCommit, readBranch, setBranch } from "../git/mod.ts";
import { setUp } from "./job_setup.ts";
import { ownedByJob } from "./names.ts";
import { finishJob } from "./finish.ts";
import {
  cancelled,
  failed,
  type JobContext,
  type JobOutcome,
  mayRetry,
  prepareRun,
  requeue,
  type Run,
  watchForCancel,
} from "./job_context.ts";
import { type Settled, settled, unwrap } from "./settled.ts";
import { landingFailure } from "./verdict.ts";
import type { LandRequest, LandResult } from "./land.ts";
import type { Job, ReviewedCandidate } from "../queue/mod.ts";
import type { GateResult } from "../gates/mod.ts";
import { gatesKey } from "./car.ts";

/** Hands the job's commit to the merge train and records how landing ended. */
export async function landWork(
  run: Run,
  ctx: JobContext,
  { head, committed }: { head: string; committed: JobCommit | null },
): Promise<JobOutcome> {
  const { root, events } = ctx;
  const { job, ref, logPath } = run;
  // Set while the candidate is built and tested: the landing waits for it only before it moves the target
  // (and deletes the branch in the same step); `branchSet` throws its error.
  const settingBranch = settled(setBranch(root, run.branch, head));
  const branchSet = async (): Promise<void> => unwrap(await settingBranch);
  // Each gate's process group is recorded as the job's `pid` while it runs: unconfined, what a gate started
  // outlives a runner killed meanwhile, and recovery stops the group the job records.
  const recordingGatePids: Promise<Settled<unknown>>[] = [];
  // Watched while the job waits in the train too: a cancelled job leaves it at once.
  const landingCancel = new AbortController();
  const landingWatcher = watchForCancel(ctx, job.id, landingCancel);
  const request = landRequest(
    run,
    ctx,
    { head, committed, branchSet, cancelled: landingCancel.signal },
    (pid) => {
      recordingGatePids.push(settled(ctx.queue.record(job.id, { pid })));
    },
  );
  const result = await ctx.train.land(request).finally(() => landingWatcher.stop());
  for (const recorded of await Promise.all(recordingGatePids)) unwrap(recorded);
  await branchSet();
  switch (result.kind) {
    case "landed":
      // Already completed, with the landing (see `finish` above); the branch went in the same step.
      ctx.slot.landedAt = result.commit;
      events.emit({ kind: "landed", job: ref, target: ctx.target, commit: result.commit });
      if (result.checkoutBehind !== undefined) {
        const message =
          `${ctx.target} moved to ${result.commit} for job ${job.id}, but your checkout could not ` +
          `be brought forward: ${result.checkoutBehind}`;
        events.emit({ kind: "warning", message });
        await Deno.writeTextFile(logPath, `ork: ${message}\n`, { append: true });
      }
      return "completed";
    case "conflict":
    case "changes-protected":
    case "target-moving":
    case "gates-failed":
    case "checkout-would-lose-work": {
      const failure = landingFailure(result, {
        target: ctx.target,
        job: job.id,
        gates: ctx.config.merge_gates,
      });
      return await failed(
        ctx,
        ref,
        failure.error,
        { exit_code: 0, ...(failure.result === undefined ? {} : { result: failure.result }) },
        { retry: failure.retry !== false && mayRetry(ctx, job, failure.retry) },
      );
    }
    case "environment-failed":
      await ctx.slot.wipe();
      if (ctx.stop.aborted) return await requeue(ctx, ref, "the runner was stopped during environment setup");
      // Its inputs as the job left them make setup fail: running the job again would do the same, unless setup
      // is flaky and retry_on says so.
      return await failed(ctx, ref, result.error, { exit_code: 0 }, { retry: mayRetry(ctx, job, "setup") });
    case "awaiting-review":
      return await awaitReview(ctx, run, result, head);
    case "cancelled":
      // Cancelled during landing: like a job cancelled while it ran, it keeps no branch.
      await deleteBranch(root, run.branch);
      return cancelled(ctx, ref);
    case "stopped":
      // An approved job's branch is the work it lands next time, without running its command again.
      if (job.approved_at === null) await deleteBranch(root, run.branch);
      return await requeue(ctx, ref, "the runner was stopped while its gates ran");
  }
}

/** Whether the job waits for a person once its gates pass: asked for, and not approved yet. */
function needsReview(job: Job, ctx: JobContext): boolean {
  return job.approved_at === null && (job.review || ctx.config.landing.approve === "manual");
}

/**
 * What an approved job's gates passed in review, as its record keeps it: its candidate lands untested when the
 * train builds the same tree. Undefined for any other job, or a record that does not say.
 */
function reviewedOf(job: Job): LandRequest["reviewed"] {
  const review = job.result?.review as Partial<ReviewedCandidate> | undefined;
  const gates = job.result?.gates;
  if (job.approved_at === null || !Array.isArray(gates) || typeof review?.tree !== "string") return undefined;
  if (typeof review.base !== "string" || typeof review.commit !== "string") return undefined;
  if (typeof review.gates_key !== "string") return undefined;
  return { candidate: review as ReviewedCandidate, gates: gates as GateResult[] };
}

/** The job's gates passed: it waits for `ork approve`, its branch and the candidate they passed kept. */
async function awaitReview(
  ctx: JobContext,
  run: Run,
  result: Extract<LandResult, { kind: "awaiting-review" }>,
  head: string,
): Promise<JobOutcome> {
  const { candidate, gates } = result;
  const review: ReviewedCandidate = {
    head,
    base: candidate.base,
    commit: candidate.commit,
    tree: candidate.tree,
    gates_key: gatesKey(ctx.config.merge_gates),
  };
  const waiting = await ctx.queue.awaitReview(run.job.id, { landed: false, review, gates });
  if (waiting.status !== "awaiting_review") {
    await deleteBranch(ctx.root, run.branch);
    return cancelled(ctx, run.ref);
  }
  ctx.events.emit({ kind: "awaiting-review", job: run.ref, target: ctx.target });
  await Deno.writeTextFile(
    run.logPath,
    `== ork: its gates passed on ${candidate.commit}; it awaits review: ork approve ${run.job.id}\n`,
    { append: true },
  );
  return "awaiting_review";
}

/**
 * Lands an approved job's branch, its command not run again: tested on the target's tip, unless the candidate
 * has the tree its gates passed in review.
 */
export async function landApproved(job: Job, ctx: JobContext): Promise<JobOutcome> {
  // A record naming a branch ork did not make for this job (written by hand): nothing of it is landed or deleted.
  const { problem } = ownedByJob({ ...job, worktree: null }, ctx.paths.worktrees);
  if (problem !== null) return await failed(ctx, job, `not landed: ${problem}`, {}, { retry: false });
  const head = job.branch === null ? null : await readBranch(ctx.root, job.branch);
  if (job.branch === null || head === null) {
    const why = `its approved work is gone (branch ${job.branch ?? "none"} is missing)`;
    return await failed(ctx, job, `${why}; ork retry ${job.id} runs it again`, {}, { retry: false });
  }
  // Only what was reviewed lands: a branch moved since goes back to review, showing what it holds now.
  const reviewed = (job.result?.review as Partial<ReviewedCandidate> | undefined)?.head;
  if (reviewed !== head) {
    const note = `its branch ${job.branch} moved since the review (${
      reviewed ?? "unknown"
    } -> ${head}): review it again`;
    const back = await ctx.queue.awaitReview(job.id, {
      ...job.result,
      review: { ...job.result?.review as object, head, tree: null },
    }, note);
    if (back.status !== "awaiting_review") return "cancelled";
    ctx.events.emit({ kind: "warning", message: `${job.id}: ${note}` });
    ctx.events.emit({ kind: "awaiting-review", job, target: ctx.target });
    return "awaiting_review";
  }
  const run = await setUp(job, ctx, null, { branch: job.branch });
  if (typeof run === "string") return run;
  return await landWork(run, ctx, { head, committed: null });
}

/** What the train needs to land the job's commit. */
function landRequest(
  run: Run,
  ctx: JobContext,
  commit: {
    head: string;
    committed: JobCommit | null;
    branchSet: () => Promise<void>;
    cancelled: AbortSignal;
  },
  recordPid: (pid: number) => void,
): LandRequest {
  const { job, ref, worktree, logPath, sandbox, env } = run;
  return {
    job: ref,
    root: ctx.root,
    target: ctx.target,
    head: commit.head,
    made: commit.committed,
    branch: run.branch,
    branchSet: commit.branchSet,
    worktree,
    slot: ctx.slot,
    logPath,
    strategy: ctx.config.landing.strategy,
    message: ctx.config.landing.strategy === "squash"
      ? `${job.role}: ${job.description}\n\nOrk-Job: ${job.id}`
      : `Merge ork job ${job.id}: ${job.role}: ${job.description}\n\nOrk-Job: ${job.id}`,
    gates: ctx.config.merge_gates,
    protectedPaths: Object.values(CONFIG_FILES),
    env,
    finish: finishJob(ctx.queue, job.id, ctx.stop),
    // The candidate's environment, before its gates: setup runs again only when the job changed its inputs.
    prepare: async (at, signal) => {
      const prepared = await prepareRun(run, ctx, {
        commit: at,
        signal,
        onStart: recordPid,
        record: "built",
      });
      return prepared.ok ? null : prepared.error;
    },
    onGate: (gate) => ctx.events.emit({ kind: "gate", job: ref, gate }),
    onGateStart: recordPid,
    sandbox,
    cancelled: commit.cancelled,
    maxLogBytes: ctx.config.orchestrator.log_max_bytes,
    review: needsReview(job, ctx),
    ...(reviewedOf(job) === undefined ? {} : { reviewed: reviewedOf(job) }),
  };
}
