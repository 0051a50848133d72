import assert from "node:assert/strict";
import { join } from "node:path";
import { OrkError } from "../../src/errors/mod.ts";
import {
  addWorktree,
  importJobObjects,
  incompleteJobHead,
  JOB_OBJECTS,
  JOB_STORE_VIEW,
  prepareJobObjects,
  removeWorktree,
} from "../../src/git/mod.ts";
import { git, run, tempDir } from "../helpers/mod.ts";
import { sharedRepo } from "./_repo.ts";

const root = await sharedRepo();
const objects = join(root, ".git", "objects");

/** A folder standing for a worktree's git dir, with a fresh private store. */
async function storeDir(): Promise<{ dir: string; own: string } & AsyncDisposable> {
  const dir = await tempDir("ork-objects-");
  await prepareJobObjects(dir.dir, objects);
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
  await prepareJobObjects(store.dir, objects);
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
  assert.equal(await importJobObjects(root, store.dir, objects, 40) >= 2, true);
  assert.equal(await git(root, "cat-file", "-p", blob), "the job's own");
  assert.equal(await git(root, "cat-file", "-p", packed), "packed by the job");
  // Once more: nothing new.
  await importJobObjects(root, store.dir, objects, 40);
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
  await assert.rejects(importJobObjects(root, store.dir, objects, 40), (error: unknown) => {
    assert.ok(error instanceof OrkError);
    assert.equal(error.code, "job-failed");
    assert.match(error.message, new RegExp(`does not give its name \\(${good}\\)`));
    return true;
  });
  assert.equal(await exists(good), false);
});

Deno.test("the import follows no symlink, and a small file that inflates past its header is refused, read in pieces", async () => {
  await using store = await storeDir();
  await using elsewhere = await tempDir("ork-objects-elsewhere-");
  // A pack folder pointing at someone else's packs: not followed.
  await Deno.mkdir(join(elsewhere.dir, "pack"));
  await Deno.copyFile(join(root, ".git", "HEAD"), join(elsewhere.dir, "pack", "x.pack"));
  await Deno.symlink(join(elsewhere.dir, "pack"), join(store.own, "pack"));
  assert.equal(await importJobObjects(root, store.dir, objects, 40), 0);

  // 'blob 5\0' and then 8 MB: the header says 5 bytes. (Compressed, it is a few kilobytes.)
  const body = new Uint8Array(8 << 20);
  body.set(new TextEncoder().encode("blob 5\0"));
  const compressed = new Uint8Array(
    await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer(),
  );
  const name = "ab" + "c".repeat(38);
  await Deno.mkdir(join(store.own, "ab"));
  await Deno.writeFile(join(store.own, "ab", "c".repeat(38)), compressed);
  await assert.rejects(
    importJobObjects(root, store.dir, objects, 40),
    new RegExp(`does not give its name \\(${name}\\)`),
  );
  assert.equal(await exists(name), false);
});

Deno.test("a repository's relative alternates reach the job's store as absolute paths", async () => {
  await using store = await storeDir();
  const alternates = join(objects, "info", "alternates");
  await Deno.writeTextFile(alternates, "# a comment\n../../elsewhere/objects\n/abs/objects\n");
  try {
    await prepareJobObjects(store.dir, objects);
    assert.equal(
      await Deno.readTextFile(join(store.own, "info", "alternates")),
      `${join(store.dir, JOB_STORE_VIEW)}\n${join(root, "elsewhere", "objects")}\n/abs/objects\n`,
    );
  } finally {
    await Deno.remove(alternates);
  }
});

Deno.test("a job whose commit needs an object it removed from its store is found out", async () => {
  const base = await git(root, "rev-parse", "HEAD");
  const worktree = join(root, ".ork", "worktrees", "ork-incomplete");
  await addWorktree(root, worktree, base);
  const gitDir = join(root, ".git", "worktrees", "ork-incomplete");
  try {
    assert.equal(await incompleteJobHead(root, worktree, base), null, "no commit of the job's");
    await prepareJobObjects(gitDir, objects);
    const own = join(gitDir, JOB_OBJECTS);
    const env = { GIT_OBJECT_DIRECTORY: own, GIT_ALTERNATE_OBJECT_DIRECTORIES: objects };
    const blob = (await inStore(own, ["hash-object", "-w", "--stdin"], "gone soon\n")).stdout.trim();
    const tree = (await inStore(own, ["mktree"], `100644 blob ${blob}\tgone.txt\n`)).stdout.trim();
    const commit = (await run("git", ["-C", root, "commit-tree", "-p", base, "-m", "job", tree], { env }))
      .stdout
      .trim();
    await Deno.writeTextFile(join(gitDir, "HEAD"), `${commit}\n`);
    await Deno.remove(join(own, blob.slice(0, 2), blob.slice(2)));
    await importJobObjects(root, gitDir, objects, 40);
    assert.equal(await exists(commit), true);
    assert.equal(await incompleteJobHead(root, worktree, base), commit);
  } finally {
    await removeWorktree(root, worktree);
  }
});

Deno.test("folders the import makes get the store's permissions, as git gives them (core.sharedRepository)", async () => {
  await using store = await storeDir();
  const mode = (await Deno.stat(objects)).mode! & 0o7777;
  await Deno.chmod(objects, 0o2775);
  try {
    const blob =
      (await inStore(store.own, ["hash-object", "-w", "--stdin"], `shared ${crypto.randomUUID()}\n`))
        .stdout.trim();
    await Deno.remove(join(objects, blob.slice(0, 2)), { recursive: true }).catch(() => {});
    await importJobObjects(root, store.dir, objects, 40);
    assert.equal((await Deno.stat(join(objects, blob.slice(0, 2)))).mode! & 0o7777, 0o2775);
    assert.equal((await Deno.stat(join(objects, blob.slice(0, 2), blob.slice(2)))).mode! & 0o777, 0o444);
  } finally {
    await Deno.chmod(objects, mode);
  }
});
