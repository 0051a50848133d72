/**
 * `rate_limit:`: a command that fails on its agent's usage limit is parked, not failed: pending with
 * `parked_until`, no retry spent, not claimed before then (`run --once` ends, saying so; `ork status` shows
 * when), and it runs again by itself once the time has come, in a daemon too. After `max_waits` parks the limit
 * counts as its failure.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, ork, spawnOrk, waitFor } from "../helpers/mod.ts";
import { type RunFixture, runFixture } from "./_setup.ts";

/** A command that fails with `limited` on its first `times` runs, counting them in the trace, then lands. */
function limitedThenFine(s: RunFixture, limited: string, times = 1): string {
  const count = join(s.trace, "count");
  return `n=$(cat ${count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${count}; echo $n > try.txt; ` +
    `if [ $n -le ${times} ]; then ${limited}; fi; echo done > done.txt`;
}

async function runs(s: RunFixture): Promise<number> {
  return Number((await Deno.readTextFile(join(s.trace, "count")).catch(() => "0")).trim());
}

/** Waits, on the real clock, until the job's parked time has passed. */
async function untilResumes(s: RunFixture, id: string): Promise<void> {
  const until = Date.parse((await s.queue.get(id)).parked_until!);
  await waitFor("the parked time to pass", () => Date.now() > until);
}

Deno.test("Claude's 'usage limit reached|<epoch>' parks the job until that time, no retry spent; not claimed before it", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const epoch = join(s.trace, "epoch");
  const id = await s.enqueue(
    "limited",
    limitedThenFine(
      s,
      `r=$(( $(date +%s) + 3600 )); echo $r > ${epoch}; echo "Claude AI usage limit reached|$r"; exit 1`,
    ),
  );
  const first = await s.run("--once");
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stdout,
    /ork run: 0 completed, 0 failed; 1 parked after a usage limit, the first until 20\d\d-/,
  );
  const parked = await s.queue.get(id);
  assert.equal(parked.status, "pending");
  assert.equal(parked.retry_count, 0);
  assert.deepEqual(parked.tries.map((t) => t.outcome), ["parked"]);
  const reset = Number((await Deno.readTextFile(epoch)).trim());
  assert.equal(parked.parked_until, new Date(reset * 1000).toISOString(), "the reset time the output gave");
  assert.equal(
    parked.error,
    `usage limit (Claude AI usage limit reached|${reset}); runs again at ${parked.parked_until}`,
  );
  const status = await ork(["status"], { cwd: s.dir });
  assert.match(
    status.stdout,
    new RegExp(
      `parked after a usage limit \\(no retry spent\\):\\n\\s+${id}\\s+tester\\s+until ${parked.parked_until}`,
    ),
  );
  const show = await ork(["show", id], { cwd: s.dir });
  assert.match(
    show.stdout,
    new RegExp(`change: none to show \\(it is parked after a usage limit until ${parked.parked_until}`),
  );
  // Not before its time: a run now ends at once without running it.
  const early = await s.run("--once");
  assert.equal(early.code, 0, early.stderr);
  assert.equal(await runs(s), 1, "it ran again before the limit reset");
  assert.equal((await s.queue.get(id)).status, "pending");
});

Deno.test("an exit code of rate_limit.exit_codes parks for rate_limit.wait; after max_waits it fails for good, no retry spent", async () => {
  await using s = await runFixture(
    "rate_limit:\n  exit_codes: [75]\n  wait: 3\n  max_waits: 2\n",
    { sandbox: "off" },
  );
  const id = await s.enqueue("always limited", limitedThenFine(s, "exit 75", 99));
  // (A wait long enough that the run which parked it has ended before it may run again.)
  for (const expected of [1, 2]) {
    assert.equal((await s.run("--once")).code, 0);
    const job = await s.queue.get(id);
    assert.equal(job.status, "pending", job.error ?? "");
    assert.equal(job.tries.length, expected);
    assert.match(job.error ?? "", /^usage limit \(exit code 75\); runs again at /);
    await untilResumes(s, id);
  }
  const last = await s.run("--once");
  assert.equal(last.code, 1, last.stderr);
  const failed = await s.queue.get(id);
  assert.equal(failed.status, "failed");
  assert.equal(
    failed.error,
    `usage limit (exit code 75) still there after waiting 2 times (rate_limit.max_waits); ork retry ${id} once it has reset`,
  );
  assert.equal(failed.retry_count, 0, "retrying at once would hit the same limit");
  assert.equal(
    await git(s.dir, "show", `${failed.branch}:try.txt`),
    "3",
    "its last try's work is not on its branch",
  );
  assert.deepEqual(failed.tries.map((t) => t.outcome), ["parked", "parked", "failed"]);
  assert.equal(await runs(s), 3);
  // ork retry gives it a new budget of waits.
  assert.equal((await ork(["retry", id], { cwd: s.dir })).code, 0);
  assert.equal((await s.run("--once")).code, 0);
  assert.deepEqual((await s.queue.get(id)).tries.map((t) => t.outcome).slice(3), ["parked"]);
});

Deno.test("a daemon runs a parked job again by itself once its time has come", async () => {
  await using s = await runFixture("rate_limit:\n  exit_codes: [75]\n  wait: 0.5\n", { sandbox: "off" });
  const id = await s.enqueue("limited once", limitedThenFine(s, "exit 75"));
  const daemon = spawnOrk(["run", "--poll", "0.1"], { cwd: s.dir });
  try {
    await waitFor("the job to land", async () => (await s.queue.get(id)).status === "completed");
  } finally {
    daemon.kill("SIGINT");
    await daemon.output();
  }
  const job = await s.queue.get(id);
  assert.deepEqual(job.tries.map((t) => t.outcome), ["parked", "completed"]);
  assert.ok(
    Date.parse(job.tries[1]!.started_at!) >= Date.parse(job.tries[0]!.finished_at) + 400,
    "ran early",
  );
  assert.equal(await s.show("done.txt"), "done");
});

Deno.test("Claude Code's 'resets 3pm (Etc/UTC)' parks until then in that zone; a week at most; retry runs it at once; cancel clears it", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const zoned = await s.enqueue(
    "zoned",
    limitedThenFine(s, `echo "You've hit your limit · resets 3pm (Etc/UTC)"; exit 1`),
  );
  const far = await s.enqueue(
    "far",
    `echo "You've hit your usage limit. Upgrade to Pro or try again in 99999999999999 days."; exit 1`,
  );
  const before = Date.now();
  assert.equal((await s.run("--once", "--workers", "2")).code, 0);
  const next = new Date(before);
  next.setUTCHours(15, 0, 0, 0);
  if (next.getTime() <= before) next.setUTCDate(next.getUTCDate() + 1);
  assert.equal((await s.queue.get(zoned)).parked_until, next.toISOString());
  const farJob = await s.queue.get(far);
  assert.equal(farJob.status, "pending", farJob.error ?? "");
  const week = Date.parse(farJob.parked_until!) - Date.parse(farJob.tries[0]!.finished_at);
  assert.ok(week > 6.9 * 86_400_000 && week <= 7 * 86_400_000 + 1000, `waits ${week} ms`);
  // The limit reset sooner than it said: ork retry lets it run now.
  assert.equal((await ork(["retry", zoned], { cwd: s.dir })).code, 0);
  assert.equal((await s.queue.get(zoned)).parked_until, null);
  assert.equal((await s.run("--once")).code, 0);
  assert.equal((await s.queue.get(zoned)).status, "completed");
  assert.equal((await ork(["cancel", far], { cwd: s.dir })).code, 0);
  const cancelled = await s.queue.get(far);
  assert.deepEqual([cancelled.status, cancelled.parked_until], ["cancelled", null]);
});

Deno.test("a test suite's failure that names a rate limit is a failure, not a usage limit", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const id = await s.enqueue(
    "tests",
    `echo "FAILED tests/test_client.py::test_retry_on_RateLimitError - AssertionError: quota exceeded"; exit 1`,
    "--max-retries",
    "0",
  );
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.deepEqual(job.tries.map((t) => t.outcome), ["failed"]);
});
