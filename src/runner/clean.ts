/**
 * `ork clean`: settles what crashed runners left (their jobs back to pending), removes worktrees no live runner
 * owns, prunes git's worktree records, deletes `ork/*` branches already merged into the target, and removes the
 * lock files of dead runners. Shared locks (`queue.lock`, `landing.lock`) are never deleted: a free one is just
 * free, and deleting one races with a process about to take it.
 *
 * @module
 */

import { join, relative, resolve } from "node:path";
import {
  branchesMergedInto,
  deleteBranch,
  listWorktrees,
  pruneWorktrees,
  removeWorktree,
} from "../git/mod.ts";
import type { FsQueue, Job } from "../queue/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { parseWorker, runnerAlive } from "./identity.ts";
import { recoverOrphans } from "./recover.ts";
import { targetBranch } from "./runner.ts";

/** What `ork clean` removed (or, with `dryRun`, would remove). */
export interface CleanReport {
  /** Jobs put back to pending because their runner died. */
  readonly recovered: string[];
  /** Worktrees removed. */
  readonly worktrees: string[];
  /** Branches deleted. */
  readonly branches: string[];
  /** Lock files of dead runners removed. */
  readonly locks: string[];
}

/**
 * Cleans up after runners.
 *
 * @param options `dryRun`: only say what would go
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

  const recovered = options.dryRun
    ? (await queue.peek({ status: "running" })).filter((job) => !ownerAlive(job)).map((job) => job.id)
    : (await recoverOrphans({ queue, root: ws.root, locksDir, host })).map((job) => job.id);

  // A worktree belongs to the job that last recorded it; it is kept while that job's runner lives (a running
  // job's, or an idle worker's reused one).
  const jobs = options.dryRun ? await queue.peek() : await queue.list();
  const lastJobOf = new Map<string, Job>();
  for (const job of jobs) {
    if (job.worktree === null) continue;
    const seen = lastJobOf.get(job.worktree);
    if (!seen || (job.started_at ?? "") > (seen.started_at ?? "")) lastJobOf.set(job.worktree, job);
  }
  const base = resolve(ws.paths.worktrees) + "/";
  const worktrees: string[] = [];
  for (const worktree of await listWorktrees(ws.root)) {
    if (!worktree.path.startsWith(base) || worktree.locked) continue;
    const owner = lastJobOf.get(worktree.path);
    if (owner && ownerAlive(owner)) continue;
    if (!options.dryRun) await removeWorktree(ws.root, worktree.path);
    worktrees.push(relative(ws.root, worktree.path));
  }
  if (!options.dryRun) await pruneWorktrees(ws.root);

  const { branch: target } = await targetBranch(ws);
  const branches = await branchesMergedInto(ws.root, target, "ork/*");
  if (!options.dryRun) { for (const branch of branches) await deleteBranch(ws.root, branch); }

  const locks: string[] = [];
  for (const entry of safeReadDir(locksDir)) {
    const match = /^runner-(\d+)-(\d+)\.lock$/.exec(entry.name);
    if (!match) continue;
    if (runnerAlive(locksDir, { pid: Number(match[1]), startedMs: Number(match[2]), host }, host) !== false) {
      continue;
    }
    if (!options.dryRun) await Deno.remove(join(locksDir, entry.name)).catch(ignoreNotFound);
    locks.push(relative(ws.root, join(locksDir, entry.name)));
  }
  return { recovered, worktrees, branches, locks };
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
