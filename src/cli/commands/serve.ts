import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { wholeNumberFlag } from "../flags.ts";
import { queueFor } from "../workspace.ts";

/** `ork serve`: the local dashboard, until Ctrl-C. */
export function serveCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("serve")
    .description(
      "a dashboard on 127.0.0.1: the queue, the train, each job's diff and live log, approve/reject",
    )
    .option("--port <n>", "the port to listen on; 0: any free one", "0")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText("after", examples("ork serve", "ork serve --port 7428", "ork serve -C ~/src/app --port 0"))
    .action(async (opts) => {
      const port = wholeNumberFlag(
        "--port",
        opts.port,
        "e.g. --port 7428, or 0 for any free port",
        0,
        65_535,
      );
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()), true);
      const { startDashboard } = await import("../../serve/mod.ts");
      const dashboard = startDashboard(ws, queue, port ?? 0);
      ctx.output.out(`ork serve: ${dashboard.url} (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          Deno.removeSignalListener("SIGINT", stop);
          Deno.removeSignalListener("SIGTERM", stop);
          resolve();
        };
        Deno.addSignalListener("SIGINT", stop);
        Deno.addSignalListener("SIGTERM", stop);
      });
      await dashboard.close();
    });
  return command;
}
