import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, repoOption } from "../context.ts";
import { jobCommand } from "../job_command.ts";
import { printJson, queueFor } from "../workspace.ts";
import { jobIdArgument } from "../flags.ts";

/** `ork retry`: puts a failed job back in the queue. */
export function retryCommand(ctx: CliContext): CommandUnknownOpts {
  const command = jobCommand("retry", "put a failed job back in the queue, with its retries restored")
    .option("--json", "print the job record")
    .addHelpText("after", examples("ork retry 01kaz3x0q4", "ork list --status failed"))
    .action(async (positional, opts) => {
      const id = jobIdArgument(positional, opts.jobId, "ork retry <id>");
      const { queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const job = await queue.retry(id);
      if (opts.json) printJson(ctx, job);
      else ctx.output.out(`${job.id} is pending again (${job.description})`);
    });
  return command;
}
