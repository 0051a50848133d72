/**
 * `hooks:` end to end: the hook of each way a job ends runs with the job in variables and as JSON on stdin; a
 * hook that fails or outlives its timeout is a warning, never a failed job; bad hook config is refused.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, ork } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";

function hooksConfig(trace: string, extra = ""): string {
  const record = (name: string) =>
    JSON.stringify(
      `echo "$ORK_JOB_ID $ORK_JOB_STATUS $ORK_LANDED_COMMIT|$ORK_JOB_ERROR" > ${trace}/${name}.$ORK_JOB_ID; ` +
        `cat > ${trace}/${name}.$ORK_JOB_ID.json`,
    );
  return `hooks:\n  on_landed: ${record("landed")}\n  on_completed: ${record("completed")}\n` +
    `  on_failed: ${record("failed")}\n  on_cancelled: ${record("cancelled")}\n${extra}`;
}

Deno.test("each hook runs for its end of a job, with ORK_* variables and the job's record on stdin", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  sandbox: off\n" + hooksConfig(s.trace),
  );
  await git(s.dir, "commit", "--quiet", "-am", "hooks");
  const landed = await s.enqueue("lands", "echo 1 > a.txt");
  const nothing = await s.enqueue("changes nothing", "true");
  const failing = await s.enqueue("fails", "exit 5", "--max-retries", "0");
  const result = await s.run("--once");
  assert.equal(result.code, 1, result.stderr);

  const job = await s.queue.get(landed);
  assert.equal(
    (await Deno.readTextFile(join(s.trace, `landed.${landed}`))).trim(),
    `${landed} completed ${job.landed_commit}|`,
  );
  const onStdin = JSON.parse(await Deno.readTextFile(join(s.trace, `landed.${landed}.json`)));
  assert.equal(onStdin.id, landed);
  assert.equal(onStdin.landed_commit, job.landed_commit);
  assert.equal(
    (await Deno.readTextFile(join(s.trace, `completed.${nothing}`))).trim(),
    `${nothing} completed |`,
  );
  assert.equal(
    (await Deno.readTextFile(join(s.trace, `failed.${failing}`))).trim(),
    `${failing} failed |exit code 5`,
  );
  // One hook per job: the others did not run for it.
  const names = [...Deno.readDirSync(s.trace)].map((entry) => entry.name).filter((n) => !n.endsWith(".json"));
  assert.deepEqual(names.sort(), [`completed.${nothing}`, `failed.${failing}`, `landed.${landed}`].sort());
});

Deno.test("a hook that fails or outlives hooks.timeout is a warning in the event log; the job's outcome stands", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    'orchestrator:\n  sandbox: off\nhooks:\n  on_landed: "echo broken >&2; exit 3"\n' +
      '  on_completed: "sleep 30"\n  timeout: 1\n',
  );
  await git(s.dir, "commit", "--quiet", "-am", "hooks");
  const landed = await s.enqueue("lands", "echo 1 > a.txt");
  const nothing = await s.enqueue("changes nothing", "true");
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await s.queue.get(landed)).status, "completed");
  assert.equal((await s.queue.get(nothing)).status, "completed");
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(log, new RegExp(`WARN.*hook on_landed for ${landed} failed with exit code 3: broken`));
  assert.match(log, new RegExp(`WARN.*hook on_completed for ${nothing} timed out after 1s`));
});

Deno.test("hooks config refusals: an empty command, a zero timeout, an unknown hook, each naming the key", async () => {
  await using s = await runFixture();
  for (
    const [text, message] of [
      ['hooks:\n  on_landed: ""\n', /hooks\.on_landed: expected a command line \(or null\)/],
      ["hooks:\n  timeout: 0\n", /hooks\.timeout: expected a number of seconds > 0/],
      ["hooks:\n  on_landing: echo\n", /hooks: unknown key "on_landing"; did you mean "on_landed"\?/],
    ] as const
  ) {
    await Deno.writeTextFile(join(s.dir, "config/orchestrator.yaml"), text);
    const result = await ork(["run", "--once"], { cwd: s.dir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  }
});

Deno.test("notify: desktop runs notify-send for a landing, a failure and a review; without it, one warning", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  // A notify-send of our own first on PATH: it records its arguments, one per line, a blank line after each call.
  const bin = join(s.trace, "bin");
  await Deno.mkdir(bin);
  await Deno.writeTextFile(
    join(bin, "notify-send"),
    `#!/bin/sh\nfor a in "$@"; do echo "$a"; done >> ${s.trace}/notified\necho >> ${s.trace}/notified\n`,
  );
  await Deno.chmod(join(bin, "notify-send"), 0o755);
  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  sandbox: off\nhooks:\n  notify: desktop\n",
  );
  await git(s.dir, "commit", "--quiet", "-am", "notify");
  await s.enqueue("Lands 'quoted' $HOME", "echo 1 > a.txt");
  await s.enqueue("Fails", "exit 5", "--max-retries", "0");
  await s.enqueue("Waits", "echo 2 > b.txt", "--review");
  await s.enqueue("Nothing", "true");
  const path = `${bin}:${Deno.env.get("PATH")}`;
  const result = await ork(["run", "--once", "--workers", "1"], { cwd: s.dir, env: { PATH: path } });
  assert.equal(result.code, 1, result.stderr);
  const calls = (await Deno.readTextFile(join(s.trace, "notified"))).trim().split("\n\n").sort();
  assert.deepEqual(calls, [
    "--app-name=ork\n--\nork: awaiting review\nWaits",
    "--app-name=ork\n--\nork: failed\nFails",
    "--app-name=ork\n--\nork: landed\nLands 'quoted' $HOME",
  ]);

  // No notifier on PATH: one warning in the log, and the jobs run as ever.
  await s.enqueue("Also lands", "echo 3 > c.txt");
  const bare = await ork(["run", "--once"], { cwd: s.dir, env: { PATH: "/usr/bin:/bin" } });
  assert.equal(bare.code, 0, bare.stderr);
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(
    log,
    /hooks\.notify is desktop, but neither notify-send nor osascript is on PATH: no notifications/,
  );
});
