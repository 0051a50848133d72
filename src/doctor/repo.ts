/**
 * The checks about the repository itself: is there one, has `ork init` run in it, and does the branch work
 * lands on exist.
 *
 * @module
 */

import { relative, resolve } from "node:path";
import { OrkError } from "../errors/mod.ts";
import { findRepoRoot, resolveCommit, targetBranchName } from "../git/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { type Check, failed, passed, warned } from "./check.ts";

/**
 * Finds the repository as every command does (`-C` as `git -C`, else the directory ork started in; from a
 * linked worktree, its main worktree).
 *
 * @param opts `repo`: the `-C/--repo` value; `cwd`: where ork was started
 * @returns the `repository` check, and the root when one was found
 */
export function checkRepository(opts: { repo?: string; cwd: string }): { check: Check; root: string | null } {
  try {
    const root = findRepoRoot(opts.repo === undefined ? opts.cwd : resolve(opts.cwd, opts.repo));
    return { check: passed("repository", root), root };
  } catch (error) {
    if (!(error instanceof OrkError)) throw error;
    return { check: failed("repository", error.message, error.hint), root: null };
  }
}

/**
 * Whether `ork init` has run: the queue folder exists, as the queue commands require.
 *
 * @param ws the workspace
 * @returns the `init` check (a warning before `ork init`: nothing is broken, there is just nothing yet)
 */
export async function checkInit(ws: Workspace): Promise<{ check: Check; initialised: boolean }> {
  const queue = relative(ws.root, ws.paths.queue) || ws.paths.queue;
  try {
    await Deno.stat(ws.paths.queue);
    return { check: passed("init", `initialised (${queue} exists)`), initialised: true };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return {
      check: warned("init", `ork is not initialised in ${ws.root} (no ${queue} folder)`, "ork init"),
      initialised: false,
    };
  }
}

/**
 * The branch work lands on, by `ork run`'s rule: `orchestrator.target_branch`, else the branch checked out in
 * the main worktree; it must exist.
 *
 * @param ws the workspace
 * @returns the `target-branch` check
 */
export async function checkTarget(ws: Workspace): Promise<Check> {
  const name = "target-branch";
  const { branch, configured } = await targetBranchName(ws.root, ws.config.orchestrator.target_branch);
  if (branch === null) {
    return failed(
      name,
      "no target branch: the main worktree has a detached HEAD and orchestrator.target_branch is not set",
      "check out a branch, or set orchestrator.target_branch in config/orchestrator.yaml",
    );
  }
  const source = configured ? "orchestrator.target_branch" : "checked out in the main worktree";
  try {
    const tip = await resolveCommit(ws.root, `refs/heads/${branch}`);
    return passed(name, `${branch} (${source}) at ${tip.slice(0, 12)}`);
  } catch (error) {
    if (!(error instanceof OrkError && error.code === "bad-input")) throw error;
  }
  return !configured
    ? failed(
      name,
      `${branch} (${source}) has no commit yet`,
      "make a first commit (git commit --allow-empty -m init)",
    )
    : failed(
      name,
      `${branch} (${source}) does not exist`,
      `create it (git branch ${branch}), or set orchestrator.target_branch to a branch that exists`,
    );
}
