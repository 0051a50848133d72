/**
 * The paths a job may write in the sandbox besides its worktree (`sandbox_writable`).
 *
 * @module
 */

import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { OrkConfig } from "../config/mod.ts";
import { OrkError } from "../errors/mod.ts";

/**
 * What a job may write in the sandbox besides its worktree: `orchestrator.sandbox_writable`, its role's (none
 * when `role` is null) and `extra` (its agent preset's `writable`), `~` expanded. A missing one is created as the user would have it: a folder, or an empty
 * file when its name has an extension (`~/.claude.json`), so that an agent's first run finds its state there.
 */
export async function writablePaths(
  config: OrkConfig,
  role: string | null,
  extra: readonly string[] = [],
): Promise<string[]> {
  const paths = [
    ...config.orchestrator.sandbox_writable,
    ...(role === null ? [] : config.roles[role]?.sandbox_writable ?? []),
    ...extra,
  ].map(expandHome);
  for (const path of paths) {
    if (await Deno.lstat(path).then(() => true, () => false)) continue;
    if (/^\.*[^.]+\..+$/.test(basename(path))) {
      await Deno.mkdir(dirname(path), { recursive: true });
      await Deno.writeFile(path, new Uint8Array(), { createNew: true }).catch(() => {});
    } else {
      await Deno.mkdir(path, { recursive: true });
    }
  }
  return [...new Set(paths)];
}

/**
 * Refuses a writable path (`orchestrator.sandbox_writable`, a role's, an agent preset's) that is the repository,
 * inside it or above it: a job could write the user's checkout, `.ork/` or another job's worktree. Checked
 * before a runner claims anything.
 *
 * @throws {OrkError} `config-invalid` naming the key and the path
 */
export function assertWritableOutside(config: OrkConfig, root: string): void {
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
  const top = resolve(root);
  for (const [key, paths] of sources) {
    for (const path of paths) {
      const full = resolve(expandHome(path));
      if (isWithin(full, top) || isWithin(top, full)) {
        throw new OrkError(
          "config-invalid",
          `${key} names ${path}, which ${
            full === top ? "is" : isWithin(full, top) ? "is in" : "holds"
          } the ` +
            `repository ${top}: jobs could write your checkout`,
          "list only the folders agents and tools keep their state in, outside the repository",
        );
      }
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
      `sandbox_writable names ${path}, but HOME is not set to an absolute path`,
      "set HOME, or write the path whole",
    );
  }
  return join(home, path.slice(1));
}

function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
