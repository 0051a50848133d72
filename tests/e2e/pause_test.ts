/**
 * `ork pause` and `ork resume`, end to end: a paused queue is not claimed from (`run --once` says so and ends,
 * a daemon waits), what runs finishes and lands, and resuming goes on; bad input is refused.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, ork, spawnOrk, waitFor } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";

Deno.test("ork pause: run --once claims nothing and says so, status shows it; ork resume: the jobs run", async () => {
  await using s = await runFixture();
  const ids = [await s.enqueue("one", "echo 1 > a.txt"), await s.enqueue("two", "echo 2 > b.txt")];
  const before = await git(s.dir, "rev-parse", "main");

  const paused = await ork(["pause"], { cwd: s.dir });
  assert.equal(paused.code, 0, paused.stderr);
  assert.equal(
    paused.stdout,
    "paused: runners claim no new job; running ones finish and land (ork resume to go on)\n",
  );
  const again = await ork(["pause", "--json"], { cwd: s.dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).already, true);
  const status = await ork(["status"], { cwd: s.dir });
  assert.match(status.stdout, /^paused since \S+: runners claim no new job \(ork resume\)$/m);
  const statusJson = JSON.parse((await ork(["status", "--json"], { cwd: s.dir })).stdout);
  assert.equal(typeof statusJson.paused.since, "string");

  const ran = await s.run("--once");
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(
    ran.stderr,
    /^ork: paused since \S+: no new job is claimed; 2 pending left for after ork resume$/m,
  );
  for (const id of ids) assert.equal((await s.queue.get(id)).status, "pending");
  assert.equal(await git(s.dir, "rev-parse", "main"), before);

  const resumed = await ork(["resume"], { cwd: s.dir });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /^resumed \(paused since \S+\)\n$/);
  assert.equal((await ork(["resume"], { cwd: s.dir })).stdout, "not paused\n");
  const ranAgain = await s.run("--once");
  assert.equal(ranAgain.code, 0, ranAgain.stderr);
  for (const id of ids) assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal((await s.show("b.txt")).trim(), "2");
});

Deno.test("a daemon paused while a job runs: that job lands, the next waits until ork resume", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const first = await s.enqueue(
    "first",
    `until [ -e ${s.trace}/release ]; do sleep 0.05; done; echo 1 > a.txt`,
  );
  const second = await s.enqueue("second", "echo 2 > b.txt");
  const daemon = spawnOrk(["run", "--workers", "1", "--poll", "0.1"], { cwd: s.dir });
  try {
    await waitFor("the first job to run", async () => (await s.queue.get(first)).status === "running");
    assert.equal((await ork(["pause"], { cwd: s.dir })).code, 0);
    await Deno.writeTextFile(join(s.trace, "release"), "");
    await waitFor("the first job to land", async () => (await s.queue.get(first)).status === "completed");
    // The worker looked again before claiming, and saw the pause.
    await waitFor(
      "the runner to see the pause",
      async () =>
        (await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"))).includes("no new job is claimed"),
    );
    assert.equal((await s.queue.get(second)).status, "pending");
    assert.equal((await ork(["resume"], { cwd: s.dir })).code, 0);
    await waitFor("the second job to land", async () => (await s.queue.get(second)).status === "completed");
  } finally {
    daemon.kill("SIGINT");
    await daemon.status;
  }
  assert.equal((await s.show("a.txt")).trim(), "1");
  assert.equal((await s.show("b.txt")).trim(), "2");
});

Deno.test("ork pause and ork resume refuse arguments and unknown flags in one line, exit 2, and pause nothing", async () => {
  await using s = await runFixture();
  for (const args of [["pause", "now"], ["pause", "--bogus"], ["resume", "x"], ["resume", "--bogus"]]) {
    const result = await ork(args, { cwd: s.dir });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /^ork: /);
  }
  const status = JSON.parse((await ork(["status", "--json"], { cwd: s.dir })).stdout);
  assert.equal(status.paused, null);
});
