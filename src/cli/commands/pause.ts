import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { printJson, queueFor } from "../workspace.ts";

/** `ork pause`: runners claim no new job until `ork resume`; running jobs finish and land. */
export function pauseCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("pause")
    .description("stop runners claiming new jobs (running ones finish and land) until ork resume")
    .option("--json", "print {paused: {since}, already}")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText("after", examples("ork pause", "ork pause && ork status"))
    .action(async (opts) => {
      const { ws } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const { pauseQueue } = await import("../../runner/pause.ts");
      const { pause, already } = pauseQueue(ws.paths.ork);
      if (opts.json) return printJson(ctx, { paused: pause, already });
      ctx.output.out(
        already
          ? `already paused since ${pause.since}; ork resume lifts it`
          : "paused: runners claim no new job; running ones finish and land (ork resume to go on)",
      );
    });
  return command;
}

/** `ork resume`: lifts `ork pause`. */
export function resumeCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("resume")
    .description("let runners claim jobs again after ork pause")
    .option("--json", "print {resumed: {since} | null}")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText("after", examples("ork resume", "ork resume --json"))
    .action(async (opts) => {
      const { ws } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const { resumeQueue } = await import("../../runner/pause.ts");
      const lifted = resumeQueue(ws.paths.ork);
      if (opts.json) return printJson(ctx, { resumed: lifted });
      ctx.output.out(lifted === null ? "not paused" : `resumed (paused since ${lifted.since})`);
    });
  return command;
}
