import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, repoOption } from "../context.ts";
import { jobCommand } from "../job_command.ts";
import { queueFor } from "../workspace.ts";
import { jobIdArgument } from "../flags.ts";

/** `ork diff`: a job's change through `git diff`, with the user's pager and diff settings. */
export function diffCommand(ctx: CliContext): CommandUnknownOpts {
  const command = jobCommand(
    "diff",
    "show a job's change with git diff: once landed, the landing; before, its branch against its base",
  )
    .option("--stat", "only the files and their line counts (git diff --stat)")
    .addHelpText("after", examples("ork diff 01kaz3x0q4", "ork diff 01kaz3x0q4 --stat"))
    .action(async (positional, opts) => {
      const id = jobIdArgument(positional, opts.jobId, "ork diff <id>");
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()), true);
      const job = await queue.get(id);
      const [{ jobChange }, { printDiff }] = await Promise.all([
        import("../../review/mod.ts"),
        import("../../git/mod.ts"),
      ]);
      const change = await jobChange(ws.root, job);
      await printDiff(ws.root, change.from, change.to, { stat: opts.stat === true });
    });
  return command;
}
