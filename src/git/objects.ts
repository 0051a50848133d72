/**
 * A job's private object store. In the sandbox a job (and each of its gates) sees, at the repository's objects
 * folder, a store of its own, empty when it starts, whose one alternate is the repository's store mounted
 * read-only: git there reads every object and writes new ones (a commit of the job's) only to its own store.
 * Nothing sandboxed can write the repository's objects, so none can plant one under the name of other content
 * (git never writes an object it believes it has, and reads one without hashing it again) for ork's commit or a
 * landing to take.
 *
 * What a job's commits need comes in afterwards, one object at a time, each hashed again and stored under the
 * name its content gives it.
 *
 * @module
 */

import { join } from "node:path";
import { isNotFound, OrkError } from "../errors/mod.ts";
import { gitCommandEnv, gitError } from "./git.ts";

/** The job's own store, in its worktree's git dir (mounted over the repository's objects folder). */
export const JOB_OBJECTS = "ork-objects";
/** Where the repository's store is mounted read-only, in the worktree's git dir; the own store's alternate. */
export const JOB_STORE_VIEW = "ork-store";

const LOOSE_DIR = /^[0-9a-f]{2}$/;
const LOOSE_FILE = /^(?:[0-9a-f]{38}|[0-9a-f]{62})$/;

/**
 * Makes a job worktree's private store empty again, with the repository's store as its alternate, and the empty
 * folder the repository's store is mounted on: before each sandboxed command (the job's, each gate's).
 *
 * @param worktreeGitDir the worktree's own git dir
 */
export async function prepareJobObjects(worktreeGitDir: string): Promise<void> {
  const own = join(worktreeGitDir, JOB_OBJECTS);
  const view = join(worktreeGitDir, JOB_STORE_VIEW);
  await Promise.all([own, view].map((path) => removeIfThere(path)));
  await Deno.mkdir(join(own, "info"), { recursive: true });
  await Deno.mkdir(view);
  await Deno.writeTextFile(join(own, "info", "alternates"), `${view}\n`);
}

/**
 * Brings what a job wrote to its private store into the repository's: every loose object, hashed again and
 * stored under the name its content gives (objects already there are left alone), and every pack, through
 * `git unpack-objects`, which names each object by its content too.
 *
 * @param root the main worktree's root
 * @param worktreeGitDir the worktree's own git dir
 * @param objectsDir the repository's objects folder
 * @returns how many objects came in
 * @throws {OrkError} `job-failed` naming a loose object whose content does not give its name (only a
 * process other than git writes such a file); `git-failed` when a pack cannot be read
 */
export async function importJobObjects(
  root: string,
  worktreeGitDir: string,
  objectsDir: string,
): Promise<number> {
  const own = join(worktreeGitDir, JOB_OBJECTS);
  let imported = 0;
  for (const fanout of await entries(own)) {
    if (!fanout.isDirectory || !LOOSE_DIR.test(fanout.name)) continue;
    for (const file of await entries(join(own, fanout.name))) {
      if (!file.isFile || !LOOSE_FILE.test(file.name)) continue;
      const name = fanout.name + file.name;
      const stored = await Deno.readFile(join(own, fanout.name, file.name));
      if ((await looseObjectName(stored, name.length)) !== name) {
        throw new OrkError(
          "job-failed",
          `the job left an object whose content does not give its name (${name}): written by something other ` +
            `than git, to have it stand for other content`,
          "nothing of the job is taken; look at what its command does to .git/objects",
        );
      }
      if (await storeLoose(objectsDir, fanout.name, file.name, stored)) imported++;
    }
  }
  for (const file of await entries(join(own, "pack"))) {
    if (!file.isFile || !file.name.endsWith(".pack")) continue;
    imported += await unpack(root, join(own, "pack", file.name));
  }
  return imported;
}

/** The name a loose object's content gives it: the hash of the inflated `<type> <size>\0<content>`. */
async function looseObjectName(stored: Uint8Array<ArrayBuffer>, hexLength: number): Promise<string> {
  let inflated: ArrayBuffer;
  try {
    inflated = await new Response(new Blob([stored]).stream().pipeThrough(new DecompressionStream("deflate")))
      .arrayBuffer();
  } catch {
    return "";
  }
  const digest = await crypto.subtle.digest(hexLength === 64 ? "SHA-256" : "SHA-1", inflated);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Stores a checked loose object unless one of that name is there; resolves whether it was stored. */
async function storeLoose(
  objectsDir: string,
  fanout: string,
  file: string,
  stored: Uint8Array,
): Promise<boolean> {
  const dir = join(objectsDir, fanout);
  const target = join(dir, file);
  if (await Deno.lstat(target).then(() => true, () => false)) return false;
  await Deno.mkdir(dir, { recursive: true });
  const temp = join(dir, `tmp_obj_ork_${Deno.pid}_${file}`);
  await Deno.writeFile(temp, stored, { createNew: true, mode: 0o444 });
  try {
    // A hard link fails where a file exists already (another writer stored it meanwhile): git's own way.
    await Deno.link(temp, target);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  } finally {
    await Deno.remove(temp);
  }
  return true;
}

/** Unpacks one of the job's packs into the repository; resolves how many objects it held. */
async function unpack(root: string, pack: string): Promise<number> {
  const args = ["unpack-objects", "-q"];
  const child = new Deno.Command("git", {
    args: ["-C", root, ...args],
    env: gitCommandEnv(),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const bytes = await Deno.readFile(pack);
  const writer = child.stdin.getWriter();
  const writing = writer.write(bytes).then(() => writer.close());
  const [output] = await Promise.all([child.output(), writing.catch(() => {})]);
  if (output.code !== 0) {
    throw gitError(root, args, {
      code: output.code,
      stdout: "",
      stderr: new TextDecoder().decode(output.stderr),
    }, "a pack the job wrote cannot be read; nothing of the job is taken");
  }
  // The pack's header: "PACK", version, object count (big-endian).
  return bytes.length >= 12 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(8) : 0;
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
