/**
 * One job, start to end: its worktree (reused from the worker's previous job when there is one), its command in
 * a process group of its own, the commit of what it changed, its branch, and landing. Every outcome goes through
 * the queue's state machine; whatever happens, the job does not stay `running` and its worktree is left holding
 * nothing of it.
 *
 * @module
 */

import { join } from "node:path";
import { CONFIG_FILES, type OrkConfig } from "../config/mod.ts";
import {
  addWorktree,
  branchTip,
  type CleanIndex,
  commitAll,
  deleteBranch,
  headOf,
  identityArgs,
  importJobObjects,
  incompleteJobHead,
  moveWorktree,
  removeWorktree,
  resetWorktree,
  restoreWorktree,
  setBranch,
} from "../git/mod.ts";
import { messageOf, OrkError, reasonOf } from "../errors/mod.ts";
import { type FsQueue, type Job, MAX_COMMAND_BYTES } from "../queue/mod.ts";
import { checkCommand } from "../roles/mod.ts";
import { describeSandbox, type Sandbox, sandboxFor, sandboxHint } from "../sandbox/mod.ts";
import type { OrkPaths } from "../workspace/mod.ts";
import type { EventLog, JobRef } from "./events.ts";
import { execInGroup } from "./exec.ts";
import { errorLine, logTail } from "./log_tail.ts";
import { prepareForJob, stillIgnored } from "./environment.ts";
import { portBlock } from "./ports.ts";
import { writablePaths } from "./writable.ts";
import type { Train } from "./train.ts";
import { jobNames } from "./names.ts";
import { type FailureKind, retryAllowed } from "./retry.ts";
import { type Settled, settled, unwrap } from "./settled.ts";
import { finishJob } from "./finish.ts";

/** A worker's reusable worktree: moving an existing worktree to another commit is far cheaper than a checkout. */
export interface Slot {
  /** The worktree the slot holds, or null before its first job. */
  path: string | null;
  /** The commit the worktree was last wiped clean at (nothing else in it), if it has not been used since. */
  cleanAt?: string | null;
  /** The commit the last job landed, which the target pointed to a moment ago: where the wipe goes. */
  landedAt?: string | null;
  /** ork's copy of the worktree's index from its last reset; null while there is no worktree. */
  index?: CleanIndex | null;
  /** The slot's block of ports (`ORK_PORT`), once it has one. */
  port?: number;
}

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
export type JobOutcome = "completed" | "failed" | "retrying" | "cancelled" | "requeued";

/** How often a running job's file is read to see whether it was cancelled. */
const CANCEL_POLL_MS = 250;

/**
 * Runs a claimed job to its end.
 *
 * @param job the job, `running` for this worker
 * @returns how it ended
 */
export async function runJob(job: Job, ctx: JobContext): Promise<JobOutcome> {
  const ref: JobRef = job;
  try {
    return await runClaimed(job, ctx);
  } catch (error) {
    // A bug or a broken repository must not leave the job running forever: fail it, keep the reason. Its
    // worktree goes first: on a full disk, recording the failure needs the room it holds.
    await wipeSlot(ctx);
    const message = messageOf(error);
    const status = await ctx.queue.statusOf(job.id);
    if (status !== "running") return "cancelled";
    const failed = await ctx.queue.fail(job.id, `ork could not run the job: ${message}`);
    ctx.events.emit({
      kind: "failed",
      job: ref,
      error: failed.error ?? message,
      retrying: failed.status === "pending",
    });
    return failed.status === "pending" ? "retrying" : "failed";
  } finally {
    await wipeSlot(ctx);
  }
}

async function runClaimed(job: Job, ctx: JobContext): Promise<JobOutcome> {
  const { queue, root, events } = ctx;
  const ref: JobRef = job;
  // Checked again at claim: the config may have changed since enqueue, or the job file was written by hand.
  const bytes = new TextEncoder().encode(job.command).length;
  if (bytes > MAX_COMMAND_BYTES) {
    const why = `its command has ${bytes} bytes, more than the ${MAX_COMMAND_BYTES} ork takes`;
    return await failed(ctx, ref, `${why}; put a long script in a file and run that`, {}, { retry: false });
  }
  const verdict = await checkCommand(ctx.config, job.role, job.command);
  if (verdict.refusal !== null) {
    const { message, hint } = verdict.refusal;
    return await failed(ctx, ref, hint ? `${message}; ${hint}` : message, {}, { retry: false });
  }
  // An agent's job takes its preset as the config has it now: its state folders and variables.
  const preset = job.agent === null
    ? null
    : Object.hasOwn(ctx.config.agents, job.agent)
    ? ctx.config.agents[job.agent]
    : undefined;
  if (preset === undefined) {
    return await failed(
      ctx,
      ref,
      `its agent ${job.agent} is no longer in the config; add it under agents: in config/orchestrator.yaml, ` +
        `then ork retry ${job.id}`,
      {},
      { retry: false },
    );
  }
  const base = await branchTip(root, ctx.target);
  const names = jobNames(job);
  const worktree = join(ctx.paths.worktrees, names.worktree);
  const logPath = join(ctx.paths.logs, `${job.id}.log`);
  // Recorded before the worktree exists, so that `ork clean` always sees whose it is.
  const recorded = await queue.record(job.id, {
    branch: names.branch,
    worktree,
    base,
    log_path: logPath,
    sandbox: describeSandbox(ctx.sandbox),
  });
  if (recorded.status !== "running") return cancelled(ctx, ref);
  await prepareWorktree(ctx, worktree, base);
  // Built for this worktree once it exists. The job's command may also write its role's and its agent's paths;
  // setup and the gates, alike for every job (and the gates run the candidate's code), only the common ones.
  const sandbox = await sandboxFor(ctx.sandbox, root, worktree, {
    extraWritable: await writablePaths(ctx.config, null, [], ctx),
  });
  const ownWritable = [...(ctx.config.roles[job.role]?.sandbox_writable ?? []), ...(preset?.writable ?? [])];
  const jobSandbox = ownWritable.length === 0 ? sandbox : await sandboxFor(ctx.sandbox, root, worktree, {
    extraWritable: await writablePaths(ctx.config, job.role, preset?.writable ?? [], ctx),
  });
  await Deno.mkdir(ctx.paths.logs, { recursive: true });
  await Deno.writeTextFile(
    logPath,
    `== ork: job ${job.id} (${job.role}) try ${
      job.retry_count + 1
    }: ${job.command}\n== in ${worktree} at ${base}\n`,
    { append: true },
  );

  ctx.slot.port = portBlock(ctx.slot.port);
  // Setup's and the gates'; the job's command also gets its agent's variables and prompt.
  const env = {
    ORK_JOB_ID: job.id,
    ORK_ROLE: job.role,
    ORK_WORKTREE: worktree,
    ORK_BASE: base,
    ORK_ALLOWED_TOOLS: (ctx.config.roles[job.role]?.allowed_tools ?? []).join(","),
    ORK_PORT: String(ctx.slot.port),
  };
  const cancel = new AbortController();
  const watcher = watchForCancel(ctx, job.id, cancel);
  const signal = AbortSignal.any([cancel.signal, ctx.stop]);
  const timeoutSeconds = job.timeout ?? ctx.config.orchestrator.job_timeout;
  let outcome;
  // Awaited only once the command ends (see settled.ts).
  let recordingPid: Promise<Settled<unknown>> = settled(Promise.resolve());
  const recordPid = (pid: number): void => {
    // Recorded while the job runs, so that recovery after a SIGKILLed runner can stop what it left behind.
    recordingPid = settled(queue.record(job.id, { pid }));
  };
  let logSizeBefore: number;
  let environmentPaths: readonly string[] = [];
  try {
    const prepared = await prepareForJob(ctx, ref, {
      worktree,
      commit: base,
      clean: slotIndex(ctx),
      logPath,
      env,
      sandbox,
      signal,
      onStart: recordPid,
    }, { record: "always" });
    unwrap(await recordingPid);
    if (!prepared.ok) {
      // What a failed setup left goes first: on a full disk, recording the failure needs the room.
      await wipeSlot(ctx);
      if (ctx.stop.aborted) return await requeue(ctx, ref, "the runner was stopped during environment setup");
      if (prepared.cancelled) return cancelled(ctx, ref);
      return await failed(ctx, ref, prepared.error, {}, { retry: mayRetry(ctx, job, "setup") });
    }
    environmentPaths = prepared.paths;
    logSizeBefore = (await Deno.stat(logPath)).size;
    outcome = await execInGroup({
      command: job.command,
      cwd: worktree,
      env: { ...preset?.env, ...(job.prompt === null ? {} : { ORK_PROMPT: job.prompt }), ...env },
      logPath,
      timeoutSeconds,
      signal,
      sandbox: jobSandbox,
      maxLogBytes: ctx.config.orchestrator.log_max_bytes,
      onStart: (pid) => {
        events.emit({ kind: "started", job: ref, worktree, base, pid });
        recordPid(pid);
      },
    });
  } finally {
    watcher.stop();
  }
  unwrap(await recordingPid);

  if (ctx.stop.aborted) return await requeue(ctx, ref, "the runner was stopped while it ran");
  if (outcome.cancelled || cancel.signal.aborted) return cancelled(ctx, ref);
  // In the sandbox the job wrote objects (its own commits') to a store of its own: they come in, checked, and
  // its commits must then find all they need.
  if (sandbox !== undefined) {
    const refusal = await importObjectsOf(ctx, worktree, sandbox.store, base);
    // Running it again would do the same.
    if (refusal !== null) {
      return await failed(ctx, ref, refusal, { exit_code: outcome.exitCode }, { retry: false });
    }
  }
  // Its command could not even start (an argument or variable the system refuses): the same again next time.
  if (outcome.startFailed) {
    return await failed(ctx, ref, `could not start: ${outcome.startError}`, {}, { retry: false });
  }
  if (outcome.timedOut || outcome.exitCode !== 0) {
    // Only the command's own output counts as its last line, not ork's header above it.
    const wrote = (await Deno.stat(logPath)).size > logSizeBefore;
    const last = wrote ? await errorLine(logPath) : "";
    const hint = wrote && sandbox !== undefined
      ? sandboxHint(await logTail(logPath), Deno.env.get("HOME") ?? "")
      : null;
    const how = outcome.timedOut
      ? `timed out after ${timeoutSeconds}s`
      : outcome.exitCode === null
      ? `killed by ${outcome.signal ?? "a signal"}`
      : `exit code ${outcome.exitCode}${last ? `: ${last}` : ""}${hint ? `; ${hint}` : ""}`;
    await keepForInspection(ctx, job, worktree, names.branch, base, how);
    return await failed(ctx, ref, how, { exit_code: outcome.timedOut ? null : outcome.exitCode }, {
      retry: mayRetry(ctx, job, outcome.timedOut ? "timeout" : "command"),
    });
  }

  const exposed = environmentPaths.length === 0 ? null : await stillIgnored(worktree, environmentPaths);
  if (exposed !== null) return await failed(ctx, ref, exposed, { exit_code: 0 }, { retry: false });
  const committed = await commitAll(worktree, {
    message: `${job.role}: ${job.description}`,
    trailers: { "Ork-Job": job.id },
    identity: await identityArgs(root),
    clean: slotIndex(ctx),
  });
  // With nothing to commit, HEAD may still hold commits the job made itself.
  const head = committed?.commit ?? await headOf(worktree);
  // The worktree holds exactly the new commit, which this copy describes: what a gate changes is found against it.
  if (committed !== null) ctx.slot.index = committed.index;
  if (head === base) {
    await queue.complete(job.id, { landed: false, reason: "no changes" }, { exit_code: 0 });
    events.emit({ kind: "no-changes", job: ref });
    return "completed";
  }
  // Set while the candidate is built and tested: the landing waits for it only before it moves the target
  // (and deletes the branch in the same step); `branchSet` throws its error.
  const settingBranch = settled(setBranch(root, names.branch, head));
  const branchSet = async (): Promise<void> => unwrap(await settingBranch);

  // Each gate's process group is recorded as the job's `pid` while it runs: unconfined, what a gate started
  // outlives a runner killed meanwhile, and recovery stops the group the job records.
  const recordingGatePids: Promise<Settled<unknown>>[] = [];
  // Watched while the job waits in the train too: a cancelled job leaves it at once.
  const landingCancel = new AbortController();
  const landingWatcher = watchForCancel(ctx, job.id, landingCancel);
  const result = await ctx.train.land({
    job: ref,
    root,
    target: ctx.target,
    head,
    made: committed,
    branch: names.branch,
    branchSet,
    worktree,
    reset: (commit, tree) => resetSlot(ctx, commit, tree),
    // Never rejects: it runs beside the landing's last step, which must not be cut short by it.
    wipe: (commit, tree) =>
      wipeSlot(ctx, commit, tree).catch((error: unknown) =>
        ctx.events.emit({ kind: "warning", message: `could not wipe ${worktree}: ${reasonOf(error)}` })
      ),
    logPath,
    strategy: ctx.config.landing.strategy,
    message: ctx.config.landing.strategy === "squash"
      ? `${job.role}: ${job.description}\n\nOrk-Job: ${job.id}`
      : `Merge ork job ${job.id}: ${job.role}: ${job.description}\n\nOrk-Job: ${job.id}`,
    gates: ctx.config.merge_gates,
    protectedPaths: Object.values(CONFIG_FILES),
    env,
    finish: finishJob(queue, job.id, ctx.stop),
    // The candidate's environment, before its gates: setup runs again only when the job changed its inputs.
    prepare: async (commit, signal) => {
      const prepared = await prepareForJob(ctx, ref, {
        worktree,
        commit,
        clean: slotIndex(ctx),
        logPath,
        env,
        sandbox,
        signal,
        onStart: (pid) => void recordingGatePids.push(settled(queue.record(job.id, { pid }))),
      }, { record: "built" });
      return prepared.ok ? null : prepared.error;
    },
    onGate: (gate) => events.emit({ kind: "gate", job: ref, gate }),
    onGateStart: (pid) => void recordingGatePids.push(settled(queue.record(job.id, { pid }))),
    sandbox,
    cancelled: landingCancel.signal,
    maxLogBytes: ctx.config.orchestrator.log_max_bytes,
  }).finally(() => landingWatcher.stop());
  for (const recorded of await Promise.all(recordingGatePids)) unwrap(recorded);
  await branchSet();
  const gates = "gates" in result ? result.gates : [];
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
      // No conflict markers reach any branch: the job runs again from the new tip while it has retries.
      return await failed(ctx, ref, `conflicts with ${ctx.target} in ${result.files.join(", ")}`, {
        exit_code: 0,
      }, { retry: mayRetry(ctx, job, "conflict") });
    case "changes-protected":
      // Running it again would change them again.
      return await failed(
        ctx,
        ref,
        `changes ork's own config (${
          result.files.join(", ")
        }), which no job may: its gates and roles would ` +
          `apply to every job after it; make that change yourself, then ork retry ${job.id} if the rest is wanted`,
        { exit_code: 0 },
        { retry: false },
      );
    case "target-moving":
      return await failed(
        ctx,
        ref,
        `${ctx.target} moved outside ork ${result.attempts} times while the gates ran`,
        { exit_code: 0 },
        { retry: mayRetry(ctx, job, "conflict") },
      );
    case "gates-failed": {
      // Name the gates that ran and failed; later required gates were not run once one had failed.
      const ran = new Set(gates.map((gate) => gate.name));
      const failedRan = result.failed.filter((name) => ran.has(name));
      const notRun = result.failed.filter((name) => !ran.has(name));
      const why = `required gate ${(failedRan.length > 0 ? failedRan : notRun).join(", ")} ` +
        (failedRan.length > 0 ? "failed" : "did not run") +
        (failedRan.length > 0 && notRun.length > 0 ? ` (not run after it: ${notRun.join(", ")})` : "");
      // A secrets finding is in the job's change: running it again finds it again.
      const secretsOnly = failedRan.length > 0 &&
        failedRan.every((name) =>
          ctx.config.merge_gates.find((gate) => gate.name === name)?.type === "secrets"
        );
      return await failed(ctx, ref, why, { exit_code: 0, result: { landed: false, gates } }, {
        retry: mayRetry(ctx, job, secretsOnly ? "secrets" : "gate"),
      });
    }
    case "checkout-would-lose-work":
      return await failed(
        ctx,
        ref,
        `would overwrite uncommitted changes in ${
          result.files.join(", ")
        }; commit or stash them, then ork retry ${job.id}`,
        { exit_code: 0, result: { landed: false, gates } },
        { retry: false },
      );
    case "environment-failed":
      await wipeSlot(ctx);
      if (ctx.stop.aborted) return await requeue(ctx, ref, "the runner was stopped during environment setup");
      // Its inputs as the job left them make setup fail: running the job again would do the same, unless setup
      // is flaky and retry_on says so.
      return await failed(ctx, ref, result.error, { exit_code: 0 }, { retry: mayRetry(ctx, job, "setup") });
    case "cancelled":
      // Cancelled during landing: like a job cancelled while it ran, it keeps no branch.
      await deleteBranch(root, names.branch);
      return cancelled(ctx, ref);
    case "stopped":
      await deleteBranch(root, names.branch);
      return await requeue(ctx, ref, "the runner was stopped while its gates ran");
  }
}

/**
 * Brings the objects a sandboxed job wrote into the repository (see `importJobObjects`) and checks that its
 * commits, if it made any, need nothing more. Resolves null, or why the job's work cannot be taken.
 */
async function importObjectsOf(
  ctx: JobContext,
  worktree: string,
  store: { readonly worktreeGitDir: string; readonly objectsDir: string },
  base: string,
): Promise<string | null> {
  try {
    await importJobObjects(ctx.root, store.worktreeGitDir, store.objectsDir, base.length);
  } catch (error) {
    if (error instanceof OrkError && error.code === "job-failed") return error.message;
    throw error;
  }
  const head = await incompleteJobHead(ctx.root, worktree, base);
  return head === null
    ? null
    : `the job's commits need objects it did not leave (its HEAD ${head} is incomplete): nothing of it is taken`;
}

/** A failed job's changes go to its branch (never the target), so `git log ork/...` shows what it did. */
async function keepForInspection(
  ctx: JobContext,
  job: Job,
  worktree: string,
  branch: string,
  base: string,
  why: string,
): Promise<void> {
  await commitAll(worktree, {
    message: `${job.role}: ${job.description} (failed: ${why})`,
    trailers: { "Ork-Job": job.id },
    identity: await identityArgs(ctx.root),
    clean: slotIndex(ctx),
  });
  const head = await headOf(worktree);
  if (head !== base) await setBranch(ctx.root, branch, head);
}

async function prepareWorktree(ctx: JobContext, worktree: string, base: string): Promise<void> {
  const previous = ctx.slot.path;
  const cleanAt = ctx.slot.cleanAt;
  ctx.slot.cleanAt = null;
  if (previous !== null) {
    try {
      // A job run again by the same worker within the second has the same name: nothing to move.
      if (previous !== worktree) await moveWorktree(ctx.root, previous, worktree);
      ctx.slot.path = worktree;
      // Wiped at this very commit after the last job and untouched since: a second reset would change nothing.
      if (cleanAt !== base) await resetSlot(ctx, base);
      return;
    } catch (error) {
      // The reused worktree is gone or broken (someone removed it by hand): start afresh below, and say so.
      // (The slot names it where it is: moved or not.)
      await dropSlotWorktree(ctx, reasonOf(error));
    }
  }
  ctx.slot.index = await addWorktree(ctx.root, worktree, base);
  ctx.slot.path = worktree;
}

/** ork's copy of the slot's worktree index; there is one whenever there is a worktree. */
function slotIndex(ctx: JobContext): CleanIndex {
  if (!ctx.slot.index) {
    throw new OrkError("git-failed", "the job's worktree has no clean index on record", "ork retry <id>");
  }
  return ctx.slot.index;
}

/** Resets the slot's worktree to `commit` (see resetWorktree), keeping ork's copy of the index it writes. */
async function resetSlot(ctx: JobContext, commit: string, tree?: string): Promise<void> {
  if (ctx.slot.path === null) {
    throw new OrkError(
      "git-failed",
      "the job's worktree is gone (it could not be reset and was removed)",
      "see .ork/orchestrator.log for why; ork retry <id> runs the job again",
    );
  }
  ctx.slot.cleanAt = null;
  ctx.slot.index = await resetWorktree(ctx.slot.path, commit, {
    clean: ctx.slot.index,
    ...(tree === undefined ? {} : { tree }),
  });
}

/**
 * Leaves the slot's worktree holding nothing of the job: at `tip` (by default the commit the job landed, else
 * the target's tip), untracked files gone. Never throws: a worktree that cannot be reset is removed.
 *
 * @param tree `tip`'s tree, when known: if ork's copy of the index describes it, only what changed since is undone
 */
async function wipeSlot(ctx: JobContext, tip?: string, tree?: string): Promise<void> {
  const landedAt = ctx.slot.landedAt;
  ctx.slot.landedAt = null;
  if (ctx.slot.path === null) return;
  try {
    // After a landing the worktree goes to the landed commit without asking git for the tip: if another job
    // landed since, the next job's claim sees that its base differs and resets the worktree there.
    const at = tip ?? landedAt ?? await branchTip(ctx.root, ctx.target);
    // Wiped there already (while the landing was being recorded).
    if (ctx.slot.cleanAt === at) return;
    const index = ctx.slot.index;
    if (index && tree !== undefined && index.tree === tree) {
      ctx.slot.cleanAt = null;
      ctx.slot.index = await restoreWorktree(ctx.slot.path, at, index);
    } else {
      await resetSlot(ctx, at, tree);
    }
    ctx.slot.cleanAt = at;
  } catch (error) {
    // Cannot reset it: remove it rather than let the next job see this one's files.
    await dropSlotWorktree(ctx, reasonOf(error));
  }
}

/**
 * Removes the slot's worktree, whose state is unknown; the next job gets a new one. Never throws: what cannot be
 * removed is left to `ork clean`, with a warning.
 */
async function dropSlotWorktree(ctx: JobContext, reason: string): Promise<void> {
  const path = ctx.slot.path;
  ctx.slot.path = null;
  ctx.slot.index = null;
  ctx.slot.cleanAt = null;
  if (path === null) return;
  ctx.events.emit({ kind: "worktree-replaced", path, reason });
  try {
    await removeWorktree(ctx.root, path);
  } catch (error) {
    ctx.events.emit({
      kind: "warning",
      message: `could not remove the worktree ${path} (${reasonOf(error)}); 'ork clean' removes it`,
    });
  }
}

function watchForCancel(ctx: JobContext, id: string, cancel: AbortController): { stop(): void } {
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

function cancelled(ctx: JobContext, job: JobRef): JobOutcome {
  ctx.events.emit({ kind: "cancelled", job });
  return "cancelled";
}

async function requeue(ctx: JobContext, job: JobRef, reason: string): Promise<JobOutcome> {
  await ctx.queue.requeue(job.id, reason);
  ctx.events.emit({ kind: "requeued", job, reason });
  return "requeued";
}

/** Whether a failure of `kind` may spend one of the job's retries (see retry.ts). */
function mayRetry(ctx: JobContext, job: Job, kind: FailureKind): boolean {
  return retryAllowed(kind, ctx.config.orchestrator.retry_on, job.retry_count);
}

async function failed(
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
