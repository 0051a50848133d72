/**
 * `ork cancel` of a job whose runner was killed after the target moved for it: the job had landed, so it is
 * recorded completed (as the next run would), and the cancel is refused; one that had not landed is cancelled.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, git, ork, spawnOrk, waitFor } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";

/** A reference-transaction hook that holds the first update of main, after it took effect, until released. */
async function holdFirstMove(dir: string, trace: string): Promise<string> {
  const hook = join(dir, ".git/hooks/reference-transaction");
  await Deno.writeTextFile(
    hook,
    `#!/bin/sh\ninput=$(cat)\n[ "$1" = committed ] || exit 0\ncase "$input" in *" refs/heads/main"*) ;; *) exit 0;; esac\n` +
      `[ -e ${trace}/held ] && exit 0\ntouch ${trace}/held\nuntil [ -e ${trace}/let-go ]; do sleep 0.05; done\n`,
  );
  await Deno.chmod(hook, 0o755);
  return hook;
}

Deno.test("ork cancel of a job whose runner died just after main moved for it: recorded completed, the cancel refused", async () => {
  await using s = await runFixture();
  const id = await s.enqueue("lands", "echo 1 > a.txt");
  const hook = await holdFirstMove(s.dir, s.trace);
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  await waitFor("main to move", () => exists(join(s.trace, "held")));
  runner.kill("SIGKILL");
  await runner.status;
  await Deno.remove(hook);
  await Deno.writeTextFile(join(s.trace, "let-go"), "");
  assert.equal((await s.queue.get(id)).status, "running");

  const cancel = await ork(["cancel", id], { cwd: s.dir });
  assert.equal(cancel.code, 2, cancel.stderr);
  assert.match(
    cancel.stderr,
    /^ork: cannot move job \S+ from completed to cancelled; a completed job is final/,
  );
  const job = await s.queue.get(id);
  assert.equal(job.status, "completed");
  assert.equal(job.landed_commit, await git(s.dir, "rev-parse", "main"));
  assert.equal((await s.show("a.txt")).trim(), "1");
});

Deno.test("ork cancel of a job whose runner died before it landed: it is cancelled and never lands", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const id = await s.enqueue("slow", `touch ${s.trace}/running; sleep 30; echo 1 > a.txt`);
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  await waitFor("the job to run", () => exists(join(s.trace, "running")));
  runner.kill("SIGKILL");
  await runner.status;
  const before = await git(s.dir, "rev-parse", "main");
  const cancel = await ork(["cancel", id], { cwd: s.dir });
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.equal((await s.queue.get(id)).status, "cancelled");
  const ran = await s.run("--once");
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(await git(s.dir, "rev-parse", "main"), before);
});
