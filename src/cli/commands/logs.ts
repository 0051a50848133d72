import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { join } from "node:path";
import { InputError } from "../../errors/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { queueFor } from "../workspace.ts";
import { wholeNumberFlag } from "./enqueue.ts";

const decoder = new TextDecoder();

/** `ork logs`: a job's output, optionally following it until the job ends. */
export function logsCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("logs")
    .description("print a job's log (its command's and gates' output)")
    .argument("<id>", "the job id, or its first characters")
    .option("-f, --follow", "keep printing new output until the job ends")
    .option("-n, --tail <lines>", "only the last <lines> lines")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples("ork logs 01kaz3x0q4", "ork logs 01kaz3x0q4 --follow", "ork logs 01kaz3x0q4 --tail 20"),
    )
    .action(async (id, opts) => {
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const tail = wholeNumberFlag("--tail", opts.tail, "e.g. --tail 20");
      const job = await queue.get(id);
      const path = job.log_path ?? join(ws.paths.logs, `${job.id}.log`);
      let offset = 0;
      const printNew = async (first: boolean) => {
        let bytes: Uint8Array;
        try {
          bytes = await Deno.readFile(path);
        } catch (error) {
          if (error instanceof Deno.errors.NotFound) return;
          if (error instanceof Deno.errors.IsADirectory) {
            throw new InputError(
              `the log of job ${job.id} is not a file: ${path} is a folder`,
              "move that folder away; the job's output is written there as a file",
            );
          }
          throw error;
        }
        if (bytes.length <= offset) return;
        let text = decoder.decode(bytes.subarray(offset));
        offset = bytes.length;
        if (first && tail !== undefined) text = text.split("\n").slice(-tail - 1).join("\n");
        ctx.output.out(text.replace(/\n$/, ""));
      };
      await printNew(true);
      if (!opts.follow) {
        if (offset === 0) ctx.output.err(`ork: job ${job.id} has no output yet (${job.status})`);
        return;
      }
      for (;;) {
        const status = await queue.statusOf(job.id);
        await printNew(offset === 0);
        if (status !== "pending" && status !== "running") return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
  return command;
}
