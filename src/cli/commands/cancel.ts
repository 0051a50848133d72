import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { printJson, queueFor } from "../workspace.ts";
import { jobIdArgument } from "../flags.ts";

/** `ork cancel`: cancels a pending or running job. */
export function cancelCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("cancel")
    .description("cancel a pending or running job (whole id or unique prefix)")
    .argument("[id]", "the job id, or its first characters")
    .option("--job-id <id>", "the job id (same as the argument)")
    .option("--json", "print the job record")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText("after", examples("ork cancel 01kaz3x0q4", "ork cancel --job-id 01kaz3x0q4mk2p7h3r6wq9y8ve"))
    .action(async (positional, opts) => {
      const id = jobIdArgument(positional, opts.jobId, "ork cancel <id>");
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      if ((await queue.get(id)).status === "running") {
        // Its runner may be dead, having landed it: settled first, as the next run would.
        const { settleDeadRunnersJobs } = await import("../../runner/clean.ts");
        await settleDeadRunnersJobs(ws, queue);
      }
      const job = await queue.cancel(id);
      if (opts.json) printJson(ctx, job);
      else ctx.output.out(`cancelled ${job.id} (${job.description})`);
    });
  return command;
}
