/**
 * The merge train, end to end: candidates of several jobs tested at once, each built on the ones ahead, and the
 * target moving only to trees a gate passed. Every gate here records the tree it passed; each test checks that
 * every commit main's first-parent history gained has one of those trees, and that each job landed once.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, git, ork, spawnOrk, waitFor } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";
import { assertAllGated, recordingGate, started, startedCount, trainOrder, withJobs } from "./_train.ts";

Deno.test("eight jobs on four workers, one failing its gate: the rest land once each, in train order, every tree gated", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  // The first gate waits for a second to start: without a train (one candidate at a time) it never would.
  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  sandbox: off\n" + recordingGate(s.trace, { until: started(s.trace, 2) }),
  );
  await git(s.dir, "commit", "--quiet", "-am", "gate");
  const from = await git(s.dir, "rev-parse", "main");
  const ids: string[] = [];
  for (let i = 1; i <= 8; i++) {
    const failing = i === 4;
    ids.push(
      await s.enqueue(
        `job ${i}`,
        `echo ${i} > f${i}.txt${failing ? " && touch fail-me" : ""}`,
        ...(failing ? ["--max-retries", "0"] : []),
      ),
    );
  }
  const result = await s.run("--once", "--workers", "4");
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /7 completed, 1 failed/);

  const failed = await s.queue.get(ids[3]!);
  assert.equal(failed.status, "failed");
  assert.match(failed.error ?? "", /required gate suite failed/);
  for (const [index, id] of ids.entries()) {
    if (index === 3) continue;
    const job = await s.queue.get(id);
    assert.equal(job.status, "completed", `job ${index + 1}: ${job.error}`);
    assert.equal(job.retry_count, 0, `job ${index + 1} spent a retry for another's failure`);
    assert.equal((await s.show(`f${index + 1}.txt`)).trim(), String(index + 1));
  }
  assert.equal(exists(join(s.dir, "fail-me")), false);
  const landed = await assertAllGated(s, from);
  assert.deepEqual(
    landed.map((landing) => landing.job),
    (await trainOrder(s.dir)).filter((id) => id !== ids[3]),
  );
  assert.equal(landed.length, 7);
  const slots = new Set((await Deno.readTextFile(join(s.trace, "slots"))).split("\n").filter(Boolean));
  assert.ok(slots.has("1") && slots.has("2"), `ORK_GATE_SLOT told the parallel gates apart: ${[...slots]}`);
});

Deno.test("two candidates that conflict: the first lands, the second goes back and lands from the new tip", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  await Deno.writeTextFile(join(s.dir, "shared.txt"), "zero\n");
  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  sandbox: off\n" + recordingGate(s.trace),
  );
  await git(s.dir, "add", ".");
  await git(s.dir, "commit", "--quiet", "-m", "shared");
  const from = await git(s.dir, "rev-parse", "main");
  const a = await s.enqueue("a", "echo a > shared.txt");
  const b = await s.enqueue("b", "echo b > shared.txt");
  const result = await s.run("--once", "--workers", "2");
  assert.equal(result.code, 0, result.stderr);
  const jobs = [await s.queue.get(a), await s.queue.get(b)];
  assert.deepEqual(jobs.map((job) => job.status), ["completed", "completed"]);
  // One of them met the other's change and ran again from the new tip; no conflict marker anywhere.
  assert.deepEqual(jobs.map((job) => job.retry_count).sort(), [0, 1]);
  const rerun = jobs.find((job) => job.retry_count === 1)!;
  assert.equal((await s.show("shared.txt")).trim(), rerun.description);
  const landed = await assertAllGated(s, from);
  assert.equal(landed.length, 2);
});

Deno.test("a commit to main outside ork while the train runs: everything is built again on it, and all lands gated", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  // The first gate run commits to main as a user would, from the user's checkout.
  const outside = `if [ ! -e ${s.trace}/committed ]; then touch ${s.trace}/committed; ` +
    `(cd ${s.dir} && echo user > outside.txt && git add outside.txt && git commit --quiet -m outside); fi`;
  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  sandbox: off\n" +
      recordingGate(s.trace, { until: `${started(s.trace, 2)} || [ -e ${s.trace}/committed ]` }).replace(
        "merge_gates:\n",
        `merge_gates:\n  - name: user_commits\n    command: ${JSON.stringify(outside)}\n`,
      ),
  );
  await git(s.dir, "commit", "--quiet", "-am", "gate");
  const from = await git(s.dir, "rev-parse", "main");
  const ids = [];
  for (let i = 1; i <= 3; i++) ids.push(await s.enqueue(`job ${i}`, `echo ${i} > f${i}.txt`));
  const result = await s.run("--once", "--workers", "3");
  assert.equal(result.code, 0, result.stderr);
  for (const id of ids) assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal((await s.show("outside.txt")).trim(), "user");
  const landed = await assertAllGated(s, from);
  assert.deepEqual(landed.filter((landing) => landing.job !== "").length, 3);
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(log, /building \S+'s candidate again: main moved outside ork/);
});

Deno.test("SIGKILL of the runner while several candidates are under test, then run --once: each job lands once, all gated", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const { from, ids } = await withJobs(s, recordingGate(s.trace, { until: `[ -e ${s.trace}/release ]` }), 4);
  const runner = spawnOrk(["run", "--once", "--workers", "3"], { cwd: s.dir });
  await waitFor("three candidates under test", async () => (await startedCount(s.trace)) >= 3);
  // ork status shows the train: three candidates, each on the one ahead, holding the jobs ahead.
  const order = await trainOrder(s.dir);
  const status = await waitFor("status to show the train", async () => {
    const shown = await ork(["status"], { cwd: s.dir });
    return (shown.stdout.match(/testing: gate suite/g) ?? []).length === 3 ? shown.stdout : undefined;
  });
  assert.match(status, new RegExp(`train to main at ${from.slice(0, 12)}:`));
  assert.match(
    status,
    new RegExp(`1\\. ${order[0]}\\s+testing: gate suite for \\d+s\\s+on ${from.slice(0, 12)}\\s*\\n`),
  );
  assert.match(status, new RegExp(`3\\. ${order[2]} .* holding ${order[0]}, ${order[1]}`));
  const json = JSON.parse((await ork(["status", "--json"], { cwd: s.dir })).stdout);
  assert.deepEqual(json.trains[0].cars.map((car: { job: string }) => car.job), order);
  assert.deepEqual(json.trains[0].cars.map((car: { slot: number }) => car.slot).sort(), [1, 2, 3]);
  runner.kill("SIGKILL");
  await runner.output();
  assert.equal(await git(s.dir, "rev-parse", "main"), from, "nothing landed before the kill");

  await Deno.writeTextFile(join(s.trace, "release"), "");
  const again = await s.run("--once", "--workers", "3");
  assert.equal(again.code, 0, again.stderr);
  for (const id of ids) assert.equal((await s.queue.get(id)).status, "completed");
  const landed = await assertAllGated(s, from);
  assert.deepEqual(landed.map((landing) => landing.job).sort(), [...ids].sort());
  assert.doesNotMatch(
    (await ork(["status"], { cwd: s.dir })).stdout,
    /train/,
    "a dead runner's train is not shown",
  );
});

Deno.test("cancelling the job in the middle of the train: it does not land, the one behind is rebuilt without it", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const { from, ids } = await withJobs(s, recordingGate(s.trace, { until: `[ -e ${s.trace}/release ]` }), 3);
  const runner = spawnOrk(["run", "--once", "--workers", "3"], { cwd: s.dir });
  await waitFor("three candidates under test", async () => (await startedCount(s.trace)) >= 3);
  const [, middle, last] = await trainOrder(s.dir);
  const cancel = await ork(["cancel", middle!], { cwd: s.dir });
  assert.equal(cancel.code, 0, cancel.stderr);
  await waitFor(
    "the last candidate to be built again",
    async () =>
      (await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"))).includes(`building ${last}'s`),
  );
  await Deno.writeTextFile(join(s.trace, "release"), "");
  const result = await runner.output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));

  assert.equal((await s.queue.get(middle!)).status, "cancelled");
  assert.equal((await s.queue.get(middle!)).landed_commit, null);
  const landed = await assertAllGated(s, from);
  assert.deepEqual(
    landed.map((landing) => landing.job),
    (await trainOrder(s.dir)).filter((id) => id !== middle),
  );
  const index = ids.indexOf(middle!) + 1;
  assert.equal(
    (await git(s.dir, "ls-tree", "--name-only", "main")).split("\n").includes(`f${index}.txt`),
    false,
  );
});

Deno.test("a flaky gate with retries lands on its second try, recorded; a parallel: false gate never overlaps itself", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const flaky =
    `if [ ! -e ${s.trace}/flaked.$ORK_JOB_ID ]; then touch ${s.trace}/flaked.$ORK_JOB_ID; exit 3; fi`;
  // Fails if another run of it is inside at the same time.
  const alone = `mkdir ${s.trace}/inside || exit 1; sleep 0.2; rmdir ${s.trace}/inside`;
  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  sandbox: off\n" + recordingGate(s.trace, { until: started(s.trace, 2) }) +
      `  - name: flaky\n    command: ${JSON.stringify(flaky)}\n    retries: 1\n` +
      `  - name: database\n    command: ${JSON.stringify(alone)}\n    parallel: false\n`,
  );
  await git(s.dir, "commit", "--quiet", "-am", "gates");
  const from = await git(s.dir, "rev-parse", "main");
  const ids = [];
  for (let i = 1; i <= 4; i++) ids.push(await s.enqueue(`job ${i}`, `echo ${i} > f${i}.txt`));
  const result = await s.run("--once", "--workers", "4");
  assert.equal(result.code, 0, result.stderr);
  for (const id of ids) {
    const job = await s.queue.get(id);
    assert.equal(job.status, "completed", job.error ?? "");
    assert.equal(job.retry_count, 0);
    const gates = (job.result as { gates: { name: string; failed_tries?: { exit_code: number }[] }[] }).gates;
    const flakyResult = gates.find((gate) => gate.name === "flaky");
    assert.deepEqual(flakyResult?.failed_tries?.map((t) => t.exit_code), [3], "the failed try is on record");
  }
  assert.equal((await assertAllGated(s, from)).length, 4);
});

Deno.test("landing.parallel: 1 tests one candidate at a time", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  // Fails if another candidate's gate is running at the same time.
  const alone = `mkdir ${s.trace}/inside || exit 1; sleep 0.3; rmdir ${s.trace}/inside`;
  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  sandbox: off\nlanding:\n  parallel: 1\n" + recordingGate(s.trace) +
      `  - name: alone\n    command: ${JSON.stringify(alone)}\n`,
  );
  await git(s.dir, "commit", "--quiet", "-am", "gates");
  const from = await git(s.dir, "rev-parse", "main");
  for (let i = 1; i <= 3; i++) await s.enqueue(`job ${i}`, `echo ${i} > f${i}.txt`);
  const result = await s.run("--once", "--workers", "3");
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await assertAllGated(s, from)).length, 3);
  const slots = new Set((await Deno.readTextFile(join(s.trace, "slots"))).split("\n").filter(Boolean));
  assert.deepEqual([...slots], ["1"]);
});

Deno.test("a second SIGINT while candidates are under test: nothing lands, the jobs go back to pending", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const { from, ids } = await withJobs(s, recordingGate(s.trace, { until: `[ -e ${s.trace}/release ]` }), 2);
  const runner = spawnOrk(["run", "--workers", "2"], { cwd: s.dir });
  await waitFor("two candidates under test", async () => (await startedCount(s.trace)) >= 2);
  runner.kill("SIGINT");
  await waitFor(
    "the first SIGINT to be heard",
    async () =>
      (await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"))).includes("SIGINT: no new jobs"),
  );
  runner.kill("SIGINT");
  const result = await runner.output();
  const stderr = new TextDecoder().decode(result.stderr);
  assert.equal(result.code, 130, stderr);
  // Said at once on the first signal, without -v.
  assert.match(
    stderr,
    /^ork: SIGINT: no new jobs; running ones finish and land \(send it again to stop them\)$/m,
  );
  assert.equal(await git(s.dir, "rev-parse", "main"), from, "nothing landed");
  for (const id of ids) {
    const job = await s.queue.get(id);
    assert.equal(job.status, "pending");
    assert.equal(job.retry_count, 0);
  }
  assert.equal(await git(s.dir, "for-each-ref", "refs/heads/ork/"), "", "no branch of theirs is left");
});

Deno.test("two runners' trains take turns at the landing lock: every job lands once, every tree gated", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const { from, ids } = await withJobs(s, recordingGate(s.trace, { until: "sleep 0.2; true" }), 8);
  const [one, two] = await Promise.all([
    s.run("--once", "--workers", "2"),
    s.run("--once", "--workers", "2"),
  ]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  for (const id of ids) assert.equal((await s.queue.get(id)).status, "completed");
  const landed = await assertAllGated(s, from);
  assert.deepEqual(landed.map((landing) => landing.job).sort(), [...ids].sort());
});
