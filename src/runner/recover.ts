/**
 * Settling jobs whose runner died (SIGKILL, a crash, a reboot): they are `running`, but nobody runs them.
 * Whoever finds one (the next `ork run`, or `ork clean`) stops what the job left behind, removes its worktree
 * and puts it back to `pending`, so nothing stays stuck in `running` and nothing runs twice at the same time.
 *
 * @module
 */

import { OrkError } from "../errors/mod.ts";
import { removeWorktree } from "../git/mod.ts";
import type { FsQueue, Job } from "../queue/mod.ts";
import type { EventLog } from "./events.ts";
import { groupAlive, groupStartedWith, killGroup } from "./exec.ts";
import { parseWorker, runnerAlive, runnerLockPath, runnerName } from "./identity.ts";

/**
 * Finds running jobs whose runner is gone and puts them back to pending.
 *
 * @param ctx the queue, the repository root, the locks folder, this machine's name and where events go
 * @returns the jobs recovered
 */
export async function recoverOrphans(ctx: {
  queue: FsQueue;
  root: string;
  locksDir: string;
  host: string;
  events?: EventLog;
}): Promise<Job[]> {
  const recovered: Job[] = [];
  for (const job of await ctx.queue.list({ status: "running" })) {
    const owner = parseWorker(job.worker);
    // A job another program claimed, or one a runner on another machine runs: not ours to judge.
    if (owner === null || runnerAlive(ctx.locksDir, owner, ctx.host) !== false) continue;
    if (job.pid !== null) {
      if (groupStartedWith(job.pid, "ORK_JOB_ID", job.id) === false) {
        // The number was given to someone else's processes since: not ours to kill.
        ctx.events?.emit({
          kind: "warning",
          message: `not stopping process group ${job.pid} of job ${job.id}: its processes are not the job's`,
        });
      } else {
        await stopGroup(job.pid);
      }
    }
    if (job.worktree !== null) await removeWorktree(ctx.root, job.worktree);
    // Nobody holds or waits on a dead runner's own lock: it can go.
    await Deno.remove(runnerLockPath(ctx.locksDir, owner)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    try {
      const back = await ctx.queue.requeue(job.id, `recovered: ${runnerName(owner)} died while running it`);
      recovered.push(back);
      ctx.events?.emit({ kind: "recovered", job, runner: runnerName(owner) });
    } catch (error) {
      // Another runner starting at the same moment recovered it first.
      if (!(error instanceof OrkError && error.code === "invalid-transition")) throw error;
    }
  }
  return recovered;
}

/** Kills what is left of a job's process group and waits until it is gone. */
async function stopGroup(pgid: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  try {
    killGroup(pgid, "SIGKILL");
  } catch (error) {
    // Not ours to signal (another user's processes have the number now): nothing of the job is left there.
    if (error instanceof Deno.errors.PermissionDenied) return;
    throw error;
  }
  for (let waited = 0; groupAlive(pgid) && waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
