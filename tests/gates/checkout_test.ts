import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_CONFIG, type OrkConfig } from "../../src/config/mod.ts";
import { checkoutChange, selectGates } from "../../src/gates/checkout.ts";
import { git, tempDir, tempRepo } from "../helpers/mod.ts";
import { commitFiles, fileSizeGate, secretsGate, shellGate } from "./_gates.ts";

const GATES = [shellGate("lint", "true"), secretsGate("no_secrets"), fileSizeGate("small")];

Deno.test("selectGates keeps the config's order, and all gates when none are named", () => {
  assert.deepEqual(selectGates(GATES, []).map((g) => g.name), ["lint", "no_secrets", "small"]);
  assert.deepEqual(selectGates(GATES, ["small", "lint"]).map((g) => g.name), ["lint", "small"]);
});

Deno.test("selectGates refuses an unknown name, listing the configured ones", () => {
  assert.throws(
    () => selectGates(GATES, ["lint", "nope"]),
    /^InputError: unknown gate "nope" \(configured: lint, no_secrets, small\)$/,
  );
  assert.throws(() => selectGates([], ["x"]), /unknown gate "x" \(configured: none\)/);
});

const config = (target: string | null = null): OrkConfig => ({
  ...structuredClone(DEFAULT_CONFIG),
  orchestrator: { ...DEFAULT_CONFIG.orchestrator, target_branch: target },
});

Deno.test("checkoutChange compares the working tree with the merge base of the target branch and HEAD", async () => {
  await using repo = await tempRepo();
  const root = await git(repo.dir, "rev-parse", "HEAD");
  await git(repo.dir, "checkout", "--quiet", "-b", "feature");
  const onMain = await commitFiles(repo.dir, root, { "later.txt": "x" });
  await git(repo.dir, "update-ref", "refs/heads/main", onMain);
  const got = await checkoutChange(repo.dir, config("main"), { staged: false });
  assert.deepEqual(got, { change: { kind: "worktree", base: root }, base: root, baseName: "main" });
});

Deno.test("checkoutChange with --staged compares the index with HEAD, or the given index file", async () => {
  await using repo = await tempRepo();
  const head = await git(repo.dir, "rev-parse", "HEAD");
  const indexFile = join(repo.dir, ".git", "index.lock");
  assert.deepEqual(await checkoutChange(repo.dir, config(), { staged: true, indexFile }), {
    change: { kind: "index", base: head, indexFile },
    base: head,
    baseName: "HEAD",
  });
});

Deno.test("checkoutChange compares with the empty tree before the first commit", async () => {
  await using dir = await tempDir();
  await git(dir.dir, "init", "--quiet", "--initial-branch=main");
  const got = await checkoutChange(dir.dir, config(), { staged: true });
  assert.equal(got.base, "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
  assert.equal(got.baseName, "the empty tree (no commits yet)");
});

Deno.test("checkoutChange refuses a base that names no commit, and a detached HEAD without a target", async () => {
  await using repo = await tempRepo();
  await assert.rejects(
    () => checkoutChange(repo.dir, config(), { staged: false, base: "nope" }),
    /no such commit/,
  );
  await git(repo.dir, "checkout", "--quiet", "--detach");
  await assert.rejects(
    () => checkoutChange(repo.dir, config(), { staged: false }),
    /no base to compare with: HEAD is detached/,
  );
});
