/**
 * An agent job when it runs: its command gets the preset's variables, the prompt and the preset's writable
 * paths; setup and the gates, which run for every job alike, get none of them. A command that cannot start fails
 * once, saying why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { git, ork } from "../helpers/mod.ts";
import { NO_BWRAP } from "../sandbox/_fixture.ts";
import { runFixture } from "./_setup.ts";

const test = (name: string, fn: () => Promise<void>): void => Deno.test({ name, ignore: NO_BWRAP, fn });

/** A preset `echoer` whose command writes its variables and prompt into the worktree. */
const PRESET = "agents:\n  echoer:\n" +
  '    command: bash -c \'printf %s "$PRESET_A" > a.txt; printf %s "$ORK_PROMPT" > p.txt\'\n' +
  "    env: { PRESET_A: from-preset }\n";

test("the agent's variables and prompt reach its command, never setup or the gates", async () => {
  await using s = await runFixture(
    PRESET +
      'environment:\n  setup: "test -z \\"$PRESET_A$ORK_PROMPT\\" && mkdir -p deps && touch deps/ok"\n' +
      'merge_gates:\n  - name: clean_env\n    command: test -z "$PRESET_A$ORK_PROMPT" && test -f deps/ok\n',
  );
  await Deno.writeTextFile(join(s.dir, ".gitignore"), "deps/\n");
  await Deno.writeTextFile(
    join(s.dir, "config/agent_roles.yaml"),
    "roles:\n  tester:\n    description: t\n    allowed_tools: [bash]\n",
  );
  await git(s.dir, "add", ".");
  await git(s.dir, "commit", "--quiet", "-m", "config");
  const prompt = `Say "hi" and $(do nothing)\nsecond line`;
  const enqueued = await ork(["enqueue", "--agent", "echoer", "--role", "tester", "--prompt", prompt], {
    cwd: s.dir,
  });
  assert.equal(enqueued.code, 0, enqueued.stderr);
  const id = enqueued.stdout.trim();
  const ran = await s.run("--once");
  const job = await s.queue.get(id);
  assert.equal(ran.code, 0, `${ran.stderr}\n${await Deno.readTextFile(job.log_path ?? "")}`);
  assert.equal(job.status, "completed");
  assert.equal(await s.show("a.txt"), "from-preset");
  assert.equal(await git(s.dir, "show", "main:p.txt").then((text) => text), prompt.trimEnd());
});

test("a job whose command cannot start (a NUL in its prompt, written by hand) fails once, saying why", async () => {
  await using s = await runFixture(PRESET);
  await Deno.writeTextFile(
    join(s.dir, "config/agent_roles.yaml"),
    "roles:\n  tester:\n    description: t\n    allowed_tools: [bash]\n",
  );
  await git(s.dir, "commit", "--quiet", "-am", "roles");
  const enqueued = await ork(["enqueue", "--agent", "echoer", "--role", "tester", "--prompt", "x"], {
    cwd: s.dir,
  });
  const id = enqueued.stdout.trim();
  const file = join(s.dir, ".ork", "queue", `${id}.json`);
  const record = JSON.parse(await Deno.readTextFile(file));
  await Deno.writeTextFile(file, JSON.stringify({ ...record, prompt: "a\u0000b" }, null, 2) + "\n");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.retry_count, 0);
  assert.match(job.error ?? "", /^could not start: .*nul byte/i);
});
