/**
 * The kept results of `environment.setup`: one folder per key under `.ork/env/`, holding the files setup made
 * (`files/`, laid out as in the worktree) and a record of it (`meta.json`). A result is stored once, whole, by a
 * rename, and never changed after: each worktree gets a copy, so no job or gate can change what the next one
 * gets (the sandbox does not show `.ork/` at all).
 *
 * @module
 */

import { dirname, join } from "node:path";
import { isNotFound, OrkError } from "../errors/mod.ts";

/** What is recorded of a stored environment. */
export interface EnvironmentMeta {
  /** Its key (see {@link environmentKey}). */
  readonly key: string;
  /** The setup command that made it. */
  readonly setup: string;
  /** The commit setup ran on. */
  readonly commit: string;
  /** When it was stored (ISO-8601). */
  readonly built_at: string;
  /** How long setup took, in milliseconds. */
  readonly setup_ms: number;
  /** What setup made, as paths relative to the worktree's top (a folder ends in `/`). */
  readonly entries: readonly string[];
}

/** A stored environment, as {@link listEnvironments} finds it. */
export interface StoredEnvironment {
  /** Its record. */
  readonly meta: EnvironmentMeta;
  /** Its folder. */
  readonly dir: string;
  /** When a worktree last got a copy of it (or when it was stored). */
  readonly usedAt: Date;
}

/** How many hex digits of the hash make a key: plenty against collisions among a repository's few keys. */
const KEY_LENGTH = 24;
let tempCounter = 0;

/**
 * The key of the environment for a commit: the setup command and what the commit holds at the input paths
 * (see `filesAt` in `git/`). Same key, same setup result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = await environmentKey("npm ci", "100644 blob 3b18e5\tpackage-lock.json");
 * assert.equal(a.length, 24);
 * assert.equal(await environmentKey("npm ci", "100644 blob 3b18e5\tpackage-lock.json"), a);
 * assert.notEqual(await environmentKey("npm ci", "100644 blob 0d1f2e\tpackage-lock.json"), a);
 * assert.notEqual(await environmentKey("npm install", "100644 blob 3b18e5\tpackage-lock.json"), a);
 * ```
 */
export async function environmentKey(setup: string, inputsListing: string): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(["ork-environment-1", setup, inputsListing]));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("").slice(0, KEY_LENGTH);
}

/** The stored environment of `key` in `envDir`, or null when there is none. */
export async function findEnvironment(envDir: string, key: string): Promise<StoredEnvironment | null> {
  const dir = join(envDir, key);
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "meta.json"));
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const meta = JSON.parse(text) as EnvironmentMeta;
  const used = await Deno.stat(join(dir, "used")).then((info) => info.mtime, () => null);
  return { meta, dir, usedAt: used ?? new Date(meta.built_at) };
}

/**
 * Stores what setup made in `worktree` as the environment `meta.key`: each entry is moved (renamed, or copied
 * across filesystems) out of the worktree into a folder that becomes the environment's by one rename. A file
 * setup hard-linked to one in the worktree (a tracked file, say) is copied instead, so that nothing a job later
 * writes in place reaches the store. When another process stored the same key meanwhile, that one is kept.
 *
 * @param envDir `.ork/env`
 * @param worktree where setup ran
 * @param meta the record, whose `entries` are moved
 * @param options `replace`: an environment stored under the key already is replaced (`ork setup --rebuild`);
 *   hold the key's lock exclusively, so that no worktree is being given a copy of it
 */
export async function storeEnvironment(
  envDir: string,
  worktree: string,
  meta: EnvironmentMeta,
  options: { replace?: boolean } = {},
): Promise<void> {
  await Deno.mkdir(envDir, { recursive: true });
  const temp = join(envDir, `${meta.key}.${Deno.pid}.${++tempCounter}.tmp`);
  const files = join(temp, "files");
  await Deno.mkdir(files, { recursive: true });
  try {
    for (const entry of meta.entries) {
      const path = entry.replace(/\/+$/, "");
      await Deno.mkdir(dirname(join(files, path)), { recursive: true });
      await moveOrCopy(join(worktree, path), join(files, path));
    }
    await unlinkShared(files);
    await Deno.writeTextFile(join(temp, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
    if (options.replace) await removeEnvironment(envDir, meta.key);
    try {
      await Deno.rename(temp, join(envDir, meta.key));
    } catch (error) {
      // Another runner stored the same key first: the same setup on the same inputs.
      if ((await findEnvironment(envDir, meta.key)) === null) throw error;
    }
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

/**
 * Copies the stored environment into `worktree`, which holds a clean checkout: with reflinks where the
 * filesystem has them (a copy that shares blocks until written), else a plain copy. A hard link or a bind would
 * let one job change what the next gets.
 *
 * @throws {OrkError} `job-failed` when the worktree already has one of the environment's paths (the commit tracks
 *   a file where setup made one: its key does not cover that), or the copy fails
 */
export async function restoreEnvironment(stored: StoredEnvironment, worktree: string): Promise<void> {
  const byParent = new Map<string, string[]>();
  for (const entry of stored.meta.entries) {
    const path = entry.replace(/\/+$/, "");
    // cp and mkdir follow a symlink the commit has where the environment has a folder: out of the worktree.
    const link = await linkOnTheWay(worktree, path);
    if (link !== null) {
      throw new OrkError(
        "job-failed",
        `the commit has ${link} where the environment ${stored.meta.key} has a folder (for ${entry}); nothing is ` +
          "copied through it",
        `make ${link} a folder again, or keep ${entry} out of what setup makes`,
      );
    }
    if (await Deno.lstat(join(worktree, path)).then(() => true, () => false)) {
      throw new OrkError(
        "job-failed",
        `the environment ${stored.meta.key} has ${entry}, which this commit tracks`,
        "add the files that decide it to environment.inputs, or run 'ork setup --rebuild'",
      );
    }
    const parent = dirname(path);
    byParent.set(parent, [...(byParent.get(parent) ?? []), join(stored.dir, "files", path)]);
  }
  for (const [parent, sources] of byParent) {
    const destination = join(worktree, parent);
    await Deno.mkdir(destination, { recursive: true });
    const flags = Deno.build.os === "linux" ? ["-a", "--reflink=auto"] : ["-a"];
    const copied = await new Deno.Command("cp", {
      args: [...flags, "--", ...sources, `${destination}/`],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!copied.success) {
      throw new OrkError(
        "job-failed",
        `could not copy the environment ${stored.meta.key} into ${worktree}: ${
          new TextDecoder().decode(copied.stderr).trim().split("\n")[0]
        }`,
        "check free space ('df -h'); 'ork clean' removes environments no longer used",
      );
    }
  }
  const used = join(stored.dir, "used");
  const now = new Date();
  await Deno.writeFile(used, new Uint8Array(), { create: true }).catch(() => {});
  await Deno.utime(used, now, now).catch(() => {});
}

/**
 * Removes the stored environment of `key`, if any: renamed out of the way first, so that it is gone at once for
 * anyone who looks, then deleted.
 */
export async function removeEnvironment(envDir: string, key: string): Promise<void> {
  const doomed = join(envDir, `${key}.${Deno.pid}.${++tempCounter}.tmp`);
  try {
    await Deno.rename(join(envDir, key), doomed);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  await Deno.remove(doomed, { recursive: true });
}

/** Every stored environment in `envDir`, most recently used first. */
export async function listEnvironments(envDir: string): Promise<StoredEnvironment[]> {
  const found: StoredEnvironment[] = [];
  try {
    for await (const entry of Deno.readDir(envDir)) {
      if (!entry.isDirectory || entry.name.endsWith(".tmp")) continue;
      const stored = await findEnvironment(envDir, entry.name).catch(() => null);
      if (stored !== null) found.push(stored);
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return found.sort((a, b) => b.usedAt.getTime() - a.usedAt.getTime());
}

/**
 * Which stored environments to prune: all but the `keep` most recently used. Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const at = (key: string) => ({ meta: { key } as never, dir: key, usedAt: new Date(0) });
 * assert.deepEqual(environmentsToPrune([at("a"), at("b"), at("c")], 2).map((env) => env.dir), ["c"]);
 * ```
 */
export function environmentsToPrune(
  newestFirst: readonly StoredEnvironment[],
  keep: number,
): StoredEnvironment[] {
  return newestFirst.slice(keep);
}

/**
 * The first folder on the way to `path` below `root` that is not a real folder (a symlink, a file), relative to
 * `root`; null when each one is a folder or is missing (and will be made one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/a`);
 * await Deno.symlink("/", `${root}/a/b`);
 * assert.equal(await linkOnTheWay(root, "a/b/c/d"), "a/b");
 * assert.equal(await linkOnTheWay(root, "a/x/y"), null);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function linkOnTheWay(root: string, path: string): Promise<string | null> {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  for (let depth = 1; depth < parts.length; depth++) {
    const prefix = parts.slice(0, depth).join("/");
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(join(root, prefix));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    if (!info.isDirectory) return prefix;
  }
  return null;
}

/** Copies every regular file below `dir` that has other hard links, and puts the copy in its place. */
async function unlinkShared(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      await unlinkShared(path);
    } else if (entry.isFile && ((await Deno.lstat(path)).nlink ?? 1) > 1) {
      const copy = `${path}.ork-${Deno.pid}.tmp`;
      await Deno.copyFile(path, copy);
      await Deno.rename(copy, path);
    }
  }
}

/** Moves a file or folder; across filesystems (EXDEV), copies it and removes the original. */
async function moveOrCopy(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
    return;
  } catch (error) {
    if (!(error instanceof Error && /cross-device|EXDEV|os error 18/i.test(error.message))) throw error;
  }
  const copied = await new Deno.Command("cp", { args: ["-a", "--", from, to], stderr: "piped" }).output();
  if (!copied.success) throw new Error(new TextDecoder().decode(copied.stderr).trim());
  await Deno.remove(from, { recursive: true });
}
