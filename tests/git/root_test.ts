import assert from "node:assert/strict";
import { join } from "node:path";
import { OrkError } from "../../src/errors/mod.ts";
import { findRepoRoot, gitCommonDir } from "../../src/git/root.ts";
import { git, tempDir, tempRepo } from "../helpers/mod.ts";

Deno.test("the root is found from a subfolder, and from a linked worktree it is the main worktree", async () => {
  await using repo = await tempRepo();
  await Deno.mkdir(join(repo.dir, "a/b"), { recursive: true });
  assert.equal(findRepoRoot(join(repo.dir, "a/b")), repo.dir);
  const linked = join(repo.dir, ".ork/worktrees/ork-x");
  await git(repo.dir, "worktree", "add", "--quiet", "--detach", linked);
  assert.equal(findRepoRoot(linked), repo.dir);
  assert.equal(gitCommonDir(repo.dir), join(repo.dir, ".git"));
});

Deno.test("outside any repository, or for a missing folder, the error says not-a-repo with the fix", async () => {
  await using plain = await tempDir();
  assert.throws(() => findRepoRoot(plain.dir), (error: unknown) => {
    assert.ok(error instanceof OrkError);
    assert.equal(error.code, "not-a-repo");
    assert.equal(error.message, `not a git repository (or any parent up to /): ${plain.dir}`);
    return true;
  });
  assert.throws(() => findRepoRoot(join(plain.dir, "missing")), /no such directory/);
});
