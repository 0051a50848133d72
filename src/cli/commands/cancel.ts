import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, repoOption } from "../context.ts";
import { jobCommand } from "../job_command.ts";
import { printJson, queueFor } from "../workspace.ts";
import { jobIdArgument } from "../flags.ts";

/** `ork cancel`: cancels a pending, running or awaiting-review job. */
export function cancelCommand(ctx: CliContext): CommandUnknownOpts {
  const command = jobCommand(
    "cancel",
    "cancel a pending, running or awaiting-review job (whole id or unique prefix)",
  )
    .option("--json", "print the job record")
    .addHelpText("after", examples("ork cancel 01kaz3x0q4", "ork cancel --job-id 01kaz3x0q4mk2p7h3r6wq9y8ve"))
    .action(async (positional, opts) => {
      const id = jobIdArgument(positional, opts.jobId, "ork cancel <id>");
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const { cancelJob } = await import("../../runner/clean.ts");
      const job = await cancelJob(ws, queue, id);
      if (opts.json) printJson(ctx, job);
      else ctx.output.out(`cancelled ${job.id} (${job.description})`);
    });
  return command;
}
