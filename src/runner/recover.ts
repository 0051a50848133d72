/**
 * Settling jobs whose runner died (SIGKILL, a crash, a reboot): they are `running`, but nobody runs them.
 * Whoever finds one (the next `ork run`, or `ork clean`) stops what the job left behind, removes its worktree
 * and puts it back to `pending`, so nothing stays stuck in `running` and nothing runs twice at the same time.
 *
 * @module
 */

import { OrkError, reasonOf } from "../errors/mod.ts";
import {
  currentBranch,
  deleteBranch,
  fastForwardCheckout,
  headCommit,
  isOnBranch,
  listWorktrees,
  previousTip,
  removeWorktree,
  resolveCommit,
} from "../git/mod.ts";
import type { FsQueue, Job } from "../queue/mod.ts";
import type { EventLog } from "./events.ts";
import { liveRunners } from "./status.ts";
import { isJobWorktree, ownedByJob } from "./names.ts";
import { groupAlive, groupStartedWith, killGroup } from "../process/mod.ts";
import { parseWorker, runnerAlive, runnerLockPath, runnerName } from "./identity.ts";
import { delay } from "../time/mod.ts";

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
  /** The branch work lands on: a job that had landed when its runner died is recorded landed, not run again. */
  target: string;
  /** Where job worktrees are (`worktree_base`): recovery removes none elsewhere. */
  worktreesDir: string;
  events?: EventLog;
}): Promise<Job[]> {
  const recovered: Job[] = [];
  const running = await ctx.queue.list({ status: "running" });
  for (const job of running) {
    const owner = parseWorker(job.worker);
    // A job another program claimed, or one a runner on another machine runs: not ours to judge.
    if (owner === null || runnerAlive(ctx.locksDir, owner, ctx.host) !== false) continue;
    // The record says what to remove: a record naming the user's files or branches was not written by ork, and
    // nothing it names is touched.
    const problem = ownedByJob(job, ctx.worktreesDir).problem ?? await sharedOrLinked(job, running);
    if (problem !== null) {
      try {
        await ctx.queue.quarantine(job.id, `not recovered: ${problem}; nothing it names was touched`);
      } catch (error) {
        // Another ork recovering at the same moment moved it first.
        if (error instanceof OrkError && error.code === "job-not-found") continue;
        throw error;
      }
      ctx.events?.emit({
        kind: "warning",
        message: `job ${job.id} was not recovered: ${problem}; its file is in quarantine and nothing it ` +
          "names was touched",
      });
      continue;
    }
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
    if (job.worktree !== null) await removeOrWarn(ctx, job.worktree);
    // Nobody holds or waits on a dead runner's own lock: it can go.
    await Deno.remove(runnerLockPath(ctx.locksDir, owner)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    try {
      // Killed between moving the target and recording it: the candidate recorded just before the move is on the
      // target, and running the job again would land it twice.
      if (job.landed_commit !== null && await isOnBranch(ctx.root, job.landed_commit, ctx.target)) {
        recovered.push(await settleLanded(ctx, job, job.landed_commit, runnerName(owner)));
        continue;
      }
      const back = await ctx.queue.requeue(job.id, `recovered: ${runnerName(owner)} died while running it`, {
        landed_commit: null,
      });
      recovered.push(back);
      ctx.events?.emit({ kind: "recovered", job, runner: runnerName(owner) });
    } catch (error) {
      // Another runner starting at the same moment recovered it first.
      if (!(error instanceof OrkError && error.code === "invalid-transition")) throw error;
    }
  }
  return recovered;
}

/**
 * Why a job's record, whose names are its own, still may not steer recovery: another running job records the
 * same worktree or branch (a hand-made record borrowing a live job's id ending), or its worktree is a symlink
 * (git would follow it into another folder). Null when neither.
 */
async function sharedOrLinked(job: Job, running: readonly Job[]): Promise<string | null> {
  const other = running.find((peer) =>
    peer.id !== job.id &&
    ((job.worktree !== null && peer.worktree === job.worktree) ||
      (job.branch !== null && peer.branch === job.branch))
  );
  if (other) return `job ${other.id} records the same worktree or branch`;
  if (job.worktree === null) return null;
  try {
    if ((await Deno.lstat(job.worktree)).isSymlink) return `its worktree ${job.worktree} is a symlink`;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory)) throw error;
  }
  return null;
}

/**
 * Removes job worktrees that a dead runner left behind after its job ended (killed between recording the job and
 * wiping or removing its worktree), when this runner is the only live one here: then every worktree not of a
 * running job is such a leftover. With other runners alive an idle worker's worktree cannot be told from a
 * leftover without reading every archived job, so `ork clean` is left to do it.
 *
 * @param ctx the repository, its worktree folder, the locks folder, this runner's name, and the queue
 * @returns the worktrees removed
 */
export async function removeLeftoverWorktrees(ctx: {
  root: string;
  worktreesDir: string;
  locksDir: string;
  host: string;
  self: string;
  queue: FsQueue;
}): Promise<string[]> {
  // In this order: a runner holds its lock before it makes a worktree, and a job names its worktree before the
  // worktree exists; so a worktree listed here belongs to a runner seen alive below, or to a job read below.
  const present = await listWorktrees(ctx.root);
  if (liveRunners(ctx.locksDir, ctx.host).some((runner) => runner.name !== ctx.self)) return [];
  const owned = new Set((await ctx.queue.peek({ status: "running" })).map((job) => job.worktree));
  const removed: string[] = [];
  for (const worktree of present) {
    if (!isJobWorktree(worktree, ctx.worktreesDir) || owned.has(worktree.path)) continue;
    if (await removeOrWarn(ctx, worktree.path)) removed.push(worktree.path);
  }
  return removed;
}

/**
 * Records a job whose candidate is on the target as completed, deletes its branch, and brings the user's
 * checkout forward if the runner died before it could (when the target is checked out and still at the landed
 * commit; where that would overwrite local changes, a warning says so and the checkout is left as it is).
 */
async function settleLanded(
  ctx: { queue: FsQueue; root: string; target: string; events?: EventLog },
  job: Job,
  landed: string,
  runner: string,
): Promise<Job> {
  const done = await ctx.queue.complete(job.id, { landed: true, gates: [], recovered: true }, {
    exit_code: 0,
    landed_commit: landed,
    error: null,
  });
  if (job.branch !== null) await deleteBranch(ctx.root, job.branch);
  ctx.events?.emit({
    kind: "warning",
    message: `job ${job.id} had landed (${landed.slice(0, 12)}) when ${runner} died; recorded completed`,
  });
  if ((await currentBranch(ctx.root)) === ctx.target && (await headCommit(ctx.root)) === landed) {
    // The checkout still holds the tip before the landing: for a batch, that is before its first job, not the
    // landed commit's first parent (the candidate of the job ahead of it in the batch).
    const from = await previousTip(ctx.root, ctx.target) ?? await resolveCommit(ctx.root, `${landed}^1`);
    const checkout = await fastForwardCheckout(ctx.root, from, landed);
    if (!checkout.ok) {
      ctx.events?.emit({
        kind: "warning",
        message: `your checkout was not brought forward to ${landed.slice(0, 12)} (local changes in ` +
          `${checkout.files.join(", ")}); commit or stash them, then 'git read-tree -m -u ${from} ${landed}'`,
      });
    }
  }
  return done;
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
    await delay(20);
  }
}

/**
 * Removes a dead runner's worktree; one that cannot go yet (a copy the dead runner started still writes into it)
 * is left, with a warning, for `ork clean` or the next run: the jobs must be settled whatever becomes of it.
 *
 * @returns whether it was removed
 */
async function removeOrWarn(ctx: { root: string; events?: EventLog }, worktree: string): Promise<boolean> {
  try {
    await removeWorktree(ctx.root, worktree);
    return true;
  } catch (error) {
    // A refusal (the record names the user's checkout, say) is no leftover: recovery stops on it.
    if (error instanceof OrkError && error.code === "bad-input") throw error;
    const reason = reasonOf(error);
    ctx.events?.emit({
      kind: "warning",
      message: `could not remove ${worktree} (${reason}); 'ork clean' removes it later`,
    });
    return false;
  }
}
