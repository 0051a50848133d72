/**
 * Agents keep their state: `sandbox_writable` paths (orchestrator-wide and per role, `~` expanded, created when
 * missing) stay writable in the sandbox; a write elsewhere in the home folder, or a path under the host's /tmp,
 * fails with an error that names the path and the fix.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, git, ork } from "../helpers/mod.ts";
import { NO_BWRAP } from "../sandbox/_fixture.ts";
import { commitFiles, outsideTempDir, runFixture, TESTER_TOOLS } from "./_setup.ts";

const test = (name: string, fn: () => Promise<void>): void => Deno.test({ name, ignore: NO_BWRAP, fn });

test("sandbox_writable paths, the orchestrator's and the role's, are writable inside; missing ones are made", async () => {
  await using s = await runFixture("orchestrator:\n  sandbox_writable: [~/.agent, ~/.agent.json]\n");
  await using home = await outsideTempDir("ork-home-");
  await Deno.writeTextFile(
    join(s.dir, "config/agent_roles.yaml"),
    `roles:\n  tester:\n    description: t\n    allowed_tools: [${TESTER_TOOLS.join(", ")}]\n` +
      "    sandbox_writable: [~/.codex]\n",
  );
  await git(s.dir, "commit", "--quiet", "-am", "role with state");
  await commitFiles(s.dir, {
    "state.sh": "set -e\necho session > ~/.agent/session.jsonl\necho '{}' > ~/.agent.json\n" +
      "echo 1 > ~/.codex/installation_id\ntouch done.txt\n",
  });
  const id = await s.enqueue("keep state", "bash state.sh");
  const result = await ork(["run", "--once"], { cwd: s.dir, env: { HOME: home.dir } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal(await Deno.readTextFile(join(home.dir, ".agent", "session.jsonl")), "session\n");
  assert.equal(await Deno.readTextFile(join(home.dir, ".agent.json")), "{}\n");
  assert.equal(await Deno.readTextFile(join(home.dir, ".codex", "installation_id")), "1\n");
});

test("a write to a read-only path of the home folder fails naming the path and the setting", async () => {
  await using s = await runFixture("orchestrator:\n  max_retries: 0\n");
  await using home = await outsideTempDir("ork-home-");
  await Deno.mkdir(join(home.dir, ".cache", "tool"), { recursive: true });
  await commitFiles(s.dir, {
    "npm.sh": "mkdir -p ~/.npm/_cacache\n",
    "cache.sh": "touch ~/.cache/tool/db\n",
  });
  const ids = [await s.enqueue("npm", "bash npm.sh"), await s.enqueue("cache", "bash cache.sh")];
  const result = await ork(["run", "--once"], { cwd: s.dir, env: { HOME: home.dir } });
  assert.equal(result.code, 1, result.stderr);
  const [npm, cache] = await Promise.all(ids.map((id) => s.queue.get(id)));
  assert.equal(npm?.status, "failed");
  assert.match(
    npm?.error ?? "",
    new RegExp(
      `Read-only file system; ${home.dir}/.npm is read-only in the sandbox; to let jobs write there, add ~/.npm ` +
        "to orchestrator.sandbox_writable \\(or to the role's sandbox_writable\\)$",
    ),
  );
  assert.match(cache?.error ?? "", /add ~\/\.cache\/tool to orchestrator\.sandbox_writable/);
  assert.equal(exists(join(home.dir, ".npm")), false);
});

test("a script under the host's /tmp is not there in the sandbox, and the error says why", async () => {
  await using s = await runFixture("orchestrator:\n  max_retries: 0\n");
  await Deno.writeTextFile(join(s.trace, "run.sh"), "touch ran.txt\n");
  const id = await s.enqueue("tmp script", `bash ${s.trace}/run.sh`);
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.match(
    job.error ?? "",
    new RegExp(
      `${s.trace}/run.sh is not there in the sandbox: its /tmp is private and empty; keep what jobs`,
    ),
  );
});
