import assert from "node:assert/strict";
import { join } from "node:path";
import { DENO_JSON, git, MAIN_TS, ork, run, tempRepo } from "../helpers/mod.ts";
import { AWS_ENV, FAKE_AWS } from "../gates/_gates.ts";

const CONFIG = "merge_gates:\n  - name: no_secrets\n    type: secrets\n";

/** A repository with ork initialised, a secrets gate committed, and ork's pre-commit hook installed. */
async function setup() {
  const repo = await tempRepo();
  assert.equal((await ork(["init"], { cwd: repo.dir })).code, 0);
  await Deno.writeTextFile(join(repo.dir, "config/orchestrator.yaml"), CONFIG);
  await git(repo.dir, "add", "config");
  await git(repo.dir, "commit", "--quiet", "-m", "ork config");
  return repo;
}

/** `git commit` as a user types it, hooks and all. */
function commit(dir: string, ...args: string[]) {
  return run("git", ["-C", dir, "commit", "--quiet", ...args], { env: { NO_COLOR: "1" } });
}

Deno.test("with ork's hook installed, a commit that adds a secret is refused and a clean one goes through", async () => {
  await using repo = await setup();
  const installed = await ork(["hook", "install"], { cwd: repo.dir });
  assert.equal(installed.code, 0, installed.stderr);
  const hook = join(repo.dir, ".git", "hooks", "pre-commit");
  assert.equal(installed.stdout, `installed ${hook}: commits now run 'ork gates --staged'\n`);
  const text = await Deno.readTextFile(hook);
  assert.match(text, /^# ork pre-commit hook$/m);
  assert.ok(
    text.includes(
      `${Deno.execPath()} run --allow-all --quiet --config ${DENO_JSON} ${MAIN_TS} gates --staged`,
    ),
  );

  const head = await git(repo.dir, "rev-parse", "HEAD");
  await Deno.writeTextFile(join(repo.dir, "app.env"), AWS_ENV);
  await git(repo.dir, "add", "app.env");
  const refused = await commit(repo.dir, "-m", "add settings");
  assert.equal(refused.code, 1);
  // git sends a hook's stdout to stderr too.
  assert.match(refused.stderr, /^no_secrets +FAILED .* 2 findings: app\.env:2 \(AWS access key\)/m);
  assert.match(refused.stderr, /app\.env:3: AWS secret access key .* Zq3v\*{32}e3Mx$/m);
  assert.ok(!(refused.stdout + refused.stderr).includes(FAKE_AWS.secret));
  assert.equal(await git(repo.dir, "rev-parse", "HEAD"), head, "no commit was made");

  // `git commit -a` stages into a temporary index; the hook must check that one.
  await git(repo.dir, "reset", "--quiet", "app.env");
  await Deno.remove(join(repo.dir, "app.env"));
  await Deno.writeTextFile(
    join(repo.dir, "README.md"),
    `# test repo\napi_token = "k9Xq2LmV8rT5wP1yS7uB4nC6"\n`,
  );
  const all = await commit(repo.dir, "-a", "-m", "readme");
  assert.equal(all.code, 1);
  assert.match(all.stderr, /README\.md:2 \(high-entropy secret assignment\)/);
  assert.equal(await git(repo.dir, "rev-parse", "HEAD"), head);

  await Deno.writeTextFile(join(repo.dir, "README.md"), "# test repo\n\nMore words.\n");
  const clean = await commit(repo.dir, "-a", "-m", "readme");
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.equal(await git(repo.dir, "rev-parse", "HEAD~1"), head, "the clean commit went through");
});

Deno.test("ork hook install refuses another hook unless --force; uninstall removes only ork's", async () => {
  await using repo = await setup();
  const hook = join(repo.dir, ".git", "hooks", "pre-commit");
  await Deno.writeTextFile(hook, "#!/bin/sh\nnpx lint-staged\n", { mode: 0o755 });
  const refused = await ork(["hook", "install"], { cwd: repo.dir });
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    `ork: ${hook} exists and is not ork's pre-commit hook; ` +
      "add `ork gates --staged` to it yourself, or replace it with 'ork hook install --force'\n",
  );
  assert.equal((await ork(["hook", "uninstall"], { cwd: repo.dir })).code, 2);
  assert.equal(await Deno.readTextFile(hook), "#!/bin/sh\nnpx lint-staged\n");

  const forced = await ork(["-C", repo.dir, "hook", "install", "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /\(replaced the hook that was there\)/);
  const again = await ork(["hook", "install"], { cwd: repo.dir });
  assert.match(again.stdout, /\(replaced ork's earlier hook\)/);

  const removed = await ork(["hook", "uninstall"], { cwd: repo.dir });
  assert.equal(removed.stdout, `removed ${hook}\n`);
  const none = await ork(["hook", "uninstall"], { cwd: repo.dir });
  assert.equal(none.code, 0);
  assert.equal(none.stdout, `no pre-commit hook at ${hook}, nothing to remove\n`);
});

Deno.test("ork hook install follows core.hooksPath", async () => {
  await using repo = await setup();
  await git(repo.dir, "config", "core.hooksPath", ".githooks");
  const installed = await ork(["hook", "install"], { cwd: repo.dir });
  assert.equal(installed.code, 0, installed.stderr);
  const hook = join(repo.dir, ".githooks", "pre-commit");
  assert.match(await Deno.readTextFile(hook), /gates --staged$/m);
  await Deno.writeTextFile(join(repo.dir, "app.env"), AWS_ENV);
  await git(repo.dir, "add", "app.env");
  assert.equal((await commit(repo.dir, "-m", "add settings")).code, 1, "git ran the hook from there");
});
