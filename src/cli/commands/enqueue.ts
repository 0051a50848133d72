import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { InputError } from "../../errors/mod.ts";
import { checkNewJob, MAX_TIMEOUT_SECONDS, type NewJob } from "../../queue/mod.ts";
import { assertCommandAllowed } from "../../roles/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { printJson, queueFor } from "../workspace.ts";

/**
 * A flag's value as a whole number >= `minimum` (0 unless given), or a one-line refusal naming the flag.
 *
 * @param flag the flag, as the user types it (`--priority`)
 * @param value what was given, if anything
 * @param hint how to fix a refused value
 * @param minimum the smallest value accepted
 * @returns the number, or undefined when the flag was not given
 * @throws {InputError} for anything but decimal digits (spaces around them aside) or a value below `minimum`
 */
export function wholeNumberFlag(
  flag: string,
  value: string | undefined,
  hint: string,
  minimum = 0,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(number) || number < minimum) {
    throw new InputError(`${flag} must be a whole number >= ${minimum}, got ${JSON.stringify(value)}`, hint);
  }
  return number;
}

/**
 * A plain decimal number (`30`, `1.5`, ` 5 `), or undefined for anything else: no sign, exponent, hex,
 * binary or octal prefix, `Infinity`, or empty text, which `Number()` would all accept.
 */
export function plainDecimal(value: string): number | undefined {
  const number = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined;
  return number !== undefined && Number.isFinite(number) ? number : undefined;
}

/** A flag's value as a number of seconds > 0, or a one-line refusal naming the flag. */
export function secondsFlag(flag: string, value: string | undefined, example: number): number | undefined {
  if (value === undefined) return undefined;
  const seconds = plainDecimal(value);
  if (seconds === undefined || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new InputError(
      `${flag} must be a number of seconds > 0 and <= ${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(value)}`,
      `e.g. ${flag} ${example}`,
    );
  }
  return seconds;
}

const FLAG_NAMES = {
  role: "--role",
  description: "--desc",
  command: "--cmd",
  priority: "--priority",
  timeout: "--timeout",
  max_retries: "--max-retries",
} as const;

/** `ork enqueue`: adds a job to the queue and prints its id. */
export function enqueueCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("enqueue")
    .description("add a job to the queue; prints its id")
    .requiredOption("--role <role>", "the agent role (see config/agent_roles.yaml)")
    .requiredOption("--desc <text>", "what the job does; becomes the commit message")
    .requiredOption("--cmd <command>", "the shell command line to run in the job's worktree")
    .option("--priority <n>", "lower runs first: 0-9 critical, 10-49 high, 50-99 normal, 100+ low", "50")
    .option("--timeout <seconds>", "stop the job after this long (default: job_timeout from the config)")
    .option("--max-retries <n>", "automatic retries after a failure (default: max_retries from the config)")
    .option("--json", "print the whole job record as JSON")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples(
        `ork enqueue --role bug-catcher --desc "Fix test failures" --cmd "pytest tests/ -x" --priority 10`,
        `ork enqueue --role style-warden --desc "Format" --cmd "ruff format ." --timeout 300`,
        `id=$(ork enqueue --role test-weaver --desc "Add tests" --cmd "pytest tests/ --create")`,
      ),
    )
    .action(async (opts) => {
      // The config first, as git does: a broken config file is reported before anything about the flags.
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const input: NewJob = {
        role: opts.role,
        description: opts.desc,
        command: opts.cmd,
        priority: wholeNumberFlag(
          "--priority",
          opts.priority,
          "use 0-9 critical, 10-49 high, 50-99 normal, 100+ low",
        ),
        timeout: secondsFlag("--timeout", opts.timeout, 600),
        max_retries: wholeNumberFlag(
          "--max-retries",
          opts.maxRetries,
          "e.g. --max-retries 2; 0 means no retry",
        ),
      };
      checkNewJob(input, {}, FLAG_NAMES);
      await assertCommandAllowed(ws.config, opts.role, opts.cmd);
      const job = queue.enqueueSync(input);
      if (opts.json) printJson(ctx, job);
      else ctx.output.out(job.id);
    });
  return command;
}
