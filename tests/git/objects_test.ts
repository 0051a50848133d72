import assert from "node:assert/strict";
import { join } from "node:path";
import { OrkError } from "../../src/errors/mod.ts";
import { importJobObjects, JOB_OBJECTS, JOB_STORE_VIEW, prepareJobObjects } from "../../src/git/mod.ts";
import { git, run, tempDir } from "../helpers/mod.ts";
import { sharedRepo } from "./_repo.ts";

const root = await sharedRepo();
const objects = join(root, ".git", "objects");

/** A folder standing for a worktree's git dir, with a fresh private store. */
async function storeDir(): Promise<{ dir: string; own: string } & AsyncDisposable> {
  const dir = await tempDir("ork-objects-");
  await prepareJobObjects(dir.dir);
  return { dir: dir.dir, own: join(dir.dir, JOB_OBJECTS), [Symbol.asyncDispose]: dir[Symbol.asyncDispose] };
}

/** git, with the private store as the object store (as in the sandbox, where it is mounted there). */
function inStore(store: string, args: string[], stdin?: string) {
  return run("git", ["-C", root, ...args], {
    env: { GIT_OBJECT_DIRECTORY: store, GIT_ALTERNATE_OBJECT_DIRECTORIES: objects },
    ...(stdin === undefined ? {} : { stdin }),
  });
}

const exists = (id: string) => run("git", ["-C", root, "cat-file", "-e", id]).then((r) => r.code === 0);

Deno.test("a fresh private store is empty, with the repository's store as its alternate, again each time", async () => {
  await using store = await storeDir();
  await Deno.writeTextFile(join(store.own, "left-over"), "from the last command\n");
  await prepareJobObjects(store.dir);
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(store.own))).map((entry) => entry.name),
    ["info"],
  );
  assert.equal(
    await Deno.readTextFile(join(store.own, "info", "alternates")),
    `${join(store.dir, JOB_STORE_VIEW)}\n`,
  );
  assert.deepEqual(await Array.fromAsync(Deno.readDir(join(store.dir, JOB_STORE_VIEW))), []);
});

Deno.test("what a job committed in its store comes into the repository's, loose objects and packs alike", async () => {
  await using store = await storeDir();
  const blob = (await inStore(store.own, ["hash-object", "-w", "--stdin"], "the job's own\n")).stdout.trim();
  assert.equal(await exists(blob), false, "only in the job's store so far");
  const packed = (await inStore(store.own, ["hash-object", "-w", "--stdin"], "packed by the job\n")).stdout
    .trim();
  assert.equal((await inStore(store.own, ["repack", "-q"])).code, 0);
  assert.equal(await importJobObjects(root, store.dir, objects) >= 2, true);
  assert.equal(await git(root, "cat-file", "-p", blob), "the job's own");
  assert.equal(await git(root, "cat-file", "-p", packed), "packed by the job");
  // Once more: nothing new.
  await importJobObjects(root, store.dir, objects);
  assert.equal(await git(root, "cat-file", "-p", blob), "the job's own");
});

Deno.test("an object planted in a job's store under another content's name is refused, and nothing of it comes in", async () => {
  await using store = await storeDir();
  const good = (await run("git", ["-C", root, "hash-object", "--stdin"], { stdin: "good\n" })).stdout.trim();
  const evil = (await inStore(store.own, ["hash-object", "-w", "--stdin"], "evil\n")).stdout.trim();
  await Deno.mkdir(join(store.own, good.slice(0, 2)), { recursive: true });
  await Deno.copyFile(
    join(store.own, evil.slice(0, 2), evil.slice(2)),
    join(store.own, good.slice(0, 2), good.slice(2)),
  );
  await Deno.remove(join(store.own, evil.slice(0, 2)), { recursive: true });
  await assert.rejects(importJobObjects(root, store.dir, objects), (error: unknown) => {
    assert.ok(error instanceof OrkError);
    assert.equal(error.code, "job-failed");
    assert.match(error.message, new RegExp(`does not give its name \\(${good}\\)`));
    return true;
  });
  assert.equal(await exists(good), false);
});
