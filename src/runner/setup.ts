/**
 * `ork setup`: the environment of the target's tip, built or checked by hand.
 *
 * @module
 */

import { join } from "node:path";
import { InputError } from "../errors/mod.ts";
import { addWorktree, removeWorktree } from "../git/mod.ts";
import { detectSandbox, sandboxFor } from "../sandbox/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { type EnvironmentResult, prepareEnvironment } from "./environment.ts";
import { portBlock } from "./ports.ts";
import { targetBranch } from "./runner.ts";
import { assertWritableOutside, writablePaths } from "./writable.ts";

/** What `ork setup` did. */
export interface SetupReport {
  /** The target branch. */
  readonly target: string;
  /** Its tip, whose environment was prepared. */
  readonly commit: string;
  /** How it went (see {@link prepareEnvironment}). */
  readonly result: EnvironmentResult;
  /** Setup's output and ork's lines about it. */
  readonly logPath: string;
}

/**
 * `ork setup`: makes sure the environment for the target's tip is kept, running setup (in a worktree of its own,
 * in the sandbox, as a runner would) when it is not, or always with `rebuild`. The worktree is removed after.
 *
 * @throws {OrkError} `bad-input` when `environment.setup` is not set, or there is no target branch
 */
export async function setupForTarget(ws: Workspace, options: { rebuild: boolean }): Promise<SetupReport> {
  const setup = ws.config.environment.setup;
  if (setup === null) {
    throw new InputError(
      "environment.setup is not set in config/orchestrator.yaml: there is no environment to build",
      'set environment.setup to the command that prepares a worktree, such as "npm ci"',
    );
  }
  await assertWritableOutside(ws.config, ws);
  const { branch, tip } = await targetBranch(ws);
  const sandbox = await detectSandbox(ws.config.orchestrator.sandbox);
  const worktree = join(ws.paths.worktrees, setupWorktreeName(Deno.pid));
  await Deno.mkdir(ws.paths.logs, { recursive: true });
  const logPath = join(ws.paths.logs, "setup.log");
  await Deno.writeTextFile(logPath, `== ork setup for ${branch} at ${tip}\n`, { append: true });
  const clean = await addWorktree(ws.root, worktree, tip);
  try {
    const confined = await sandboxFor(sandbox, ws.root, worktree, {
      extraWritable: await writablePaths(ws.config, null, [], ws),
    });
    const result = await prepareEnvironment({
      root: ws.root,
      settings: ws.config.environment,
      envDir: ws.paths.env,
      locksDir: ws.paths.locks,
      worktree,
      commit: tip,
      clean,
      logPath,
      env: { ORK_WORKTREE: worktree, ORK_BASE: tip, ORK_PORT: String(portBlock()) },
      ...(confined === undefined ? {} : { sandbox: confined }),
      rebuild: options.rebuild,
    });
    return { target: branch, commit: tip, result, logPath };
  } finally {
    await removeWorktree(ws.root, worktree);
  }
}

/** `ork-setup.<pid>.<time>`: no job's name, so that runners leave it alone; `ork clean` removes it once its pid is gone. */
export function setupWorktreeName(pid: number, now: Date = new Date()): string {
  return `ork-setup.${pid}.${now.getTime().toString(36)}`;
}

/** The pid in a name {@link setupWorktreeName} made, or null for any other name. */
export function setupWorktreePid(name: string): number | null {
  const match = /^ork-setup\.(\d+)\.[0-9a-z]+$/.exec(name);
  return match ? Number(match[1]) : null;
}
