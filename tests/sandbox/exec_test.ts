import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type ExecSpec, groupAlive, killGroup } from "../../src/process/mod.ts";
import { DENO_JSON, run, waitFor } from "../helpers/mod.ts";
import { jobFixture, NO_BWRAP } from "./_fixture.ts";

const EXEC_CHILD = fileURLToPath(new URL("./_exec_child.ts", import.meta.url));

const test = (name: string, fn: () => Promise<void>): void => Deno.test({ name, ignore: NO_BWRAP, fn });

/** A `sleep` argument no other test uses, so that `pgrep` finds only this test's processes. */
function marker(): string {
  return `${600 + Math.floor(Math.random() * 300)}.${crypto.getRandomValues(new Uint32Array(1))[0]}`;
}

/** The pids of the live `sleep <mark>` processes (matched exactly, so that no command line quoting it counts). */
async function sleepers(mark: string): Promise<string[]> {
  const { code, stdout } = await run("pgrep", [
    "-f",
    "-r",
    "R,S,D,T,t,W,I,P",
    `^sleep ${mark.replace(".", "\\.")}$`,
  ]);
  assert.ok(code === 0 || code === 1, `pgrep failed with ${code}`);
  return stdout.split("\n").filter((line) => line !== "");
}

function assertGroupGone(pgid: number): void {
  assert.ok(pgid > 1, `expected a pgid, got ${pgid}`);
  assert.equal(groupAlive(pgid), false, `processes left in group ${pgid}`);
}

test("a sandboxed command's exit code, output order, env and cwd are as without the sandbox", async () => {
  await using fx = await jobFixture();
  const { outcome, log } = await fx.run('echo out; echo err >&2; echo "$ORK_TEST_VALUE"; pwd; exit 3', {
    env: { ORK_TEST_VALUE: "hello there" },
  });
  assert.equal(outcome.exitCode, 3);
  assert.equal(outcome.signal, null);
  assert.equal(outcome.startFailed, false);
  assert.equal(log, `out\nerr\nhello there\n${fx.worktree}\n`);
});

test("onStart gets bwrap's pid, the id of the group every process of the sandbox is in", async () => {
  await using fx = await jobFixture();
  const mark = marker();
  let pgidOfSleep = "";
  const { outcome } = await fx.run(`sleep ${mark} & sleep 1; kill $!`, {
    onStart: () =>
      void waitFor("the sleep", () => sleepers(mark).then((pids) => pids[0])).then(async (pid) => {
        pgidOfSleep = (await run("ps", ["-o", "pgid=", "-p", pid])).stdout.trim();
      }),
  });
  assert.equal(outcome.exitCode, 0);
  assert.equal(pgidOfSleep, String(outcome.pid));
  assertGroupGone(outcome.pid);
});

test("a sandboxed command past its timeout is stopped, background children included", async () => {
  await using fx = await jobFixture();
  const mark = marker();
  const { outcome, log } = await fx.run(`sleep ${mark} & sleep ${mark} & echo started; wait`, {
    timeoutSeconds: 0.5,
    killGraceMs: 3000,
  });
  assert.equal(outcome.timedOut, true);
  assert.equal(outcome.cancelled, false);
  // bwrap reports sh's death by SIGTERM as 128 + 15.
  assert.equal(outcome.exitCode, 143);
  // SIGTERM was enough: nothing waited for the grace.
  assert.ok(outcome.durationMs < 2500, `took ${outcome.durationMs} ms`);
  assert.match(log, /^started\n/);
  assert.match(log, /ork: timed out after 0\.5s/);
  assertGroupGone(outcome.pid);
  assert.deepEqual(await sleepers(mark), []);
});

test("SIGTERM reaches the sandboxed command, which gets its grace to clean up (bwrap is not killed first)", async () => {
  await using fx = await jobFixture();
  const { outcome, log } = await fx.run(
    "trap 'echo got-term; sleep 0.3; echo cleaned-up; exit 5' TERM; echo ready; sleep 100 & wait",
    { timeoutSeconds: 0.5, killGraceMs: 5000 },
  );
  assert.equal(outcome.timedOut, true);
  assert.equal(outcome.exitCode, 5);
  assert.match(log, /^ready\n/);
  assert.match(log, /got-term\ncleaned-up\n/);
  assert.doesNotMatch(log, /SIGKILL/);
  assertGroupGone(outcome.pid);
});

test("a sandboxed child that ignores SIGTERM is killed with SIGKILL after the grace", async () => {
  await using fx = await jobFixture();
  const mark = marker();
  const { outcome, log } = await fx.run(`trap '' TERM; sleep ${mark}; echo not-reached`, {
    timeoutSeconds: 0.3,
    killGraceMs: 400,
  });
  assert.equal(outcome.timedOut, true);
  assert.equal(outcome.exitCode, null);
  assert.equal(outcome.signal, "SIGKILL");
  assert.ok(outcome.durationMs >= 700, `ended after ${outcome.durationMs} ms, before the grace was over`);
  assert.match(log, /sending SIGKILL/);
  assert.doesNotMatch(log, /not-reached/);
  assertGroupGone(outcome.pid);
  assert.deepEqual(await sleepers(mark), []);
});

test("aborting stops a sandboxed command within 2 s", async () => {
  await using fx = await jobFixture();
  const mark = marker();
  const controller = new AbortController();
  let abortedAt = 0;
  const { outcome } = await fx.run(`sleep ${mark} & sleep ${mark} & wait`, {
    timeoutSeconds: 60,
    signal: controller.signal,
    onStart: () =>
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort();
      }, 300),
  });
  const elapsed = performance.now() - abortedAt;
  assert.ok(abortedAt > 0);
  assert.ok(elapsed < 2000, `took ${elapsed} ms to stop after the abort`);
  assert.equal(outcome.cancelled, true);
  assertGroupGone(outcome.pid);
  assert.deepEqual(await sleepers(mark), []);
});

test("nothing a sandboxed command started outlives it, not even a process that left the group", async () => {
  await using fx = await jobFixture();
  const mark = marker();
  const { outcome, log } = await fx.run(`sleep ${mark} & setsid sleep ${mark} & sleep 0.2; echo main-done`, {
    killGraceMs: 3000,
  });
  assert.equal(outcome.exitCode, 0);
  assert.ok(outcome.durationMs < 2000, `took ${outcome.durationMs} ms`);
  assert.match(log, /^main-done\n/);
  assertGroupGone(outcome.pid);
  assert.deepEqual(await sleepers(mark), []);
});

test("a cwd that does not exist is still a start failure in a sandbox", async () => {
  await using fx = await jobFixture();
  const { outcome } = await fx.run("true", { cwd: `${fx.worktree}/missing` });
  assert.equal(outcome.startFailed, true);
  assert.equal(outcome.pid, 0);
});

/** Starts `_exec_child.ts` on `spec`; resolves with the child and the command's pid once it runs. */
async function startExecChild(spec: Omit<ExecSpec, "signal" | "onStart">) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", "--config", DENO_JSON, EXEC_CHILD, JSON.stringify(spec)],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/started (\d+)\n/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the child ended before the command started: ${text}`);
    text += value;
  }
  return { child, reader, pid: Number(/started (\d+)\n/.exec(text)?.[1]) };
}

test("a runner SIGKILLed while its sandboxed job sleeps: the job's processes are gone at once", async () => {
  await using fx = await jobFixture();
  const mark = marker();
  const { child, reader, pid } = await startExecChild({
    command: `sleep ${mark} & (sleep ${mark} &) ; setsid sleep ${mark} & sleep ${mark}`,
    cwd: fx.worktree,
    env: {},
    logPath: fx.logPath,
    timeoutSeconds: 120,
    sandbox: fx.sandbox,
  });
  await waitFor("the job's four sleeps", async () => (await sleepers(mark)).length === 4);
  child.kill("SIGKILL");
  await reader.cancel();
  await child.status;
  const killedAt = performance.now();
  // Everything of the sandbox, bwrap and its init included, not only the command's processes.
  await waitFor("the job's processes to be gone", async () => (await sleepers(mark)).length === 0, 1000);
  await waitFor("the job's process group to be empty", () => !groupAlive(pid), 1000);
  assert.ok(performance.now() - killedAt < 1000, `took ${Math.round(performance.now() - killedAt)} ms`);
});

test("without the sandbox, the same job's processes outlive the SIGKILLed runner (why the sandbox matters)", async () => {
  await using fx = await jobFixture();
  const mark = marker();
  const { child, reader, pid } = await startExecChild({
    command: `sleep ${mark} & sleep ${mark}`,
    cwd: fx.worktree,
    env: {},
    logPath: fx.logPath,
    timeoutSeconds: 120,
  });
  try {
    await waitFor("the job's two sleeps", async () => (await sleepers(mark)).length === 2);
    child.kill("SIGKILL");
    await reader.cancel();
    await child.status;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await sleepers(mark)).length, 2, "the unconfined job's processes died with the runner");
  } finally {
    if (groupAlive(pid)) killGroup(pid, "SIGKILL");
  }
  await waitFor("the leftovers to be killed", async () => (await sleepers(mark)).length === 0, 2000);
});
