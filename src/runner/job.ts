/**
 * One job, start to end: its worktree (reused from the worker's previous job when there is one), its command in
 * a process group of its own, the commit of what it changed, its branch, and landing. Every outcome goes through
 * the queue's state machine; whatever happens, the job does not stay `running` and its worktree is left holding
 * nothing of it.
 *
 * @module
 */

import type { AgentPreset } from "../config/mod.ts";
import {
  commitAll,
  headOf,
  identityArgs,
  importJobObjects,
  incompleteJobHead,
  type JobCommit,
  setBranch,
} from "../git/mod.ts";
import { messageOf, OrkError } from "../errors/mod.ts";
import { type Job, MAX_COMMAND_BYTES } from "../queue/mod.ts";
import { checkCommand } from "../roles/mod.ts";
import { sandboxHint } from "../sandbox/mod.ts";
import type { JobRef } from "./events.ts";
import { execInGroup, type ExecOutcome } from "../process/mod.ts";
import { errorLine, logTail } from "../process/mod.ts";
import { stillIgnored } from "./environment.ts";
import { type Settled, settled, unwrap } from "./settled.ts";
import {
  cancelled,
  failed,
  type JobContext,
  type JobOutcome,
  mayRetry,
  prepareRun,
  type Ran,
  requeue,
  type Run,
  watchForCancel,
} from "./job_context.ts";
import { landApproved, landWork } from "./job_land.ts";
import { commandOutput, parkedBefore, usageLimit } from "./rate_limit.ts";
import { setUp } from "./job_setup.ts";

export type { JobContext, JobOutcome } from "./job_context.ts";

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
    await ctx.slot.wipe();
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
    await ctx.slot.wipe();
  }
}

async function runClaimed(job: Job, ctx: JobContext): Promise<JobOutcome> {
  // Approved in review: its branch lands; its command does not run again.
  if (job.approved_at !== null) return await landApproved(job, ctx);
  const admitted = await admit(job, ctx);
  if (typeof admitted === "string") return admitted;
  const run = await setUp(job, ctx, admitted.preset);
  if (typeof run === "string") return run;
  const ran = await runCommand(run, ctx);
  if (typeof ran === "string") return ran;
  const ended = await commandFailure(run, ctx, ran);
  if (ended !== null) return ended;
  const work = await commitWork(run, ctx, ran.environmentPaths);
  if (typeof work === "string") return work;
  return await landWork(run, ctx, work);
}

/**
 * The checks made again at claim (the config may have changed since enqueue, or the job file was written by
 * hand): the command's length, the role's verdict on it, the agent's preset.
 *
 * @returns the job's agent preset (null for a plain command), or how the job ended when it is refused
 */
async function admit(job: Job, ctx: JobContext): Promise<JobOutcome | { preset: AgentPreset | null }> {
  const ref: JobRef = job;
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
  return { preset };
}

/**
 * Gives the worktree its environment and runs the job's command in it, watching for a cancel.
 *
 * @returns what the command did, or how the job ended when its environment could not be made
 */
async function runCommand(run: Run, ctx: JobContext): Promise<JobOutcome | Ran> {
  const { queue, events } = ctx;
  const { job, ref, preset, base, worktree, logPath, jobSandbox, env } = run;
  const cancel = new AbortController();
  const watcher = watchForCancel(ctx, job.id, cancel);
  const signal = AbortSignal.any([cancel.signal, ctx.stop]);
  const timeoutSeconds = job.timeout ?? ctx.config.orchestrator.job_timeout;
  let outcome: ExecOutcome;
  // Awaited only once the command ends (see settled.ts).
  let recordingPid: Promise<Settled<unknown>> = settled(Promise.resolve());
  const recordPid = (pid: number): void => {
    // Recorded while the job runs, so that recovery after a SIGKILLed runner can stop what it left behind.
    recordingPid = settled(queue.record(job.id, { pid }));
  };
  let logSizeBefore: number;
  let environmentPaths: readonly string[] = [];
  try {
    const prepared = await prepareRun(run, ctx, {
      commit: base,
      signal,
      onStart: recordPid,
      record: "always",
    });
    unwrap(await recordingPid);
    if (!prepared.ok) {
      // What a failed setup left goes first: on a full disk, recording the failure needs the room.
      await ctx.slot.wipe();
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
  return { outcome, logSizeBefore, environmentPaths, timeoutSeconds, cancelled: cancel.signal.aborted };
}

/**
 * Whether the command's run ends the job: the runner stopped, a cancel, objects the job's sandbox wrote that
 * cannot be taken, a command that could not start, failed or timed out (its work kept on its branch).
 *
 * @returns how the job ended, or null when it goes on to be committed
 */
async function commandFailure(run: Run, ctx: JobContext, ran: Ran): Promise<JobOutcome | null> {
  const { job, ref, base, worktree, logPath, sandbox } = run;
  const { outcome, logSizeBefore, timeoutSeconds } = ran;
  if (ctx.stop.aborted) return await requeue(ctx, ref, "the runner was stopped while it ran");
  if (outcome.cancelled || ran.cancelled) return cancelled(ctx, ref);
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
  // Stopped by its agent's usage limit: parked until that resets, no retry spent (`rate_limit:`).
  if (!outcome.timedOut && outcome.exitCode !== 0) {
    const parked = await parkIfLimited(run, ctx, ran);
    if (parked !== null) return parked;
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
    await keepForInspection(ctx, job, worktree, run.branch, base, how);
    return await failed(ctx, ref, how, { exit_code: outcome.timedOut ? null : outcome.exitCode }, {
      retry: mayRetry(ctx, job, outcome.timedOut ? "timeout" : "command"),
    });
  }
  return null;
}

/**
 * Parks the job when its command failed on a usage limit (`rate_limit:`): pending again, claimed no sooner than
 * the limit resets, no retry spent. Null when it did not, or when it waited `max_waits` times already (the
 * limit then counts as its failure).
 */
async function parkIfLimited(run: Run, ctx: JobContext, ran: Ran): Promise<JobOutcome | null> {
  const settings = ctx.config.rate_limit;
  const output = await commandOutput(run.logPath, ran.logSizeBefore);
  const limit = usageLimit(settings, ran.outcome.exitCode, output);
  if (limit === null) return null;
  if (parkedBefore(run.job) >= settings.max_waits) {
    // Retrying at once would hit the same limit: the job fails for good, saying why.
    const why = `usage limit (${limit.why}) still there after waiting ${settings.max_waits} times ` +
      `(rate_limit.max_waits); ork retry ${run.job.id} once it has reset`;
    // As any failed command's, its work stays on its branch for a look.
    await keepForInspection(ctx, run.job, run.worktree, run.branch, run.base, why);
    return await failed(ctx, run.ref, why, { exit_code: ran.outcome.exitCode }, { retry: false });
  }
  const until = limit.until.toISOString();
  const note = `usage limit (${limit.why}); runs again at ${until}`;
  const parked = await ctx.queue.requeue(run.job.id, note, {
    parked_until: until,
    exit_code: ran.outcome.exitCode,
  });
  await Deno.writeTextFile(run.logPath, `== ork: ${note}\n`, { append: true });
  ctx.events.emit({ kind: "parked", job: run.ref, until, why: limit.why });
  return parked.status === "pending" ? "parked" : "cancelled";
}

/**
 * Commits what the job changed (refusing an environment's files it made tracked).
 *
 * @returns the job's head and ork's commit of it, or how the job ended (no changes: completed)
 */
async function commitWork(
  run: Run,
  ctx: JobContext,
  environmentPaths: readonly string[],
): Promise<JobOutcome | { head: string; committed: JobCommit | null }> {
  const { queue, root, events } = ctx;
  const { job, ref, base, worktree } = run;
  const exposed = environmentPaths.length === 0 ? null : await stillIgnored(worktree, environmentPaths);
  if (exposed !== null) return await failed(ctx, ref, exposed, { exit_code: 0 }, { retry: false });
  const committed = await commitAll(worktree, {
    message: `${job.role}: ${job.description}`,
    trailers: { "Ork-Job": job.id },
    identity: await identityArgs(root),
    clean: ctx.slot.index,
  });
  // With nothing to commit, HEAD may still hold commits the job made itself.
  const head = committed?.commit ?? await headOf(worktree);
  // The worktree holds exactly the new commit, which this copy describes: what a gate changes is found against it.
  if (committed !== null) ctx.slot.committed(committed.index);
  if (head === base) {
    await queue.complete(job.id, { landed: false, reason: "no changes" }, { exit_code: 0 });
    events.emit({ kind: "no-changes", job: ref });
    return "completed";
  }
  return { head, committed };
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
    clean: ctx.slot.index,
  });
  const head = await headOf(worktree);
  if (head !== base) await setBranch(ctx.root, branch, head);
}
