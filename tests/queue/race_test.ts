import assert from "node:assert/strict";
import { join } from "node:path";
import { FsQueue } from "../../src/queue/mod.ts";
import { run, tempDir } from "../helpers/mod.ts";

const WORKER = new URL("./_queue_worker.ts", import.meta.url).pathname;
const spawnWorker = (...args: string[]) =>
  run(Deno.execPath(), ["run", "--allow-all", "--quiet", WORKER, ...args]);
const idsOf = (stdout: string) => stdout.split("\n").filter((line) => line !== "");

Deno.test("8 processes enqueueing 100 jobs each at once make 800 jobs with 800 distinct ids", async () => {
  await using tmp = await tempDir("ork-race-");
  const dir = join(tmp.dir, "queue");
  const results = await Promise.all(Array.from({ length: 8 }, () => spawnWorker("enqueue", dir, "100")));
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  const printed = results.flatMap((result) => idsOf(result.stdout));
  assert.equal(printed.length, 800);
  assert.equal(new Set(printed).size, 800);
  const stored = await new FsQueue(dir).list({ status: "pending" });
  assert.deepEqual(stored.map((job) => job.id).sort(), [...printed].sort());
});

Deno.test("4 processes claiming from 500 pending jobs at once claim each exactly once", async () => {
  await using tmp = await tempDir("ork-race-");
  const dir = join(tmp.dir, "queue");
  const queue = new FsQueue(dir);
  const enqueued: string[] = [];
  for (let i = 0; i < 500; i++) {
    enqueued.push(queue.enqueueSync({ role: "r", description: `${i}`, command: "true" }).id);
  }
  const results = await Promise.all(Array.from({ length: 4 }, () => spawnWorker("claim", dir)));
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  const claimed = results.flatMap((result) => idsOf(result.stdout));
  assert.equal(claimed.length, 500);
  assert.deepEqual([...claimed].sort(), [...enqueued].sort());
  const running = await queue.list({ status: "running" });
  assert.equal(running.length, 500);
});
