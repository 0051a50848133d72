import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { InputError } from "../../errors/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { printJson, queueFor } from "../workspace.ts";
import { plainDecimal } from "../flags.ts";

/** `ork clear`: deletes archived jobs older than some days. */
export function clearCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("clear")
    .description("delete archived (completed, failed, cancelled) jobs finished more than <days> days ago")
    .requiredOption("--max-age <days>", "age in days; 0 deletes every archived job")
    .option("--json", "print the deleted job records")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText("after", examples("ork clear --max-age 7", "ork clear --max-age 0"))
    .action(async (opts) => {
      const days = plainDecimal(opts.maxAge);
      if (days === undefined) {
        throw new InputError(
          `--max-age must be a number of days >= 0, got ${JSON.stringify(opts.maxAge)}`,
          "e.g. --max-age 7; 0 deletes all archived jobs",
        );
      }
      const { queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const removed = await queue.clear({ maxAgeDays: days });
      if (opts.json) return printJson(ctx, removed);
      const what = removed.length === 1 ? "1 archived job" : `${removed.length} archived jobs`;
      ctx.output.out(days === 0 ? `deleted ${what}` : `deleted ${what} finished more than ${days} days ago`);
    });
  return command;
}
