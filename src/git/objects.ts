/**
 * A job's private object store. In the sandbox a job (and each of its gates) sees, at the repository's objects
 * folder, a store of its own, empty when it starts, whose one alternate is the repository's store mounted
 * read-only: git there reads every object and writes new ones (a commit of the job's) only to its own store.
 * Nothing sandboxed can write the repository's objects, so none can plant one under the name of other content
 * (git never writes an object it believes it has, and reads one without hashing it again) for ork's commit or a
 * landing to take.
 *
 * What a job's commits need comes in afterwards, one object at a time, each hashed again and stored under the
 * name its content gives it; then the job's commits must find every object they need in the repository's store.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { isNotFound, OrkError } from "../errors/mod.ts";
import { git, readRefFile, worktreeGitDir } from "./git.ts";

/** The job's own store, in its worktree's git dir (mounted over the repository's objects folder). */
export const JOB_OBJECTS = "ork-objects";
/** Where the repository's store is mounted read-only, in the worktree's git dir; the own store's alternate. */
export const JOB_STORE_VIEW = "ork-store";

const LOOSE_DIR = /^[0-9a-f]{2}$/;
const OBJECT_TYPES = new Set(["blob", "tree", "commit", "tag"]);

/**
 * Makes a job worktree's private store empty again, with the repository's store as its alternate, and the empty
 * folder the repository's store is mounted on: before each sandboxed command (the job's, each gate's).
 *
 * @param worktreeGitDir the worktree's own git dir
 * @param objectsDir the repository's objects folder, whose own alternates the private store gets too (as
 *   absolute paths: a relative one would be read against where the store is mounted)
 */
export async function prepareJobObjects(worktreeGitDir: string, objectsDir: string): Promise<void> {
  const own = join(worktreeGitDir, JOB_OBJECTS);
  const view = join(worktreeGitDir, JOB_STORE_VIEW);
  await Promise.all([own, view].map((path) => removeIfThere(path)));
  await Deno.mkdir(join(own, "info"), { recursive: true });
  await Deno.mkdir(view);
  const theirs = await Deno.readTextFile(join(objectsDir, "info", "alternates")).catch((error) => {
    if (isNotFound(error)) return "";
    throw error;
  });
  const alternates = theirs.split("\n").map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#")).map((line) => resolve(objectsDir, line));
  await Deno.writeTextFile(
    join(own, "info", "alternates"),
    [view, ...alternates].map((line) => `${line}\n`).join(""),
  );
}

/**
 * Brings what a job wrote to its private store into the repository's: every loose object, hashed again while
 * it is read (never held whole in memory) and stored under its name only when its content gives that name
 * (objects already there are left alone), and every pack, streamed through `git unpack-objects`, which names
 * each object by its content too. Symlinks in the store are not followed.
 *
 * @param root the main worktree's root
 * @param worktreeGitDir the worktree's own git dir
 * @param objectsDir the repository's objects folder
 * @param hexLength the length of the repository's object names (40 for SHA-1, 64 for SHA-256)
 * @returns how many loose objects came in
 * @throws {OrkError} `job-failed` naming a loose object whose content does not give its name (only a process
 * other than git writes such a file); `git-failed` when a pack cannot be read
 */
export async function importJobObjects(
  root: string,
  worktreeGitDir: string,
  objectsDir: string,
  hexLength: number,
): Promise<number> {
  const own = join(worktreeGitDir, JOB_OBJECTS);
  if (!(await isRealDirectory(own))) return 0;
  const looseFile = new RegExp(`^[0-9a-f]{${hexLength - 2}}$`);
  let imported = 0;
  for (const fanout of await entries(own)) {
    if (!fanout.isDirectory || !LOOSE_DIR.test(fanout.name)) continue;
    for (const file of await entries(join(own, fanout.name))) {
      if (!file.isFile || !looseFile.test(file.name)) continue;
      const name = fanout.name + file.name;
      const path = join(own, fanout.name, file.name);
      if ((await looseObjectName(path, hexLength)) !== name) {
        throw new OrkError(
          "job-failed",
          `the job left an object whose content does not give its name (${name}): written by something other ` +
            `than git, to have it stand for other content`,
          "nothing of the job is taken; look at what its command does to .git/objects",
        );
      }
      if (await storeLoose(objectsDir, fanout.name, file.name, path)) imported++;
    }
  }
  const packs = join(own, "pack");
  if (await isRealDirectory(packs)) {
    for (const file of await entries(packs)) {
      if (file.isFile && file.name.endsWith(".pack")) await unpack(root, join(packs, file.name));
    }
  }
  return imported;
}

/**
 * The job's last commit when it needs an object the repository's store lacks (a job can commit and then remove
 * one of its objects from its own store): `rev-list --objects` from it down to the commit the job started from.
 * A job that made no commit (its HEAD file still names `base`) costs no git process.
 *
 * @param root the main worktree's root
 * @param worktree the job's worktree
 * @param base the commit the job started from
 * @returns null when the job made no commit or its commits have every object they need; else its HEAD
 */
export async function incompleteJobHead(
  root: string,
  worktree: string,
  base: string,
): Promise<string | null> {
  const { gitDir } = await worktreeGitDir(worktree);
  if ((await readRefFile(join(gitDir, "HEAD"))) === base) return null;
  const resolved = await git(worktree, ["rev-parse", "--verify", "--quiet", "HEAD"], { ok: [1, 128] });
  const head = resolved.stdout.trim();
  if (resolved.code !== 0 || head === base) return null;
  const result = await git(root, ["rev-list", "--objects", "--quiet", head, "--not", base], { ok: [128] });
  return result.code === 0 ? null : head;
}

/**
 * The name a loose object's content gives it, or "" when it is not a loose object (not zlib, no `<type> <size>`
 * header, more or less content than the header says): the hash of the inflated `<type> <size>\0<content>`,
 * computed while the file is read.
 */
async function looseObjectName(path: string, hexLength: number): Promise<string> {
  const hash = createHash(hexLength === 64 ? "sha256" : "sha1");
  let header: number[] | null = [];
  let left = 0;
  try {
    using file = await Deno.open(path, { read: true });
    for await (const chunk of file.readable.pipeThrough(new DecompressionStream("deflate"))) {
      let body = chunk;
      if (header !== null) {
        const end = chunk.indexOf(0);
        if (end === -1 && header.length + chunk.length > 64) return "";
        header.push(...chunk.subarray(0, end === -1 ? chunk.length : end));
        if (end === -1) continue;
        const [type, size] = new TextDecoder().decode(new Uint8Array(header)).split(" ");
        if (!OBJECT_TYPES.has(type ?? "") || !/^(?:0|[1-9]\d*)$/.test(size ?? "")) return "";
        hash.update(new TextEncoder().encode(`${type} ${size}\0`));
        left = Number(size);
        header = null;
        body = chunk.subarray(end + 1);
      }
      // Never more than the header says: a small file may inflate to gigabytes.
      if (body.length > left) return "";
      left -= body.length;
      hash.update(body);
    }
  } catch {
    return "";
  }
  return header === null && left === 0 ? hash.digest("hex") : "";
}

/** Stores a checked loose object unless one of that name is there; resolves whether it was stored. */
async function storeLoose(objectsDir: string, fanout: string, file: string, from: string): Promise<boolean> {
  const dir = join(objectsDir, fanout);
  const target = join(dir, file);
  if (await Deno.lstat(target).then(() => true, () => false)) return false;
  if (!(await isRealDirectory(dir))) {
    await Deno.mkdir(dir, { recursive: true });
    // As git makes them: the store's own permissions (core.sharedRepository gives them to the group).
    const mode = (await Deno.stat(objectsDir)).mode;
    if (mode !== null) await Deno.chmod(dir, mode & 0o7777);
  }
  const temp = join(dir, `tmp_obj_ork_${crypto.randomUUID()}`);
  await Deno.copyFile(from, temp);
  try {
    await Deno.chmod(temp, 0o444);
    // A hard link fails where a file exists already (another writer stored it meanwhile): git's own way.
    await Deno.link(temp, target);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  } finally {
    await Deno.remove(temp);
  }
  return true;
}

/** Streams one of the job's packs into `git unpack-objects` in the repository. */
async function unpack(root: string, pack: string): Promise<void> {
  // A pack git stops reading (it is broken) ends the copy; git's exit code says why.
  await git(root, ["unpack-objects", "-q"], {
    inputFile: pack,
    hint: "a pack the job wrote cannot be read; nothing of the job is taken",
  });
}

async function isRealDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isDirectory;
  } catch (error) {
    if (isNotFound(error) || error instanceof Deno.errors.NotADirectory) return false;
    throw error;
  }
}

async function entries(dir: string): Promise<Deno.DirEntry[]> {
  try {
    return await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (isNotFound(error) || error instanceof Deno.errors.NotADirectory) return [];
    throw error;
  }
}

async function removeIfThere(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
