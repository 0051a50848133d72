/**
 * Writes the config templates into a repository, for `ork init`.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { isAlreadyExists } from "../errors/mod.ts";
import { configTemplates } from "./templates.ts";

/**
 * Writes each config template whose file does not exist yet. Never overwrites: an edited config survives any
 * number of `ork init` runs.
 *
 * @param repoRoot the main worktree's root
 * @returns the relative paths written, in template order (empty when every file already existed)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const root = await Deno.makeTempDir();
 * assert.deepEqual(await writeMissingConfig(root), ["config/orchestrator.yaml", "config/agent_roles.yaml"]);
 * assert.deepEqual(await writeMissingConfig(root), []);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function writeMissingConfig(repoRoot: string): Promise<string[]> {
  const written: string[] = [];
  for (const [file, text] of Object.entries(configTemplates())) {
    const path = join(repoRoot, file);
    // recursive: no error when the directory exists, or when another process creates it first.
    await Deno.mkdir(dirname(path), { recursive: true });
    try {
      // createNew rather than "check, then write": another `ork init`, or the user's editor, may create the file
      // between a check and the write, and their file must win.
      await Deno.writeTextFile(path, text, { createNew: true });
      written.push(file);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  return written;
}
