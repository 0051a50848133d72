import assert from "node:assert/strict";
import { join } from "node:path";
import { moveDurable, readTextFileOrNull, writeFileDurable } from "../../src/fs/atomic.ts";
import { tempDir } from "../helpers/mod.ts";

Deno.test("a durable write replaces the file whole and leaves no temp file behind", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "job.json");
  writeFileDurable(path, "first");
  writeFileDurable(path, "second, longer");
  assert.equal(readTextFileOrNull(path), "second, longer");
  assert.deepEqual([...Deno.readDirSync(tmp.dir)].map((e) => e.name), ["job.json"]);
});

Deno.test("a durable move leaves the file in exactly one place", async () => {
  await using tmp = await tempDir();
  await Deno.mkdir(join(tmp.dir, "a"));
  await Deno.mkdir(join(tmp.dir, "b"));
  writeFileDurable(join(tmp.dir, "a/x.json"), "x");
  moveDurable(join(tmp.dir, "a/x.json"), join(tmp.dir, "b/x.json"));
  assert.equal(readTextFileOrNull(join(tmp.dir, "a/x.json")), null);
  assert.equal(readTextFileOrNull(join(tmp.dir, "b/x.json")), "x");
});
