/**
 * Opening the repository and its queue for a command, with the "not initialised" refusal in one place.
 *
 * @module
 */

import { relative } from "node:path";
import { OrkError } from "../errors/mod.ts";
import { FsQueue } from "../queue/mod.ts";
import { openWorkspace, type Workspace } from "../workspace/mod.ts";
import type { CliContext } from "./context.ts";

/** The repository a command works on (from `-C/--repo` or the cwd), its config loaded. */
export function workspaceFor(
  ctx: CliContext,
  repo: string | undefined,
  readOnly = false,
): Promise<Workspace> {
  return openWorkspace({ repo, cwd: ctx.cwd, readOnly });
}

/**
 * The workspace and its queue, refusing when `ork init` has not been run (so ork never writes state that git
 * would show as untracked files).
 */
export async function queueFor(
  ctx: CliContext,
  repo: string | undefined,
  readOnly = false,
): Promise<{ ws: Workspace; queue: FsQueue }> {
  const ws = await workspaceFor(ctx, repo, readOnly);
  try {
    await Deno.stat(ws.paths.queue);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new OrkError(
      "not-initialised",
      `ork is not initialised in ${ws.root} (no ${relative(ws.root, ws.paths.queue) || "."} folder)`,
      "run 'ork init' there first",
    );
  }
  const queue = new FsQueue(ws.paths.queue, {
    archiveDir: ws.paths.archive,
    quarantineDir: ws.paths.quarantine,
    lockPath: `${ws.paths.locks}/queue.lock`,
    defaultMaxRetries: ws.config.orchestrator.max_retries,
    onWarning: (message) => ctx.output.err(`ork: warning: ${message}`),
  });
  return { ws, queue };
}

/** Prints a value as indented JSON. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.output.out(JSON.stringify(value, null, 2));
}
