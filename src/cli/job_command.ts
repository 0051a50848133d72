/**
 * What every command that acts on one job shares: the id as an argument or `--job-id` (the spec's spelling),
 * and `-C`.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { REPO_FLAG, REPO_HELP } from "./context.ts";

/**
 * A command named `name` taking one job: `[id]`, `--job-id <id>` and `-C, --repo <dir>`; the caller adds the
 * rest (its own flags, examples, the action, which reads the id with `jobIdArgument`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const command = jobCommand("show", "show one job");
 * assert.deepEqual(command.options.map((option) => option.long), ["--job-id", "--repo"]);
 * ```
 */
export function jobCommand(
  name: string,
  description: string,
): Command<[string | undefined], { jobId?: string; repo?: string }> {
  return new Command(name)
    .description(description)
    .argument("[id]", "the job id, or its first characters")
    .option("--job-id <id>", "the job id (same as the argument)")
    .option(REPO_FLAG, REPO_HELP);
}
