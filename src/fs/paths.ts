/**
 * Looking at a path without following it into an error: whether something is there, and what. A path that is
 * not there, or whose parent is not a folder, is an answer (null or false); any other failure (permission
 * denied) is thrown, so that ork never takes "cannot tell" for "absent".
 *
 * @module
 */

import { delimiter, isAbsolute, join } from "node:path";
import { isNotFound } from "../errors/mod.ts";

/** Whether `error` says the path is not there: not found, or a parent is not a folder. */
function isAbsent(error: unknown): boolean {
  return isNotFound(error) || error instanceof Deno.errors.NotADirectory;
}

/**
 * What is at `path` itself (a symlink is not followed), or null when nothing is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lstatOrNull } from "./paths.ts";
 *
 * assert.equal(await lstatOrNull("/no/such/path"), null);
 * assert.equal((await lstatOrNull("/"))?.isDirectory, true);
 * ```
 */
export async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (isAbsent(error)) return null;
    throw error;
  }
}

/** Whether something is at `path`, following a symlink (a dangling one is not there). */
export function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (isAbsent(error)) return false;
    throw error;
  }
}

/**
 * Whether anything is at `path`, not following a symlink (a dangling one is there); a path the process may not
 * look at counts as there: for a name that must not be taken.
 */
export function presentSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    return !isAbsent(error);
  }
}

/**
 * The first executable file named `name` in a folder of `searchPath` (as a shell finds a command), or null.
 * Empty and relative entries are skipped: the answer must not depend on the current folder.
 */
export async function findOnPath(
  name: string,
  searchPath: string = Deno.env.get("PATH") ?? "",
): Promise<string | null> {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return candidate;
    } catch {
      // Missing or unreadable: the next folder.
    }
  }
  return null;
}
