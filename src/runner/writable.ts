/**
 * The paths a job may write in the sandbox besides its worktree (`sandbox_writable`, a role's, an agent preset's
 * `writable`), and the rule that none of them reaches the repository.
 *
 * @module
 */

import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { OrkConfig } from "../config/mod.ts";
import { isNotFound, OrkError } from "../errors/mod.ts";
import { gitCommonDir } from "../git/mod.ts";
import type { OrkPaths } from "../workspace/mod.ts";

/** What writable paths must stay clear of: the repository, its git dir and ork's folders. */
export interface Guarded {
  /** The main worktree's root. */
  readonly root: string;
  /** ork's folders. */
  readonly paths: OrkPaths;
}

/**
 * What a job may write in the sandbox besides its worktree: `orchestrator.sandbox_writable`, its role's (none
 * when `role` is null) and `extra` (its agent preset's `writable`), `~` expanded, symlinks resolved. A missing
 * one is created as the user would have it: a folder, or an empty file when its name has an extension
 * (`~/.claude.json`), so that an agent's first run finds its state there.
 *
 * @param guarded the repository whose files none of them may reach
 * @returns the real paths
 * @throws {OrkError} `config-invalid` for a path that is, holds or is inside the repository, its git dir or
 *   ork's folders, once symlinks are resolved, or a symlink to nothing
 */
export async function writablePaths(
  config: OrkConfig,
  role: string | null,
  extra: readonly string[],
  guarded: Guarded,
): Promise<string[]> {
  const named = [
    ...config.orchestrator.sandbox_writable,
    ...(role === null ? [] : config.roles[role]?.sandbox_writable ?? []),
    ...extra,
  ];
  const reals: string[] = [];
  for (const name of named) {
    const path = expandHome(name);
    if (!(await Deno.lstat(path).then(() => true, () => false))) {
      if (/^\.*[^.]+\..+$/.test(basename(path))) {
        await Deno.mkdir(dirname(path), { recursive: true });
        await Deno.writeFile(path, new Uint8Array(), { createNew: true }).catch(() => {});
      } else {
        await Deno.mkdir(path, { recursive: true });
      }
    }
    const real = await Deno.realPath(path).catch((error) => {
      if (!isNotFound(error)) throw error;
      throw new OrkError(
        "config-invalid",
        `a writable path, ${name}, is a symlink to nothing`,
        "point it at a folder or file that exists, or remove it from the list",
      );
    });
    refuseReaching(name, real, await guardedDirs(guarded));
    reals.push(real);
  }
  return [...new Set(reals)];
}

/**
 * Refuses, before a runner claims anything, a writable path (`orchestrator.sandbox_writable`, a role's, an agent
 * preset's) that is, holds or is inside the repository, its git dir or ork's folders, symlinks resolved as far as
 * the path exists: a job could write the user's checkout, move a branch, or reach another job's worktree.
 *
 * @throws {OrkError} `config-invalid` naming the key and the path
 */
export async function assertWritableOutside(config: OrkConfig, guarded: Guarded): Promise<void> {
  const sources: [string, readonly string[]][] = [
    ["orchestrator.sandbox_writable", config.orchestrator.sandbox_writable],
    ...Object.entries(config.roles).map(([name, role]): [string, readonly string[]] => [
      `roles.${name}.sandbox_writable`,
      role.sandbox_writable,
    ]),
    ...Object.entries(config.agents).map(([name, agent]): [string, readonly string[]] => [
      `agents.${name}.writable`,
      agent.writable,
    ]),
  ];
  const dirs = await guardedDirs(guarded);
  for (const [key, paths] of sources) {
    for (const path of paths) {
      const expanded = expandHome(path);
      const link = await Deno.lstat(expanded).then((info) => info.isSymlink, () => false);
      if (link && !(await Deno.stat(expanded).then(() => true, () => false))) {
        throw new OrkError(
          "config-invalid",
          `a writable path, ${key}: ${path}, is a symlink to nothing`,
          "point it at a folder or file that exists, or remove it from the list",
        );
      }
      refuseReaching(`${key}: ${path}`, await realAsFarAsItExists(expanded), dirs);
    }
  }
}

/** The real paths of the repository's root, its git dir, and ork's folders (which may lie elsewhere). */
async function guardedDirs(guarded: Guarded): Promise<string[]> {
  const { root, paths } = guarded;
  const dirs = [root, gitCommonDir(root), paths.ork, paths.worktrees, paths.queue];
  return await Promise.all(dirs.map((dir) => realAsFarAsItExists(dir)));
}

function refuseReaching(what: string, real: string, guarded: readonly string[]): void {
  for (const dir of guarded) {
    if (!isWithin(real, dir) && !isWithin(dir, real)) continue;
    throw new OrkError(
      "config-invalid",
      `a writable path, ${what}, reaches ${dir} (it is ${real}): jobs could write your repository`,
      "list only the folders agents and tools keep their state in, outside the repository",
    );
  }
}

/** `path` with symlinks resolved as far as it exists; the rest as written. */
async function realAsFarAsItExists(path: string): Promise<string> {
  const full = resolve(path);
  for (let existing = full, rest = "";; rest = join(basename(existing), rest), existing = dirname(existing)) {
    try {
      return join(await Deno.realPath(existing), rest);
    } catch (error) {
      if (!isNotFound(error) || dirname(existing) === existing) return full;
    }
  }
}

/** `~` or `~/...` as a path below `$HOME`; any other path as it is. */
function expandHome(path: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const home = Deno.env.get("HOME") ?? "";
  if (!home.startsWith("/")) {
    throw new OrkError(
      "config-invalid",
      `a writable path, ${path}, starts with ~ but HOME is not set to an absolute path`,
      "set HOME, or write the path whole",
    );
  }
  return join(home, path.slice(1));
}

function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
