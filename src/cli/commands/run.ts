import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { queueFor } from "../workspace.ts";
import { secondsFlag, wholeNumberFlag } from "../flags.ts";
import { InputError } from "../../errors/mod.ts";
import { isParked } from "../../queue/mod.ts";

/** `ork run`: runs queued jobs in worktrees and lands what passes the gates. */
export function runCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("run")
    .description("run queued jobs, each in its own worktree, and land the work that passes the merge gates")
    .option("--workers <n>", "jobs at once (default: max_concurrent from the config)")
    .option("--once", "stop when nothing is pending (for cron); exit 1 if any job failed")
    .option("--dry-run", "print what would run, in order, and change nothing")
    .option("--poll <seconds>", "how often an idle daemon looks for new jobs", "1")
    .option("-v, --verbose", "also print each event to stderr")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples(
        "ork run --once                 # run everything pending, then exit (cron: */5 * * * * cd /repo && ork run --once)",
        "ork run --workers 3            # a daemon: run jobs as they arrive, until Ctrl-C",
        "ork run --dry-run              # show the plan; changes nothing",
      ),
    )
    .action(async (opts) => {
      const repo = repoOption(opts, command.parent?.opts());
      const dryRun = opts.dryRun === true;
      const { ws, queue } = await queueFor(ctx, repo, dryRun);
      const workers = wholeNumberFlag("--workers", opts.workers, "e.g. --workers 3", 1) ??
        ws.config.orchestrator.max_concurrent;
      if (workers < 1) {
        throw new InputError(`--workers must be at least 1, got ${workers}`, "e.g. --workers 3");
      }
      const pollSeconds = secondsFlag("--poll", opts.poll, 1) ?? 1;
      if (dryRun) {
        const { planRun } = await import("../../runner/plan.ts");
        for (const line of await planRun(ws, queue, workers)) ctx.output.out(line);
        return;
      }
      const { runQueue } = await import("../../runner/runner.ts");
      const report = await runQueue(ws, queue, {
        workers,
        once: opts.once === true,
        pollSeconds,
        verbose: opts.verbose === true,
        stderr: ctx.output.err,
      });
      const { completed, failed, retrying, cancelled, requeued } = report.outcomes;
      // What is left: every job awaiting review (a person's to decide) and every one parked after a usage limit.
      const left = await queue.peek();
      const waiting = left.filter((job) => job.status === "awaiting_review").length;
      const parked = left.filter((job) => isParked(job)).map((job) => job.parked_until!).sort();
      ctx.output.out(
        `ork run: ${completed} completed, ${failed} failed` +
          (retrying ? `, ${retrying} retried` : "") + (cancelled ? `, ${cancelled} cancelled` : "") +
          (requeued ? `, ${requeued} put back to pending` : "") +
          (waiting
            ? `; ${waiting} awaiting review (ork list --status awaiting_review, then ork approve <id>)`
            : "") +
          (parked.length
            ? `; ${parked.length} parked after a usage limit, the first until ${parked[0]}`
            : ""),
      );
      ctx.exitCode = report.exitCode;
    });
  return command;
}
