/**
 * The first step of a job's run: where it runs, recorded before its worktree exists; the worktree at the
 * target's tip; its sandboxes, log and variables.
 *
 * @module
 */

import { join } from "node:path";
import type { AgentPreset } from "../config/mod.ts";
import { branchTip } from "../git/mod.ts";
import type { Job } from "../queue/mod.ts";
import { describeSandbox, sandboxFor } from "../sandbox/mod.ts";
import type { JobRef } from "./events.ts";
import { cancelled, type JobContext, type JobOutcome, type Run } from "./job_context.ts";
import { freeJobNames } from "./names.ts";
import { portBlock } from "./ports.ts";
import { writablePaths } from "./writable.ts";

/**
 * Records where the job runs, puts the worker's worktree at the target's tip, builds the sandboxes and writes
 * the log's header. An approved job keeps its branch, which holds the work it lands.
 *
 * @returns the run, or `cancelled` when the job was cancelled before it started
 */
export async function setUp(
  job: Job,
  ctx: JobContext,
  preset: AgentPreset | null,
  approved: { branch: string } | null = null,
): Promise<JobOutcome | Run> {
  const { queue, root } = ctx;
  const ref: JobRef = job;
  const base = await branchTip(root, ctx.target);
  const names = freeJobNames(job, ctx.paths.worktrees, ctx.slot.path);
  const branch = approved?.branch ?? names.branch;
  const worktree = join(ctx.paths.worktrees, names.worktree);
  const logPath = join(ctx.paths.logs, `${job.id}.log`);
  // Recorded before the worktree exists, so that `ork clean` always sees whose it is.
  const recorded = await queue.record(job.id, {
    branch,
    worktree,
    // An approved job's change is still shown against where its work began, not where it lands.
    base: approved === null ? base : job.base ?? base,
    log_path: logPath,
    sandbox: describeSandbox(ctx.sandbox),
  });
  if (recorded.status !== "running") return cancelled(ctx, ref);
  await ctx.slot.prepare(worktree, base);
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
  const what = approved === null
    ? `try ${job.retry_count + 1}: ${job.command}`
    : `approved: landing ${branch}, its command not run again`;
  await Deno.writeTextFile(
    logPath,
    `== ork: job ${job.id} (${job.role}) ${what}\n== in ${worktree} at ${base}\n`,
    {
      append: true,
    },
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
  return { job, ref, preset, base, branch, worktree, logPath, sandbox, jobSandbox, env };
}
