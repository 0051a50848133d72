import assert from "node:assert/strict";
import { join } from "node:path";
import { Journal } from "../../src/queue/journal.ts";
import { PendingIndex } from "../../src/queue/mod.ts";
import { tempDir } from "../helpers/mod.ts";

Deno.test("replay applies whole lines since the cursor and leaves a half-written line for later", async () => {
  await using tmp = await tempDir();
  const journal = new Journal(join(tmp.dir, ".journal"));
  const start = journal.end();
  journal.addedPending("a", 5);
  journal.addedPending("b", 1);
  journal.removedPending("a");
  await Deno.writeTextFile(journal.path, "+ 3 c", { append: true }); // a writer still mid-line
  const index = new PendingIndex();
  const cursor = journal.replay(start, index)!;
  assert.deepEqual([index.pop()?.id, index.pop()], ["b", undefined]);
  await Deno.writeTextFile(journal.path, "\n", { append: true });
  const after = journal.replay(cursor, index)!;
  assert.equal(index.pop()?.id, "c");
  assert.equal(after.offset, (await Deno.stat(journal.path)).size);
});

Deno.test("after a rotation, replay from an old cursor asks for a full scan", async () => {
  await using tmp = await tempDir();
  const journal = new Journal(join(tmp.dir, ".journal"));
  const start = journal.end();
  journal.addedPending("a", 1);
  journal.rotate();
  assert.equal(journal.replay(start, new PendingIndex()), null);
  assert.equal(journal.size(), 0);
});
