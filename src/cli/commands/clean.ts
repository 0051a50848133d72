import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { printJson, queueFor } from "../workspace.ts";

/** `ork clean`: removes what crashed or finished runners left behind. */
export function cleanCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("clean")
    .description(
      "recover jobs of dead runners; remove stale worktrees, merged ork/* branches, dead runners' locks, " +
        "unused environments",
    )
    .option("--dry-run", "print what would be removed, remove nothing")
    .option(
      "--json",
      "print {recovered, recoveredWorktrees, worktrees, branches, locks, temps, environments, halfStored}",
    )
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText("after", examples("ork clean", "ork clean --dry-run"))
    .action(async (opts) => {
      const dryRun = opts.dryRun === true;
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()), dryRun);
      const { cleanRepo } = await import("../../runner/clean.ts");
      const report = await cleanRepo(ws, queue, { dryRun });
      if (opts.json) return printJson(ctx, report);
      const verb = (done: string, would: string) => (dryRun ? would : done);
      const lines = [
        ...report.recovered.map((id) => `${verb("recovered", "would recover")} job ${id} (its runner died)`),
        ...report.recoveredWorktrees.map((path) =>
          `${verb("removed", "would remove")} worktree ${path} (of a recovered job)`
        ),
        ...report.worktrees.map((path) => `${verb("removed", "would remove")} worktree ${path}`),
        ...report.branches.map((branch) =>
          `${verb("deleted", "would delete")} branch ${branch} (merged, landed, or an earlier try's)`
        ),
        ...report.locks.map((path) => `${verb("removed", "would remove")} lock ${path} (its runner is gone)`),
        ...report.temps.map((path) =>
          `${verb("removed", "would remove")} ${path} (a write a killed ork left)`
        ),
        ...report.environments.map((path) =>
          `${verb("removed", "would remove")} environment ${path} (not among the last used)`
        ),
        ...report.halfStored.map((path) =>
          `${verb("removed", "would remove")} ${path} (an environment a killed ork left half-stored)`
        ),
      ];
      for (const line of lines.length > 0 ? lines : ["nothing to clean"]) ctx.output.out(line);
    });
  return command;
}
