import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { JobReport } from "../../review/mod.ts";
import { type CliContext, examples, repoOption } from "../context.ts";
import { jobCommand } from "../job_command.ts";
import { printJson, queueFor } from "../workspace.ts";
import { jobIdArgument } from "../flags.ts";
import { table } from "../table.ts";

/** `ork show`: one job's record, tries, gates and the files its change touches. */
export function showCommand(ctx: CliContext): CommandUnknownOpts {
  const command = jobCommand(
    "show",
    "show one job: its record, each try, its gates with durations, the files it changed",
  )
    .option("--json", "print {job, tries, gates, change}")
    .addHelpText("after", examples("ork show 01kaz3x0q4", "ork show 01kaz3x0q4 --json | jq .change.files"))
    .action(async (positional, opts) => {
      const id = jobIdArgument(positional, opts.jobId, "ork show <id>");
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()), true);
      const job = await queue.get(id);
      const { jobReport } = await import("../../review/mod.ts");
      const report = await jobReport(ws.root, job);
      if (opts.json) printJson(ctx, report);
      else for (const line of reportLines(report)) ctx.output.out(line.trimEnd());
    });
  return command;
}

/** The report as text. */
function reportLines({ job, tries, gates, change }: JobReport): string[] {
  const field = (name: string, value: string | number | null) =>
    value === null || value === "" ? [] : [[`  ${name}`, String(value)]];
  const lines = [`job ${job.id}: ${job.status}${job.error ? ` (${job.error})` : ""}`];
  lines.push(...table([
    ...field("role", job.role),
    ...field("description", job.description),
    ...field("command", job.command),
    ...field("agent", job.agent),
    ...field("priority", job.priority),
    ...field("unique", job.unique),
    ...field("after", job.after.join(", ")),
    ...field("created", job.created_at),
    ...field("started", job.started_at),
    ...field("finished", job.finished_at),
    ...field("retries", `${job.retry_count} of ${job.max_retries}`),
    ...field("branch", job.branch),
    ...field("base", job.base),
    ...field("landed", job.landed_commit),
    ...field("log", job.log_path),
  ]));
  if (tries.length > 0) {
    lines.push("tries:");
    lines.push(...table(tries.map((t) => [
      `  ${t.try}.`,
      t.outcome,
      t.error ?? "",
      t.branch === null ? "" : `branch ${t.branch}`,
    ])));
  }
  if (gates.length > 0) {
    lines.push("gates:");
    lines.push(...table(gates.map((gate) => [
      `  ${gate.name}`,
      gate.passed ? "passed" : gate.required ? "failed" : "failed (optional)",
      `${(gate.duration_ms / 1000).toFixed(1)}s`,
      gate.error ?? "",
    ])));
  }
  if ("none" in change) {
    lines.push(`change: none to show (${change.none})`);
    return lines;
  }
  const count = (n: number | null) => (n === null ? "binary" : String(n));
  const added = change.files.reduce((sum, file) => sum + (file.added ?? 0), 0);
  const deleted = change.files.reduce((sum, file) => sum + (file.deleted ?? 0), 0);
  lines.push(
    `change: ${change.what}, ${change.files.length} file(s), +${added} -${deleted} (ork diff ${job.id})`,
  );
  lines.push(...table(change.files.map((file) => [
    `  ${file.path}`,
    `+${count(file.added)}`,
    `-${count(file.deleted)}`,
  ])));
  return lines;
}
