/**
 * `ork lock check-stale <path>` and `ork lock clear <path>`: look into a lock that seems stuck, and remove one
 * its holder left behind.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import type { LockStatus } from "../../lock/mod.ts";

/** The `--repo` given to `ork` itself, two levels up (`ork -C dir lock clear ...`). */
function rootOpts(cmd: CommandUnknownOpts): { repo?: string } {
  const repo = cmd.parent?.parent?.opts().repo;
  return typeof repo === "string" ? { repo } : {};
}

/**
 * The lock path and the stale timeout for a subcommand. The path is taken as `git -C` would: relative to the
 * `--repo` directory when one is given, else to where ork was started.
 */
async function locate(
  ctx: CliContext,
  path: string,
  repo: string | undefined,
): Promise<{ file: string; staleAfterSeconds: number }> {
  // Loaded here, not at the top, so that other commands do not pay for the config parser.
  const { openWorkspace } = await import("../../workspace/mod.ts");
  const ws = await openWorkspace({ repo, cwd: ctx.cwd });
  return {
    file: resolve(ctx.cwd, repo ?? ".", path),
    staleAfterSeconds: ws.config.orchestrator.stale_lock_timeout,
  };
}

/** One human line: `<path>: missing | free | held by ... | stale (why)`. */
async function describe(shown: string, status: LockStatus, staleAfterSeconds: number): Promise<string> {
  const { describeHolder, staleReason } = await import("../../lock/mod.ts");
  if (!status.exists) return `${shown}: missing`;
  if (status.held) return `${shown}: held by ${describeHolder(status.holder)}`;
  if (status.stale) {
    // The reason is worked out again for display; if the holder changed in between, say no more than "stale".
    const why = staleReason(status.holder, { staleAfterSeconds });
    return why === null ? `${shown}: stale` : `${shown}: stale (${why})`;
  }
  const last = status.holder === null ? "" : ` (last held by ${describeHolder(status.holder)})`;
  return `${shown}: free${last}`;
}

function checkStaleCommand(ctx: CliContext) {
  return new Command("check-stale")
    .description("report whether a lock file is missing, free, held by a live process, or stale")
    .argument("<path>", "the lock file, e.g. .ork/locks/queue.lock")
    .option(REPO_FLAG, REPO_HELP)
    .option("--json", "print the status as JSON: path, exists, held, stale, holder")
    .addHelpText(
      "after",
      examples(
        "ork lock check-stale .ork/locks/queue.lock",
        "ork lock check-stale .ork/locks/queue.lock --json",
      ),
    )
    .action(async (path, opts, cmd) => {
      const { file, staleAfterSeconds } = await locate(ctx, path, repoOption(opts, rootOpts(cmd)));
      const { checkStale } = await import("../../lock/mod.ts");
      // A path that is not a lock file (README.md, a folder) is refused with exit 2, naming it as given.
      const status = checkStale(file, { staleAfterSeconds, shown: path });
      if (opts.json) {
        const { exists, held, stale, holder } = status;
        ctx.output.out(JSON.stringify({ path: status.path, exists, held, stale, holder }, null, 2));
      } else {
        ctx.output.out(await describe(path, status, staleAfterSeconds));
      }
      // A report, not a test: the exit code stays 0 whatever the lock's state.
    });
}

function clearCommand(ctx: CliContext) {
  return new Command("clear")
    .description("remove a lock file that no live process holds (stale, or left behind)")
    .argument("<path>", "the lock file, e.g. .ork/locks/queue.lock")
    .option(REPO_FLAG, REPO_HELP)
    .option(
      "--force",
      "remove it even while a live process holds it, or when its content is not a holder's record (dangerous: the next ork takes the lock while the old holder still runs)",
    )
    .addHelpText(
      "after",
      examples(
        "ork lock clear .ork/locks/queue.lock",
        "ork lock clear .ork/locks/queue.lock --force   # only once the holder is known to be hung",
      ),
    )
    .action(async (path, opts, cmd) => {
      const { file, staleAfterSeconds } = await locate(ctx, path, repoOption(opts, rootOpts(cmd)));
      const { clearLock, describeHolder, staleReason } = await import("../../lock/mod.ts");
      // A live holder makes this throw LockBusyError, which the CLI reports as exit 3; a path that is not a lock
      // file, or one whose content ork did not write (unless --force), an InputError (exit 2). Either removes nothing.
      const status = clearLock(file, { staleAfterSeconds, force: opts.force === true, shown: path });
      if (!status.exists) {
        ctx.output.out(`${path}: missing, nothing to remove`);
      } else if (status.held) {
        ctx.output.out(
          `removed ${path} while ${describeHolder(status.holder)} still held it (--force); ` +
            "that process still believes it holds the lock",
        );
      } else if (status.stale) {
        const why = staleReason(status.holder, { staleAfterSeconds });
        ctx.output.out(`removed stale ${path}${why === null ? "" : ` (${why})`}`);
      } else {
        const last = status.holder === null ? "" : ` (last held by ${describeHolder(status.holder)})`;
        ctx.output.out(`removed free ${path}${last}`);
      }
    });
}

/**
 * Builds `ork lock` with its subcommands `check-stale` and `clear`.
 *
 * @param ctx the CLI invocation's output, cwd and exit code
 * @returns the `lock` command
 */
export function lockCommand(ctx: CliContext): Command {
  return new Command("lock")
    .description("inspect and clear ork's lock files")
    .addCommand(checkStaleCommand(ctx))
    .addCommand(clearCommand(ctx))
    .addHelpText(
      "after",
      examples("ork lock check-stale .ork/locks/queue.lock --json", "ork lock clear .ork/locks/queue.lock"),
    );
}
