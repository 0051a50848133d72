/**
 * Review before landing: `ork enqueue --review` and `landing.approve: manual` hold a job whose gates passed in
 * `awaiting_review`, its branch kept and main unmoved; `ork approve` lands it at the next run without running
 * its command again (nor its gates, while the target still gives the tree they passed; again once it moved);
 * `ork reject` fails it for good; cancel takes it out; bad input is refused in one line, changing nothing.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, git, ork, spawnOrk, waitFor } from "../helpers/mod.ts";
import { type RunFixture, runFixture } from "./_setup.ts";

/**
 * A config whose one gate counts its runs in the trace folder; while `hold` is there, it says so (`held`) and
 * waits for `release`.
 */
async function reviewFixture(extra: (trace: string) => string = () => ""): Promise<RunFixture> {
  const s = await runFixture("", { sandbox: "off" });
  const t = s.trace;
  const gate = `echo "$ORK_JOB_ID" >> ${t}/gates; if [ -e ${t}/hold ]; then touch ${t}/held; ` +
    `until [ -e ${t}/release ]; do sleep 0.05; done; fi`;
  const config = `orchestrator:\n  sandbox: off\nmerge_gates:\n  - name: counted\n    command: ${
    JSON.stringify(gate)
  }\n${extra(t)}`;
  await Deno.writeTextFile(join(s.dir, "config/orchestrator.yaml"), config);
  await git(s.dir, "commit", "--quiet", "-am", "counted gate");
  return s;
}

/** How often the trace file `name` got a line. */
async function count(s: RunFixture, name: string): Promise<number> {
  const text = await Deno.readTextFile(join(s.trace, name)).catch(() => "");
  return text.split("\n").filter((line) => line !== "").length;
}

Deno.test("--review: the job waits with main unmoved; approve lands its branch at the next run, command and gates not run again", async () => {
  await using s = await reviewFixture();
  const command = `echo ran >> ${JSON.stringify(join(s.trace, "runs"))}; echo reviewed > r.txt`;
  const plain = await s.enqueue("plain", "echo plain > p.txt");
  // After the plain one has landed: its review is of a candidate on main as it stays.
  const id = await s.enqueue("reviewed", command, "--review", "--after", plain);
  const mainBefore = await git(s.dir, "rev-parse", "main");
  const first = await s.run("--once", "--workers", "2");
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stdout,
    /1 awaiting review \(ork list --status awaiting_review, then ork approve <id>\)/,
  );
  const waiting = await s.queue.get(id);
  assert.equal(waiting.status, "awaiting_review");
  assert.equal((await s.queue.get(plain)).status, "completed");
  assert.equal(await s.show("p.txt"), "plain");
  await assert.rejects(s.show("r.txt"), "the reviewed job's file is not on main");
  assert.notEqual(await git(s.dir, "rev-parse", "main"), mainBefore, "the plain job landed");
  assert.equal(await git(s.dir, "show", `${waiting.branch}:r.txt`), "reviewed");
  const review = waiting.result?.review as { tree: string; base: string };
  assert.equal(typeof review.tree, "string");
  assert.equal(waiting.tries.at(-1)?.outcome, "awaiting_review");

  const listed = await ork(["list", "--status", "awaiting_review"], { cwd: s.dir });
  assert.match(listed.stdout, new RegExp(id));
  assert.doesNotMatch(listed.stdout, new RegExp(plain));
  const status = await ork(["status"], { cwd: s.dir });
  assert.match(status.stdout, /1 awaiting review/);

  const runsBefore = await count(s, "runs");
  const gatesBefore = await count(s, "gates");
  const approve = await ork(["approve", id.slice(0, 12)], { cwd: s.dir });
  assert.equal(approve.code, 0, approve.stderr);
  assert.match(approve.stdout, new RegExp(`approved ${id} \\(reviewed\\)`));
  assert.equal((await s.queue.get(id)).status, "pending");
  // main did not move since the review: the candidate has the tree the gate passed.
  assert.equal(await git(s.dir, "rev-parse", "main"), review.base);
  const second = await s.run("--once");
  assert.equal(second.code, 0, second.stderr);
  const landed = await s.queue.get(id);
  assert.equal(landed.status, "completed");
  assert.equal(await s.show("r.txt"), "reviewed");
  assert.equal(await count(s, "runs"), runsBefore, "the command ran again");
  assert.equal(await count(s, "gates"), gatesBefore, "the gate ran again on the tree it passed");
  assert.equal(await git(s.dir, "rev-parse", "main^{tree}"), review.tree);
  assert.equal(await git(s.dir, "branch", "--list", waiting.branch!), "", "its branch went with the landing");
  const log = await Deno.readTextFile(landed.log_path!);
  assert.match(log, /approved: landing ork\/.*, its command not run again/);
  assert.match(log, /has the tree its gates passed in review/);
});

Deno.test("landing.approve: manual holds every job; approved after main moved, it is tested again on the new tip", async () => {
  await using s = await reviewFixture(() => "landing:\n  approve: manual\n");
  const id = await s.enqueue("manual", "echo manual > m.txt");
  const first = await s.run("--once");
  assert.equal(first.code, 0, first.stderr);
  const waiting = await s.queue.get(id);
  assert.equal(waiting.status, "awaiting_review");
  assert.equal(waiting.review, false, "the config asked for it, not the job");
  // The user commits meanwhile: the reviewed tree is not what would land now.
  await Deno.writeTextFile(join(s.dir, "user.txt"), "user\n");
  await git(s.dir, "add", "user.txt");
  await git(s.dir, "commit", "--quiet", "-m", "user work");
  const gatesBefore = await count(s, "gates");
  assert.equal((await ork(["approve", id], { cwd: s.dir })).code, 0);
  const second = await s.run("--once");
  assert.equal(second.code, 0, second.stderr);
  assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal(await count(s, "gates"), gatesBefore + 1, "the new candidate was not tested");
  assert.equal(await s.show("m.txt"), "manual");
  assert.equal(await s.show("user.txt"), "user");
  assert.match(await Deno.readTextFile(waiting.log_path!), /tested again/);
});

Deno.test("SIGKILL of the runner while an approved job is tested again: the next run lands it, its command never run again", async () => {
  await using s = await reviewFixture();
  const command = `echo ran >> ${JSON.stringify(join(s.trace, "runs"))}; echo approved > a.txt`;
  const id = await s.enqueue("approved", command, "--review");
  assert.equal((await s.run("--once")).code, 0);
  await Deno.writeTextFile(join(s.dir, "user.txt"), "user\n");
  await git(s.dir, "add", "user.txt");
  await git(s.dir, "commit", "--quiet", "-m", "user work");
  assert.equal((await ork(["approve", id], { cwd: s.dir })).code, 0);
  await Deno.writeTextFile(join(s.trace, "hold"), "");
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  await waitFor("the approved job's gate", () => exists(join(s.trace, "held")));
  runner.kill("SIGKILL");
  await runner.status;
  await Deno.writeTextFile(join(s.trace, "release"), "");
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "completed", job.error ?? "");
  assert.equal(await s.show("a.txt"), "approved");
  assert.equal(await s.show("user.txt"), "user");
  assert.equal(await count(s, "runs"), 1, "the command ran again");
  assert.deepEqual(job.tries.map((t) => t.outcome), ["awaiting_review", "requeued", "completed"]);
});

Deno.test("reject fails the job for good with the reason, no retry spent; cancel takes a waiting job out; on_awaiting_review ran", async () => {
  await using s = await reviewFixture((t) =>
    `hooks:\n  on_awaiting_review: echo "$ORK_JOB_ID $ORK_JOB_STATUS" >> ${t}/hooked\n`
  );
  const rejected = await s.enqueue("to reject", "echo no > n.txt", "--review");
  const cancelled = await s.enqueue("to cancel", "echo c > c.txt", "--review");
  assert.equal((await s.run("--once", "--workers", "2")).code, 0);
  const hooked = (await Deno.readTextFile(join(s.trace, "hooked"))).split("\n").filter(Boolean).sort();
  assert.deepEqual(hooked, [`${rejected} awaiting_review`, `${cancelled} awaiting_review`].sort());
  const mainBefore = await git(s.dir, "rev-parse", "main");
  // Retrying a job awaiting review would run its command anew behind the reviewer's back: refused.
  const retry = await ork(["retry", rejected], { cwd: s.dir });
  assert.equal(retry.code, 2);
  assert.match(
    retry.stderr,
    new RegExp(`job ${rejected} is awaiting_review; only a failed job can be retried`),
  );
  assert.equal((await s.queue.get(rejected)).status, "awaiting_review");
  const reject = await ork(["reject", rejected, "--reason", "changes the public API"], { cwd: s.dir });
  assert.equal(reject.code, 0, reject.stderr);
  const job = await s.queue.get(rejected);
  assert.equal(job.status, "failed");
  assert.equal(job.error, "rejected: changes the public API");
  assert.equal(job.retry_count, 0);
  assert.equal(await git(s.dir, "show", `${job.branch}:n.txt`), "no", "its branch stays for a look");
  const cancel = await ork(["cancel", cancelled], { cwd: s.dir });
  assert.equal(cancel.code, 0, cancel.stderr);
  const gone = await s.queue.get(cancelled);
  assert.equal(gone.status, "cancelled");
  assert.equal(
    await git(s.dir, "branch", "--list", gone.branch!),
    "",
    "a job cancelled in review keeps its branch",
  );
  const again = await s.run("--once");
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await git(s.dir, "rev-parse", "main"), mainBefore, "a rejected or cancelled job landed");
  assert.doesNotMatch(again.stdout, /awaiting review/);
});

Deno.test("approve and reject refuse a job not awaiting review, an empty reason and no id, in one line, exit 2, nothing changed", async () => {
  await using s = await reviewFixture();
  const pending = await s.enqueue("pending", "echo p > p.txt");
  const files = async () =>
    (await Array.fromAsync(Deno.readDir(join(s.dir, ".ork/queue")))).map((e) => e.name);
  const before = { job: await s.queue.get(pending), files: await files() };
  const cases: [string[], RegExp][] = [
    [
      ["approve", pending],
      new RegExp(`job ${pending} is pending; only a job awaiting review can be approved`),
    ],
    [["reject", pending], /is pending; only a job awaiting review can be rejected/],
    [["reject", pending, "--reason", " "], /--reason must be one line of text, got " "/],
    [["reject", pending, "--reason", "a\nb"], /--reason must be one line of text/],
    [["approve"], /no job id given/],
    [["approve", "zzzz"], /zzzz/],
  ];
  for (const [args, message] of cases) {
    const result = await ork(args, { cwd: s.dir });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(" "));
    assert.equal(result.stderr.trim().split("\n").length <= 2, true, result.stderr);
  }
  assert.deepEqual(await s.queue.get(pending), before.job);
  assert.deepEqual(await files(), before.files);
});

Deno.test("an approved job whose branch moved since the review goes back to review; what lands is what was approved", async () => {
  await using s = await reviewFixture();
  const id = await s.enqueue("reviewed", "echo good > a.txt", "--review");
  assert.equal((await s.run("--once")).code, 0);
  const waiting = await s.queue.get(id);
  const reviewed = await git(s.dir, "rev-parse", waiting.branch!);
  // Someone adds a commit to the job's branch after the reviewer looked.
  await git(s.dir, "checkout", "--quiet", waiting.branch!);
  await Deno.writeTextFile(join(s.dir, "sneaky.txt"), "sneaky\n");
  await git(s.dir, "add", "sneaky.txt");
  await git(s.dir, "commit", "--quiet", "-m", "sneaky");
  await git(s.dir, "checkout", "--quiet", "main");
  const moved = await git(s.dir, "rev-parse", waiting.branch!);
  const mainBefore = await git(s.dir, "rev-parse", "main");
  assert.equal((await ork(["approve", id], { cwd: s.dir })).code, 0);
  // After the approval, its change is still there to look at.
  assert.match((await ork(["diff", id, "--stat"], { cwd: s.dir })).stdout, /sneaky\.txt/);
  assert.equal((await s.run("--once")).code, 0);
  const back = await s.queue.get(id);
  assert.equal(back.status, "awaiting_review");
  assert.equal(back.approved_at, null);
  assert.equal(
    back.error,
    `its branch ${waiting.branch} moved since the review (${reviewed} -> ${moved}): review it again`,
  );
  assert.equal(await git(s.dir, "rev-parse", "main"), mainBefore, "unreviewed work landed");
  // Approved again, now that the reviewer saw it: it lands, tested again.
  const gates = await count(s, "gates");
  assert.equal((await ork(["approve", id], { cwd: s.dir })).code, 0);
  assert.equal((await s.run("--once")).code, 0);
  assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal(await s.show("sneaky.txt"), "sneaky");
  assert.equal(await count(s, "gates"), gates + 1);
});

Deno.test("an approved job whose record names a branch not its own lands nothing and deletes nothing", async () => {
  await using s = await reviewFixture();
  await git(s.dir, "checkout", "--quiet", "-b", "feature");
  await Deno.writeTextFile(join(s.dir, "user.txt"), "user work\n");
  await git(s.dir, "add", "user.txt");
  await git(s.dir, "commit", "--quiet", "-m", "feature");
  await git(s.dir, "checkout", "--quiet", "main");
  const id = await s.enqueue("reviewed", "echo good > a.txt", "--review");
  assert.equal((await s.run("--once")).code, 0);
  const file = join(s.dir, ".ork/queue", `${id}.json`);
  await Deno.writeTextFile(
    file,
    JSON.stringify({ ...JSON.parse(await Deno.readTextFile(file)), branch: "feature" }),
  );
  assert.equal((await ork(["approve", id], { cwd: s.dir })).code, 0);
  const mainBefore = await git(s.dir, "rev-parse", "main");
  const featureBefore = await git(s.dir, "rev-parse", "feature");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.match(job.error ?? "", /^not landed: its branch feature is not one of ork's job branches/);
  assert.equal(await git(s.dir, "rev-parse", "main"), mainBefore);
  assert.equal(await git(s.dir, "rev-parse", "feature"), featureBefore);
});

Deno.test("gates changed between review and approval: the approved job is tested again, though main did not move", async () => {
  await using s = await reviewFixture();
  const id = await s.enqueue("reviewed", "echo r > r.txt", "--review");
  assert.equal((await s.run("--once")).code, 0);
  assert.equal((await s.queue.get(id)).status, "awaiting_review");
  // A second gate in the checkout's config, not committed: ork loads it, and main's tree stays the same.
  const mainBefore = await git(s.dir, "rev-parse", "main");
  const config = join(s.dir, "config/orchestrator.yaml");
  await Deno.writeTextFile(
    config,
    (await Deno.readTextFile(config)).replace(
      "merge_gates:\n",
      `merge_gates:\n  - name: second\n    command: echo "$ORK_JOB_ID" >> ${s.trace}/second\n`,
    ),
  );
  assert.equal((await ork(["approve", id], { cwd: s.dir })).code, 0);
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal(await count(s, "second"), 1, "landed untested under gates its review never ran");
  assert.notEqual(await git(s.dir, "rev-parse", "main"), mainBefore);
});

Deno.test("a job for review and a plain one in one train: nothing is built on the one for review", async () => {
  await using s = await reviewFixture();
  // Every gate holds until released: the job for review is under test when the plain one joins the train.
  await Deno.writeTextFile(join(s.trace, "hold"), "");
  const reviewed = await s.enqueue("reviewed", "echo r > r.txt", "--review");
  const plain = await s.enqueue(
    "plain",
    `until [ -e ${s.trace}/held ]; do sleep 0.05; done; echo p > p.txt`,
  );
  const runner = s.run("--once", "--workers", "2");
  await waitFor("both candidates under test", async () => (await count(s, "gates")) >= 2);
  await Deno.writeTextFile(join(s.trace, "release"), "");
  const result = await runner;
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await s.queue.get(reviewed)).status, "awaiting_review");
  const landed = await s.queue.get(plain);
  assert.equal(landed.status, "completed");
  const files = (await git(s.dir, "ls-tree", "-r", "--name-only", landed.landed_commit!)).split("\n");
  assert.equal(files.includes("r.txt"), false, "the plain job landed the other's work");
  // Built once, on main: never on the candidate of the job for review, so never built again when it left.
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.doesNotMatch(log, new RegExp(`building ${plain}'s candidate again`));
  const gates = (await Deno.readTextFile(join(s.trace, "gates"))).split("\n").filter((line) =>
    line === plain
  );
  assert.equal(gates.length, 1);
});
