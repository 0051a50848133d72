import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, git, ork, run, spawnOrk, tempDir, waitFor } from "../helpers/mod.ts";
import { NO_BWRAP } from "../sandbox/_fixture.ts";
import { runFixture as setup, worktreeCount } from "./_setup.ts";

/** The default config (`orchestrator.sandbox: auto`), with no retries so that a failed job stays failed. */
const test = (name: string, fn: () => Promise<void>): void => Deno.test({ name, ignore: NO_BWRAP, fn });

const ID = "-c user.name=A -c user.email=a@x";

/**
 * Commits `scripts` (name to body) to main and returns the command that runs one: `bash <name>.sh`. Jobs run
 * their misdeeds from scripts because enqueue checks the command line against the role's tools and the
 * forbidden patterns (`git update-ref refs/heads/main` is one); a script hides them from that check, which is
 * a safety net against accidents, but not from the sandbox.
 */
async function commitScripts(dir: string, scripts: Record<string, string>): Promise<void> {
  for (const [name, body] of Object.entries(scripts)) await Deno.writeTextFile(join(dir, `${name}.sh`), body);
  await git(dir, "add", ...Object.keys(scripts).map((name) => `${name}.sh`));
  await git(dir, "commit", "--quiet", "-m", "job scripts");
}

test("in the sandbox, a job that writes outside its worktree fails and main does not move", async () => {
  await using s = await setup();
  await commitScripts(s.dir, {
    checkout: `echo mine > ${s.dir}/README.md`,
    elsewhere: `echo x > ${s.trace}/escaped`,
    ork: `echo x > ${s.dir}/.ork/escaped`,
  });
  const tip = await git(s.dir, "rev-parse", "main");
  const ids = [
    await s.enqueue("edit the user's checkout", "bash checkout.sh", "--max-retries", "0"),
    await s.enqueue("write elsewhere", "bash elsewhere.sh", "--max-retries", "0"),
    await s.enqueue("write .ork", "bash ork.sh", "--max-retries", "0"),
  ];
  const result = await s.run("--once");
  assert.equal(result.code, 1, result.stderr);
  for (const id of ids) assert.equal((await s.queue.get(id)).status, "failed", id);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
  assert.equal(await Deno.readTextFile(join(s.dir, "README.md")), "# test repo\n");
  assert.equal(exists(join(s.trace, "escaped")), false);
  assert.equal(exists(join(s.dir, ".ork", "escaped")), false);
  assert.equal(await worktreeCount(s.dir), 1);
});

test("in the sandbox, git update-ref refs/heads/main fails and main does not move", async () => {
  await using s = await setup();
  await commitScripts(s.dir, {
    move:
      `set -e; echo hi > f.txt; git add f.txt; git ${ID} commit -qm mine; git update-ref refs/heads/main HEAD`,
  });
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("move main", "bash move.sh", "--max-retries", "0");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.match(job.error ?? "", /^exit code 128: .*Read-only file system/);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
});

test("in the sandbox, git -C <repo> checkout main && git commit fails and main does not move", async () => {
  await using s = await setup();
  await commitScripts(s.dir, {
    dashc: `git -C ${s.dir} checkout main && git ${ID} -C ${s.dir} commit -q --allow-empty -m evil`,
    cd: `cd ${s.dir} && git checkout main && git ${ID} commit -q --allow-empty -m evil`,
  });
  const tip = await git(s.dir, "rev-parse", "main");
  const ids = [
    await s.enqueue("commit on main in the user's checkout", "bash dashc.sh", "--max-retries", "0"),
    await s.enqueue("commit from the user's checkout", "bash cd.sh", "--max-retries", "0"),
  ];
  assert.equal((await s.run("--once")).code, 1);
  for (const id of ids) assert.equal((await s.queue.get(id)).status, "failed", id);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
  assert.equal(await git(s.dir, "status", "--porcelain"), "");
});

test("in the sandbox a job still commits in its worktree, and its work lands", async () => {
  await using s = await setup();
  await commitScripts(s.dir, {
    steps: `set -e; echo 1 > one.txt; git add one.txt; git ${ID} commit -qm 'first step'; echo 2 > two.txt`,
  });
  const id = await s.enqueue("commit and leave more", "bash steps.sh");
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal(await s.show("one.txt"), "1");
  assert.equal(await s.show("two.txt"), "2");
});

test("gates run with the same confinement: a gate that writes outside the worktree fails", async () => {
  // Gates run in the job's worktree, .ork/worktrees/<name>: ../../.. is the user's checkout.
  await using s = await setup(
    "merge_gates:\n" +
      "  - name: inside\n    command: 'touch gate-was-here'\n" +
      "  - name: outside\n    command: 'touch ../../../gate-escaped'\n",
  );
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("change", "echo x > x.txt", "--max-retries", "0");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.error, "required gate outside failed");
  assert.deepEqual(
    (job.result?.gates as { name: string; passed: boolean }[] | undefined)?.map((g) => [g.name, g.passed]),
    [["inside", true], ["outside", false]],
  );
  assert.equal(exists(join(s.dir, "gate-escaped")), false);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
});

test("a runner SIGKILLed while its sandboxed job sleeps: the job's processes are gone at once", async () => {
  await using s = await setup();
  const mark = `47.${crypto.getRandomValues(new Uint32Array(1))[0]}`;
  await commitScripts(s.dir, { sleeps: `sleep ${mark} & (setsid sleep ${mark} &); sleep ${mark}` });
  const id = await s.enqueue("sleep", "bash sleeps.sh");
  const sleepers = async () =>
    (await run("pgrep", ["-f", `^sleep ${mark.replace(".", "\\.")}$`])).stdout.split("\n").filter((l) => l);
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  try {
    await waitFor("the job to start", s.runningWithPid(id));
    // One of them left the process group (setsid): only the sandbox's PID namespace still holds it.
    await waitFor("its three sleeps", async () => (await sleepers()).length === 3);
    runner.kill("SIGKILL");
    await runner.output();
    await waitFor("the job's processes to be gone", async () => (await sleepers()).length === 0, 1000);
  } finally {
    // When the test fails, leave nothing running for the next ones.
    for (const pid of await sleepers()) Deno.kill(Number(pid), "SIGKILL");
  }
});

test("orchestrator.sandbox: off runs jobs unconfined", async () => {
  await using s = await setup("orchestrator:\n  sandbox: off\n");
  await commitScripts(s.dir, { elsewhere: `echo x > ${s.trace}/unconfined` });
  const id = await s.enqueue("write elsewhere", "bash elsewhere.sh");
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal(await Deno.readTextFile(join(s.trace, "unconfined")), "x\n");
});

Deno.test("orchestrator.sandbox: required without bubblewrap refuses to run, with exit code 2", async () => {
  await using s = await setup("orchestrator:\n  sandbox: required\n");
  const id = await s.enqueue("anything", "true");
  // A PATH with git but no bwrap.
  await using bin = await tempDir("ork-bin-");
  const gitPath = (await new Deno.Command("sh", { args: ["-c", "command -v git"] }).output()).stdout;
  await Deno.symlink(new TextDecoder().decode(gitPath).trim(), join(bin.dir, "git"));
  const result = await ork(["run", "--once"], { cwd: s.dir, env: { PATH: bin.dir } });
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /orchestrator\.sandbox is required but bubblewrap does not work here: bwrap not found/,
  );
  const dry = await ork(["run", "--dry-run"], { cwd: s.dir, env: { PATH: bin.dir } });
  assert.equal(dry.code, 2, "a dry run refuses as the run would");
  assert.equal((await s.queue.get(id)).status, "pending");
});
