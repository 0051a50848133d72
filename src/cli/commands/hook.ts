/**
 * `ork hook install` and `ork hook uninstall`: the git pre-commit hook that runs `ork gates --staged`.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";

/** The `--repo` given to `ork` itself, two levels up (`ork -C dir hook install`). */
function rootOpts(cmd: CommandUnknownOpts): { repo?: string } {
  const repo = cmd.parent?.parent?.opts().repo;
  return typeof repo === "string" ? { repo } : {};
}

/** The repository's top folder, from `--repo` or the cwd; no config is needed to write a hook. */
async function rootFor(ctx: CliContext, repo: string | undefined): Promise<string> {
  const { resolve } = await import("node:path");
  const { findRepoRoot } = await import("../../git/mod.ts");
  return findRepoRoot(repo === undefined ? ctx.cwd : resolve(ctx.cwd, repo));
}

function installCommand(ctx: CliContext) {
  return new Command("install")
    .description("write .git/hooks/pre-commit (or into core.hooksPath) to run `ork gates --staged`")
    .option("--force", "replace a pre-commit hook that is not ork's")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples("ork hook install", "ork hook install --force   # replaces another tool's pre-commit hook"),
    )
    .action(async (opts, cmd) => {
      const root = await rootFor(ctx, repoOption(opts, rootOpts(cmd)));
      const { installHook } = await import("../../gates/hook.ts");
      const done = await installHook(root, { force: opts.force === true });
      const was = {
        none: "",
        ork: " (replaced ork's earlier hook)",
        other: " (replaced the hook that was there)",
      };
      ctx.output.out(`installed ${done.path}${was[done.replaced]}: commits now run 'ork gates --staged'`);
    });
}

function uninstallCommand(ctx: CliContext) {
  return new Command("uninstall")
    .description("remove ork's pre-commit hook")
    .option("--force", "remove the pre-commit hook even when it is not ork's")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples(
        "ork hook uninstall",
        "ork hook uninstall --force   # also removes another tool's pre-commit hook",
      ),
    )
    .action(async (opts, cmd) => {
      const root = await rootFor(ctx, repoOption(opts, rootOpts(cmd)));
      const { uninstallHook } = await import("../../gates/hook.ts");
      const done = await uninstallHook(root, { force: opts.force === true });
      ctx.output.out(
        done.removed ? `removed ${done.path}` : `no pre-commit hook at ${done.path}, nothing to remove`,
      );
    });
}

/**
 * Builds `ork hook` with its subcommands `install` and `uninstall`.
 *
 * @param ctx the CLI invocation's output, cwd and exit code
 * @returns the `hook` command
 */
export function hookCommand(ctx: CliContext): Command {
  return new Command("hook")
    .description("install or remove the git pre-commit hook that runs the merge gates on each commit")
    .addCommand(installCommand(ctx))
    .addCommand(uninstallCommand(ctx))
    .addHelpText("after", examples("ork hook install", "ork hook uninstall"));
}
