/**
 * `ork run --dry-run`: what a run would do, in order, computed from a lock-free read of the queue. It writes
 * nothing at all: no lock file, no worktree, no branch, no ref, no log.
 *
 * @module
 */

import { join, relative } from "node:path";
import type { FsQueue } from "../queue/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { jobNames } from "./names.ts";
import { targetBranch } from "./runner.ts";
import { describeSandbox, detectSandbox } from "../sandbox/mod.ts";

/**
 * The plan as lines of text.
 *
 * @param ws the workspace
 * @param queue its queue
 * @param workers how many jobs would run at once
 */
export async function planRun(ws: Workspace, queue: FsQueue, workers: number): Promise<string[]> {
  const { branch, tip } = await targetBranch(ws);
  const pending = await queue.peek({ status: "pending" });
  const lines = [
    `dry run: ${pending.length} pending job(s), ${workers} at once, landing on ${branch} (now ${
      tip.slice(0, 12)
    })`,
  ];
  const now = new Date();
  pending.forEach((job, i) => {
    const names = jobNames(job, now);
    lines.push(`${i + 1}. ${job.id}  priority ${job.priority}  ${job.role}: ${job.description}`);
    lines.push(`   command:  ${job.command}`);
    lines.push(
      `   worktree: ${relative(ws.root, join(ws.paths.worktrees, names.worktree))}  branch: ${names.branch}`,
    );
  });
  const gates = ws.config.merge_gates;
  lines.push(
    gates.length === 0
      ? "gates: none (every job's work lands as it is)"
      : `gates, in order: ${gates.map((g) => `${g.name}${g.required ? "" : " (optional)"}`).join(", ")}`,
  );
  const parallel = Math.min(ws.config.landing.parallel ?? workers, workers);
  lines.push(
    `landing: ${ws.config.landing.strategy}, ` +
      (parallel === 1
        ? "one candidate tested at a time"
        : `up to ${parallel} candidates tested at once (merge train)`) +
      (ws.config.landing.batch > 1 ? `, up to ${ws.config.landing.batch} jobs in one candidate` : ""),
  );
  // As `ork run` would: `required` without a working bubblewrap refuses here too.
  lines.push(`sandbox: ${describeSandbox(await detectSandbox(ws.config.orchestrator.sandbox))}`);
  return lines;
}
