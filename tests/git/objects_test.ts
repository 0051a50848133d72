import assert from "node:assert/strict";
import { join } from "node:path";
import { unsoundObjects } from "../../src/git/mod.ts";
import { git, run } from "../helpers/mod.ts";
import { sharedRepo } from "./_repo.ts";

const root = await sharedRepo();

/** Writes `content` as an object and returns its name. */
async function hashObject(content: string): Promise<string> {
  const result = await run("git", ["-C", root, "hash-object", "-w", "--stdin"], { stdin: content });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

Deno.test("sound objects pass, loose or packed, blobs, trees and commits alike", async () => {
  const blob = await hashObject("sound\n");
  const head = await git(root, "rev-parse", "HEAD");
  const tree = await git(root, "rev-parse", "HEAD^{tree}");
  assert.deepEqual(await unsoundObjects(root, [blob, head, tree, blob]), []);
  await git(root, "repack", "-a", "-d", "-q");
  assert.deepEqual(await unsoundObjects(root, [blob, head, tree]), []);
  assert.deepEqual(await unsoundObjects(root, []), []);
});

Deno.test("an object planted under another content's name is unsound, and so is a missing one", async () => {
  // What a job can do: write the loose object of one content under the name of another, before git writes it.
  const good = (await run("git", ["-C", root, "hash-object", "--stdin"], { stdin: "good\n" })).stdout.trim();
  const evil = await hashObject("evil\n");
  const objects = join(root, ".git", "objects");
  await Deno.mkdir(join(objects, good.slice(0, 2)), { recursive: true });
  await Deno.copyFile(
    join(objects, evil.slice(0, 2), evil.slice(2)),
    join(objects, good.slice(0, 2), good.slice(2)),
  );
  // git itself serves it without a word, and keeps it when asked to write the good content.
  assert.equal(await hashObject("good\n"), good);
  assert.equal(await git(root, "cat-file", "-p", good), "evil");

  const missing = "0123456789abcdef0123456789abcdef01234567";
  const head = await git(root, "rev-parse", "HEAD");
  assert.deepEqual(await unsoundObjects(root, [head, good, missing, evil]), [good, missing]);
  await Deno.remove(join(objects, good.slice(0, 2), good.slice(2)));
});
