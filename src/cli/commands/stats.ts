import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { JOB_STATUSES } from "../../queue/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { printJson, queueFor } from "../workspace.ts";
import { table } from "../table.ts";

/** `ork stats`: how many jobs there are per status. */
export function statsCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("stats")
    .description("count jobs per status")
    .option("--json", "print {pending, running, awaiting_review, completed, failed, cancelled, total}")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText("after", examples("ork stats", "ork stats --json | jq .pending"))
    .action(async (opts) => {
      const { queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const stats = await queue.stats();
      if (opts.json) return printJson(ctx, stats);
      const rows = [...JOB_STATUSES, "total" as const].map((status) => [status, String(stats[status])]);
      for (const line of table(rows)) ctx.output.out(line);
    });
  return command;
}
