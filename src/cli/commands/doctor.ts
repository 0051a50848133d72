/**
 * `ork doctor [--json]`: checks what ork needs here and prints one line per check.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { CheckStatus, DoctorReport } from "../../doctor/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { ExitCode } from "../exit.ts";
import { type Output, style } from "../output.ts";
import { printJson } from "../workspace.ts";

const COLOUR = { ok: "green", warn: "yellow", fail: "red", skip: "dim" } as const satisfies Record<
  CheckStatus,
  Parameters<typeof style>[1]
>;

/**
 * The report as text: `<status>  <name>  <what was found>[; fix: <fix>]` per check, then a count.
 *
 * @param report what doctor found
 * @param output where it goes, for colour
 * @returns the lines
 */
export function doctorLines(report: DoctorReport, output: Output): string[] {
  const width = Math.max(...report.checks.map((check) => check.name.length));
  const lines = report.checks.map((check) => {
    const status = style(output, COLOUR[check.status], check.status.padEnd(4));
    const fix = check.fix === undefined ? "" : `; fix: ${check.fix}`;
    return `${status}  ${check.name.padEnd(width)}  ${check.message}${fix}`;
  });
  const count = (status: CheckStatus) => report.checks.filter((check) => check.status === status).length;
  const skipped = count("skip");
  lines.push(
    `ork doctor: ${count("ok")} ok, ${count("warn")} warn, ${count("fail")} fail` +
      (skipped > 0 ? `, ${skipped} skipped` : ""),
  );
  return lines;
}

/** `ork doctor`: checks git, the repository, config, sandbox, disk, locks, worktrees and stuck jobs. */
export function doctorCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("doctor")
    .description(
      "check that ork can work here: git, the repository, config, sandbox, disk, stale locks, orphaned " +
        "worktrees, stuck jobs; exit 1 if a check fails",
    )
    .option("--json", "print {checks: [{name, status, message, fix?}], ok}")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples(
        "ork doctor",
        "ork -C ~/src/app doctor",
        `ork doctor --json | jq -r '.checks[] | select(.fix) | "\\(.name): \\(.fix)"'`,
      ),
    )
    .action(async (opts) => {
      const { runDoctor } = await import("../../doctor/mod.ts");
      const report = await runDoctor({ repo: repoOption(opts, command.parent?.opts()), cwd: ctx.cwd });
      if (opts.json) printJson(ctx, report);
      else for (const line of doctorLines(report, ctx.output)) ctx.output.out(line);
      if (!report.ok) ctx.exitCode = ExitCode.failed;
    });
  return command;
}
