import assert from "node:assert/strict";
import { join } from "node:path";
import {
  git,
  ork,
  run,
  type RunResult,
  snapshot,
  spawnOrk,
  tempDir,
  tempRepo,
  waitFor,
} from "../helpers/mod.ts";
import { spawnHolder } from "../lock/_helpers.ts";
import { runFixture } from "./_setup.ts";

/** Every check, in the order doctor prints them. */
const NAMES = [
  "git",
  "repository",
  "init",
  "config/orchestrator.yaml",
  "config/agent_roles.yaml",
  "target-branch",
  "sandbox",
  "isolation",
  "disk",
  "locks",
  "worktrees",
  "jobs",
];

interface JsonCheck {
  name: string;
  status: "ok" | "warn" | "fail" | "skip";
  message: string;
  fix?: string;
}

/** The `--json` report, after checking its shape. */
function parseReport(result: RunResult): { checks: JsonCheck[]; ok: boolean } {
  const report = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(report), ["checks", "ok"]);
  assert.deepEqual(report.checks.map((check: JsonCheck) => check.name), NAMES);
  for (const check of report.checks as JsonCheck[]) {
    assert.equal("fix" in check, check.status === "warn" || check.status === "fail", JSON.stringify(check));
  }
  return report;
}

/** The check named `name` of a `--json` report. */
function checkOf(report: { checks: JsonCheck[] }, name: string): JsonCheck {
  const check = report.checks.find((c) => c.name === name);
  assert.ok(check, `no check ${name}`);
  return check;
}

/** The text line of check `name`: status, name, message (and fix), as doctor prints it. */
function lineOf(result: RunResult, name: string): string {
  const line = result.stdout.split("\n").find((l) =>
    new RegExp(`^\\S+ +${name.replace(".", "\\.")}  `).test(l)
  );
  assert.ok(line, `no line for ${name} in:\n${result.stdout}`);
  return line.replace(/ {2,}/g, "  ");
}

/** A folder holding links to `tools` only, to run ork with a PATH that lacks the others. */
async function binWith(dir: string, tools: string[]): Promise<string> {
  await Deno.mkdir(dir);
  for (const tool of tools) {
    const found = (await run("sh", ["-c", `command -v ${tool}`])).stdout.trim();
    assert.ok(found.startsWith("/"), `${tool} is not installed`);
    await Deno.symlink(found, join(dir, tool));
  }
  return dir;
}

Deno.test("a healthy repository: every check ok or warn and exit 0; a PATH without bwrap warns, without git fails", async () => {
  await using s = await runFixture();
  await using bins = await tempDir("ork-bin-");
  await s.enqueue("a job that lands", "echo hi > hi.txt");
  const ran = await s.run("--once");
  assert.equal(ran.code, 0, ran.stderr);
  const noBwrap = await binWith(join(bins.dir, "no-bwrap"), ["git", "df", "sh"]);
  const noGit = await binWith(join(bins.dir, "no-git"), ["df", "sh"]);
  const before = await snapshot(join(s.dir, ".ork"));

  const [text, json, withoutBwrap, withoutGit] = await Promise.all([
    ork(["doctor"], { cwd: s.dir }),
    ork(["doctor", "--json"], { cwd: s.dir }),
    ork(["doctor"], { cwd: s.dir, env: { PATH: noBwrap } }),
    ork(["-C", s.dir, "doctor", "--json"], { cwd: bins.dir, env: { PATH: noGit } }),
  ]);

  assert.equal(text.code, 0, text.stdout + text.stderr);
  assert.equal(text.stderr, "");
  const lines = text.stdout.trimEnd().split("\n");
  assert.equal(lines.length, NAMES.length + 1);
  NAMES.forEach((name, i) => assert.match(lines[i]!, new RegExp(`^(ok  |warn)  ${name} +\\S`)));
  assert.match(lines.at(-1)!, /^ork doctor: \d+ ok, \d+ warn, 0 fail$/);
  const tip = await git(s.dir, "rev-parse", "main");
  assert.equal(lineOf(text, "repository"), `ok  repository  ${s.dir}`);
  assert.equal(lineOf(text, "init"), "ok  init  initialised (.ork/queue exists)");
  assert.equal(lineOf(text, "config/agent_roles.yaml"), "ok  config/agent_roles.yaml  valid");
  assert.equal(
    lineOf(text, "target-branch"),
    `ok  target-branch  main (checked out in the main worktree) at ${tip.slice(0, 12)}`,
  );
  assert.match(
    lineOf(text, "disk"),
    /^(ok {2}disk {2}[\d.]+ GiB free for \.ork\/worktrees|warn {2}disk {2}only )/,
  );
  // The run left queue.lock and landing.lock with dead last holders: that is normal, not stale.
  assert.equal(lineOf(text, "locks"), "ok  locks  no stale locks");
  assert.equal(lineOf(text, "worktrees"), "ok  worktrees  no orphaned worktrees");
  assert.equal(lineOf(text, "jobs"), "ok  jobs  no job stuck running");

  assert.equal(json.code, 0, json.stderr);
  const report = parseReport(json);
  assert.equal(report.ok, true);
  assert.ok(report.checks.every((check) => check.status === "ok" || check.status === "warn"));
  assert.match(checkOf(report, "git").message, /^git \d+\.\d+(\.\d+)? \(ork needs 2\.38 or newer\)$/);

  assert.equal(withoutBwrap.code, 0, withoutBwrap.stderr);
  assert.equal(
    lineOf(withoutBwrap, "sandbox"),
    "warn  sandbox  jobs and gates would run unconfined: bwrap not found on PATH (orchestrator.sandbox: auto); " +
      "fix: install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap), or set " +
      "orchestrator.sandbox: off to run unconfined on purpose",
  );

  assert.equal(withoutGit.code, 1, withoutGit.stderr);
  const gitless = parseReport(withoutGit);
  assert.equal(gitless.ok, false);
  assert.deepEqual(checkOf(gitless, "git"), {
    name: "git",
    status: "fail",
    message: "git not found on PATH",
    fix: "install git 2.38 or newer and put it on the PATH",
  });
  for (const name of ["target-branch", "locks", "worktrees", "jobs"]) {
    assert.deepEqual(checkOf(gitless, name), { name, status: "skip", message: "needs git" });
  }
  assert.equal(checkOf(gitless, "repository").message, s.dir, "-C before the command is honoured");

  assert.deepEqual(await snapshot(join(s.dir, ".ork")), before, "doctor changes nothing");
});

Deno.test("outside a repository it fails and skips; before ork init it warns; sandbox: required without bwrap fails", async () => {
  await using outside = await tempDir();
  await using fresh = await tempRepo();
  await using strict = await tempRepo();
  await using bins = await tempDir("ork-bin-");
  await Deno.mkdir(join(strict.dir, "config"));
  await Deno.writeTextFile(
    join(strict.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  sandbox: required\n",
  );
  const noBwrap = await binWith(join(bins.dir, "no-bwrap"), ["git", "df", "sh"]);

  const [none, noneJson, uninit, required] = await Promise.all([
    ork(["doctor"], { cwd: outside.dir }),
    ork(["doctor", "--json"], { cwd: outside.dir }),
    ork(["doctor", "--json"], { cwd: fresh.dir }),
    ork(["doctor", "-C", strict.dir], { cwd: outside.dir, env: { PATH: noBwrap } }),
  ]);

  assert.equal(none.code, 1);
  assert.equal(
    lineOf(none, "repository"),
    `fail  repository  not a git repository (or any parent up to /): ${outside.dir}; ` +
      "fix: run ork inside a git repository, or pass -C <dir>; 'git init' makes one",
  );
  assert.equal(lineOf(none, "locks"), "skip  locks  needs a git repository");
  assert.match(none.stdout, /^ork doctor: \d+ ok, \d+ warn, 1 fail, 9 skipped$/m);
  const noRepo = parseReport(noneJson);
  assert.equal(noRepo.ok, false);
  assert.deepEqual(
    noRepo.checks.filter((check) => check.status === "skip").map((check) => check.name),
    NAMES.filter((name) => !["git", "repository", "sandbox"].includes(name)),
  );

  assert.equal(uninit.code, 0, "a warning alone exits 0");
  const before = parseReport(uninit);
  assert.equal(before.ok, true);
  assert.deepEqual(checkOf(before, "init"), {
    name: "init",
    status: "warn",
    message: `ork is not initialised in ${fresh.dir} (no .ork/queue folder)`,
    fix: "ork init",
  });
  for (const name of ["locks", "worktrees", "jobs"]) {
    assert.deepEqual(checkOf(before, name), { name, status: "skip", message: "needs 'ork init'" });
  }
  assert.equal(checkOf(before, "config/orchestrator.yaml").message, "absent: the built-in defaults apply");
  assert.equal(await git(fresh.dir, "status", "--porcelain", "--ignored"), "", "doctor wrote nothing");

  assert.equal(required.code, 1, required.stderr);
  assert.equal(
    lineOf(required, "sandbox"),
    "fail  sandbox  bubblewrap does not work here: bwrap not found on PATH; 'ork run' refuses to start " +
      "(orchestrator.sandbox: required); fix: install bubblewrap (apt-get install bubblewrap, dnf install " +
      "bubblewrap) or set orchestrator.sandbox: auto",
  );
  assert.equal(lineOf(required, "config/orchestrator.yaml"), "ok  config/orchestrator.yaml  valid");
});

Deno.test("doctor reports what killed processes left: stale locks, orphaned worktrees, a job stuck running; a broken config fails but the rest is still checked", async () => {
  await using s = await runFixture();
  const orkDir = join(s.dir, ".ork");
  const id = await s.enqueue("stuck", "sleep 47.291");
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  await waitFor("the job to start", s.runningWithPid(id));
  runner.kill("SIGKILL");
  await runner.output();

  // A holder of a lock ork does not re-take, killed: its file stays, stale.
  const gone = await spawnHolder(join(orkDir, "locks/merge.lock"), "merge");
  await gone.kill("SIGKILL");
  // A live holder of the queue lock whose record is two hours old: stuck, as far as anyone can tell.
  await using stuckHolder = await spawnHolder(join(orkDir, "locks/queue.lock"), "claim");
  const acquired = new Date(Date.now() - 2 * 3600_000).toISOString();
  await Deno.writeTextFile(
    join(orkDir, "locks/queue.lock"),
    JSON.stringify({
      pid: stuckHolder.pid,
      hostname: Deno.hostname(),
      acquired_at: acquired,
      purpose: "claim",
    }),
  );
  // A worktree no job names, and a folder git does not know.
  await git(
    s.dir,
    "worktree",
    "add",
    "--quiet",
    "--detach",
    join(orkDir, "worktrees/ork-manual-1-abcdefgh"),
    "HEAD",
  );
  await Deno.mkdir(join(orkDir, "worktrees/leftover"));

  try {
    const [text, json] = await Promise.all([
      ork(["doctor"], { cwd: s.dir }),
      ork(["doctor", "--json"], { cwd: s.dir }),
    ]);
    assert.equal(text.code, 0, "warnings only: " + text.stdout + text.stderr);
    const host = Deno.hostname();
    const runnerLock = new RegExp(`\\.ork/locks/runner-${runner.pid}-\\d+\\.lock`).exec(text.stdout)?.[0];
    assert.ok(runnerLock, text.stdout);
    assert.equal(
      lineOf(text, "locks"),
      `warn  locks  3 locks to look at: ${runnerLock} (its runner is gone); .ork/locks/merge.lock is stale ` +
        `(pid ${gone.pid} on host ${host} is dead, acquired ${
          JSON.parse(await Deno.readTextFile(join(orkDir, "locks/merge.lock"))).acquired_at
        }); .ork/locks/queue.lock held by pid ${stuckHolder.pid} on host ${host} since ${acquired} ` +
        `(purpose: claim), over 3600 s; fix: ork clean; ork lock clear .ork/locks/merge.lock; if pid ` +
        `${stuckHolder.pid} is stuck, stop it; 'ork lock check-stale .ork/locks/queue.lock' shows the holder`,
    );
    // The stuck job's own worktree is not listed: recovering the job removes it.
    assert.equal(
      lineOf(text, "worktrees"),
      "warn  worktrees  2 orphaned worktrees: .ork/worktrees/ork-manual-1-abcdefgh (no live runner owns it); " +
        ".ork/worktrees/leftover (a folder git does not know); fix: ork clean; ork clean leaves folders git " +
        "does not know: rm -rf .ork/worktrees/leftover",
    );
    assert.match(
      lineOf(text, "jobs"),
      new RegExp(
        `^warn  jobs  1 job stuck running, its runner gone: ${id} \\(runner-${runner.pid}-\\d+ is gone\\); ` +
          "fix: ork run --once puts it back to pending and runs it \\(ork clean only puts it back\\)$",
      ),
    );
    assert.match(text.stdout, /^ork doctor: \d+ ok, \d+ warn, 0 fail$/m);
    const report = parseReport(json);
    assert.equal(report.ok, true);
    // Everything else is as healthy as the machine allows (the sandbox and the disk depend on it).
    assert.deepEqual(
      report.checks.filter((check) => check.status === "warn").map((check) => check.name)
        .filter((name) => name !== "sandbox" && name !== "disk"),
      ["locks", "worktrees", "jobs"],
    );

    await Deno.writeTextFile(join(s.dir, "config/orchestrator.yaml"), "orchestrator:\n\tsandbox: off\n");
    const [broken, brokenJson] = await Promise.all([
      ork(["doctor"], { cwd: s.dir }),
      ork(["doctor", "--json"], { cwd: s.dir }),
    ]);
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(
      lineOf(broken, "config/orchestrator.yaml"),
      /^fail {2}config\/orchestrator\.yaml {2}config\/orchestrator\.yaml:2: YAML syntax error: .*; fix: fix the YAML syntax at that line$/,
    );
    assert.match(broken.stdout, /^ork doctor: \d+ ok, \d+ warn, 1 fail$/m);
    const brokenReport = parseReport(brokenJson);
    assert.equal(brokenReport.ok, false);
    // Doctor went on with the defaults and still found the leftovers.
    assert.equal(checkOf(brokenReport, "jobs").status, "warn");
    assert.match(checkOf(brokenReport, "jobs").message, new RegExp(id));
    assert.match(
      checkOf(brokenReport, "sandbox").message,
      /; default settings, as config\/orchestrator\.yaml did not load$/,
    );
    assert.equal(checkOf(brokenReport, "config/agent_roles.yaml").status, "ok");
  } finally {
    await stuckHolder.kill();
    // Settles the stuck job (stopping its process, which outlives the runner when jobs run unconfined).
    await Deno.writeTextFile(join(s.dir, "config/orchestrator.yaml"), "");
    const clean = await ork(["clean"], { cwd: s.dir });
    assert.equal(clean.code, 0, clean.stderr);
  }
});
