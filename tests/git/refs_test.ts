import assert from "node:assert/strict";
import { OrkError } from "../../src/errors/mod.ts";
import {
  branchesMergedInto,
  branchTip,
  currentBranch,
  deleteBranch,
  headCommit,
  resolveCommit,
  setBranch,
} from "../../src/git/mod.ts";
import { git } from "../helpers/mod.ts";
import { commitOn, sharedRepo } from "./_repo.ts";

const root = await sharedRepo();
const base = await git(root, "rev-parse", "HEAD");
const later = await commitOn(root, base, { "later.txt": "later\n" }, "later");

function badInput(needle: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof OrkError, String(error));
    assert.equal(error.code, "bad-input");
    assert.ok(error.message.includes(needle), error.message);
    return true;
  };
}

Deno.test("the current branch is the one the main worktree has checked out, and null when HEAD is detached", async () => {
  assert.equal(await currentBranch(root), "main");
  // A tag with the branch's name makes --short say "heads/main"; the answer must stay "main".
  await git(root, "tag", "main", base);
  assert.equal(await currentBranch(root), "main");
  await git(root, "tag", "-d", "main");

  await git(root, "checkout", "--quiet", "--detach");
  try {
    assert.equal(await currentBranch(root), null);
  } finally {
    await git(root, "checkout", "--quiet", "main");
  }
});

Deno.test("a branch's tip and HEAD's commit are read from their files, and from git once refs are packed", async () => {
  await setBranch(root, "ork/tip", later);
  try {
    assert.equal(await branchTip(root, "ork/tip"), later);
    assert.equal(await headCommit(root), await git(root, "rev-parse", "HEAD"));
    // Packed: no loose file left, so git answers.
    await git(root, "pack-refs", "--all");
    assert.equal(await Deno.stat(`${root}/.git/refs/heads/ork/tip`).catch(() => null), null);
    assert.equal(await branchTip(root, "ork/tip"), later);
    assert.equal(await branchTip(root, "main"), await git(root, "rev-parse", "main"));
    assert.equal(await headCommit(root), await git(root, "rev-parse", "HEAD"));
    await assert.rejects(branchTip(root, "ork/no-such-branch"), badInput("ork/no-such-branch"));
    await git(root, "checkout", "--quiet", "--detach", base);
    try {
      assert.equal(await headCommit(root), base);
    } finally {
      await git(root, "checkout", "--quiet", "main");
    }
  } finally {
    await deleteBranch(root, "ork/tip");
  }
});

Deno.test("with core.preferSymlinkRefs (HEAD a symlink), the branch and HEAD's commit are git's answers", async () => {
  await git(root, "config", "core.preferSymlinkRefs", "true");
  try {
    await git(root, "checkout", "--quiet", "--detach");
    await git(root, "checkout", "--quiet", "main");
    assert.equal((await Deno.lstat(`${root}/.git/HEAD`)).isSymlink, true);
    assert.equal(await currentBranch(root), "main");
    assert.equal(await headCommit(root), await git(root, "rev-parse", "main"));
  } finally {
    await git(root, "config", "--unset", "core.preferSymlinkRefs");
    await git(root, "checkout", "--quiet", "--detach");
    await git(root, "checkout", "--quiet", "main");
  }
  assert.equal((await Deno.lstat(`${root}/.git/HEAD`)).isSymlink, false);
});

Deno.test("a ref resolves to the full sha of its commit, and a missing one is bad input naming it", async () => {
  assert.equal(await resolveCommit(root, "main"), base);
  assert.equal(await resolveCommit(root, "HEAD"), base);
  assert.equal(await resolveCommit(root, later.slice(0, 10)), later);
  await git(root, "tag", "-a", "-m", "annotated", "v1", later);
  assert.equal(await resolveCommit(root, "v1"), later, "an annotated tag resolves to its commit");
  await git(root, "tag", "-d", "v1");

  await assert.rejects(resolveCommit(root, "no-such-branch"), badInput("'no-such-branch'"));
  await assert.rejects(resolveCommit(root, "--all"), badInput("'--all'"));
  const tree = await git(root, "rev-parse", "HEAD^{tree}");
  await assert.rejects(resolveCommit(root, tree), badInput(tree), "a tree is not a commit");
});

Deno.test("a branch is created, moved and deleted, and deleting a missing one is fine", async () => {
  await setBranch(root, "ork/job-1", base);
  assert.equal(await git(root, "rev-parse", "refs/heads/ork/job-1"), base);
  await setBranch(root, "ork/job-1", later);
  assert.equal(await git(root, "rev-parse", "refs/heads/ork/job-1"), later);

  await deleteBranch(root, "ork/job-1");
  assert.equal(await git(root, "for-each-ref", "refs/heads/ork/"), "");
  await deleteBranch(root, "ork/job-1");
});

Deno.test("branch names git would reject or expand are bad input, and no ref is written", async () => {
  await git(root, "checkout", "--quiet", "-b", "previous");
  await git(root, "checkout", "--quiet", "main");
  const before = await git(root, "for-each-ref");
  for (const name of ["ork/a b", "ork/x..y", "-x", "HEAD", "@{-1}", "ork/", ""]) {
    await assert.rejects(setBranch(root, name, later), badInput(`'${name}'`), name);
    await assert.rejects(deleteBranch(root, name), badInput(`'${name}'`), name);
  }
  assert.equal(await git(root, "for-each-ref"), before);
  assert.equal(await git(root, "rev-parse", "previous"), base, "@{-1} did not move the previous branch");
  await git(root, "branch", "--quiet", "-D", "previous");
});

Deno.test("the branches under ork/ merged into the target are listed by their short names", async () => {
  const unmerged = await commitOn(root, base, { "other.txt": "x\n" }, "not on main");
  await setBranch(root, "ork/merged", base);
  await setBranch(root, "ork/nested/merged", base);
  await setBranch(root, "ork/unmerged", unmerged);
  await setBranch(root, "orkish", base);
  await setBranch(root, "ork/later", later);
  try {
    assert.deepEqual(await branchesMergedInto(root, "main", "ork/*"), ["ork/merged", "ork/nested/merged"]);
    assert.deepEqual(await branchesMergedInto(root, later, "ork/*"), [
      "ork/later",
      "ork/merged",
      "ork/nested/merged",
    ]);
    await assert.rejects(branchesMergedInto(root, "no-such-target", "ork/*"), badInput("no-such-target"));
  } finally {
    for (const name of ["ork/merged", "ork/nested/merged", "ork/unmerged", "orkish", "ork/later"]) {
      await deleteBranch(root, name);
    }
  }
});
