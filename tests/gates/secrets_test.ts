import assert from "node:assert/strict";
import { join } from "node:path";
import { runGates } from "../../src/gates/mod.ts";
import type { ChangeSource } from "../../src/git/mod.ts";
import { scanAddedText } from "../../src/gates/secrets.ts";
import { git, tempRepo } from "../helpers/mod.ts";
import { AWS_ENV, commitFiles, FAKE_AWS, secretsGate } from "./_gates.ts";

/** A repository whose `main` has `files`, and a way to run gates on a commit on top of it. */
async function setup(files: Record<string, string> = {}) {
  const repo = await tempRepo();
  const first = await git(repo.dir, "rev-parse", "HEAD");
  const base = Object.keys(files).length === 0 ? first : await commitFiles(repo.dir, first, files);
  const logPath = join(repo.dir, ".git", "gates.log");
  return {
    dir: repo.dir,
    base,
    logPath,
    commit: (changes: Record<string, string | Uint8Array | null>) => commitFiles(repo.dir, base, changes),
    run: (head: string, gate = secretsGate("no_secrets")) =>
      runGates([gate], { cwd: repo.dir, logPath, env: {}, change: { kind: "commits", base, head } }),
    log: () => Deno.readTextFile(logPath),
    [Symbol.asyncDispose]: repo[Symbol.asyncDispose],
  };
}

Deno.test("an added AWS key pair fails the gate, naming file, line and rule with the secret masked", async () => {
  await using s = await setup();
  const [result] = await s.run(await s.commit({ "config/app.env": AWS_ENV }));
  assert.equal(result?.passed, false);
  assert.equal(result?.exit_code, null);
  assert.equal(result?.required, true);
  assert.equal(
    result?.error,
    "2 findings: config/app.env:2 (AWS access key), config/app.env:3 (AWS secret access key)",
  );
  const log = (await s.log()).split("\n");
  assert.match(log[0]!, /^== gate no_secrets: secrets on the changes from [0-9a-f]{12} to [0-9a-f]{12}$/);
  assert.equal(log[1], "== gate no_secrets: scanned 1 file (3 added lines)");
  assert.equal(
    log[2],
    "== gate no_secrets: config/app.env:2: AWS access key (@secretlint/secretlint-rule-aws) AKIA************6V8W",
  );
  assert.equal(
    log[3],
    "== gate no_secrets: config/app.env:3: AWS secret access key (@secretlint/secretlint-rule-aws) " +
      "Zq3v********************************e3Mx",
  );
  assert.match(log[4]!, /^== gate no_secrets: failed \(2 findings: .*\) in \d+ ms$/);
  const everything = JSON.stringify(result) + log.join("\n");
  assert.ok(!everything.includes(FAKE_AWS.id) && !everything.includes(FAKE_AWS.secret), "no secret in clear");
});

Deno.test("AWS's documented example keys are not reported (secretlint's preset ignores them)", async () => {
  await using s = await setup();
  const example = "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n" +
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
  const [result] = await s.run(await s.commit({ "docs/example.env": example }));
  assert.equal(result?.passed, true, result?.error ?? "");
});

Deno.test("a secret already on the base is not reported; only added and changed lines are", async () => {
  const old = `AWS_SECRET_ACCESS_KEY=${FAKE_AWS.secret}\nname = app\n`;
  await using s = await setup({ "app.env": old });
  const changed = await s.commit({ "app.env": `AWS_SECRET_ACCESS_KEY=${FAKE_AWS.secret}\nname = app2\n` });
  const [untouched] = await s.run(changed);
  assert.equal(untouched?.passed, true, untouched?.error ?? "");

  const edited = await s.commit({
    "app.env":
      `# first\nAWS_SECRET_ACCESS_KEY=${FAKE_AWS.secret}\nname = app\napi_token = "k9Xq2LmV8rT5wP1yS7uB4nC6"\n`,
  });
  const [result] = await s.run(edited);
  // Line 2 moved down but is the same line as before; line 4 is new.
  assert.equal(result?.error, "1 finding: app.env:4 (high-entropy secret assignment)");
});

Deno.test("a deleted file is not scanned", async () => {
  await using s = await setup({ "old.env": AWS_ENV, "keep.txt": "x\n" });
  const [result] = await s.run(await s.commit({ "old.env": null, "keep.txt": "y\n" }));
  assert.equal(result?.passed, true, result?.error ?? "");
  assert.match(await s.log(), /scanned 1 file \(1 added line\)/);
});

Deno.test("a line with an ork:allow-secret comment is let through, the others on it are not", async () => {
  await using s = await setup();
  const text = `AWS_SECRET_ACCESS_KEY=${FAKE_AWS.secret}  # ork:allow-secret (a test fixture)\n` +
    `AWS_ACCESS_KEY_ID=${FAKE_AWS.id}\n`;
  const [result] = await s.run(await s.commit({ "app.env": text }));
  assert.equal(result?.error, "1 finding: app.env:2 (AWS access key)");
});

Deno.test("files matching the gate's allow globs are not scanned", async () => {
  await using s = await setup();
  const head = await s.commit({
    "tests/fixtures/keys/aws.env": AWS_ENV,
    "fixture.pem.env": AWS_ENV,
    "src/app.env": AWS_ENV,
  });
  const [result] = await s.run(head, secretsGate("no_secrets", { allow: ["tests/fixtures", "*.pem.env"] }));
  assert.equal(
    result?.error,
    "2 findings: src/app.env:2 (AWS access key), src/app.env:3 (AWS secret access key)",
  );
  assert.match(await s.log(), /scanned 1 file .*; 2 allowed by the gate's allow globs/);
});

Deno.test("ork's own rule reports a high-entropy value assigned to a secret-sounding name", async () => {
  await using s = await setup();
  const text = [
    'const apiKey = "k9Xq2LmV8rT5wP1yS7uB4nC6";',
    'const name = "k9Xq2LmV8rT5wP1yS7uB4nC6";', // not a secret's name
    "password: hunter2", // too short and too plain
    "token = process.env.GITHUB_TOKEN_2;", // code, not a value
    "SECRET_KEY_BASE=4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d",
  ].join("\n");
  const [result] = await s.run(await s.commit({ "app.ts": `${text}\n` }));
  assert.equal(
    result?.error,
    "2 findings: app.ts:1 (high-entropy secret assignment), app.ts:5 (high-entropy secret assignment)",
  );
  assert.match(
    await s.log(),
    /app\.ts:1: high-entropy secret assignment \(ork\/high-entropy-assignment\) k9Xq\*{16}4nC6/,
  );
});

Deno.test("a private key spread over added lines is found, at its first line", async () => {
  await using s = await setup();
  const key = [
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
    "-----END RSA PRIVATE KEY-----",
  ].join("\n");
  const [result] = await s.run(await s.commit({ "notes.txt": `intro\n\n${key}\n` }));
  assert.match(result?.error ?? "", /^1 finding: notes\.txt:3 \(/);
  assert.ok(!(await s.log()).includes("MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"));
});

Deno.test("binary files are skipped, even when an attribute would show them as text", async () => {
  await using s = await setup();
  const bytes = new TextEncoder().encode(`\0\0binary${AWS_ENV}`);
  const [result] = await s.run(await s.commit({ "blob.bin": bytes }));
  assert.equal(result?.passed, true, result?.error ?? "");
  assert.match(await s.log(), /scanned 0 files .*; 1 binary skipped/);
});

Deno.test("a -diff attribute in the change does not hide a file from the scan", async () => {
  await using s = await setup();
  const [result] = await s.run(await s.commit({ ".gitattributes": "* -diff\n", "app.env": AWS_ENV }));
  assert.equal(result?.passed, false);
  assert.match(result?.error ?? "", /^2 findings: app\.env:2/);
});

Deno.test("secretlint's profiler is off: a scan leaves no performance marks behind", async () => {
  performance.clearMarks();
  await scanAddedText([{ path: "a.env", text: AWS_ENV, lines: [1, 2, 3, 4], binary: false }]);
  assert.equal(performance.getEntriesByType("mark").length, 0);
});

Deno.test("a secrets gate without a change to check fails closed", async () => {
  await using s = await setup();
  const [result] = await runGates([secretsGate("no_secrets")], { cwd: s.dir, logPath: s.logPath, env: {} });
  assert.equal(result?.passed, false);
  assert.match(result?.error ?? "", /^no change to check/);
});

Deno.test("a secrets gate whose base does not exist fails with git's reason", async () => {
  await using s = await setup();
  const change: ChangeSource = { kind: "commits", base: "0".repeat(40), head: s.base };
  const [result] = await runGates([secretsGate("no_secrets")], {
    cwd: s.dir,
    logPath: s.logPath,
    env: {},
    change,
  });
  assert.equal(result?.passed, false);
  assert.match(result?.error ?? "", /^could not run: 'git .*diff/);
});

Deno.test("a cancelled secrets gate fails as cancelled", async () => {
  await using s = await setup();
  const head = await s.commit({ "a.txt": "a\n" });
  const [result] = await runGates([secretsGate("no_secrets")], {
    cwd: s.dir,
    logPath: s.logPath,
    env: {},
    change: { kind: "commits", base: s.base, head },
    signal: AbortSignal.abort(),
  });
  assert.equal(result?.error, "cancelled");
});

Deno.test("the working tree's changes include untracked files, and the index can be read from another file", async () => {
  await using s = await setup({ "tracked.env": "name = app\n" });
  await git(s.dir, "reset", "--quiet", "--hard", s.base);
  await Deno.writeTextFile(
    join(s.dir, "tracked.env"),
    `name = app\nAWS_SECRET_ACCESS_KEY=${FAKE_AWS.secret}\n`,
  );
  await Deno.writeTextFile(join(s.dir, "new.env"), `AWS_ACCESS_KEY_ID=${FAKE_AWS.id}\n`);
  await Deno.writeTextFile(join(s.dir, ".gitignore"), "ignored.env\n");
  await Deno.writeTextFile(join(s.dir, "ignored.env"), AWS_ENV);
  const gate = [secretsGate("no_secrets")];
  const opts = { cwd: s.dir, logPath: s.logPath, env: {} };
  const [worktree] = await runGates(gate, { ...opts, change: { kind: "worktree", base: s.base } });
  assert.equal(
    worktree?.error,
    "2 findings: tracked.env:2 (AWS secret access key), new.env:1 (AWS access key)",
  );

  const [staged] = await runGates(gate, { ...opts, change: { kind: "index", base: s.base } });
  assert.equal(staged?.passed, true, "nothing is staged");
  // As `git commit -a` does: stage into another index file, which a pre-commit hook gets in GIT_INDEX_FILE.
  const indexFile = join(s.dir, ".git", "other-index");
  await Deno.copyFile(join(s.dir, ".git", "index"), indexFile);
  const env = { GIT_INDEX_FILE: indexFile };
  const { run } = await import("../helpers/mod.ts");
  assert.equal((await run("git", ["-C", s.dir, "add", "tracked.env"], { env })).code, 0);
  const [other] = await runGates(gate, { ...opts, change: { kind: "index", base: s.base, indexFile } });
  assert.equal(other?.error, "1 finding: tracked.env:2 (AWS secret access key)");
});

Deno.test("a secrets gate that runs past its timeout fails as timed out", async () => {
  await using s = await setup();
  const head = await s.commit({ "a.txt": "a\n" });
  const [result] = await s.run(head, secretsGate("no_secrets", { timeout: 0.001 }));
  assert.equal(result?.error, "timed out after 0.001s");
});
