import assert from "node:assert/strict";
import { join } from "node:path";
import {
  execInGroup,
  type ExecOutcome,
  type ExecSpec,
  groupAlive,
  killGroup,
} from "../../src/process/mod.ts";
import { lastLine } from "../../src/process/mod.ts";
import { exists, run, tempDir } from "../helpers/mod.ts";

/**
 * The live processes of group `pgid`, as pgrep sees them. Zombies are left out (`-r` lists every other state):
 * they have exited already and only wait to be collected, which this machine's PID 1 does about once a second.
 */
async function pgrepGroup(pgid: number): Promise<string> {
  const { code, stdout } = await run("pgrep", ["-g", String(pgid), "-r", "R,S,D,T,t,W,I,P"]);
  assert.ok(code === 0 || code === 1, `pgrep failed with ${code}`);
  return stdout.trim();
}

async function assertGroupGone(pgid: number): Promise<void> {
  assert.ok(pgid > 1, `expected a pgid, got ${pgid}`);
  assert.equal(await pgrepGroup(pgid), "", `processes left in group ${pgid}`);
  assert.equal(groupAlive(pgid), false);
}

/** Runs `command` in a fresh temp dir with a short timeout; returns the outcome and the log's text. */
async function exec(
  command: string,
  opts: Partial<ExecSpec> = {},
): Promise<{ outcome: ExecOutcome; log: string; dir: string }> {
  await using tmp = await tempDir();
  const logPath = join(tmp.dir, "job.log");
  const outcome = await execInGroup({
    command,
    cwd: tmp.dir,
    env: {},
    logPath,
    timeoutSeconds: 10,
    ...opts,
  });
  const log = exists(logPath) ? await Deno.readTextFile(logPath) : "";
  return { outcome, log, dir: tmp.dir };
}

Deno.test("a command's exit code is reported and both streams land in the log in the order written", async () => {
  const { outcome, log } = await exec("echo out; echo err >&2; echo out2; exit 3");
  assert.equal(outcome.exitCode, 3);
  assert.equal(outcome.signal, null);
  assert.equal(outcome.timedOut, false);
  assert.equal(outcome.cancelled, false);
  assert.equal(outcome.startFailed, false);
  assert.equal(log, "out\nerr\nout2\n");
});

Deno.test("the log is appended to, not replaced", async () => {
  await using tmp = await tempDir();
  const logPath = join(tmp.dir, "job.log");
  await Deno.writeTextFile(logPath, "before\n");
  const outcome = await execInGroup({
    command: "echo after",
    cwd: tmp.dir,
    env: {},
    logPath,
    timeoutSeconds: 5,
  });
  assert.equal(outcome.exitCode, 0);
  assert.equal(await Deno.readTextFile(logPath), "before\nafter\n");
});

Deno.test("env vars reach the command on top of the inherited environment", async () => {
  const { outcome, log } = await exec('echo "$ORK_TEST_VALUE"; command -v sh >/dev/null && echo has-path', {
    env: { ORK_TEST_VALUE: "hello there" },
  });
  assert.equal(outcome.exitCode, 0);
  assert.equal(log, "hello there\nhas-path\n");
});

Deno.test("the command runs in the given cwd", async () => {
  await using tmp = await tempDir();
  const logPath = join(tmp.dir, "job.log");
  const cwd = join(tmp.dir, "work");
  await Deno.mkdir(cwd);
  const outcome = await execInGroup({ command: "pwd", cwd, env: {}, logPath, timeoutSeconds: 5 });
  assert.equal(outcome.exitCode, 0);
  assert.equal(await Deno.readTextFile(logPath), `${cwd}\n`);
});

Deno.test("stdin is closed, so cat ends at once with EOF", async () => {
  const { outcome, log } = await exec("cat; echo cat-ended", { timeoutSeconds: 5 });
  assert.equal(outcome.exitCode, 0);
  assert.equal(outcome.timedOut, false);
  assert.equal(log, "cat-ended\n");
});

Deno.test("onStart gets the pid, which is the process group id", async () => {
  let seen = 0;
  const { outcome, log } = await exec("ps -o pgid= -p $$", { onStart: (pid) => (seen = pid) });
  assert.equal(outcome.exitCode, 0);
  assert.equal(seen, outcome.pid);
  assert.equal(log.trim(), String(outcome.pid));
});

Deno.test("an onStart that throws has the group stopped before the error comes back", async () => {
  let pid = 0;
  const started = performance.now();
  await assert.rejects(
    () =>
      exec("sleep 100 & sleep 100; wait", {
        onStart: (p) => {
          pid = p;
          throw new Error("could not record the pid");
        },
      }),
    /could not record the pid/,
  );
  assert.ok(performance.now() - started < 2000);
  await assertGroupGone(pid);
});

Deno.test("a command past its timeout is stopped, background children included", async () => {
  const { outcome, log } = await exec("sleep 100 & sleep 100 & echo started; wait", {
    timeoutSeconds: 0.3,
    killGraceMs: 2000,
  });
  assert.equal(outcome.timedOut, true);
  assert.equal(outcome.cancelled, false);
  assert.equal(outcome.exitCode, null);
  assert.equal(outcome.signal, "SIGTERM");
  assert.match(log, /^started\n/);
  assert.match(log, /ork: timed out after 0\.3s/);
  await assertGroupGone(outcome.pid);
});

Deno.test("a child that ignores SIGTERM is killed with SIGKILL after the grace", async () => {
  const { outcome, log } = await exec("trap '' TERM; sleep 100; echo not-reached", {
    timeoutSeconds: 0.2,
    killGraceMs: 300,
  });
  assert.equal(outcome.timedOut, true);
  assert.equal(outcome.exitCode, null);
  assert.equal(outcome.signal, "SIGKILL");
  // The timeout, then the whole grace: SIGTERM alone did nothing.
  assert.ok(outcome.durationMs >= 500, `ended after ${outcome.durationMs} ms, before the grace was over`);
  assert.match(log, /sending SIGKILL/);
  assert.doesNotMatch(log, /not-reached/);
  await assertGroupGone(outcome.pid);
});

Deno.test("aborting stops the whole group within 2 s", async () => {
  const controller = new AbortController();
  let abortedAt = 0;
  const { outcome } = await exec("sleep 100 & sleep 100 & wait", {
    timeoutSeconds: 60,
    signal: controller.signal,
    onStart: () =>
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort();
      }, 200),
  });
  const elapsed = performance.now() - abortedAt;
  assert.ok(abortedAt > 0);
  assert.ok(elapsed < 2000, `took ${elapsed} ms to stop after the abort`);
  assert.equal(outcome.cancelled, true);
  assert.equal(outcome.timedOut, false);
  assert.equal(outcome.exitCode, null);
  await assertGroupGone(outcome.pid);
});

Deno.test("a signal aborted before the start runs nothing and reports cancelled", async () => {
  const controller = new AbortController();
  controller.abort();
  const { outcome, dir } = await exec("touch marker", { signal: controller.signal });
  assert.equal(outcome.cancelled, true);
  assert.equal(outcome.pid, 0);
  assert.equal(outcome.exitCode, null);
  assert.equal(exists(join(dir, "marker")), false);
});

Deno.test("a missing command exits 127", async () => {
  const { outcome, log } = await exec("ork-test-no-such-command --flag");
  assert.equal(outcome.exitCode, 127);
  assert.equal(outcome.startFailed, false);
  assert.match(log, /ork-test-no-such-command: not found/);
});

Deno.test("a cwd that does not exist is a start failure, not a success", async () => {
  await using tmp = await tempDir();
  const logPath = join(tmp.dir, "job.log");
  const outcome = await execInGroup({
    command: "true",
    cwd: join(tmp.dir, "missing"),
    env: {},
    logPath,
    timeoutSeconds: 5,
  });
  assert.equal(outcome.startFailed, true);
  assert.equal(outcome.exitCode, null);
  assert.equal(outcome.pid, 0);
  assert.match(outcome.startError ?? "", /cwd/);
  assert.match(await Deno.readTextFile(logPath), /ork: could not start: .*cwd/);
});

Deno.test("a command that exits 0 but leaves a background child behind has that child stopped", async () => {
  const { outcome, log } = await exec("sleep 100 & echo main-done", { killGraceMs: 3000 });
  assert.equal(outcome.exitCode, 0);
  assert.equal(outcome.timedOut, false);
  // SIGTERM was enough; nothing waited for the grace.
  assert.ok(outcome.durationMs < 2000, `took ${outcome.durationMs} ms`);
  assert.match(log, /^main-done\n/);
  assert.match(log, /left processes in group/);
  await assertGroupGone(outcome.pid);
});

Deno.test("output of a grandchild that outlives sh is in the log", async () => {
  const { outcome, log } = await exec("(echo from-grandchild; sleep 100) & sleep 0.2; echo main-done");
  assert.equal(outcome.exitCode, 0);
  assert.match(log, /^from-grandchild\nmain-done\n/);
  await assertGroupGone(outcome.pid);
});

Deno.test("a process that left the group and holds the output open does not hang the run", async () => {
  await using tmp = await tempDir();
  const pidFile = join(tmp.dir, "escaped.pid");
  const started = performance.now();
  const { outcome, log } = await exec(
    `setsid sh -c 'echo $$ > "$1"; exec sleep 30' sh ${pidFile} & sleep 0.2; echo main-done`,
  );
  try {
    assert.equal(outcome.exitCode, 0);
    assert.ok(performance.now() - started < 3000);
    assert.match(log, /^main-done\n/);
    assert.match(log, /still holds the output open/);
  } finally {
    const escaped = Number((await Deno.readTextFile(pidFile)).trim());
    if (escaped > 1) killGroup(escaped, "SIGKILL");
  }
});

Deno.test("killGroup reports a group that is gone and refuses ids that would hit ork itself", async () => {
  const { outcome } = await exec("true");
  assert.equal(killGroup(outcome.pid, "SIGTERM"), false);
  assert.throws(() => killGroup(0, "SIGTERM"), RangeError);
  assert.throws(() => killGroup(1, "SIGTERM"), RangeError);
  assert.throws(() => killGroup(-5, "SIGTERM"), RangeError);
});

Deno.test("a timeout that is not > 0 is refused before anything starts", async () => {
  await assert.rejects(() => exec("true", { timeoutSeconds: 0 }), RangeError);
  await assert.rejects(() => exec("true", { timeoutSeconds: Number.NaN }), RangeError);
});

Deno.test("lastLine returns the last line of a big log without reading it all", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "big.log");
  // 8 GiB, sparse: reading it all would take far longer than the test (and more memory than the machine has).
  using file = await Deno.open(path, { create: true, write: true });
  await file.truncate(8 * 1024 ** 3);
  await file.seek(0, Deno.SeekMode.End);
  await file.write(new TextEncoder().encode("\nnext to last\nthe last line\r\n\n  \n"));
  const started = performance.now();
  assert.equal(await lastLine(path), "the last line");
  assert.ok(performance.now() - started < 1000);
});

Deno.test("lastLine returns an empty string for a missing, empty or blank log", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "job.log");
  assert.equal(await lastLine(path), "");
  await Deno.writeTextFile(path, "");
  assert.equal(await lastLine(path), "");
  await Deno.writeTextFile(path, "\n\n \n");
  assert.equal(await lastLine(path), "");
  await Deno.writeTextFile(path, "only line");
  assert.equal(await lastLine(path), "only line");
});

Deno.test("lastLine cuts a line longer than maxBytes at its start", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "job.log");
  await Deno.writeTextFile(path, `first\n${"x".repeat(100)}abcdef\n`);
  assert.equal(await lastLine(path, 7), "abcdef");
});
