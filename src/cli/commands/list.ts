import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type Job, JOB_STATUSES } from "../../queue/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { style } from "../output.ts";
import { printJson, queueFor } from "../workspace.ts";
import { statusFlag } from "../flags.ts";
import { formatAge, table } from "../table.ts";

/** `ork list`: the jobs, pending ones in the order they will run. */
export function listCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("list")
    .description("list jobs: history first, then running, then pending in the order they will run")
    .option("--status <status>", `only jobs with this status (${JOB_STATUSES.join(", ")})`)
    .option("--json", "print an array of job records, in the same order")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples("ork list", "ork list --status pending", "ork list --status failed --json"),
    )
    .action(async (opts) => {
      const { queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const status = statusFlag(opts.status);
      // A look changes nothing: an invalid job file is reported, not quarantined.
      const jobs = await queue.peek({ status });
      if (opts.json) return printJson(ctx, jobs);
      if (jobs.length === 0) return ctx.output.out(status ? `no ${status} jobs` : "no jobs");
      const rows = [["ID", "PRI", "STATUS", "ROLE", "AGE", "DESCRIPTION"]];
      for (const job of jobs) {
        rows.push([
          job.id,
          String(job.priority),
          job.status,
          job.role,
          formatAge(job.created_at),
          job.description,
        ]);
      }
      const [header, ...lines] = table(rows);
      ctx.output.out(style(ctx.output, "bold", header!));
      jobs.forEach((job, i) => ctx.output.out(colorByStatus(ctx, job, lines[i]!)));
    });
  return command;
}

function colorByStatus(ctx: CliContext, job: Job, line: string): string {
  switch (job.status) {
    case "failed":
      return style(ctx.output, "red", line);
    case "running":
      return style(ctx.output, "yellow", line);
    case "awaiting_review":
      return style(ctx.output, "cyan", line);
    case "completed":
      return style(ctx.output, "green", line);
    case "cancelled":
      return style(ctx.output, "dim", line);
    case "pending":
      return line;
  }
}
