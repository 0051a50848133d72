/**
 * `ork enqueue --after <id>,...`: a job runs only once the jobs it names completed, even with idle workers; one
 * that failed fails it without running it, naming that job; unknown, failed or empty ids are refused at enqueue.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, ork, waitFor } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";

Deno.test("a job --after two others runs only once both landed, though a worker was free before; it sees their work", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const slow = await s.enqueue(
    "slow",
    `until [ -e ${s.trace}/release ]; do sleep 0.05; done; echo 1 > a.txt`,
  );
  const quick = await s.enqueue("quick", "echo 2 > b.txt");
  // Enqueued last but first in run order: priority 0.
  const after = await s.enqueue(
    "after both",
    "cat a.txt b.txt > c.txt",
    "--after",
    `${slow.slice(0, 12)},${quick}`,
    "--priority",
    "0",
  );
  assert.deepEqual((await s.queue.get(after)).after, [slow, quick]);
  const runner = s.run("--once", "--workers", "3");
  // quick lands while slow still runs: the third worker must not have taken `after` meanwhile.
  await waitFor("quick to land", async () => (await s.queue.get(quick)).status === "completed");
  assert.equal((await s.queue.get(after)).status, "pending");
  await Deno.writeTextFile(join(s.trace, "release"), "");
  const result = await runner;
  assert.equal(result.code, 0, result.stderr);
  const jobs = await Promise.all([slow, quick, after].map((id) => s.queue.get(id)));
  assert.deepEqual(jobs.map((job) => job.status), ["completed", "completed", "completed"]);
  assert.ok(jobs[2]!.started_at! > jobs[0]!.finished_at!, "ran before the job it waits for landed");
  assert.equal(await s.show("c.txt"), "1\n2");
});

Deno.test("a job --after one that fails is failed without running, naming it; so is the job after that", async () => {
  await using s = await runFixture();
  const failing = await s.enqueue("fails", "exit 4", "--max-retries", "0");
  const second = await s.enqueue("second", "echo 2 > b.txt", "--after", failing);
  const third = await s.enqueue("third", "echo 3 > c.txt", "--after", second);
  const result = await s.run("--once", "--workers", "2");
  assert.equal(result.code, 1);
  const [a, b, c] = await Promise.all([failing, second, third].map((id) => s.queue.get(id)));
  assert.equal(a!.status, "failed");
  assert.equal(b!.status, "failed");
  assert.equal(b!.error, `job ${failing} it was to run after failed`);
  assert.equal(b!.started_at, null, "it never ran");
  assert.equal(b!.retry_count, 0);
  assert.equal(c!.error, `job ${second} it was to run after failed`);
  assert.equal(exists(join(s.dir, ".ork/logs", `${second}.log`)), false);
});

Deno.test("enqueue --after refuses an unknown id, a failed job, and an empty entry in one line, exit 2, nothing written", async () => {
  await using s = await runFixture();
  const failing = await s.enqueue("fails", "exit 4", "--max-retries", "0");
  await s.run("--once");
  const base = ["enqueue", "--role", "tester", "--desc", "x", "--cmd", "true", "--after"];
  for (
    const [after, message] of [
      ["zzzznotajob", /^ork: no job matches 'zzzznotajob'|^ork: .*zzzznotajob/],
      [
        failing,
        new RegExp(`^ork: --after: job ${failing} is failed, so a job after it would never run; ork retry`),
      ],
      [`${failing},`, /^ork: --after must be job ids separated by commas, got/],
    ] as const
  ) {
    const result = await ork([...base, after], { cwd: s.dir });
    assert.equal(result.code, 2, `${after}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  }
  assert.equal((await s.queue.list()).length, 1);
});
