import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { ExitCode } from "../exit.ts";
import { printJson, queueFor } from "../workspace.ts";

/** `ork setup`: builds or checks the environment for the target's tip (`environment:` in the config). */
export function setupCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("setup")
    .description("build the worktree environment for the target's tip, unless it is kept already")
    .option("--rebuild", "run environment.setup again even when its result is kept")
    .option("--json", "print {target, commit, result, logPath}")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      "\nSetup runs as a runner runs it: in a worktree of its own, in the sandbox, with the network. Its output\n" +
        "goes to .ork/logs/setup.log; what it made is kept under .ork/env/ for every job with the same inputs.\n" +
        examples("ork setup", "ork setup --rebuild"),
    )
    .action(async (opts) => {
      const { ws } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const { setupForTarget } = await import("../../runner/setup.ts");
      const report = await setupForTarget(ws, { rebuild: opts.rebuild === true });
      ctx.exitCode = report.result.ok ? ExitCode.ok : ExitCode.failed;
      if (opts.json) return printJson(ctx, report);
      if (report.result.ok) {
        ctx.output.out(`${report.result.summary} (${report.target} at ${report.commit.slice(0, 12)})`);
      } else {
        ctx.output.err(`ork: ${report.result.error}`);
        ctx.output.err(`ork: setup's output is in ${report.logPath}`);
      }
    });
  return command;
}
