import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { workspaceFor } from "../workspace.ts";

/** `ork init`: creates `.ork/` and the config files; idempotent. */
export function initCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("init")
    .description("create .ork/ and the config files in this repository (safe to run again)")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText("after", examples("ork init", "ork -C ~/src/app init"))
    .action(async (opts) => {
      const { initWorkspace } = await import("../../workspace/init.ts");
      const ws = await workspaceFor(ctx, repoOption(opts, command.parent?.opts()));
      const report = await initWorkspace(ws);
      const done: string[] = [];
      if (report.createdDirs.length > 0) done.push(`created ${report.createdDirs.join(", ")}`);
      if (report.wroteConfig.length > 0) done.push(`wrote ${report.wroteConfig.join(", ")}`);
      if (report.excluded.length > 0) {
        done.push(`added ${report.excluded.join(", ")} to ${report.excludeFile}`);
      }
      ctx.output.out(
        done.length > 0
          ? `initialised ork in ${ws.root}: ${done.join("; ")}`
          : `ork is already initialised in ${ws.root}; nothing to do`,
      );
    });
  return command;
}
