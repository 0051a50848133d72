/**
 * `ork clean`: settles what crashed runners left (their jobs back to pending), removes worktrees no live runner
 * owns, prunes git's worktree records, deletes `ork/*` branches already merged into the target, and removes the
 * lock files of dead runners, and prunes kept environments no longer used. Shared locks (`queue.lock`, `landing.lock`) are never deleted: a free one is just
 * free, and deleting one races with a process about to take it.
 *
 * @module
 */

import { basename, dirname, join, relative, resolve } from "node:path";
import {
  branchesMatching,
  branchesMergedInto,
  deleteBranch,
  listWorktrees,
  pruneWorktrees,
  removeWorktree,
} from "../git/mod.ts";
import { environmentsToPrune, listEnvironments, removeEnvironment } from "../environment/mod.ts";
import { processAlive, tryAcquire } from "../lock/mod.ts";
import { type FsQueue, type Job, shortId } from "../queue/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { parseWorker, runnerAlive, runnerOfLockName } from "./identity.ts";
import { openEventLog } from "./events.ts";
import { recoverOrphans } from "./recover.ts";
import { isJobWorktree, ownedByJob } from "./names.ts";
import { targetBranch } from "./runner.ts";
import { setupWorktreePid } from "./setup.ts";
import { waitingRunner } from "./turns.ts";

/** What `ork clean` removed (or, with `dryRun`, would remove). */
export interface CleanReport {
  /** Jobs put back to pending because their runner died. */
  readonly recovered: string[];
  /** The worktrees of those jobs, which recovering them removes. */
  readonly recoveredWorktrees: string[];
  /** Worktrees removed. */
  readonly worktrees: string[];
  /** Branches deleted. */
  readonly branches: string[];
  /** Lock files of dead runners removed. */
  readonly locks: string[];
  /** Temp files of writes a killed ork left half-done in the job folders (never a job: jobs end in .json). */
  readonly temps: string[];
  /** Kept environments removed (`.ork/env/<key>`): all but the most recently used. */
  readonly environments: string[];
  /** Environments a dead ork left half-stored (`.ork/env/<key>.<pid>.<n>.tmp`), removed. */
  readonly halfStored: string[];
}

/** How many kept environments `ork clean` leaves: the current one and a few to go back to. */
export const KEPT_ENVIRONMENTS = 3;
/** An environment used this recently stays whatever its rank: a worktree may be getting its copy now. */
const ENVIRONMENT_IN_USE_MS = 60 * 60 * 1000;

/**
 * Settles the running jobs of runners that are gone, as the next `ork run` would (a job that had landed is
 * recorded completed, any other goes back to pending): for a command about to act on a running job, so that
 * it acts on the truth (`ork cancel` of a job that landed as its runner was killed must not record it
 * cancelled). Does nothing when the target branch cannot be told (a detached HEAD).
 */
export async function settleDeadRunnersJobs(ws: Workspace, queue: FsQueue): Promise<void> {
  const target = await targetBranch(ws).catch(() => null);
  if (target === null) return;
  using events = openEventLog(join(ws.paths.ork, "orchestrator.log"));
  await recoverOrphans({
    queue,
    root: ws.root,
    locksDir: ws.paths.locks,
    host: Deno.hostname(),
    target: target.branch,
    worktreesDir: ws.paths.worktrees,
    events,
  });
}

/**
 * Cancels a job as `ork cancel` and the dashboard do: the jobs of dead runners are settled first when it is
 * running (its runner may have died having landed it), so that a landed job is never recorded cancelled; a job
 * cancelled while it awaited review loses its branch.
 *
 * @returns the job, cancelled
 * @throws {OrkError} `invalid-transition` when it cannot be cancelled (finished, or landed meanwhile)
 */
export async function cancelJob(ws: Workspace, queue: FsQueue, id: string): Promise<Job> {
  const before = await queue.get(id);
  if (before.status === "running") await settleDeadRunnersJobs(ws, queue);
  const job = await queue.cancel(id);
  // A job cancelled in review keeps no branch, as one cancelled while it ran (only ork's own branch of it).
  if (
    before.status === "awaiting_review" && job.branch !== null &&
    ownedByJob({ ...job, worktree: null }, "").problem === null
  ) {
    await deleteBranch(ws.root, job.branch);
  }
  return job;
}

/**
 * Cleans up after runners. Longer than most: it reads the worktrees, branches and locks before the jobs, in
 * that order, so that nothing a live runner makes meanwhile is taken for a leftover; the order is the point.
 *
 * @param options `dryRun`: only say what would go
 * @throws {OrkError} `bad-input` when there is no target branch; `git-failed`
 */
export async function cleanRepo(
  ws: Workspace,
  queue: FsQueue,
  options: { dryRun: boolean },
): Promise<CleanReport> {
  const host = Deno.hostname();
  const locksDir = ws.paths.locks;
  const ownerAlive = (job: Job) => {
    const owner = parseWorker(job.worker);
    return owner === null || runnerAlive(locksDir, owner, host) !== false;
  };

  // Found before recovery, which removes the locks of the runners whose jobs it settles.
  // A dead runner's lock, and the mark its train left while it waited for the landing lock.
  const deadLocks = safeReadDir(locksDir)
    .filter((entry) => {
      const waiting = waitingRunner(entry.name, "landing.lock");
      const name = waiting === null ? entry.name : `${waiting}.lock`;
      const runner = runnerOfLockName(name, host);
      return runner !== null && runnerAlive(locksDir, runner, host) === false;
    })
    .map((entry) => join(locksDir, entry.name));
  const orphans = (await queue.peek({ status: "running" })).filter((job) => !ownerAlive(job));
  const { branch: target } = await targetBranch(ws);
  let recovered = orphans.map((job) => job.id);
  if (!options.dryRun) {
    using events = openEventLog(join(ws.paths.ork, "orchestrator.log"));
    recovered = (await recoverOrphans({
      queue,
      root: ws.root,
      locksDir,
      host,
      target,
      worktreesDir: ws.paths.worktrees,
      events,
    }))
      .map((job) => job.id);
  }

  // Worktrees are listed before the jobs are read: a job records its worktree's path before it creates it, so
  // every worktree seen here has its owner in the jobs read below, and a new job's worktree is never taken
  // for an orphan.
  const present = await listWorktrees(ws.root);
  // Branches too: a branch seen here was set after its job's claim, which the jobs read below then show.
  const ourBranches = await branchesMatching(ws.root, "ork/*");
  // A worktree belongs to the job that last recorded it; it is kept while that job's runner lives (a running
  // job's, or an idle worker's reused one).
  const jobs = options.dryRun ? await queue.peek() : await queue.list();
  // Recovery removes these worktrees itself; a dry run must not list them twice.
  const recoveredWorktrees = new Set(orphans.map((job) => job.worktree));
  const lastJobOf = lastJobByWorktree(jobs);
  const worktrees: string[] = [];
  for (const worktree of present) {
    // The worktree of an `ork setup` that died.
    const setupPid = dirname(worktree.path) === resolve(ws.paths.worktrees)
      ? setupWorktreePid(basename(worktree.path))
      : null;
    if (setupPid !== null && !processAlive(setupPid)) {
      if (!options.dryRun) await removeWorktree(ws.root, worktree.path);
      worktrees.push(relative(ws.root, worktree.path));
      continue;
    }
    if (!isJobWorktree(worktree, ws.paths.worktrees)) continue;
    // Recovery removes these (see recoveredWorktrees); a dry run must not list them twice.
    if (options.dryRun && recoveredWorktrees.has(worktree.path)) continue;
    const owner = lastJobOf.get(worktree.path);
    if (owner && ownerAlive(owner)) continue;
    if (!options.dryRun) await removeWorktree(ws.root, worktree.path);
    worktrees.push(relative(ws.root, worktree.path));
  }
  if (!options.dryRun) await pruneWorktrees(ws.root);

  // A branch checked out in a worktree (the user's, which clean keeps) is in use, merged or not.
  const checkedOut = new Set(present.map((worktree) => worktree.branch));
  const branches = (await leftoverBranches(ws.root, target, jobs, ourBranches)).filter((b) =>
    !checkedOut.has(b)
  );
  if (!options.dryRun) { for (const branch of branches) await deleteBranch(ws.root, branch); }

  for (const path of deadLocks) {
    if (!options.dryRun) await Deno.remove(path).catch(ignoreNotFound);
  }
  const locks = deadLocks.map((path) => relative(ws.root, path));
  // `<file>.<pid>.<n>.tmp` (or `<file>.<pid>.tmp`): the writer's pid is in the name; only a dead writer's go.
  const temps: string[] = [];
  for (const dir of [ws.paths.queue, ws.paths.archive]) {
    for (const entry of safeReadDir(dir)) {
      const writer = /\.(\d+)(?:\.\d+)?\.tmp$/.exec(entry.name)?.[1];
      if (!entry.isFile || writer === undefined || processAlive(Number(writer))) continue;
      if (!options.dryRun) await Deno.remove(join(dir, entry.name)).catch(ignoreNotFound);
      temps.push(relative(ws.root, join(dir, entry.name)));
    }
  }
  const { pruned, halves } = await pruneEnvironments(ws.paths.env, ws.paths.locks, options.dryRun);
  return {
    recovered,
    // What recovery removes (a record that is not ork's names nothing it may remove).
    recoveredWorktrees: orphans
      .filter((job) => job.worktree !== null && ownedByJob(job, ws.paths.worktrees).problem === null)
      .map((job) => relative(ws.root, job.worktree!)),
    worktrees,
    branches,
    locks,
    temps,
    environments: pruned.map((path) => relative(ws.root, path)),
    halfStored: halves.map((path) => relative(ws.root, path)),
  };
}

/** Removes the kept environments beyond the {@link KEPT_ENVIRONMENTS} most recently used, and dead writers' halves. */
async function pruneEnvironments(
  envDir: string,
  locksDir: string,
  dryRun: boolean,
): Promise<{ pruned: string[]; halves: string[] }> {
  const now = Date.now();
  const removed: string[] = [];
  const halves: string[] = [];
  const old = environmentsToPrune(await listEnvironments(envDir), KEPT_ENVIRONMENTS)
    .filter((stored) => now - stored.usedAt.getTime() > ENVIRONMENT_IN_USE_MS);
  for (const stored of old) {
    if (dryRun) {
      removed.push(stored.dir);
      continue;
    }
    // Not while a worktree is being given a copy of it, nor while it is being built again.
    using lock = tryAcquire(join(locksDir, `env-${stored.meta.key}.lock`), { purpose: "ork clean" });
    if (lock === null) continue;
    await removeEnvironment(envDir, stored.meta.key);
    removed.push(stored.dir);
  }
  for (const entry of safeReadDir(envDir)) {
    const writer = /\.(\d+)\.\d+\.tmp$/.exec(entry.name)?.[1];
    if (writer === undefined || processAlive(Number(writer))) continue;
    if (!dryRun) await Deno.remove(join(envDir, entry.name), { recursive: true }).catch(ignoreNotFound);
    halves.push(join(envDir, entry.name));
  }
  return { pruned: removed, halves };
}

/**
 * The `ork/*` branches nothing needs any more: merged into the target, of a job that landed (with `squash` the
 * branch is never merged), or of an earlier try of a finished job whose record names a later one. The branch a
 * failed job's last try kept stays, for `git log`; so do a branch no job record names and every branch of a
 * pending or running job (its record may not name the try under way yet).
 *
 * @param listed the `ork/*` branches, listed before `jobs` were read
 */
async function leftoverBranches(
  root: string,
  target: string,
  jobs: readonly Job[],
  listed: readonly string[],
): Promise<string[]> {
  const merged = new Set(await branchesMergedInto(root, target, "ork/*"));
  const byShortId = new Map<string, Job | null>();
  for (const job of jobs) {
    const short = shortId(job.id);
    byShortId.set(short, byShortId.has(short) ? null : job);
  }
  return listed.filter((branch) => {
    if (merged.has(branch)) return true;
    const job = byShortId.get(branch.slice(-8));
    if (!job || ownedByJob({ ...job, worktree: null, branch }, "").problem !== null) return false;
    if (job.status === "pending" || job.status === "running") return false;
    return job.landed_commit !== null && job.status === "completed" || job.branch !== branch;
  });
}

/** For each worktree path, the job that recorded it last (the latest `started_at`): its owner. */
export function lastJobByWorktree(jobs: readonly Job[]): Map<string, Job> {
  const lastJobOf = new Map<string, Job>();
  for (const job of jobs) {
    if (job.worktree === null) continue;
    const seen = lastJobOf.get(job.worktree);
    if (!seen || (job.started_at ?? "") > (seen.started_at ?? "")) lastJobOf.set(job.worktree, job);
  }
  return lastJobOf;
}

function safeReadDir(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}
