/**
 * `ork completions bash|zsh|fish` prints a shell completion script; the hidden `ork completions --list <list>`
 * is what those scripts call when completing, for the roles, gates and job ids of the repository at hand.
 *
 * @module
 */

import { Command, type CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { InputError } from "../../errors/mod.ts";
import { type CliContext, examples } from "../context.ts";
import type { ValueList } from "../completions/mod.ts";

const SHELL_HINT = "ork completions writes a script for bash, zsh or fish, e.g. 'ork completions bash'";

/** The lines `--list` prints, `value<TAB>description`, from the repository's config or queue. */
async function listLines(ctx: CliContext, list: ValueList, repo: string | undefined): Promise<string[]> {
  // Loaded here: generating a script needs neither the config nor the queue.
  const { queueFor, workspaceFor } = await import("../workspace.ts");
  const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
  if (list.what === "jobs") {
    const { queue } = await queueFor(ctx, repo, true);
    const jobs = await queue.list();
    return jobs
      .filter((job) => list.statuses.includes(job.status))
      .map((job) => `${job.id}\t${job.status}: ${oneLine(job.description)}`);
  }
  const ws = await workspaceFor(ctx, repo, true);
  if (list.what === "roles") {
    return Object.keys(ws.config.roles).sort().map((name) =>
      `${name}\t${oneLine(ws.config.roles[name]!.description)}`
    );
  }
  return ws.config.merge_gates.map((gate) => `${gate.name}\t${oneLine(gate.command ?? gate.type)}`);
}

/**
 * Prints the values of a list for a completion script. Whatever goes wrong (outside a repository, no
 * `ork init`, a broken config) prints nothing: the user is at a prompt pressing TAB, where an error message
 * would only garble the line. `ORK_DEBUG=1` lets the error through, to find out why nothing completes.
 */
async function printList(ctx: CliContext, name: string, repo: string | undefined): Promise<void> {
  const { parseValueList } = await import("../completions/mod.ts");
  const list = parseValueList(name);
  if (list === null) return;
  const quiet: CliContext = { ...ctx, output: { out: () => {}, err: () => {}, color: false } };
  let lines: string[];
  try {
    lines = await listLines(quiet, list, repo);
  } catch (error) {
    if (Deno.env.get("ORK_DEBUG")) throw error;
    return;
  }
  for (const line of lines) ctx.output.out(line);
}

/** `ork completions`: the completion script for a shell. */
export function completionsCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("completions")
    .description("print a completion script for bash, zsh or fish (commands, options, roles, job ids)")
    .argument("[shell]", "bash, zsh or fish")
    .addOption(new Option("--list <list>", "print roles, gates or jobs[:status,...] for a script").hideHelp())
    .addHelpText(
      "after",
      examples(
        "ork completions bash > ~/.local/share/bash-completion/completions/ork",
        `ork completions zsh > "\${fpath[1]}/_ork"`,
        "ork completions fish > ~/.config/fish/completions/ork.fish",
      ),
    )
    .action(async (shell, opts) => {
      const root = command.parent;
      if (opts.list !== undefined) {
        const repo = root?.opts().repo;
        return await printList(ctx, opts.list, typeof repo === "string" ? repo : undefined);
      }
      if (shell === undefined) throw new InputError("no shell given", SHELL_HINT);
      // The generator reads the whole command tree; only this command loads it.
      const { completionScript, isShell } = await import("../completions/mod.ts");
      if (!isShell(shell)) throw new InputError(`unknown shell ${JSON.stringify(shell)}`, SHELL_HINT);
      ctx.output.out(completionScript(shell, root ?? command).replace(/\n$/, ""));
    });
  return command;
}
