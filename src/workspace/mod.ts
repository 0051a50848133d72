/**
 * A workspace is one repository as ork sees it: its root, its loaded config and the paths under `.ork/`.
 * Every command that works on a repository opens one first, so a broken config file is reported whatever the
 * command (as git does with a broken `.git/config`).
 *
 * @module
 */

import { isAbsolute, join, resolve } from "node:path";
import { findRepoRoot } from "../git/root.ts";
import { loadConfig, type OrkConfig } from "../config/mod.ts";

/** Where ork keeps its state in a repository. */
export interface OrkPaths {
  /** `.ork/` */
  readonly ork: string;
  /** Pending and running jobs (`queue_dir`, default `.ork/queue`). */
  readonly queue: string;
  /** Completed, failed and cancelled jobs: `.ork/archive`. */
  readonly archive: string;
  /** Job files that did not parse or validate: `.ork/quarantine`. */
  readonly quarantine: string;
  /** Lock files: `.ork/locks`. */
  readonly locks: string;
  /** Job worktrees (`worktree_base`, default `.ork/worktrees`). */
  readonly worktrees: string;
  /** Job logs: `.ork/logs`. */
  readonly logs: string;
  /** Stored results of `environment.setup`: `.ork/env`. */
  readonly env: string;
}

/** One repository with its config. */
export interface Workspace {
  /** The main worktree's root. */
  readonly root: string;
  /** The config ork loaded (embedded defaults overridden by the repository's files). */
  readonly config: OrkConfig;
  /** Paths of ork's state. */
  readonly paths: OrkPaths;
}

/** The paths of ork's state for a repository root and its config. */
export function orkPaths(root: string, config: OrkConfig): OrkPaths {
  const ork = join(root, ".ork");
  const within = (path: string) => (isAbsolute(path) ? path : resolve(root, path));
  return {
    ork,
    queue: within(config.orchestrator.queue_dir),
    archive: join(ork, "archive"),
    quarantine: join(ork, "quarantine"),
    locks: join(ork, "locks"),
    worktrees: within(config.orchestrator.worktree_base),
    logs: join(ork, "logs"),
    env: join(ork, "env"),
  };
}

/**
 * Opens the repository at `repo` (as `git -C`), or the one containing `cwd`, and loads its config.
 *
 * @param opts `repo`: the `-C/--repo` value; `cwd`: where ork was started; `readOnly`: write nothing, not even
 *   the config cache
 * @returns the workspace
 * @throws {OrkError} `not-a-repo` outside a repository; `config-invalid` for a broken config file
 */
export async function openWorkspace(
  opts: { repo?: string; cwd: string; readOnly?: boolean },
): Promise<Workspace> {
  const root = findRepoRoot(opts.repo === undefined ? opts.cwd : resolve(opts.cwd, opts.repo));
  const config = await loadConfig(root, { writeCache: !opts.readOnly });
  return { root, config, paths: orkPaths(root, config) };
}
