import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { InputError } from "../../errors/mod.ts";
import { type Job, JOB_STATUSES, type JobStatus } from "../../queue/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { style } from "../output.ts";
import { printJson, queueFor } from "../workspace.ts";

/** `--status` as a job status, or a one-line refusal listing the statuses. */
export function statusFlag(value: string | undefined): JobStatus | undefined {
  if (value === undefined) return undefined;
  if ((JOB_STATUSES as readonly string[]).includes(value)) return value as JobStatus;
  throw new InputError(`--status must be one of ${JOB_STATUSES.join(", ")}; got ${JSON.stringify(value)}`);
}

/** A short age: 42s, 5m, 3h, 2d. */
export function formatAge(fromIso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** Lays out rows as left-aligned columns two spaces apart; the last column is not padded. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")
  );
}

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
    case "completed":
      return style(ctx.output, "green", line);
    case "cancelled":
      return style(ctx.output, "dim", line);
    case "pending":
      return line;
  }
}
