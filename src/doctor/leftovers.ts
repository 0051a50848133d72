/**
 * The `locks`, `worktrees` and `jobs` checks: what crashed runners and killed processes left behind. What
 * `ork clean` would do is asked of `ork clean` itself (`cleanRepo` as a dry run, which reads the jobs without
 * the lock and changes nothing), so doctor's "fix: ork clean" always matches what clean then does. Doctor adds
 * what clean does not handle: lock files of other names, a lock held far too long, and folders under the
 * worktree base that git does not know.
 *
 * @module
 */

import { join, relative, resolve } from "node:path";
import { listWorktrees } from "../git/mod.ts";
import { checkStale, describeHolder, staleReason } from "../lock/mod.ts";
import { FsQueue, type Job } from "../queue/mod.ts";
import { parseWorker, runnerAlive, runnerName, runnerOfLockName } from "../runner/identity.ts";
import { liveRunners } from "../runner/status.ts";
import type { Workspace } from "../workspace/mod.ts";
import { type Check, passed, warned } from "./check.ts";

/** The names of the three checks, in order. */
export const LEFTOVER_CHECKS = ["locks", "worktrees", "jobs"] as const;

/**
 * Locks every ork re-takes in normal use. A free one with a dead last holder is the normal state after any
 * command (the kernel dropped the lock when it exited), so it is not reported as stale.
 */
const SHARED_LOCKS = new Set(["queue.lock", "landing.lock"]);
// (And `env-<key>.lock`, each environment's: taken by whoever builds or copies it, never deleted.)

/** At most this many items are named in one message. */
const NAMED = 5;

function listed(items: readonly string[]): string {
  const more = items.length - NAMED;
  return items.slice(0, NAMED).join("; ") + (more > 0 ? `; and ${more} more` : "");
}

function entries(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

function realPathOr(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/**
 * Looks for what crashed runners left: locks, worktrees and jobs.
 *
 * @param ws the workspace; `ork init` must have run
 * @param now the current time in ms, for the age of a held lock
 * @returns the `locks`, `worktrees` and `jobs` checks, in that order
 * @throws {OrkError} `bad-input` when there is no target branch (ork clean needs one); `git-failed`
 */
export async function checkLeftovers(ws: Workspace, now: number = Date.now()): Promise<Check[]> {
  const queue = new FsQueue(ws.paths.queue, {
    archiveDir: ws.paths.archive,
    quarantineDir: ws.paths.quarantine,
    lockPath: join(ws.paths.locks, "queue.lock"),
  });
  const { cleanRepo, lastJobByWorktree } = await import("../runner/clean.ts");
  const plan = await cleanRepo(ws, queue, { dryRun: true });
  // Folders first, then git's list, then the jobs: a job records its worktree before creating it, so a folder
  // a live runner is creating right now is either registered or named by a job read after it.
  const base = resolve(ws.paths.worktrees);
  const folders = entries(base).filter((entry) => entry.isDirectory).map((entry) => join(base, entry.name));
  const registered = new Set((await listWorktrees(ws.root)).map((worktree) => worktree.path));
  const jobs = await queue.peek();
  const host = Deno.hostname();
  const stuck = jobs.filter((job) => job.status === "running" && plan.recovered.includes(job.id));
  return [
    locksCheck(ws, plan.locks, now),
    worktreesCheck(
      ws,
      plan.worktrees,
      folders,
      registered,
      lastJobByWorktree(jobs),
      stuck,
      host,
      plan.halfStored,
    ),
    jobsCheck(stuck),
  ];
}

function locksCheck(ws: Workspace, deadRunnerLocks: readonly string[], now: number): Check {
  const staleAfterSeconds = ws.config.orchestrator.stale_lock_timeout;
  const host = Deno.hostname();
  const found: string[] = deadRunnerLocks.map((path) => `${path} (its runner is gone)`);
  const fixes: string[] = deadRunnerLocks.length > 0 ? ["ork clean"] : [];
  for (const entry of entries(ws.paths.locks)) {
    // Runner locks are judged by ork clean above: held means the runner lives, however old.
    if (!entry.isFile || !entry.name.endsWith(".lock") || runnerOfLockName(entry.name, host) !== null) {
      continue;
    }
    const path = join(ws.paths.locks, entry.name);
    const shown = relative(ws.root, path);
    const status = checkStale(path, { staleAfterSeconds });
    if (status.held) {
      const since = status.holder === null ? NaN : Date.parse(status.holder.acquired_at);
      // A queue lock is held for milliseconds; held past the stale timeout, its holder is stuck, and every queue
      // command waits 30 s for it and exits 3. A live runner's merge train holds the landing lock while it has
      // jobs, however long that is.
      const trainOfLiveRunner = entry.name === "landing.lock" &&
        liveRunners(ws.paths.locks, host).some((runner) => runner.pid === status.holder?.pid);
      if (now - since > staleAfterSeconds * 1000 && !trainOfLiveRunner) {
        found.push(`${shown} held by ${describeHolder(status.holder)}, over ${staleAfterSeconds} s`);
        fixes.push(
          `if pid ${status.holder?.pid} is stuck, stop it; 'ork lock check-stale ${shown}' shows the holder`,
        );
      }
    } else if (status.stale && !SHARED_LOCKS.has(entry.name) && !/^env-[0-9a-f]+\.lock$/.test(entry.name)) {
      const why = staleReason(status.holder, { staleAfterSeconds, now }) ?? "stale";
      found.push(`${shown} is stale (${why})`);
      fixes.push(`ork lock clear ${shown}`);
    }
  }
  if (found.length === 0) return passed("locks", "no stale locks");
  return warned(
    "locks",
    `${found.length} lock${found.length === 1 ? "" : "s"} to look at: ${listed(found)}`,
    [...new Set(fixes)].join("; "),
  );
}

function worktreesCheck(
  ws: Workspace,
  orphans: readonly string[],
  folders: readonly string[],
  registered: ReadonlySet<string>,
  lastJobOf: ReadonlyMap<string, Job>,
  stuck: readonly Job[],
  host: string,
  halfStored: readonly string[],
): Check {
  const stuckIds = new Set(stuck.map((job) => job.id));
  const unknown = folders.filter((folder) => {
    if (registered.has(folder) || registered.has(realPathOr(folder))) return false;
    const owner = lastJobOf.get(folder);
    if (owner === undefined) return true;
    // A stuck job's recovery removes its folder; a live runner may be creating it right now.
    if (stuckIds.has(owner.id)) return false;
    const runner = parseWorker(owner.worker);
    return runner !== null && runnerAlive(ws.paths.locks, runner, host) === false;
  }).map((folder) => relative(ws.root, folder));
  const found = [
    ...orphans.map((path) => `${path} (no live runner owns it)`),
    ...unknown.map((path) => `${path} (a folder git does not know)`),
    ...halfStored.map((path) => `${path} (an environment a killed ork left half-stored)`),
  ];
  if (found.length === 0) return passed("worktrees", "no orphaned worktrees");
  const fixes = [
    ...(orphans.length > 0 || halfStored.length > 0 ? ["ork clean"] : []),
    ...(unknown.length > 0
      ? [`ork clean leaves folders git does not know: rm -rf ${unknown.join(" ")}`]
      : []),
  ];
  return warned(
    "worktrees",
    `${found.length} orphaned worktree${found.length === 1 ? "" : "s"}: ${listed(found)}`,
    fixes.join("; "),
  );
}

function jobsCheck(stuck: readonly Job[]): Check {
  if (stuck.length === 0) return passed("jobs", "no job stuck running");
  const named = stuck.map((job) => {
    const runner = parseWorker(job.worker);
    return `${job.id} (${runner === null ? job.worker : runnerName(runner)} is gone)`;
  });
  const one = stuck.length === 1;
  const them = one ? "it" : "them";
  return warned(
    "jobs",
    `${stuck.length} job${one ? "" : "s"} stuck running, ${one ? "its" : "their"} runner gone: ${
      listed(named)
    }`,
    `ork run --once puts ${them} back to pending and runs ${them} (ork clean only puts ${them} back)`,
  );
}
