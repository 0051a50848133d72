/**
 * What every command gets: where to print, where it was started, and a slot for its exit code.
 *
 * @module
 */

import type { Output } from "./output.ts";

/** Shared state of one CLI invocation. */
export interface CliContext {
  /** Where the command prints. */
  readonly output: Output;
  /** The directory ork was started in. */
  readonly cwd: string;
  /** The exit code the command asks for (0 unless it sets one). */
  exitCode: number;
}

/** The `-C, --repo` flag every command takes, with its help text. */
export const REPO_FLAG = "-C, --repo <dir>";
/** Help text of {@link REPO_FLAG}. */
export const REPO_HELP = "work on the git repository at <dir> (as git -C)";

/** The `--repo` value given to a command or to `ork` before it. */
export function repoOption(
  opts: { repo?: string },
  parentOpts: { repo?: string } | undefined,
): string | undefined {
  return opts.repo ?? parentOpts?.repo;
}

/** Help text listing examples, appended to a command's `--help`. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join("\n")}`;
}
