import assert from "node:assert/strict";
import { join } from "node:path";
import {
  deadRunner,
  exists,
  git,
  ork,
  processRunning,
  run,
  spawnOrk,
  tempDir,
  waitFor,
} from "../helpers/mod.ts";
import { runFixture as setup, worktreeCount as worktrees } from "./_setup.ts";

/** A command that hangs on its first run (so a test can kill things under it) and finishes on the next. */
const slowFirstTime = (trace: string, marker: string, file: string) =>
  `if [ -e ${trace}/ran-once ]; then echo done > ${file}; else touch ${trace}/ran-once; sleep ${marker}; fi`;

Deno.test("a runner killed with SIGKILL mid-job: the next run --once recovers the job and completes it", async () => {
  await using s = await setup("", { sandbox: "off" });
  const id = await s.enqueue("slow write", slowFirstTime(s.trace, "41.733", "k.txt"));
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  const first = await waitFor("the job to start", s.runningWithPid(id));
  runner.kill("SIGKILL");
  await runner.output();
  assert.equal(await processRunning("sleep 41.733"), true, "the job's process outlived its runner");
  assert.equal((await s.queue.get(id)).status, "running");

  const again = await ork(["run", "--once"], { cwd: s.dir });
  assert.equal(again.code, 0, again.stderr);
  const done = await s.queue.get(id);
  assert.equal(done.status, "completed");
  assert.equal(done.retry_count, 0, "a recovery spends no retry");
  assert.equal(done.error, null, "the recovery note is history once the job completes");
  assert.equal(await git(s.dir, "show", "main:k.txt"), "done");
  assert.equal(await processRunning("sleep 41.733"), false, "recovery stopped what the dead runner left");
  assert.equal(exists(first.worktree!), false);
  assert.equal(await worktrees(s.dir), 1);
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(log, new RegExp(`recovered ${id} \\(.*\\) from dead runner runner-\\d+-\\d+; pending again`));
});

Deno.test("a runner killed after moving the target but before recording it: the job is recorded landed, not run twice", async () => {
  await using s = await setup("", { sandbox: "off" });
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("lands once", "echo once >> once.txt");
  // The state such a kill leaves, made by hand: the job running for a dead runner, its candidate on main, the
  // user's checkout (on main) not brought forward yet.
  await s.queue.claim((await deadRunner()).worker);
  await s.queue.record(id, { base: tip, branch: `ork/tester-1-${id.slice(-8)}` });
  const scratch = join(s.trace, "scratch");
  await git(s.dir, "worktree", "add", "--quiet", "--detach", scratch, tip);
  await Deno.writeTextFile(join(scratch, "once.txt"), "once\n");
  await git(scratch, "add", "once.txt");
  await git(scratch, "commit", "--quiet", "-m", `tester: lands once\n\nOrk-Job: ${id}`);
  const job = await git(scratch, "rev-parse", "HEAD");
  await git(s.dir, "worktree", "remove", "--force", scratch);
  await git(s.dir, "branch", `ork/tester-1-${id.slice(-8)}`, job);
  const tree = await git(s.dir, "rev-parse", `${job}^{tree}`);
  const candidate = await git(
    s.dir,
    "commit-tree",
    "-p",
    tip,
    "-p",
    job,
    "-m",
    `Merge ork job ${id}: tester: lands once\n\nOrk-Job: ${id}`,
    tree,
  );
  // As ork records it just before it moves the target.
  await s.queue.record(id, { landed_commit: candidate });
  await git(s.dir, "update-ref", "refs/heads/main", candidate, tip);

  const again = await ork(["run", "--once"], { cwd: s.dir });
  assert.equal(again.code, 0, again.stderr);
  const done = await s.queue.get(id);
  assert.equal(done.status, "completed");
  assert.equal(done.landed_commit, candidate);
  assert.equal(await git(s.dir, "rev-parse", "main"), candidate, "not landed a second time");
  assert.equal(
    await Deno.readTextFile(join(s.dir, "once.txt")),
    "once\n",
    "the checkout was brought forward",
  );
  assert.equal(await git(s.dir, "status", "--porcelain"), "");
  assert.equal(await git(s.dir, "for-each-ref", "refs/heads/ork/"), "", "its branch is gone");
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(
    log,
    new RegExp(`job ${id} had landed \\(${candidate.slice(0, 12)}\\) when runner-\\d+-\\d+ died`),
  );
});

Deno.test("a runner killed while a gate runs unconfined: the next run stops what the gate left, then lands", async () => {
  const marker = "44.321";
  await using marks = await tempDir("ork-gate-marks-");
  await using s = await setup(
    `merge_gates:\n  - name: slow_once\n    command: ${
      JSON.stringify(slowFirstTime(marks.dir, marker, "/dev/null"))
    }\n`,
    { sandbox: "off" },
  );
  const id = await s.enqueue("gated", "echo g > g.txt");
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  // Killed once the job records the gate's process group (the group of the gate's `sleep`).
  await waitFor("the gate's group to be recorded", async () => {
    const found = await run("pgrep", ["-f", `sleep ${marker}`]);
    const sleeper = Number(found.stdout.trim().split("\n")[0]);
    if (!(sleeper > 0)) return false;
    const group = Number((await run("ps", ["-o", "pgid=", "-p", String(sleeper)])).stdout.trim());
    return group > 0 && (await s.queue.get(id)).pid === group;
  });
  runner.kill("SIGKILL");
  await runner.output();
  assert.equal(await processRunning(`sleep ${marker}`), true, "the gate's process outlived its runner");

  const again = await ork(["run", "--once"], { cwd: s.dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await processRunning(`sleep ${marker}`), false, "recovery stopped what the gate left");
  assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal(await git(s.dir, "show", "main:g.txt"), "g");
});

Deno.test("a worktree a dead runner left after its job ended is removed by the next run", async () => {
  await using s = await setup("", { sandbox: "off" });
  // What a runner killed between recording its job and removing its worktree leaves: a worktree nobody runs.
  const left = join(s.dir, ".ork/worktrees/ork-tester-1795500000-deadbeef");
  await git(s.dir, "worktree", "add", "--quiet", "--detach", left, "main");
  // The user's own worktree in the same folder, with a branch and unsaved work: never ork's to remove.
  const mine = join(s.dir, ".ork/worktrees/feature");
  await git(s.dir, "worktree", "add", "--quiet", "-b", "feature", mine, "main");
  await Deno.writeTextFile(join(mine, "unsaved.txt"), "mine\n");
  const again = await ork(["run", "--once"], { cwd: s.dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(exists(left), false);
  // And one where the user looks at a job's branch (merged already): in use, so clean keeps the branch too.
  const review = join(s.dir, ".ork/worktrees/review");
  await git(s.dir, "worktree", "add", "--quiet", "-b", "ork/review", review, "main");
  assert.equal((await ork(["clean"], { cwd: s.dir })).code, 0);
  assert.equal(await Deno.readTextFile(join(mine, "unsaved.txt")), "mine\n");
  assert.equal(await worktrees(s.dir), 3, "the main worktree and the user's two");
  assert.equal(
    await git(s.dir, "rev-parse", "--verify", "--quiet", "refs/heads/ork/review"),
    await git(s.dir, "rev-parse", "main"),
  );
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(log, /removed .*ork-tester-1795500000-deadbeef, a worktree a dead runner left behind/);
});

Deno.test("a runner that stops on an error before running anything leaves no lock of its own, and says why", async () => {
  await using s = await setup("", { sandbox: "off" });
  // A job of a dead runner that recovery must quarantine (its recorded worktree is the user's checkout), where
  // the quarantine folder is a file.
  const id = await s.enqueue("odd record", "true");
  const dead = await deadRunner();
  await s.queue.claim(dead.worker);
  await s.queue.record(id, { worktree: s.dir });
  await Deno.writeTextFile(join(s.dir, ".ork/quarantine"), "");
  const result = await ork(["run", "--once"], { cwd: s.dir });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^ork: cannot move job \S+'s file to \S+\/\.ork\/quarantine: [^\n]*\n$/);
  const ownLocks = [...Deno.readDirSync(join(s.dir, ".ork/locks"))]
    .filter((entry) => entry.name.startsWith(`runner-`) && !entry.name.includes(`runner-${dead.pid}-`));
  assert.deepEqual(ownLocks.map((entry) => entry.name), []);
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(log, /runner runner-\d+-\d+ stopped: cannot move job /);
});

Deno.test("ork clean removes the temp file of a write a killed ork left, and keeps a live writer's", async () => {
  await using s = await setup("", { sandbox: "off" });
  const dead = await deadRunner();
  const left = join(s.dir, ".ork/queue", `01m8000000000000000000dead.json.${dead.pid}.1.tmp`);
  const live = join(s.dir, ".ork/queue", `01m8000000000000000000live.json.${Deno.pid}.1.tmp`);
  await Deno.writeTextFile(left, "");
  await Deno.writeTextFile(live, "");
  const dry = await ork(["clean", "--dry-run"], { cwd: s.dir });
  assert.match(
    dry.stdout,
    /^would remove \.ork\/queue\/01m8000000000000000000dead\.json\.\d+\.1\.tmp \(a write a killed ork left\)$/m,
  );
  assert.ok(exists(left));
  const clean = await ork(["clean"], { cwd: s.dir });
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, /^removed \.ork\/queue\/01m8000000000000000000dead\.json\.\d+\.1\.tmp /m);
  assert.equal(exists(left), false);
  assert.ok(exists(live), "a live writer's temp file stays");
  assert.equal((await ork(["list", "--json"], { cwd: s.dir })).stdout.trim(), "[]", "neither was ever a job");
});

Deno.test("a runner killed after recording a candidate that never reached the target: the job runs again", async () => {
  await using s = await setup("", { sandbox: "off" });
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("runs again", "echo again > again.txt");
  await s.queue.claim((await deadRunner()).worker);
  // A candidate recorded, then the kill before the target moved (or after it was put back): not on main. And a
  // commit on main that carries the job's trailer without being its landing (a user's cherry-pick, say).
  const stray = await git(s.dir, "commit-tree", "-m", `not a landing\n\nOrk-Job: ${id}`, `${tip}^{tree}`);
  await s.queue.record(id, { base: tip, landed_commit: stray });
  const picked = await git(
    s.dir,
    "commit-tree",
    "-p",
    tip,
    "-m",
    `tester: picked\n\nOrk-Job: ${id}`,
    `${tip}^{tree}`,
  );
  await git(s.dir, "update-ref", "refs/heads/main", picked, tip);

  const again = await ork(["run", "--once"], { cwd: s.dir });
  assert.equal(again.code, 0, again.stderr);
  const done = await s.queue.get(id);
  assert.equal(done.status, "completed");
  assert.notEqual(done.landed_commit, stray);
  assert.equal(await git(s.dir, "show", "main:again.txt"), "again", "it ran and landed");
});

Deno.test("ork cancel stops a running job's whole process group within 2 s and nothing of it lands", async () => {
  await using s = await setup();
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue(
    "to cancel",
    "echo partial > c.txt; sleep 43.117 & sleep 43.117; echo x > d.txt",
  );
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  await waitFor("the job to start", s.runningWithPid(id));
  await waitFor("its processes", () => processRunning("sleep 43.117"));
  const started = performance.now();
  const cancel = await ork(["cancel", id], { cwd: s.dir });
  assert.equal(cancel.code, 0, cancel.stderr);
  await waitFor("the job's processes to be gone", async () => !(await processRunning("sleep 43.117")), 5000);
  assert.ok(performance.now() - started < 2000, `stopped in ${Math.round(performance.now() - started)} ms`);
  const { code } = await runner.output();
  assert.equal(code, 0);
  assert.equal((await s.queue.get(id)).status, "cancelled");
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
  assert.equal(await worktrees(s.dir), 1);
});

Deno.test("the first SIGINT lets the running job finish and land; no new job starts", async () => {
  await using s = await setup("", { sandbox: "off" });
  const first = await s.enqueue("finish me", `touch ${s.trace}/started; sleep 1; echo landed > s.txt`);
  const second = await s.enqueue("never started", "echo no > n.txt", "--priority", "60");
  const runner = spawnOrk(["run", "--workers", "1"], { cwd: s.dir });
  await waitFor("the job to start", () => exists(join(s.trace, "started")));
  runner.kill("SIGINT");
  const { code } = await runner.output();
  assert.equal(code, 0);
  assert.equal((await s.queue.get(first)).status, "completed");
  assert.equal(await git(s.dir, "show", "main:s.txt"), "landed");
  assert.equal((await s.queue.get(second)).status, "pending");
  assert.equal(await worktrees(s.dir), 1);
});

Deno.test("a second SIGINT stops running jobs, puts them back to pending without a retry spent, and exits 130", async () => {
  await using s = await setup();
  const id = await s.enqueue("long", "sleep 44.519", "--max-retries", "0");
  const runner = spawnOrk(["run", "--workers", "1"], { cwd: s.dir });
  await waitFor("the job to start", s.runningWithPid(id));
  runner.kill("SIGINT");
  await new Promise((resolve) => setTimeout(resolve, 200));
  runner.kill("SIGINT");
  const { code } = await runner.output();
  assert.equal(code, 130);
  const job = await s.queue.get(id);
  assert.deepEqual([job.status, job.retry_count], ["pending", 0]);
  assert.equal(job.error, "the runner was stopped while it ran");
  assert.equal(await processRunning("sleep 44.519"), false);
  assert.equal(await worktrees(s.dir), 1);
});

Deno.test("status shows a live runner and its running job; logs shows the output; clean settles a dead runner", async () => {
  await using s = await setup("", { sandbox: "off" });
  const id = await s.enqueue(
    "chatty",
    `echo hello from the job; ${slowFirstTime(s.trace, "45.901", "z.txt")}`,
  );
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  const job = await waitFor("the job to start", s.runningWithPid(id));
  const status = JSON.parse((await ork(["status", "--json"], { cwd: s.dir })).stdout);
  assert.equal(status.runners.length, 1);
  assert.deepEqual(status.running.map((j: { id: string }) => j.id), [id]);
  assert.equal(status.counts.running, 1);
  const text = await ork(["status"], { cwd: s.dir });
  assert.match(text.stdout, /^runners: pid \d+ since /m);
  assert.match(
    text.stdout,
    new RegExp(`^  ${id}  tester  \\d+s  sandbox (bwrap|none \\(.*\\))  .*ork-tester-`, "m"),
  );
  const logs = await waitFor("output in the log", async () => {
    const result = await ork(["logs", id.slice(0, 20)], { cwd: s.dir });
    return result.stdout.includes("hello from the job") ? result : undefined;
  });
  assert.equal(logs.code, 0);
  const tail = await ork(["logs", id, "--tail", "1"], { cwd: s.dir });
  assert.equal(tail.stdout.trim(), "hello from the job");

  runner.kill("SIGKILL");
  await runner.output();
  const dry = await ork(["clean", "--dry-run"], { cwd: s.dir });
  assert.match(dry.stdout, new RegExp(`^would recover job ${id} \\(its runner died\\)$`, "m"));
  assert.equal((await s.queue.get(id)).status, "running");
  const clean = await ork(["clean"], { cwd: s.dir });
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, new RegExp(`^recovered job ${id} \\(its runner died\\)$`, "m"));
  assert.match(clean.stdout, /^removed lock \.ork\/locks\/runner-\d+-\d+\.lock \(its runner is gone\)$/m);
  assert.equal((await s.queue.get(id)).status, "pending");
  assert.match(await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log")), new RegExp(`recovered ${id} `));
  assert.equal(exists(job.worktree!), false);
  assert.equal(await processRunning("sleep 45.901"), false);
  assert.equal(await worktrees(s.dir), 1);
  assert.equal((await ork(["clean"], { cwd: s.dir })).stdout.trim(), "nothing to clean");
});

Deno.test("a reused worktree removed by hand is replaced, logged, and the next job still lands", async () => {
  await using s = await setup();
  const first = await s.enqueue("first", "echo 1 > one.txt");
  const runner = spawnOrk(["run", "--workers", "1", "--poll", "0.1"], { cwd: s.dir });
  try {
    const done = await waitFor("the first job to land", async () => {
      const job = await s.queue.get(first);
      return job.status === "completed" ? job : undefined;
    });
    // The worker keeps its worktree for its next job; take it away from under it.
    await Deno.remove(done.worktree!, { recursive: true });
    const second = await s.enqueue("second", "echo 2 > two.txt");
    await waitFor("the second job to land", async () => (await s.queue.get(second)).status === "completed");
    assert.equal(await s.show("two.txt"), "2");
  } finally {
    runner.kill("SIGINT");
    assert.equal((await runner.output()).code, 0);
  }
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(
    log,
    /WARNING worktree .*ork-tester-.* could not be reused \(.+\); removed it, a new one follows/,
  );
  assert.equal(await worktrees(s.dir), 1);
});
