import assert from "node:assert/strict";
import { join } from "node:path";
import { buildBundle, CHECKOUT, DENO_JSON, git, MAIN_TS, ork, run, tempDir } from "../helpers/mod.ts";
import { AWS_ENV, FAKE_AWS, filesContaining } from "../gates/_gates.ts";
import { runFixture as setup } from "./_setup.ts";

const GATES = [
  "merge_gates:",
  "  - name: no_secrets",
  "    type: secrets",
  "    allow: [tests/fixtures/**]",
  "  - name: small_files",
  "    type: file_size",
  "    max_bytes: 1024",
  "",
].join("\n");

/**
 * A job command that writes {@link AWS_ENV} to `path` without holding the keys whole, so that the command line
 * (stored in the job's record and log) does not leak them.
 */
function writeKeys(path: string): string {
  const [a, b] = [FAKE_AWS.secret.slice(0, 20), FAKE_AWS.secret.slice(20)];
  return `printf '# app settings\\nAWS_ACCESS_KEY_ID=AKIA%s\\nAWS_SECRET_ACCESS_KEY=%s%s\\n' ` +
    `${FAKE_AWS.id.slice(4)} ${a} ${b} > ${path}`;
}

/** The job's recorded gate results, as [name, passed, error]. */
function gateRows(result: Record<string, unknown> | null): [string, boolean, string | null][] {
  const gates = (result?.gates ?? []) as { name: string; passed: boolean; error: string | null }[];
  return gates.map((g) => [g.name, g.passed, g.error]);
}

Deno.test("a job that writes an AWS key pair fails the secrets gate: nothing lands, and the key is in no output", async () => {
  await using s = await setup(GATES);
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("add the app's settings", writeKeys("config/app.env"), "--max-retries", "0");
  const result = await s.run("--once", "--verbose");
  assert.equal(result.code, 1, result.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  // small_files never ran (the first failed required gate ends the run) and counts as failed, closed.
  assert.equal(job.error, "required gate no_secrets failed (not run after it: small_files)");
  assert.deepEqual(gateRows(job.result), [
    [
      "no_secrets",
      false,
      "2 findings: config/app.env:2 (AWS access key), config/app.env:3 (AWS secret access key)",
    ],
  ]);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip, "main did not move");
  assert.equal(
    await git(s.dir, "ls-tree", "--name-only", "main", "config/"),
    "config/agent_roles.yaml\nconfig/orchestrator.yaml",
  );

  const log = await Deno.readTextFile(job.log_path!);
  assert.match(
    log,
    /^== gate no_secrets: config\/app\.env:2: AWS access key \(@secretlint\/secretlint-rule-aws\) AKIA\*{12}6V8W$/m,
  );
  assert.match(log, /^== gate no_secrets: config\/app\.env:3: AWS secret access key .* Zq3v\*{32}e3Mx$/m);
  const logs = await ork(["logs", id], { cwd: s.dir });
  for (const secret of [FAKE_AWS.id, FAKE_AWS.secret]) {
    assert.deepEqual(
      await filesContaining(join(s.dir, ".ork"), secret),
      [],
      `${secret} is in no file under .ork`,
    );
    for (const text of [result.stdout, result.stderr, logs.stdout, logs.stderr]) {
      assert.ok(!text.includes(secret));
    }
  }
});

Deno.test("a job that adds a file over max_bytes fails the file_size gate; a clean job lands past both gates", async () => {
  await using s = await setup(GATES);
  const tip = await git(s.dir, "rev-parse", "main");
  const big = await s.enqueue("add a blob", "printf '%2048s' x > blob.bin", "--max-retries", "0");
  assert.equal((await s.run("--once")).code, 1);
  const failed = await s.queue.get(big);
  assert.equal(failed.error, "required gate small_files failed");
  assert.deepEqual(gateRows(failed.result), [
    ["no_secrets", true, null],
    ["small_files", false, "1 file over 1 KiB: blob.bin (2 KiB)"],
  ]);
  assert.match(
    await Deno.readTextFile(failed.log_path!),
    /^== gate small_files: blob\.bin: 2 KiB \(2048 bytes\) is over 1 KiB \(1024 bytes\)$/m,
  );
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);

  await Deno.mkdir(join(s.dir, "tests/fixtures"), { recursive: true });
  await Deno.writeTextFile(join(s.dir, "tests/fixtures/README"), "test data\n");
  await git(s.dir, "add", "tests");
  await git(s.dir, "commit", "--quiet", "-m", "fixtures folder");
  const ok = await s.enqueue(
    "add a note and a fixture",
    `echo note > note.txt && ${writeKeys("tests/fixtures/aws.env")}`,
  );
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  const landed = await s.queue.get(ok);
  assert.equal(landed.status, "completed");
  assert.deepEqual(gateRows(landed.result), [["no_secrets", true, null], ["small_files", true, null]]);
  assert.equal(await s.show("note.txt"), "note");
});

Deno.test("ork gates checks the checkout's changes, prints a table and exits 1 when a required gate fails", async () => {
  await using s = await setup(GATES + "  - name: lint\n    command: echo linting\n    required: false\n");
  const gates = (...args: string[]) => ork(["gates", ...args], { cwd: s.dir });

  const clean = await gates();
  assert.equal(clean.code, 0, clean.stderr);
  const rows = clean.stdout.trim().split("\n");
  assert.equal(rows[0], "GATE         RESULT  TIME");
  assert.match(rows[1]!, /^no_secrets {3}passed {2}\d+ ms$/);
  assert.match(rows[2]!, /^small_files {2}passed {2}\d+ ms$/);
  assert.match(rows[3]!, /^lint {9}passed {2}\d+ ms$/);
  assert.match(clean.stderr, /^ork gates: working tree against main \([0-9a-f]{12}\)$/m);
  assert.match(clean.stderr, /^linting$/m, "a shell gate's output goes to stderr");

  await Deno.writeTextFile(join(s.dir, "app.env"), AWS_ENV); // untracked: still what the checkout adds
  const dirty = await gates();
  assert.equal(dirty.code, 1);
  assert.match(
    dirty.stdout,
    /^no_secrets {3}FAILED {2}\d+ ms +2 findings: app\.env:2 \(AWS access key\), app\.env:3 \(AWS secret access key\)$/m,
  );
  assert.ok(!(dirty.stdout + dirty.stderr).includes(FAKE_AWS.secret));

  const one = await gates("small_files", "--json");
  assert.equal(one.code, 0, one.stderr);
  const report = JSON.parse(one.stdout);
  assert.equal(report.passed, true);
  assert.equal(report.staged, false);
  assert.deepEqual(report.gates.map((g: { name: string }) => g.name), ["small_files"]);

  const staged = await gates("--staged");
  assert.equal(staged.code, 0, "nothing is staged");
  await git(s.dir, "add", "app.env");
  assert.equal((await gates("--staged", "no_secrets")).code, 1);
  assert.equal((await gates("--base", "HEAD", "no_secrets")).code, 1);

  const unknown = await gates("no_secrets", "nope");
  assert.equal(unknown.code, 2);
  assert.equal(
    unknown.stderr,
    'ork: unknown gate "nope" (configured: no_secrets, small_files, lint); ' +
      "name gates from merge_gates in config/orchestrator.yaml, or none to run them all\n",
  );
});

Deno.test("scripts/ci_gates.sh runs ork gates, taking the spec's 'all' as every gate", async () => {
  await using s = await setup(GATES);
  const env = {
    ORK: `${Deno.execPath()} run --allow-all --quiet --config ${DENO_JSON} ${MAIN_TS}`,
    NO_COLOR: "1",
  };
  const script = join(CHECKOUT, "scripts", "ci_gates.sh");
  const all = await run(script, ["all"], { cwd: s.dir, env });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^no_secrets +passed/m);
  await Deno.writeTextFile(join(s.dir, "big.bin"), "x".repeat(5000));
  const named = await run(script, ["small_files"], { cwd: s.dir, env });
  assert.equal(named.code, 1);
  assert.match(named.stdout, /^small_files +FAILED .* big\.bin \(4\.9 KiB\)$/m);
});

Deno.test("the one-file bundle runs the secrets and file_size gates", async () => {
  await using build = await tempDir("ork-bundle-");
  const bundle = join(build.dir, "ork.js");
  await buildBundle(bundle);
  await using s = await setup(GATES);
  await Deno.writeTextFile(join(s.dir, "app.env"), AWS_ENV);
  const result = await run(
    Deno.execPath(),
    ["run", "--no-config", "--allow-all", bundle, "gates", "no_secrets", "small_files"],
    { cwd: s.dir, env: { NO_COLOR: "1" } },
  );
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /^no_secrets +FAILED .* 2 findings: app\.env:2 \(AWS access key\)/m);
  assert.match(result.stdout, /^small_files +passed/m);
});

Deno.test("a secrets finding is not retried: it is in the job's change and would be found again", async () => {
  await using s = await setup(GATES);
  const id = await s.enqueue("add the app's settings", writeKeys("config/app.env"));
  const result = await s.run("--once");
  assert.equal(result.code, 1, result.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.retry_count, 0, "max_retries 2, but no retry spent");
});
