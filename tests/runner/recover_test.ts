import assert from "node:assert/strict";
import { join } from "node:path";
import { FsQueue } from "../../src/queue/mod.ts";
import type { RunnerEvent } from "../../src/runner/events.ts";
import { groupAlive, groupStartedWith, killGroup } from "../../src/process/mod.ts";
import { recoverOrphans } from "../../src/runner/recover.ts";
import { deadRunner, tempDir } from "../helpers/mod.ts";

/** A `sleep` in a process group of its own (as a job's command runs), with `env` added to its environment. */
function sleeperGroup(env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command("sleep", { args: ["30"], env, detached: true, stdin: "null", stdout: "null" })
    .spawn();
}

Deno.test("a process group is known as a job's by the ORK_JOB_ID its processes started with", async () => {
  const job = sleeperGroup({ ORK_JOB_ID: "01jobidxyz" });
  const stranger = sleeperGroup({});
  try {
    assert.equal(groupStartedWith(job.pid, "ORK_JOB_ID", "01jobidxyz"), true);
    assert.equal(groupStartedWith(job.pid, "ORK_JOB_ID", "01otherjob"), false);
    assert.equal(groupStartedWith(stranger.pid, "ORK_JOB_ID", "01jobidxyz"), false);
  } finally {
    killGroup(job.pid, "SIGKILL");
    killGroup(stranger.pid, "SIGKILL");
    await job.status;
    await stranger.status;
  }
  assert.equal(
    groupStartedWith(job.pid, "ORK_JOB_ID", "01jobidxyz"),
    null,
    "a group that is gone tells nothing",
  );
});

Deno.test("recovery stops the dead runner's job group, and leaves alone a group that took its number since", async () => {
  await using dir = await tempDir("ork-recover-");
  const locksDir = join(dir.dir, "locks");
  await Deno.mkdir(locksDir);
  const queue = new FsQueue(join(dir.dir, "queue"), {
    archiveDir: join(dir.dir, "archive"),
    lockPath: join(locksDir, "queue.lock"),
  });
  // A runner that is gone: its pid exited, and it holds no lock.
  const host = Deno.hostname();
  const { worker } = await deadRunner();

  const ours = await queue.enqueue({ role: "r", description: "its group still runs", command: "sleep 30" });
  const reused = await queue.enqueue({
    role: "r",
    description: "its number was reused",
    command: "sleep 30",
  });
  for (const _ of [ours, reused]) await queue.claim(worker);
  const left = sleeperGroup({ ORK_JOB_ID: ours });
  const stranger = sleeperGroup({ ORK_JOB_ID: "someone-else" });
  try {
    await queue.record(ours, { pid: left.pid });
    await queue.record(reused, { pid: stranger.pid });
    const events: RunnerEvent[] = [];
    const recovered = await recoverOrphans({
      queue,
      root: dir.dir,
      locksDir,
      host,
      target: "main", // the jobs never got a base: no landing to look for
      worktreesDir: join(dir.dir, "worktrees"),
      events: { emit: (event) => void events.push(event), [Symbol.dispose]: () => {} },
    });

    assert.deepEqual(recovered.map((job) => job.id).sort(), [ours, reused].sort());
    assert.equal((await queue.get(ours)).status, "pending");
    assert.equal((await queue.get(reused)).status, "pending");
    await left.status; // killed, so this resolves
    assert.equal(groupAlive(left.pid), false);
    assert.equal(groupAlive(stranger.pid), true, "the unrelated group was not killed");
    assert.ok(
      events.some((event) =>
        event.kind === "warning" && event.message.includes(`process group ${stranger.pid} of job ${reused}`)
      ),
      JSON.stringify(events),
    );
  } finally {
    killGroup(stranger.pid, "SIGKILL");
    if (groupAlive(left.pid)) killGroup(left.pid, "SIGKILL");
    await stranger.status;
    await left.status;
  }
});

const AS_ROOT = Deno.uid() === 0 && (await new Deno.Command("setpriv", { args: ["--help"] }).output().then(
  (result) => result.success,
  () => false,
));

Deno.test({
  name: "a group of another user's processes, whose environment ork may not read, is not the job's",
  ignore: !AS_ROOT, // needs root to run the check as another user, with setpriv
  async fn() {
    await using dir = await tempDir("ork-recover-user-");
    await Deno.chmod(dir.dir, 0o777);
    const probe = join(dir.dir, "probe.ts");
    const exec = new URL("../../src/process/mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      probe,
      `import { groupStartedWith } from ${JSON.stringify(exec)};\n` +
        `console.log(groupStartedWith(Number(Deno.args[0]), "ORK_JOB_ID", "01jobidxyz"));\n`,
    );
    const rootsGroup = sleeperGroup({ ORK_JOB_ID: "01jobidxyz" });
    try {
      const asNobody = await new Deno.Command("setpriv", {
        args: [
          "--reuid=nobody",
          "--regid=nogroup",
          "--clear-groups",
          Deno.execPath(),
          "run",
          "-A",
          "--no-config",
        ]
          .concat([probe, String(rootsGroup.pid)]),
        env: { DENO_DIR: join(dir.dir, "deno"), HOME: dir.dir },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const said = new TextDecoder().decode(asNobody.stdout).trim();
      assert.equal(said, "false", new TextDecoder().decode(asNobody.stderr));
    } finally {
      killGroup(rootsGroup.pid, "SIGKILL");
      await rootsGroup.status;
    }
  },
});
