/**
 * `ork enqueue --unique KEY`: a second pending or running job with the key is refused naming the first; once
 * that one has finished the key is free again; six enqueues racing with one key make one job; a bad key is
 * refused in one line and nothing is written.
 */

import assert from "node:assert/strict";
import { ork, spawnOrk } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";

const JOB = ["--role", "tester", "--desc", "lint", "--cmd", "true"];

Deno.test("enqueue --unique: a second job with the key is refused while the first is pending; free again once it ran", async () => {
  await using s = await runFixture();
  const first = await ork(["enqueue", "--unique", "nightly-lint", ...JOB], { cwd: s.dir });
  assert.equal(first.code, 0, first.stderr);
  const id = first.stdout.trim();
  assert.equal((await s.queue.get(id)).unique, "nightly-lint");

  const second = await ork(["enqueue", "--unique", "nightly-lint", ...JOB], { cwd: s.dir });
  assert.equal(second.code, 2);
  assert.equal(
    second.stderr,
    `ork: --unique "nightly-lint": job ${id} with that key is pending; wait for it to finish (ork status), or ` +
      `cancel it: ork cancel ${id}\n`,
  );
  assert.equal(second.stdout, "");
  // Another key, or none, is not held back.
  assert.equal((await ork(["enqueue", "--unique", "other", ...JOB], { cwd: s.dir })).code, 0);
  assert.equal((await ork(["enqueue", ...JOB], { cwd: s.dir })).code, 0);
  assert.equal((await s.queue.list()).length, 3);

  const ran = await s.run("--once");
  assert.equal(ran.code, 0, ran.stderr);
  const again = await ork(["enqueue", "--unique", "nightly-lint", ...JOB], { cwd: s.dir });
  assert.equal(again.code, 0, again.stderr);
});

Deno.test("six enqueues with one --unique key racing: exactly one job is made, the others are refused", async () => {
  await using s = await runFixture();
  const racers = Array.from(
    { length: 6 },
    () => spawnOrk(["enqueue", "--unique", "cron", ...JOB], { cwd: s.dir }).output(),
  );
  const codes = (await Promise.all(racers)).map((result) => result.code).sort();
  assert.deepEqual(codes, [0, 2, 2, 2, 2, 2]);
  const jobs = await s.queue.list();
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0]!.unique, "cron");
});

Deno.test("enqueue --unique refuses an empty, multi-line or overlong key in one line, exit 2, nothing written", async () => {
  await using s = await runFixture();
  for (const key of ["", "a\nb", "x".repeat(201), "tab\there"]) {
    const result = await ork(["enqueue", "--unique", key, ...JOB], { cwd: s.dir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /^ork: --unique must be one line of 1 to 200 characters without control characters, got .*; name what the job is for, such as --unique nightly-lint\n$/,
    );
  }
  assert.equal((await s.queue.list()).length, 0);
});
