/**
 * ork on a full disk: the repository on a small tmpfs, filled up. Needs the right to mount (root, as in CI);
 * elsewhere these tests are ignored.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, ork, run, tempDir } from "../helpers/mod.ts";

/** A 4 MiB tmpfs at a fresh folder, or null where this user may not mount one. */
async function smallDisk(): Promise<({ dir: string } & AsyncDisposable) | null> {
  const mountPoint = await tempDir("ork-full-");
  const mounted = await run("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.dir]);
  if (mounted.code !== 0) {
    await mountPoint[Symbol.asyncDispose]();
    return null;
  }
  return {
    dir: mountPoint.dir,
    async [Symbol.asyncDispose]() {
      await run("umount", [mountPoint.dir]);
      await mountPoint[Symbol.asyncDispose]();
    },
  };
}

const canMount = await (async () => {
  const disk = await smallDisk();
  await disk?.[Symbol.asyncDispose]();
  return disk !== null;
})();

/** A repository with one commit and `ork init` done, in `dir/repo`. */
async function initialisedRepo(dir: string): Promise<string> {
  const repo = join(dir, "repo");
  await Deno.mkdir(repo);
  await git(repo, "init", "--quiet", "--initial-branch=main");
  await git(repo, "config", "user.name", "t");
  await git(repo, "config", "user.email", "t@localhost");
  await git(repo, "commit", "--quiet", "--allow-empty", "-m", "start");
  assert.equal((await ork(["init"], { cwd: repo })).code, 0);
  return repo;
}

/** Writes zeros into `dir` until the disk is full. */
async function fill(dir: string): Promise<void> {
  await run("sh", ["-c", `dd if=/dev/zero of=${dir}/filler bs=16k 2>/dev/null; true`]);
}

Deno.test({
  name:
    "on a full disk, enqueue says 'no space left on device' in one line, exits 2, and the queue is unchanged",
  ignore: !canMount,
  async fn() {
    await using disk = (await smallDisk())!;
    const repo = await initialisedRepo(disk.dir);
    const first = await ork([
      "enqueue",
      "--role",
      "bug-catcher",
      "--desc",
      "one",
      "--cmd",
      "echo 1 > one.txt",
    ], {
      cwd: repo,
    });
    assert.equal(first.code, 0, first.stderr);
    const before = (await ork(["list", "--json"], { cwd: repo })).stdout;
    await fill(disk.dir);

    const second = await ork([
      "enqueue",
      "--role",
      "bug-catcher",
      "--desc",
      "two",
      "--cmd",
      "echo 2 > two.txt",
    ], {
      cwd: repo,
    });
    assert.equal(second.code, 2, second.stderr);
    assert.match(
      second.stderr,
      /^ork: no space left on device: [^\n]*; free space on the disk that holds it/,
    );
    assert.equal(second.stderr.split("\n").length, 2, "one line");
    assert.equal((await ork(["list", "--json"], { cwd: repo })).stdout, before, "the queue is unchanged");
  },
});

Deno.test({
  name: "a job that fills the disk fails with 'No space left on device', and the job behind it still lands",
  ignore: !canMount,
  async fn() {
    await using disk = (await smallDisk())!;
    const repo = await initialisedRepo(disk.dir);
    await Deno.writeTextFile(join(repo, "config/orchestrator.yaml"), "orchestrator:\n  sandbox: off\n");
    await Deno.writeTextFile(
      join(repo, "config/agent_roles.yaml"),
      "roles:\n  filler:\n    description: Fills the disk\n    allowed_tools: [bash]\n",
    );
    await git(repo, "add", "-A");
    await git(repo, "commit", "--quiet", "-m", "config");
    const enqueue = async (desc: string, cmd: string, ...extra: string[]) => {
      const result = await ork(["enqueue", "--role", "filler", "--desc", desc, "--cmd", cmd, ...extra], {
        cwd: repo,
      });
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.trim();
    };
    const filler = await enqueue(
      "fill",
      `bash -c 'while echo ${"x".repeat(100)}; do :; done > big'`,
      "--max-retries",
      "0",
    );
    const next = await enqueue("next", "bash -c 'echo 2 > two.txt'");

    const result = await ork(["run", "--once", "--workers", "1"], { cwd: repo });
    assert.equal(result.code, 1, result.stderr);
    const jobs = JSON.parse((await ork(["list", "--json"], { cwd: repo })).stdout) as {
      id: string;
      status: string;
      error: string | null;
    }[];
    const byId = new Map(jobs.map((job) => [job.id, job]));
    assert.equal(byId.get(filler)?.status, "failed");
    assert.match(byId.get(filler)?.error ?? "", /No space left on device/);
    assert.equal(byId.get(next)?.status, "completed");
    assert.equal(await git(repo, "show", "main:two.txt"), "2");
    const log = await Deno.readTextFile(join(repo, ".ork/orchestrator.log"));
    assert.match(log, new RegExp(`failed ${filler} .*No space left on device`));
  },
});
