/**
 * Shell completion scripts for `ork completions`, written from the commander program itself: a new command,
 * subcommand or option completes without a change here. What an option's or argument's value can be is read
 * from its placeholder (`--role <role>`, `[id]`, see `SOURCES` in `spec.ts`); values that live in the repository
 * (roles, merge gates, job ids) are not in the script but asked of `ork completions --list <list>` at
 * completion time, so they follow the repository the user is in.
 *
 * Loaded only by `ork completions`, so no other command pays for it.
 *
 * @module
 */

import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { bashScript } from "./bash.ts";
import { fishScript } from "./fish.ts";
import { commandSpecs, type Shell } from "./spec.ts";
import { zshScript } from "./zsh.ts";

export {
  type ArgumentSpec,
  type CommandSpec,
  commandSpecs,
  isShell,
  type OptionSpec,
  parseValueList,
  type Shell,
  SHELLS,
  type ValueList,
  type ValueSource,
} from "./spec.ts";

/**
 * The completion script for `shell`.
 *
 * @param shell bash, zsh or fish
 * @param program the root `ork` command, with its subcommands added
 * @returns the script, ending in a newline
 */
export function completionScript(shell: Shell, program: CommandUnknownOpts): string {
  const specs = commandSpecs(program);
  switch (shell) {
    case "bash":
      return bashScript(specs);
    case "zsh":
      return zshScript(specs);
    case "fish":
      return fishScript(specs);
  }
}
