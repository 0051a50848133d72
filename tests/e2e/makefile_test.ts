import assert from "node:assert/strict";
import { join } from "node:path";
import { FsQueue } from "../../src/queue/mod.ts";
import { DENO_JSON, exists, git, MAIN_TS, ork, run, tempRepo, waitFor } from "../helpers/mod.ts";

/** How the targets start ork: from source, as `ORK=...` on make's command line. */
const ORK = `${Deno.execPath()} run --allow-all --quiet --config ${DENO_JSON} ${MAIN_TS}`;

/** A description and a command with both kinds of quotes, a `$` and runs of spaces. */
const DESC = `Say "hi"  it's $HOME`;
const CMD = `printf '%s|%s\\n' "it's \\"quoted\\"" '$HOME  stays' > out.txt`;

async function setup() {
  const repo = await tempRepo();
  const printed = await ork(["makefile"], { cwd: repo.dir });
  assert.equal(printed.code, 0, printed.stderr);
  await Deno.writeTextFile(join(repo.dir, "ork.mk"), printed.stdout);
  await Deno.writeTextFile(join(repo.dir, "Makefile"), "include ork.mk\n");
  // Untracked files in the user's checkout are fine, but keep `git status` of the jobs' work readable.
  await Deno.writeTextFile(join(repo.dir, ".git", "info", "exclude"), "Makefile\nork.mk\n");
  return {
    dir: repo.dir,
    make: (...args: string[]) =>
      run("make", ["--no-print-directory", ...args, `ORK=${ORK}`], { cwd: repo.dir }),
    [Symbol.asyncDispose]: repo[Symbol.asyncDispose],
  };
}

Deno.test("every ork makefile target works under make, and DESC and CMD arrive exactly as typed", async () => {
  await using s = await setup();
  const init = await s.make("ork-init");
  assert.equal(init.code, 0, init.stderr);
  assert.ok(exists(join(s.dir, ".ork", "queue")));

  const enqueued = await s.make(
    "ork-enqueue",
    "ROLE=bug-catcher",
    `DESC=${DESC}`,
    `CMD=${CMD}`,
    "PRIORITY=7",
  );
  assert.equal(enqueued.code, 0, enqueued.stderr);
  const id = enqueued.stdout.trim().split("\n").at(-1)!;
  const queue = new FsQueue(join(s.dir, ".ork", "queue"));
  const job = await queue.get(id);
  assert.equal(job.role, "bug-catcher");
  assert.equal(job.description, DESC);
  assert.equal(job.command, CMD);
  assert.equal(job.priority, 7);

  const usage = await s.make("ork-enqueue", "ROLE=bug-catcher", "CMD=true");
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^usage: make ork-enqueue ROLE=<role> DESC='<description>' CMD='<command>'/m);

  const dry = await s.make("ork-test");
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^dry run: 1 pending job/m);
  assert.ok(dry.stdout.includes(`command:  ${CMD}`), dry.stdout);

  const once = await s.make("ork-run-once", "WORKERS=1");
  assert.equal(once.code, 0, once.stderr);
  assert.match(once.stdout, /^ork run: 1 completed, 0 failed$/m);
  assert.equal(await git(s.dir, "show", "main:out.txt"), `it's "quoted"|$HOME  stays`);

  const status = await s.make("ork-status");
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^jobs: 0 pending, 0 running, 1 completed, 0 failed, 0 cancelled$/m);

  const clean = await s.make("ork-clean");
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, /^nothing to clean$/m);
});

Deno.test("make ork-run runs jobs as a daemon with WORKERS until interrupted", async () => {
  await using s = await setup();
  assert.equal((await s.make("ork-init")).code, 0);
  const enqueued = await s.make("ork-enqueue", "ROLE=bug-catcher", "DESC=write", "CMD=echo daemon > d.txt");
  assert.equal(enqueued.code, 0, enqueued.stderr);
  const id = enqueued.stdout.trim().split("\n").at(-1)!;
  const queue = new FsQueue(join(s.dir, ".ork", "queue"));
  const child = new Deno.Command("make", {
    args: ["--no-print-directory", "ork-run", "WORKERS=2", `ORK=${ORK}`],
    cwd: s.dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true, // its own process group, so that Ctrl-C can be played to make and ork together
  }).spawn();
  const output = child.output();
  try {
    await waitFor("the job to land", async () => (await queue.statusOf(id)) === "completed", 30_000);
  } finally {
    Deno.kill(-child.pid, "SIGINT");
  }
  const { stderr } = await output;
  assert.match(new TextDecoder().decode(stderr), /Interrupt/, "make was stopped by the SIGINT");
  const events = await Deno.readTextFile(join(s.dir, ".ork", "orchestrator.log"));
  assert.match(
    events,
    /runner \S+ started: 2 worker\(s\), target main, sandbox \S+$/m,
    "not --once, and WORKERS=2",
  );
  assert.equal(await git(s.dir, "show", "main:d.txt"), "daemon");
});
