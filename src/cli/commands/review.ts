import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { checkReason } from "../../queue/mod.ts";
import { type CliContext, examples, repoOption } from "../context.ts";
import { jobCommand } from "../job_command.ts";
import { printJson, queueFor } from "../workspace.ts";
import { jobIdArgument } from "../flags.ts";

/** `ork approve`: lets a job awaiting review land. */
export function approveCommand(ctx: CliContext): CommandUnknownOpts {
  const command = jobCommand(
    "approve",
    "let a job awaiting review land: the next runner lands its branch, tested again if the target moved",
  )
    .option("--json", "print the job record")
    .addHelpText(
      "after",
      examples("ork list --status awaiting_review", "ork diff 01kaz3x0q4", "ork approve 01kaz3x0q4"),
    )
    .action(async (positional, opts) => {
      const id = jobIdArgument(positional, opts.jobId, "ork approve <id>");
      const { queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const job = await queue.decide(id, { approve: true });
      if (opts.json) printJson(ctx, job);
      else {
        ctx.output.out(
          `approved ${job.id} (${job.description}): a runner lands it; none running? ork run --once`,
        );
      }
    });
  return command;
}

/** `ork reject`: fails a job awaiting review, for good. */
export function rejectCommand(ctx: CliContext): CommandUnknownOpts {
  const command = jobCommand(
    "reject",
    "fail a job awaiting review, without retry; its branch stays for a look",
  )
    .option("--reason <text>", "why, kept as the job's error")
    .option("--json", "print the job record")
    .addHelpText(
      "after",
      examples("ork reject 01kaz3x0q4", 'ork reject 01kaz3x0q4 --reason "changes the public API"'),
    )
    .action(async (positional, opts) => {
      const id = jobIdArgument(positional, opts.jobId, "ork reject <id>");
      const reason = checkReason(opts.reason, "--reason");
      const { queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const job = await queue.decide(id, { approve: false, reason });
      if (opts.json) printJson(ctx, job);
      else ctx.output.out(`rejected ${job.id} (${job.description}): failed, nothing of it lands`);
    });
  return command;
}
