import assert from "node:assert/strict";
import { join } from "node:path";
import { OrkError } from "../../src/errors/mod.ts";
import {
  addWorktree,
  buildCandidate,
  compareAndSwapBranch,
  fastForwardCheckout,
  listWorktrees,
  removeWorktree,
} from "../../src/git/mod.ts";
import { git } from "../helpers/mod.ts";
import { commitOn, parentsOf, refs, sharedRepo, show, status, workFiles } from "./_repo.ts";

const root = await sharedRepo();
const base = await git(root, "rev-parse", "HEAD");
const withFile = await commitOn(root, base, { "shared.txt": "line 1\nline 2\nline 3\n" }, "add shared.txt");
// The target moved on since the job started (the user committed), and the job changed something else.
const target = await commitOn(root, withFile, {
  "user.txt": "user\n",
  "shared.txt": "line 1 by user\nline 2\nline 3\n",
});
const job = await commitOn(root, withFile, {
  "job.txt": "job\n",
  "shared.txt": "line 1\nline 2\nline 3 by job\n",
});
const conflicting = await commitOn(root, withFile, { "shared.txt": "line 1 by job\nline 2\nline 3\n" });

/** Puts the main worktree back on `main` at `commit`, with nothing uncommitted. */
async function mainAt(commit: string): Promise<void> {
  await git(root, "update-ref", "refs/heads/main", commit);
  await git(root, "reset", "--hard", "--quiet", commit);
  await git(root, "clean", "-fdxq", "-e", ".ork");
  await Deno.writeTextFile(join(root, ".git", "info", "exclude"), ".ork/\n");
}

Deno.test("a merge candidate has the target and the job as parents and both sides' changes", async () => {
  const result = await buildCandidate(root, { target, job, strategy: "merge", message: "Land job 1" });
  assert.ok(result.ok);
  assert.deepEqual(await parentsOf(root, result.commit), [target, job]);
  assert.equal(await git(root, "rev-parse", `${result.commit}^{tree}`), result.tree);
  assert.equal(await show(root, result.commit, "shared.txt"), "line 1 by user\nline 2\nline 3 by job\n");
  assert.equal(await show(root, result.commit, "user.txt"), "user\n");
  assert.equal(await show(root, result.commit, "job.txt"), "job\n");
  assert.equal(await git(root, "log", "-1", "--format=%B", result.commit), "Land job 1");
  assert.equal(await git(root, "log", "-1", "--format=%an", result.commit), "Test");
});

Deno.test("a squash candidate has only the target as parent and both sides' changes", async () => {
  const result = await buildCandidate(root, { target, job, strategy: "squash", message: "Job 1 (squashed)" });
  assert.ok(result.ok);
  assert.deepEqual(await parentsOf(root, result.commit), [target]);
  assert.equal(await show(root, result.commit, "shared.txt"), "line 1 by user\nline 2\nline 3 by job\n");
  assert.equal(await show(root, result.commit, "job.txt"), "job\n");
  assert.equal(await show(root, result.commit, "user.txt"), "user\n");
});

Deno.test("a merge is a real merge commit even when the job could be fast-forwarded", async () => {
  const result = await buildCandidate(root, { target: withFile, job, strategy: "merge", message: "no ff" });
  assert.ok(result.ok);
  assert.deepEqual(await parentsOf(root, result.commit), [withFile, job]);
  assert.equal(result.tree, await git(root, "rev-parse", `${job}^{tree}`));
});

Deno.test("a job already contained in the target still gives a candidate, whose tree is the target's", async () => {
  for (const strategy of ["merge", "squash"] as const) {
    const result = await buildCandidate(root, { target, job: withFile, strategy, message: "nothing new" });
    assert.ok(result.ok);
    assert.equal(result.tree, await git(root, "rev-parse", `${target}^{tree}`));
  }
});

Deno.test("a conflict on the same line gives the path and changes no ref, worktree or file", async () => {
  await mainAt(target);
  const wt = join(root, ".ork", "worktrees", "ork-conflict");
  await addWorktree(root, wt, conflicting);
  const refsBefore = await refs(root);
  const worktreesBefore = await listWorktrees(root);
  const filesBefore = await workFiles(root);

  for (const strategy of ["merge", "squash"] as const) {
    const result = await buildCandidate(root, { target, job: conflicting, strategy, message: "conflicts" });
    assert.deepEqual(result, { ok: false, conflicts: ["shared.txt"] });
  }

  assert.equal(await refs(root), refsBefore);
  assert.deepEqual(await listWorktrees(root), worktreesBefore);
  assert.deepEqual(await workFiles(root), filesBefore);
  assert.deepEqual(await status(root), []);
  await removeWorktree(root, wt);
});

Deno.test("merging a commit that does not exist fails with the git command", async () => {
  await assert.rejects(
    buildCandidate(root, {
      target,
      job: "0123456789abcdef0123456789abcdef01234567",
      strategy: "merge",
      message: "m",
    }),
    (error: unknown) => {
      assert.ok(error instanceof OrkError);
      assert.equal(error.code, "git-failed");
      assert.match(error.message, /^'git merge-tree --write-tree .*' failed \(exit 1\)/);
      return true;
    },
  );
});

Deno.test("compare-and-swap moves the branch once and refuses when the expected value is stale", async () => {
  await git(root, "update-ref", "refs/heads/land-target", target);
  const candidate = await buildCandidate(root, { target, job, strategy: "merge", message: "land" });
  assert.ok(candidate.ok);

  assert.equal(await compareAndSwapBranch(root, "land-target", candidate.commit, target), true);
  assert.equal(await git(root, "rev-parse", "refs/heads/land-target"), candidate.commit);
  assert.match(await git(root, "reflog", "-1", "--format=%gs", "land-target"), /^ork: land [0-9a-f]{40}$/);

  assert.equal(await compareAndSwapBranch(root, "land-target", job, target), false, "stale expected value");
  assert.equal(await git(root, "rev-parse", "refs/heads/land-target"), candidate.commit);

  await git(root, "update-ref", "-d", "refs/heads/land-target");
  assert.equal(
    await compareAndSwapBranch(root, "land-target", job, candidate.commit),
    false,
    "branch deleted",
  );
  assert.equal(await git(root, "for-each-ref", "refs/heads/land-target"), "");
  await assert.rejects(
    compareAndSwapBranch(root, "bad name", job, target),
    (error: unknown) => error instanceof OrkError && error.code === "bad-input",
  );
});

Deno.test("compare-and-swap deletes or sets a second branch in the same transaction, or changes neither", async () => {
  await git(root, "update-ref", "refs/heads/tx-target", target);
  await git(root, "update-ref", "refs/heads/ork/tx-job", job);
  const candidate = await buildCandidate(root, {
    target,
    job,
    strategy: "merge",
    message: "land",
    // ork made `job` on `withFile`, not on `target`: the merge is still computed.
    jobCommit: { tree: await git(root, "rev-parse", `${job}^{tree}`), parent: withFile },
  });
  assert.ok(candidate.ok);

  // A stale expected value: the job's branch stays too.
  assert.equal(
    await compareAndSwapBranch(root, "tx-target", candidate.commit, job, {
      branch: "ork/tx-job",
      commit: null,
    }),
    false,
  );
  assert.equal(await git(root, "rev-parse", "refs/heads/tx-target"), target);
  assert.equal(await git(root, "rev-parse", "refs/heads/ork/tx-job"), job);

  const land = { branch: "ork/tx-job", commit: null };
  assert.equal(await compareAndSwapBranch(root, "tx-target", candidate.commit, target, land), true);
  assert.equal(await git(root, "rev-parse", "refs/heads/tx-target"), candidate.commit);
  assert.equal(await git(root, "for-each-ref", "refs/heads/ork/tx-job"), "");

  // Put back: the target returns and the job's branch is there again.
  const back = { branch: "ork/tx-job", commit: job };
  assert.equal(await compareAndSwapBranch(root, "tx-target", target, candidate.commit, back), true);
  assert.equal(await git(root, "rev-parse", "refs/heads/tx-target"), target);
  assert.equal(await git(root, "rev-parse", "refs/heads/ork/tx-job"), job);
  await assert.rejects(
    compareAndSwapBranch(root, "tx-target", job, target, { branch: "bad name", commit: null }),
    (error: unknown) => error instanceof OrkError && error.code === "bad-input",
  );
  assert.equal(await git(root, "rev-parse", "refs/heads/tx-target"), target);
});

Deno.test("a job commit made on the target's tip merges as its own tree, without computing a merge", async () => {
  const child = await commitOn(root, target, { "child.txt": "child\n" });
  const tree = await git(root, "rev-parse", `${child}^{tree}`);
  const candidate = await buildCandidate(root, {
    target,
    job: child,
    strategy: "merge",
    message: "land the child",
    jobCommit: { tree, parent: target },
  });
  assert.ok(candidate.ok);
  assert.equal(candidate.tree, tree);
  assert.equal(await git(root, "rev-parse", `${candidate.commit}^{tree}`), tree);
  assert.equal(await git(root, "log", "-1", "--format=%P", candidate.commit), `${target} ${child}`);
});

/** Lands `to` on main the documented way: swap the branch, bring the checkout forward, swap back on refusal. */
async function land(from: string, to: string): Promise<Awaited<ReturnType<typeof fastForwardCheckout>>> {
  assert.equal(await compareAndSwapBranch(root, "main", to, from), true);
  const result = await fastForwardCheckout(root, from, to);
  if (!result.ok) assert.equal(await compareAndSwapBranch(root, "main", from, to), true);
  return result;
}

// The landed commit changes a.txt, adds n.txt and new/dir/file.txt, deletes gone.txt and turns the folder `folder`
// into a file.
const before = await commitOn(root, base, {
  "a.txt": "a\n",
  "other.txt": "other\n",
  "gone.txt": "gone\n",
  "folder/x.txt": "x\n",
});
const landed = await commitOn(root, before, {
  "a.txt": "a landed\n",
  "n.txt": "n landed\n",
  "new/dir/file.txt": "deep\n",
  "gone.txt": null,
  "folder/x.txt": null,
  "folder": "now a file\n",
});

Deno.test("the checkout moves forward and keeps the user's unrelated staged, unstaged and untracked work", async () => {
  await mainAt(before);
  await Deno.writeTextFile(join(root, "other.txt"), "other, edited by the user\n");
  await Deno.writeTextFile(join(root, "staged.txt"), "staged by the user\n");
  await git(root, "add", "staged.txt");
  await Deno.writeTextFile(join(root, "untracked.txt"), "untracked\n");
  await Deno.writeTextFile(join(root, "debug.log"), "ignored, untouched\n");

  assert.deepEqual(await land(before, landed), { ok: true });

  assert.equal(await git(root, "rev-parse", "HEAD"), landed);
  assert.equal(await Deno.readTextFile(join(root, "a.txt")), "a landed\n");
  assert.equal(await Deno.readTextFile(join(root, "n.txt")), "n landed\n");
  assert.equal(await Deno.readTextFile(join(root, "new/dir/file.txt")), "deep\n");
  await assert.rejects(Deno.stat(join(root, "gone.txt")), Deno.errors.NotFound);
  assert.equal(await Deno.readTextFile(join(root, "folder")), "now a file\n");
  assert.equal(await Deno.readTextFile(join(root, "other.txt")), "other, edited by the user\n");
  assert.equal(await Deno.readTextFile(join(root, "staged.txt")), "staged by the user\n");
  assert.equal(await Deno.readTextFile(join(root, "untracked.txt")), "untracked\n");
  assert.equal(await Deno.readTextFile(join(root, "debug.log")), "ignored, untouched\n");
  assert.deepEqual(await status(root), ["A  staged.txt", " M other.txt", "?? untracked.txt"].sort());
});

/** Each way a user's work can be in the landing's way, and the files reported for it. */
const refusals: { name: string; make: () => Promise<unknown>; files: string[] }[] = [
  {
    name: "a modified tracked file the landing changes",
    make: () => Deno.writeTextFile(join(root, "a.txt"), "a, edited by the user\n"),
    files: ["a.txt"],
  },
  {
    name: "a staged change to a file the landing changes",
    make: async () => {
      await Deno.writeTextFile(join(root, "a.txt"), "a, staged by the user\n");
      await git(root, "add", "a.txt");
    },
    files: ["a.txt"],
  },
  {
    name: "a modified file the landing deletes",
    make: () => Deno.writeTextFile(join(root, "gone.txt"), "still needed by the user\n"),
    files: ["gone.txt"],
  },
  {
    name: "a file the user stopped tracking (git rm --cached) that the landing deletes",
    make: () => git(root, "rm", "--quiet", "--cached", "gone.txt"),
    files: ["gone.txt"],
  },
  {
    name: "an untracked file in a folder the landing turns into a file",
    make: () => Deno.writeTextFile(join(root, "folder/mine.txt"), "the user's\n"),
    files: ["folder/mine.txt"],
  },
  {
    name: "an ignored file in a folder the landing turns into a file",
    make: () => Deno.writeTextFile(join(root, "folder/trace.log"), "ignored but the user's\n"),
    files: ["folder/trace.log"],
  },
  {
    name: "an untracked file the landing adds",
    make: () => Deno.writeTextFile(join(root, "n.txt"), "the user's own n.txt\n"),
    files: ["n.txt"],
  },
  {
    name: "an untracked file where the landing needs a folder",
    make: () => Deno.writeTextFile(join(root, "new"), "a file named like the new folder\n"),
    files: ["new"],
  },
  {
    name: "an ignored file the landing adds (git itself would overwrite it)",
    make: async () => {
      await Deno.writeTextFile(join(root, ".git", "info", "exclude"), ".ork/\nn.txt\n");
      await Deno.writeTextFile(join(root, "n.txt"), "SECRET=ignored but precious\n");
    },
    files: ["n.txt"],
  },
  {
    name: "several modified files (git names only the first it meets)",
    make: async () => {
      await Deno.writeTextFile(join(root, "a.txt"), "a, edited by the user\n");
      await Deno.writeTextFile(join(root, "gone.txt"), "still needed\n");
    },
    files: ["a.txt", "gone.txt"],
  },
  {
    name: "untracked and modified files together",
    make: async () => {
      await Deno.writeTextFile(join(root, "a.txt"), "a, edited by the user\n");
      await Deno.writeTextFile(join(root, "n.txt"), "the user's own n.txt\n");
    },
    files: ["a.txt", "n.txt"],
  },
];

for (const refusal of refusals) {
  Deno.test(`the checkout is refused, byte for byte unchanged, for ${refusal.name}`, async () => {
    await mainAt(before);
    await Deno.writeTextFile(join(root, "other.txt"), "an unrelated edit\n");
    await refusal.make();
    const filesBefore = await workFiles(root);
    const statusBefore = await status(root);
    const indexBefore = await git(root, "ls-files", "--stage");

    assert.deepEqual(await land(before, landed), { ok: false, files: refusal.files });

    assert.deepEqual(await workFiles(root), filesBefore);
    assert.deepEqual(await status(root), statusBefore);
    assert.equal(await git(root, "ls-files", "--stage"), indexBefore);
    assert.equal(await git(root, "rev-parse", "main"), before);
  });
}

Deno.test("a file the user untracked and ignores, where the landing turns a tracked file into a folder, is refused, not deleted", async () => {
  const withSwap = await commitOn(root, before, { "swap": "tracked file\n" });
  const swapped = await commitOn(root, withSwap, { "swap": null, "swap/inside.txt": "now a folder\n" });
  await mainAt(withSwap);
  await git(root, "rm", "--quiet", "--cached", "swap");
  await Deno.writeTextFile(join(root, ".git", "info", "exclude"), ".ork/\nswap\n");
  await Deno.writeTextFile(join(root, "swap"), "SECRET=the user's, ignored\n");
  try {
    assert.deepEqual(await land(withSwap, swapped), { ok: false, files: ["swap"] });
    assert.equal(await Deno.readTextFile(join(root, "swap")), "SECRET=the user's, ignored\n");
    assert.equal(await git(root, "rev-parse", "main"), withSwap);
  } finally {
    await Deno.writeTextFile(join(root, ".git", "info", "exclude"), ".ork/\n");
  }
});

Deno.test("bringing the checkout forward before the branch moved is refused without touching anything", async () => {
  await mainAt(before);
  const filesBefore = await workFiles(root);
  await assert.rejects(fastForwardCheckout(root, before, landed), (error: unknown) => {
    assert.ok(error instanceof OrkError);
    assert.equal(error.code, "git-failed");
    assert.match(error.hint, /compareAndSwapBranch/);
    return true;
  });
  assert.deepEqual(await workFiles(root), filesBefore);
  assert.deepEqual(await status(root), []);
});
