/**
 * What an adversarial pass found, each as a class: records ork must not trust, resources that run out, input
 * that must be refused. Every test fails without its fix.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { deadRunner, exists, git, ork, processRunning, spawnOrk, waitFor } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";

Deno.test("a running job file of a dead runner naming the user's src/ and main: clean and run touch neither, and quarantine it", async () => {
  for (const command of [["clean"], ["run", "--once"]]) {
    await using s = await runFixture();
    await Deno.mkdir(join(s.dir, "src"));
    await Deno.writeTextFile(join(s.dir, "src/app.py"), "print('mine')\n");
    await git(s.dir, "add", "src");
    await git(s.dir, "commit", "--quiet", "-m", "src");
    const tip = await git(s.dir, "rev-parse", "main");
    const id = await s.enqueue("hostile record", "true");
    await s.queue.claim((await deadRunner()).worker);
    // As a hand-written (or hostile) job file would say.
    await s.queue.record(id, { worktree: join(s.dir, "src"), branch: "main", landed_commit: tip, base: tip });

    const result = await ork(command, { cwd: s.dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      await Deno.readTextFile(join(s.dir, "src/app.py")),
      "print('mine')\n",
      `${command}: src/ intact`,
    );
    assert.equal(await git(s.dir, "rev-parse", "main"), tip, `${command}: main is still there, unmoved`);
    assert.ok(exists(join(s.dir, `.ork/quarantine/${id}.json`)), `${command}: the job file is in quarantine`);
    const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
    assert.match(
      log,
      new RegExp(
        `job ${id} was not recovered: its worktree .*/src is not one of ork's job worktrees .*; its file is in ` +
          "quarantine and nothing it names was touched",
      ),
    );
  }
});

Deno.test("a dead runner's job naming a branch that is not its own: the branch survives recovery", async () => {
  await using s = await runFixture();
  const tip = await git(s.dir, "rev-parse", "main");
  await git(s.dir, "branch", "feature", tip);
  const id = await s.enqueue("hostile branch", "true");
  await s.queue.claim((await deadRunner()).worker);
  await s.queue.record(id, { branch: "feature", landed_commit: tip, base: tip });
  const result = await ork(["clean"], { cwd: s.dir });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await git(s.dir, "rev-parse", "feature"), tip);
  assert.ok(exists(join(s.dir, `.ork/quarantine/${id}.json`)));
});

Deno.test("clean deletes the branch an earlier try left once the job landed, names it in --dry-run, and keeps a failed job's", async () => {
  await using s = await runFixture();
  const landed = await s.enqueue("lands", "echo a > a.txt");
  assert.equal((await s.run("--once")).code, 0);
  const failed = await s.enqueue("fails for good", "echo b > b.txt; exit 3", "--max-retries", "0");
  assert.equal((await s.run("--once")).code, 1);
  // What a crash between an earlier try's branch and its end leaves: a branch of the job, with work that never
  // landed as such (the job landed on a later try).
  const tip = await git(s.dir, "rev-parse", "main");
  const tree = await git(s.dir, "rev-parse", "main^{tree}");
  const stray = await git(s.dir, "commit-tree", "-p", tip, "-m", `tester: lands\n\nOrk-Job: ${landed}`, tree);
  const leftover = `ork/tester-1-${landed.slice(-8)}`;
  await git(s.dir, "branch", leftover, stray);
  const branches =
    async () => (await git(s.dir, "for-each-ref", "--format=%(refname:short)", "refs/heads/ork/"));
  const before = (await branches()).split("\n");
  const kept = before.find((branch) => branch.endsWith(failed.slice(-8)))!;
  assert.deepEqual(before.sort(), [kept, leftover].sort());

  const dry = await ork(["clean", "--dry-run", "--json"], { cwd: s.dir });
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(JSON.parse(dry.stdout).branches, [leftover]);
  assert.equal(await branches(), before.join("\n"), "a dry run deletes nothing");
  const clean = await ork(["clean"], { cwd: s.dir });
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(
    await branches(),
    kept,
    "the landed job's old branch is gone; the failed job's stays for git log",
  );
});

Deno.test("queue_dir: . is refused before anything is read, and ork stats moves no file, even an invalid one", async () => {
  await using s = await runFixture();
  await Deno.writeTextFile(join(s.dir, "package.json"), '{"name": "mine"}\n');
  await git(s.dir, "add", "package.json");
  await git(s.dir, "commit", "--quiet", "-m", "package");
  const config = join(s.dir, "config/orchestrator.yaml");
  const original = await Deno.readTextFile(config);
  await Deno.writeTextFile(config, "orchestrator:\n  queue_dir: .\n");
  const stats = await ork(["stats"], { cwd: s.dir });
  assert.equal(stats.code, 2);
  assert.match(
    stats.stderr,
    /config\/orchestrator\.yaml:2: orchestrator\.queue_dir: "\." is not a folder of its own below \.ork\//,
  );
  assert.equal(await Deno.readTextFile(join(s.dir, "package.json")), '{"name": "mine"}\n');

  await Deno.writeTextFile(config, original);
  const broken = join(s.dir, ".ork/queue/01m94kgj0cjak5cwjmxsh4kmtk.json");
  await Deno.mkdir(join(s.dir, ".ork/queue"), { recursive: true });
  await Deno.writeTextFile(broken, "{ not json");
  for (const command of [["stats"], ["list"], ["status"]]) {
    const result = await ork(command, { cwd: s.dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /skipped .*01m94kgj0cjak5cwjmxsh4kmtk\.json: .*\(ork clean moves it to quarantine\)/,
    );
    assert.ok(exists(broken), `${command} moved nothing`);
  }
});

Deno.test("a live daemon settles the job of a peer daemon killed mid-job, and runs it", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const marker = `83.${Math.floor(Math.random() * 1e6)}`;
  const command =
    `if [ -e ${s.trace}/ran-once ]; then echo done > k.txt; else touch ${s.trace}/ran-once; sleep ${marker}; fi`;
  const id = await s.enqueue("hangs the first time", command);
  const first = spawnOrk(["run", "--workers", "1"], { cwd: s.dir });
  await waitFor("the job to run under the first daemon", s.runningWithPid(id));
  const second = spawnOrk(["run", "--workers", "1", "--poll", "0.1"], { cwd: s.dir });
  const log = join(s.dir, ".ork/orchestrator.log");
  // Past its start (where it settles dead runners' jobs anyway): it has run a job of its own.
  const quick = await s.enqueue("quick", "echo q > q.txt");
  await waitFor(
    "the second daemon to run a job",
    async () => (await s.queue.get(quick)).status === "completed",
  );
  first.kill("SIGKILL");
  await first.output();
  const done = await waitFor("the job to complete under the second daemon", async () => {
    const job = await s.queue.get(id);
    return job.status === "completed" ? job : undefined;
  }, 30_000);
  second.kill("SIGTERM");
  assert.equal((await second.output()).code, 0);
  assert.equal(done.retry_count, 0, "a recovery spends no retry");
  assert.equal(await s.show("k.txt"), "done");
  assert.equal(await processRunning(`sleep ${marker}`), false, "the dead daemon's job was stopped");
  assert.match(await Deno.readTextFile(log), new RegExp(`recovered ${id} .* from dead runner`));
});

Deno.test("flag values are never swallowed: an option as a value, a repeated flag, a spaced or huge number", async () => {
  await using s = await runFixture();
  const cases: [string[], string][] = [
    [
      ["--desc", "--cmd", "--cmd", "true"],
      `ork: --desc needs a value, got the option --cmd; put --desc's value right after it, quoted if it has ` +
      `spaces (--desc "...")`,
    ],
    [
      ["--desc", "a", "--desc", "b", "--cmd", "true"],
      "ork: --desc was given twice; give --desc once, with the value you mean",
    ],
    [
      ["--desc", "a", "--cmd", "true", "--priority", " 5"],
      `ork: --priority must be a whole number >= 0, got " 5"; use 0-9 critical, 10-49 high, 50-99 normal, 100+ low`,
    ],
    [
      ["--desc", "a", "--cmd", "true", "--max-retries", "100000000000"],
      `ork: --max-retries must be a whole number from 0 to 100, got "100000000000"; e.g. --max-retries 2; 0 means ` +
      "no retry",
    ],
  ];
  for (const [flags, message] of cases) {
    const result = await ork(["enqueue", "--role", "tester", ...flags], { cwd: s.dir });
    assert.equal(result.code, 2, flags.join(" "));
    assert.equal(result.stderr, `${message}\n`);
    assert.equal(result.stdout, "");
  }
  assert.deepEqual(await s.queue.list(), [], "nothing was enqueued");
  const run = await ork(["run", "--once", "--workers", " 2"], { cwd: s.dir });
  assert.equal(run.code, 2);
  assert.equal(run.stderr, `ork: --workers must be a whole number >= 1, got " 2"; e.g. --workers 3\n`);
});

Deno.test("the forbidden patterns see the command as the shell runs it: quoted and roundabout forms are refused", async () => {
  await using s = await runFixture();
  // A role that may run rm: only the patterns stand in the way.
  await Deno.writeTextFile(
    join(s.dir, "config/agent_roles.yaml"),
    "roles:\n  cleaner:\n    description: Removes things\n    allowed_tools: [rm, bash, git]\n",
  );
  for (
    const command of [
      `rm -rf "$HOME"`,
      `rm -rf "\${HOME}"`,
      `rm -rf "/"`,
      "rm -rf /.",
      "rm -rf //",
      `bash -c 'rm -rf "$HOME"'`,
      `rm -rf "$HOME"/`,
      `rm -rf "$HOME"/*`,
      "rm -rf ~/.",
      `rm -rf "$HOME/."`,
      `rm -rf "/"*`,
    ]
  ) {
    const result = await ork(["enqueue", "--role", "cleaner", "--desc", "x", "--cmd", command], {
      cwd: s.dir,
    });
    assert.equal(result.code, 2, command);
    assert.match(result.stderr, /^ork: the command matches forbidden pattern .*\(rm -rf [~/]/, command);
    assert.equal(result.stderr.split("\n").length, 2, "one line");
  }
  // Look-alikes pass: a path below the root, and words that only quote a pattern.
  for (const command of ["rm -rf build/", `git log --grep "push -f" main`, `echo "never rm -rf ~"`]) {
    const fine = await ork(["enqueue", "--role", "cleaner", "--desc", "x", "--cmd", command], { cwd: s.dir });
    assert.equal(fine.code, 0, `${command}: ${fine.stderr}`);
  }
  const manyOptions = "git -c a=b -c c=d -c e=f -C x push -f origin main";
  const forced = await ork(["enqueue", "--role", "cleaner", "--desc", "x", "--cmd", manyOptions], {
    cwd: s.dir,
  });
  assert.equal(forced.code, 2, "a force push behind many global options is refused");
  // A long line of what backtracked cubically (15-18 s at 13 KB) is judged at once; a longer one is refused.
  const long = await ork(["enqueue", "--role", "cleaner", "--desc", "x", "--cmd", "git push ".repeat(1500)], {
    cwd: s.dir,
  });
  assert.equal(long.code, 0, long.stderr);
  const tooLong = await ork(["enqueue", "--role", "cleaner", "--desc", "x", "--cmd", "true ".repeat(4000)], {
    cwd: s.dir,
  });
  assert.equal(tooLong.code, 2);
  assert.equal(
    tooLong.stderr,
    "ork: --cmd has 20000 bytes; at most 16384; put a long script in a file in the repository and run that file\n",
  );
  assert.equal((await s.queue.list()).length, 4, "only the allowed jobs are in the queue");
});

Deno.test("a job's output past log_max_bytes keeps its start and end, with a line saying what was cut", async () => {
  await using s = await runFixture("orchestrator:\n  log_max_bytes: 65536\n");
  const loop = `i=0; while [ $i -lt 60000 ]; do echo line $i; i=$((i+1)); done; echo END`;
  const id = await s.enqueue("prints a lot", `bash -c '${loop}'`);
  assert.equal((await s.run("--once")).code, 0);
  const log = await Deno.readTextFile(join(s.dir, `.ork/logs/${id}.log`));
  assert.ok(log.length < 65536 + 4096, `the log holds ${log.length} bytes`);
  assert.match(log, /\nline 0\nline 1\n/);
  assert.match(log, /\n== ork: \d+ bytes cut here \(log_max_bytes is 65536\)\n/);
  assert.match(log, /line 59999\nEND\n/);
});

Deno.test("ork logs --tail reads a 600 MB log from its end", async () => {
  await using s = await runFixture();
  const id = await s.enqueue("a huge log", "true");
  const path = join(s.dir, `.ork/logs/${id}.log`);
  await Deno.mkdir(join(s.dir, ".ork/logs"), { recursive: true });
  {
    // Sparse: 600 MB on paper, a few blocks on disk.
    using file = await Deno.open(path, { create: true, write: true });
    await file.truncate(600 * 1024 * 1024);
  }
  await Deno.writeTextFile(path, "\nsecond to last\nthe last line\n", { append: true });
  const result = await ork(["logs", id, "--tail", "2"], { cwd: s.dir });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "second to last\nthe last line\n");
});

Deno.test("a dead runner's job whose worktree is a symlink, or a relative path, is quarantined and nothing is removed", async () => {
  await using s = await runFixture();
  const elsewhere = join(s.trace, "user-worktree");
  await Deno.mkdir(elsewhere);
  await Deno.writeTextFile(join(elsewhere, "notes.txt"), "mine\n");
  const linked = await s.enqueue("symlinked worktree", "true");
  const relative = await s.enqueue("relative worktree", "true");
  const dead = await deadRunner();
  await s.queue.claim(dead.worker);
  await s.queue.claim(dead.worker);
  const link = join(s.dir, `.ork/worktrees/ork-tester-1-${linked.slice(-8)}`);
  await Deno.mkdir(join(s.dir, ".ork/worktrees"), { recursive: true });
  await Deno.symlink(elsewhere, link);
  await s.queue.record(linked, { worktree: link });
  await s.queue.record(relative, { worktree: `ork-tester-1-${relative.slice(-8)}` });

  const result = await ork(["clean"], { cwd: s.dir });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    await Deno.readTextFile(join(elsewhere, "notes.txt")),
    "mine\n",
    "the symlink's target is intact",
  );
  for (const id of [linked, relative]) assert.ok(exists(join(s.dir, `.ork/quarantine/${id}.json`)), id);
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(log, new RegExp(`job ${linked} was not recovered: its worktree .* is a symlink`));
  assert.match(
    log,
    new RegExp(`job ${relative} was not recovered: its worktree ork-tester-1-\\w+ is not one of`),
  );
});

Deno.test("the global -C may be given again after the command; the last one wins", async () => {
  await using s = await runFixture();
  const result = await ork(["-C", s.dir, "list", "-C", s.dir], { cwd: "/" });
  assert.equal(result.code, 0, result.stderr);
});

Deno.test("retry_on: a timeout runs again once by default; a kind retry_on leaves out fails at once", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const slow = await s.enqueue("hangs", "sleep 7.391", "--timeout", "0.5", "--max-retries", "2");
  assert.equal((await s.run("--once")).code, 1);
  const timedOut = await s.queue.get(slow);
  assert.equal(timedOut.status, "failed");
  assert.equal(timedOut.retry_count, 1, "one retry of the two, for a timeout");
  assert.match(timedOut.error ?? "", /timed out after 0\.5s/);

  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  sandbox: off\n  retry_on: [conflict]\n",
  );
  await git(s.dir, "commit", "--quiet", "-am", "retry only conflicts");
  const failing = await s.enqueue("fails", "exit 4", "--max-retries", "2");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(failing);
  assert.equal(job.status, "failed");
  assert.equal(job.retry_count, 0);
});

Deno.test("the job keeps each try: a conflict, then the landing, each with its branch and how it ended", async () => {
  await using s = await runFixture();
  await Deno.writeTextFile(join(s.dir, "shared.txt"), "zero\n");
  await git(s.dir, "add", "shared.txt");
  await git(s.dir, "commit", "--quiet", "-m", "shared");
  const a = await s.enqueue("a", "echo a > shared.txt");
  const b = await s.enqueue("b", "echo b > shared.txt");
  assert.equal((await s.run("--once", "--workers", "2")).code, 0);
  const jobs = [await s.queue.get(a), await s.queue.get(b)];
  const rerun = jobs.find((job) => job.retry_count === 1)!;
  const first = jobs.find((job) => job.retry_count === 0)!;
  assert.deepEqual(first.tries.map((t) => [t.try, t.outcome, t.landed_commit]), [[
    1,
    "completed",
    first.landed_commit,
  ]]);
  assert.deepEqual(rerun.tries.map((t) => [t.try, t.outcome]), [[1, "retrying"], [2, "completed"]]);
  assert.match(rerun.tries[0]!.error ?? "", /^conflicts with main in shared\.txt$/);
  assert.match(rerun.tries[0]!.branch ?? "", /^ork\/tester-\d+-\w{8}$/);
  for (const t of rerun.tries) assert.ok(t.started_at !== null && t.started_at <= t.finished_at);
});

Deno.test("ork clean removes the landing-lock wait mark a dead runner's train left", async () => {
  await using s = await runFixture();
  const locks = join(s.dir, ".ork/locks");
  await Deno.mkdir(locks, { recursive: true });
  const dead = await deadRunner();
  const deadMark = join(locks, `landing.lock.wait-${dead.name}`);
  await Deno.writeTextFile(deadMark, "");
  const clean = await ork(["clean"], { cwd: s.dir });
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(
    clean.stdout,
    new RegExp(
      `^removed lock \\.ork/locks/landing\\.lock\\.wait-${dead.name} \\(its runner is gone\\)$`,
      "m",
    ),
  );
  assert.equal(exists(deadMark), false);
});
