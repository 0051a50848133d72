/**
 * `landing.batch`, end to end: when more jobs wait than there are places to test them, several are tested as
 * one candidate and land together; a batch that fails is split in halves until the failing job is alone. main
 * only ever moves to a tree a gate passed (its reflog is checked), and each job lands once.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { Job } from "../../src/queue/mod.ts";
import { exists, git, ork, spawnOrk, waitFor } from "../helpers/mod.ts";
import { type RunFixture, runFixture } from "./_setup.ts";
import { assertEveryMoveGated, recordingGate, startedCount, withJobs } from "./_train.ts";

/** One candidate tested at a time, up to four jobs in it. */
const BATCHED = "landing:\n  parallel: 1\n  batch: 4\n";

/** A shell test: the train holds at least `cars` jobs. */
function trainHas(s: RunFixture, cars: number): string {
  return `[ "$(cat ${s.dir}/.ork/trains/*.json 2>/dev/null | grep -c '"job":')" -ge ${cars} ]`;
}

/**
 * A gate condition: the first run waits until the train holds `cars` jobs (so that the rest wait behind it and
 * the next candidate is a batch); `also` must hold too, on every run.
 */
function trainHolds(s: RunFixture, cars: number, also = "true"): string {
  return `{ [ -e ${s.trace}/go ] || { ${trainHas(s, cars)} && touch ${s.trace}/go; }; } && { ${also}; }`;
}

/**
 * Five jobs writing f<i>.txt, job `failing` (if any) failing the gate with no retry. Job i finishes only once
 * the i - 1 before it are in the train, so that the train holds them in order.
 */
async function fiveJobs(
  s: RunFixture,
  gate: string,
  failing?: number,
): Promise<{ from: string; ids: string[] }> {
  const { from } = await withJobs(s, BATCHED + gate, 0);
  const ids: string[] = [];
  for (let i = 1; i <= 5; i++) {
    const fails = i === failing;
    const cmd = `until ${trainHas(s, i - 1)}; do sleep 0.05; done; echo ${i} > f${i}.txt` +
      (fails ? " && touch fail-me" : "");
    ids.push(await s.enqueue(`job ${i}`, cmd, ...(fails ? ["--max-retries", "0"] : [])));
  }
  return { from, ids };
}

function batchOf(job: Job): string[] | undefined {
  return (job.result as { batch?: string[] } | null)?.batch;
}

Deno.test("landing.batch: the jobs waiting behind a test go in one batch; one failing is split in halves until it is alone, the rest land", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const { from, ids } = await fiveJobs(s, recordingGate(s.trace, { until: trainHolds(s, 5) }), 3);
  const result = await s.run("--once", "--workers", "5");
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /4 completed, 1 failed/);

  const jobs = await Promise.all(ids.map((id) => s.queue.get(id)));
  assert.equal(jobs[2]!.status, "failed");
  assert.match(jobs[2]!.error ?? "", /required gate suite failed/);
  for (const [index, job] of jobs.entries()) {
    if (index === 2) continue;
    assert.equal(job.status, "completed", `job ${index + 1}: ${job.error}`);
    assert.equal(job.retry_count, 0, `job ${index + 1} spent a retry for another's failure`);
    assert.equal((await s.show(`f${index + 1}.txt`)).trim(), String(index + 1));
  }
  // 1 alone; then 2-5 in one batch (fails), 2-3 (fails), 2 alone (lands), 3 alone (fails), 4-5 (land together).
  assert.deepEqual(jobs.map(batchOf), [undefined, undefined, undefined, [ids[3], ids[4]], [ids[3], ids[4]]]);
  const moves = await assertEveryMoveGated(s, from);
  assert.deepEqual(moves, [jobs[0]!.landed_commit, jobs[1]!.landed_commit, jobs[4]!.landed_commit]);
  assert.equal(await git(s.dir, "rev-parse", `${jobs[4]!.landed_commit}^1`), jobs[3]!.landed_commit);
  assert.equal((await git(s.dir, "ls-tree", "--name-only", "main")).split("\n").includes("f3.txt"), false);
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(
    log,
    new RegExp(`the batch of ${ids.slice(1).join(", ")} failed suite; tested again in halves`),
  );
  assert.match(log, new RegExp(`the batch of ${ids[1]}, ${ids[2]} failed suite; tested again in halves`));
  // The first job's log says where its batch's gates ran.
  const firstOfBatch = await Deno.readTextFile(join(s.dir, `.ork/logs/${ids[3]}.log`));
  assert.match(firstOfBatch, new RegExp(`tested in one candidate with ${ids[4]}; the gates' output is in`));
});

Deno.test("cancelling a job while its batch is under test: it leaves, the others are tested again without it and land together", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  // A candidate holding job 3's file waits for a release that never comes.
  const gate = recordingGate(s.trace, {
    until: trainHolds(s, 5, `[ ! -e f3.txt ] || [ -e ${s.trace}/never ]`),
  });
  const { from, ids } = await fiveJobs(s, gate);
  const runner = spawnOrk(["run", "--once", "--workers", "5"], { cwd: s.dir });
  const status = await waitFor("the batch of four under test", async () => {
    const shown = await ork(["status", "--json"], { cwd: s.dir });
    const cars = (JSON.parse(shown.stdout).trains[0]?.cars ?? []) as { batch?: string[] | null }[];
    return cars[0]?.batch?.length === 4 ? cars : undefined;
  });
  assert.deepEqual(status.map((car) => car.batch), [1, 2, 3, 4].map(() => ids.slice(1)));
  const text = await ork(["status"], { cwd: s.dir });
  assert.match(
    text.stdout,
    new RegExp(`1\\. ${ids[1]}\\s+testing: gate suite .*batch of ${ids.slice(1).join(", ")}`),
  );
  const cancel = await ork(["cancel", ids[2]!], { cwd: s.dir });
  assert.equal(cancel.code, 0, cancel.stderr);
  const result = await runner.output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));

  const jobs = await Promise.all(ids.map((id) => s.queue.get(id)));
  assert.deepEqual(jobs.map((job) => job.status), [
    "completed",
    "completed",
    "cancelled",
    "completed",
    "completed",
  ]);
  assert.deepEqual(batchOf(jobs[4]!), [ids[1], ids[3], ids[4]]);
  const moves = await assertEveryMoveGated(s, from);
  assert.deepEqual(moves, [jobs[0]!.landed_commit, jobs[4]!.landed_commit]);
  assert.equal((await git(s.dir, "ls-tree", "--name-only", "main")).split("\n").includes("f3.txt"), false);
});

Deno.test("SIGKILL of the runner while a batch is under test, then run --once: each job lands once, every move gated", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  // A candidate holding job 5's file waits for the release, which comes after the kill.
  const gate = recordingGate(s.trace, {
    until: trainHolds(s, 5, `[ ! -e f5.txt ] || [ -e ${s.trace}/release ]`),
  });
  const { from, ids } = await fiveJobs(s, gate);
  const runner = spawnOrk(["run", "--once", "--workers", "5"], { cwd: s.dir });
  await waitFor("the batch under test", async () => (await startedCount(s.trace)) >= 2);
  runner.kill("SIGKILL");
  await runner.status;
  await Deno.writeTextFile(join(s.trace, "release"), "");
  const result = await s.run("--once", "--workers", "5");
  assert.equal(result.code, 0, result.stderr);
  const jobs = await Promise.all(ids.map((id) => s.queue.get(id)));
  for (const [index, job] of jobs.entries()) {
    assert.equal(job.status, "completed", `job ${index + 1}: ${job.error}`);
    assert.equal((await s.show(`f${index + 1}.txt`)).trim(), String(index + 1));
  }
  const moves = await assertEveryMoveGated(s, from);
  // Each job's commit is on main once: as its own move, or inside a batch's.
  const trailers = await git(
    s.dir,
    "log",
    "--first-parent",
    "--format=%(trailers:key=Ork-Job,valueonly,separator=)",
    `${from}..main`,
  );
  const landed = trailers.split("\n").filter(Boolean).sort();
  assert.deepEqual(landed, [...new Set(landed)], "a job landed twice");
  assert.equal(landed.length, 5);
  assert.ok(moves.length >= 2 && moves.length <= 5, `main moved ${moves.length} times`);
});

Deno.test("SIGKILL after a batch moved main but before the checkout came forward: the next run brings every batch job's files in", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const { from, ids } = await fiveJobs(s, recordingGate(s.trace, { until: trainHolds(s, 5) }));
  // git runs this after each update of main; on the second (the batch of jobs 2-5) it says so and holds the
  // landing there, after main moved and before ork brings the checkout forward.
  const hook = join(s.dir, ".git/hooks/reference-transaction");
  await Deno.writeTextFile(
    hook,
    `#!/bin/sh\ninput=$(cat)\n[ "$1" = committed ] || exit 0\ncase "$input" in *" refs/heads/main"*) ;; *) exit 0;; esac\n` +
      `n=$(cat ${s.trace}/moves 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${s.trace}/moves\n` +
      `if [ $n = 2 ]; then touch ${s.trace}/held; until [ -e ${s.trace}/let-go ]; do sleep 0.05; done; fi\n`,
  );
  await Deno.chmod(hook, 0o755);
  const runner = spawnOrk(["run", "--once", "--workers", "5"], { cwd: s.dir });
  await waitFor("the batch's move of main", () => exists(join(s.trace, "held")));
  runner.kill("SIGKILL");
  await runner.status;
  await Deno.remove(hook);
  await Deno.writeTextFile(join(s.trace, "let-go"), "");
  const result = await s.run("--once", "--workers", "5");
  assert.equal(result.code, 0, result.stderr);
  for (const [index, id] of ids.entries()) {
    assert.equal((await s.queue.get(id)).status, "completed", `job ${index + 1}`);
    assert.equal((await Deno.readTextFile(join(s.dir, `f${index + 1}.txt`))).trim(), String(index + 1));
  }
  assert.equal(await git(s.dir, "status", "--porcelain"), "", "the checkout holds what main holds");
  await assertEveryMoveGated(s, from);
});
