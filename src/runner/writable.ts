/**
 * The paths a job may write in the sandbox besides its worktree (`sandbox_writable`).
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import type { OrkConfig } from "../config/mod.ts";
import { OrkError } from "../errors/mod.ts";

/**
 * What a job may write in the sandbox besides its worktree: `orchestrator.sandbox_writable` and its role's (none
 * when `role` is null), `~` expanded. A missing one is created as the user would have it: a folder, or an empty
 * file when its name has an extension (`~/.claude.json`), so that an agent's first run finds its state there.
 */
export async function writablePaths(config: OrkConfig, role: string | null): Promise<string[]> {
  const home = Deno.env.get("HOME") ?? "";
  const paths = [
    ...config.orchestrator.sandbox_writable,
    ...(role === null ? [] : config.roles[role]?.sandbox_writable ?? []),
  ]
    .map((path) => {
      if (path !== "~" && !path.startsWith("~/")) return path;
      if (!home.startsWith("/")) {
        throw new OrkError(
          "config-invalid",
          `sandbox_writable names ${path}, but HOME is not set to an absolute path`,
          "set HOME, or write the path whole",
        );
      }
      return join(home, path.slice(1));
    });
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
