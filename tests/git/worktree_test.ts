import assert from "node:assert/strict";
import { join } from "node:path";
import { OrkError } from "../../src/errors/mod.ts";
import {
  addWorktree,
  commitAll,
  headOf,
  isClean,
  listWorktrees,
  moveWorktree,
  pruneWorktrees,
  removeWorktree,
  resetWorktree,
  restoreWorktree,
  scrubJobGitDir,
} from "../../src/git/mod.ts";
import { exists, git, run, tempRepo } from "../helpers/mod.ts";
import { commitOn, sharedRepo, status, workFiles } from "./_repo.ts";

const root = await sharedRepo();
const base = await git(root, "rev-parse", "HEAD");
const first = await commitOn(root, base, { "a.txt": "one\n" }, "first");
const second = await commitOn(root, first, { "a.txt": "two\n", "b.txt": "b\n" }, "second");
const worktrees = join(root, ".ork", "worktrees");

function isOrkError(code: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof OrkError, String(error));
    assert.equal(error.code, code);
    return true;
  };
}

Deno.test("a worktree is added detached, handed to the next job by a move, reset to its commit and removed", async () => {
  const jobA = join(worktrees, "ork-a");
  await addWorktree(root, jobA, first);
  assert.deepEqual((await listWorktrees(root)).find((w) => w.path === jobA), {
    path: jobA,
    head: first,
    branch: null,
    detached: true,
    locked: false,
  });
  assert.deepEqual(await workFiles(jobA), {
    ".gitignore": "*.log\nbuild/\n",
    "README.md": "# test repo\n",
    "a.txt": "one\n",
  });

  // Job A leaves every kind of trace: an edit, a staged file, untracked and ignored files, a nested repository,
  // a commit of its own on a branch it checked out.
  await git(jobA, "checkout", "--quiet", "-b", "job-a-own-branch");
  await Deno.writeTextFile(join(jobA, "README.md"), "changed by the job\n");
  await git(jobA, "commit", "--quiet", "-am", "job's own commit");
  await Deno.writeTextFile(join(jobA, "a.txt"), "edited\n");
  await Deno.writeTextFile(join(jobA, "staged.txt"), "staged\n");
  await git(jobA, "add", "staged.txt");
  await Deno.writeTextFile(join(jobA, "untracked.txt"), "untracked\n");
  await Deno.writeTextFile(join(jobA, "debug.log"), "ignored\n");
  await Deno.mkdir(join(jobA, "build/deep"), { recursive: true });
  await Deno.writeTextFile(join(jobA, "build/deep/out.js"), "ignored\n");
  await Deno.mkdir(join(jobA, "nested"));
  await git(join(jobA, "nested"), "init", "--quiet");

  const jobB = join(worktrees, "batch 2", "ork-b");
  await moveWorktree(root, jobA, jobB);
  assert.equal(exists(jobA), false);
  await resetWorktree(jobB, second);

  assert.deepEqual(await workFiles(jobB), {
    ".gitignore": "*.log\nbuild/\n",
    "README.md": "# test repo\n",
    "a.txt": "two\n",
    "b.txt": "b\n",
  });
  assert.equal(await headOf(jobB), second);
  assert.equal(await isClean(jobB), true);
  assert.deepEqual((await listWorktrees(root)).map((w) => [w.path, w.head, w.branch, w.detached]), [
    [root, base, "main", false],
    [jobB, second, null, true],
  ]);
  // The job's branch is a ref of the repository, not of the worktree: it stays, pointing at the job's commit.
  assert.equal(await git(root, "log", "-1", "--format=%s", "job-a-own-branch"), "job's own commit");

  await removeWorktree(root, jobB);
  assert.equal(exists(jobB), false);
  assert.deepEqual((await listWorktrees(root)).map((w) => w.path), [root]);
  await git(root, "branch", "--quiet", "-D", "job-a-own-branch");
});

Deno.test("a reset worktree keeps nothing of a rebase the job left in progress", async () => {
  const job = join(worktrees, "ork-rebase");
  await addWorktree(root, job, first);
  await Deno.writeTextFile(join(job, "a.txt"), "conflicting\n");
  await git(job, "commit", "--quiet", "-am", "conflicts with second");
  const rebase = await run("git", ["-C", job, "rebase", second]);
  assert.notEqual(rebase.code, 0, "the rebase stops on the conflict");
  assert.match(await git(job, "status"), /rebase in progress/);

  await resetWorktree(job, second);
  assert.doesNotMatch(await git(job, "status"), /rebase|merge|cherry/i);
  assert.deepEqual(await status(job), []);
  assert.equal(await headOf(job), second);
  await removeWorktree(root, job);
});

Deno.test("a reset worktree is detached again, and the branch the job checked out there does not move", async () => {
  const dir = join(worktrees, "ork-branch");
  await addWorktree(root, dir, first);
  await git(dir, "checkout", "--quiet", "-b", "job-made-branch");
  await Deno.writeTextFile(join(dir, "a.txt"), "the job's edit\n");
  await resetWorktree(dir, second);
  assert.equal(await git(root, "rev-parse", "job-made-branch"), first);
  assert.equal((await run("git", ["-C", dir, "symbolic-ref", "-q", "HEAD"])).code, 1, "HEAD is detached");
  assert.equal(await headOf(dir), second);
  assert.equal(await Deno.readTextFile(join(dir, "a.txt")), "two\n");
  assert.equal(await isClean(dir), true);
  await removeWorktree(root, dir);
  await git(root, "branch", "--quiet", "-D", "job-made-branch");
});

Deno.test("a HEAD the job made a symlink to a shared branch is replaced, not followed: the branch does not move", async () => {
  const dir = join(worktrees, "ork-symlink");
  await addWorktree(root, dir, first);
  await git(root, "branch", "--quiet", "shared", second);
  const gitDir = await git(dir, "rev-parse", "--absolute-git-dir");
  // git follows a symlinked HEAD as a symbolic ref to `refs/heads/shared` (the repository's); a file of that
  // name in the worktree's git dir holds a sha that a plain read of HEAD would take for a detached HEAD.
  await Deno.mkdir(join(gitDir, "refs/heads"), { recursive: true });
  await Deno.writeTextFile(join(gitDir, "refs/heads/shared"), `${first}\n`);
  await Deno.remove(join(gitDir, "HEAD"));
  await Deno.symlink("refs/heads/shared", join(gitDir, "HEAD"));
  assert.equal(await git(dir, "symbolic-ref", "HEAD"), "refs/heads/shared");

  await resetWorktree(dir, first);
  assert.equal(await git(root, "rev-parse", "shared"), second, "the shared branch did not move");
  assert.equal((await Deno.lstat(join(gitDir, "HEAD"))).isSymlink, false);
  assert.equal(await headOf(dir), first);
  await removeWorktree(root, dir);
  await git(root, "branch", "--quiet", "-D", "shared");
});

Deno.test("resetting follows nothing a job planted in its git dir: symbolic *_HEAD files, symlinked reflog, message and index", async () => {
  const dir = join(worktrees, "ork-planted");
  await addWorktree(root, dir, first);
  await git(root, "branch", "--quiet", "planted-a", second);
  await git(root, "branch", "--quiet", "planted-b", second);
  const gitDir = await git(dir, "rev-parse", "--absolute-git-dir");
  const victims = join(root, "..", `victims-${crypto.randomUUID()}`);
  await Deno.mkdir(victims);
  for (const name of ["reflog", "message", "index"]) {
    await Deno.writeTextFile(join(victims, name), `${name}\n`);
  }
  await Deno.writeTextFile(join(gitDir, "ORIG_HEAD"), "ref: refs/heads/planted-a\n");
  await Deno.writeTextFile(join(gitDir, "CHERRY_PICK_HEAD"), "ref: refs/heads/planted-b\n");
  await Deno.writeTextFile(join(gitDir, "REVERT_HEAD"), "ref: refs/heads/planted-a\n");
  await Deno.remove(join(gitDir, "logs"), { recursive: true }).catch(() => {});
  await Deno.mkdir(join(gitDir, "logs"));
  await Deno.symlink(join(victims, "reflog"), join(gitDir, "logs/HEAD"));
  await Deno.symlink(join(victims, "message"), join(gitDir, "COMMIT_EDITMSG"));
  await Deno.remove(join(gitDir, "index"));
  await Deno.symlink(join(victims, "index"), join(gitDir, "index"));
  try {
    await resetWorktree(dir, second);
    assert.equal(await git(root, "rev-parse", "planted-a"), second);
    assert.equal(await git(root, "rev-parse", "planted-b"), second);
    for (const name of ["reflog", "message", "index"]) {
      assert.equal(await Deno.readTextFile(join(victims, name)), `${name}\n`, name);
    }
    assert.equal(await headOf(dir), second);
    assert.equal(await isClean(dir), true);
    for (const name of ["CHERRY_PICK_HEAD", "REVERT_HEAD", "COMMIT_EDITMSG"]) {
      assert.equal(exists(join(gitDir, name)), false, name);
    }
    // reset --hard writes ORIG_HEAD itself, as the commit it came from.
    assert.match(await Deno.readTextFile(join(gitDir, "ORIG_HEAD")), /^[0-9a-f]{40}\n$/);
  } finally {
    await removeWorktree(root, dir);
    await git(root, "branch", "--quiet", "-D", "planted-a", "planted-b");
    await Deno.remove(victims, { recursive: true });
  }
});

Deno.test("the scrub keeps git's own files and the worktree's submodule repositories, and nothing else", async () => {
  const dir = join(worktrees, "ork-scrub");
  await addWorktree(root, dir, first);
  const gitDir = await git(dir, "rev-parse", "--absolute-git-dir");
  try {
    await Deno.mkdir(join(gitDir, "modules/sub"), { recursive: true });
    await Deno.writeTextFile(join(gitDir, "modules/sub/HEAD"), "ref: refs/heads/main\n");
    await Deno.writeTextFile(join(gitDir, "MERGE_HEAD"), `${second}\n`);
    await Deno.mkdir(join(gitDir, "rebase-merge"));
    await scrubJobGitDir(gitDir);
    const left = [...Deno.readDirSync(gitDir)].map((entry) => entry.name).sort();
    assert.ok(left.includes("modules") && left.includes("HEAD") && left.includes("gitdir"), left.join(" "));
    assert.equal(left.includes("MERGE_HEAD") || left.includes("rebase-merge"), false, left.join(" "));
    assert.equal(await Deno.readTextFile(join(gitDir, "modules/sub/HEAD")), "ref: refs/heads/main\n");
    assert.equal(await headOf(dir), first);
  } finally {
    await removeWorktree(root, dir);
  }
});

Deno.test("the main worktree's git dir is never emptied", async () => {
  await assert.rejects(scrubJobGitDir(join(root, ".git")), isOrkError("bad-input"));
  assert.ok(exists(join(root, ".git/HEAD")));
});

Deno.test("resetting a worktree already at its commit only checks it", async () => {
  const job = join(worktrees, "ork-fast");
  await addWorktree(root, job, second);
  const start = performance.now();
  await resetWorktree(job, second);
  const elapsed = performance.now() - start;
  assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  assert.equal(await headOf(job), second);
  await removeWorktree(root, job);
});

Deno.test("worktrees are listed with paths that hold spaces and newlines, and with their lock", async () => {
  const odd = join(worktrees, "with space", "and\nnewline");
  await addWorktree(root, odd, first);
  await git(root, "worktree", "lock", odd);
  const listed = (await listWorktrees(root)).find((w) => w.path === odd);
  assert.deepEqual(listed, { path: odd, head: first, branch: null, detached: true, locked: true });

  await removeWorktree(root, odd);
  assert.equal(exists(odd), false, "a locked worktree is removed too");
  assert.deepEqual((await listWorktrees(root)).map((w) => w.path), [root]);
});

Deno.test("removing is not an error for a missing path, and deletes a folder git no longer knows", async () => {
  await removeWorktree(root, join(worktrees, "never-created"));

  const stale = join(worktrees, "ork-stale");
  await addWorktree(root, stale, first);
  await Deno.writeTextFile(join(stale, "work.txt"), "uncommitted\n");
  // git's entry goes (as after `git worktree prune` with the folder on an unmounted disk) but the folder stays.
  await Deno.rename(stale, `${stale}.away`);
  await pruneWorktrees(root);
  await Deno.rename(`${stale}.away`, stale);
  assert.deepEqual((await listWorktrees(root)).map((w) => w.path), [root]);

  await removeWorktree(root, stale);
  assert.equal(exists(stale), false);

  const gone = join(worktrees, "ork-gone");
  await addWorktree(root, gone, first);
  await Deno.remove(gone, { recursive: true });
  await removeWorktree(root, gone);
  assert.deepEqual((await listWorktrees(root)).map((w) => w.path), [root]);
});

Deno.test("the main worktree is never reset or removed", async () => {
  await Deno.writeTextFile(join(root, "user-work.txt"), "precious\n");
  await assert.rejects(resetWorktree(root, first), isOrkError("bad-input"));
  await assert.rejects(removeWorktree(root, root), isOrkError("bad-input"));
  await assert.rejects(removeWorktree(root, join(root, "..")), isOrkError("bad-input"));
  assert.equal(await Deno.readTextFile(join(root, "user-work.txt")), "precious\n");
  assert.equal(await git(root, "rev-parse", "HEAD"), base);
  await Deno.remove(join(root, "user-work.txt"));
});

Deno.test("a worktree whose .git the job deleted is refused, not mistaken for the main worktree", async () => {
  const job = join(worktrees, "ork-no-git");
  await addWorktree(root, job, first);
  await Deno.remove(join(job, ".git"));
  await Deno.writeTextFile(join(root, "user-work.txt"), "precious\n");
  await assert.rejects(resetWorktree(job, second), isOrkError("git-failed"));
  await assert.rejects(headOf(job), isOrkError("git-failed"));
  assert.equal(await Deno.readTextFile(join(root, "user-work.txt")), "precious\n");
  assert.equal(await git(root, "rev-parse", "HEAD"), base);
  await Deno.remove(join(root, "user-work.txt"));
  await removeWorktree(root, job);
  assert.deepEqual((await listWorktrees(root)).map((w) => w.path), [root]);
});

Deno.test("adding a worktree on a non-empty folder fails with the git command and git's reason", async () => {
  const taken = join(worktrees, "ork-taken");
  await Deno.mkdir(taken, { recursive: true });
  await Deno.writeTextFile(join(taken, "file"), "x\n");
  await assert.rejects(addWorktree(root, taken, first), (error: unknown) => {
    assert.ok(error instanceof OrkError);
    assert.equal(error.code, "git-failed");
    assert.match(
      error.message,
      /^'git worktree add --detach --force --quiet .*ork-taken [0-9a-f]{40}' failed \(exit 128\) in .*: '.*ork-taken' already exists$/,
    );
    assert.match(error.hint, /does not exist already/);
    return true;
  });
  await Deno.remove(taken, { recursive: true });
});

Deno.test("reset with ork's copy of the index undoes a change the job hid from git behind its own index", async () => {
  const dir = join(worktrees, "ork-hid-from-reset");
  const clean = await addWorktree(root, dir, second);
  await Deno.writeTextFile(join(dir, "a.txt"), "hidden from the next job?\n");
  await git(dir, "update-index", "--assume-unchanged", "a.txt");
  await Deno.writeTextFile(join(dir, "b.txt"), "skipped\n");
  await git(dir, "update-index", "--skip-worktree", "b.txt");
  // With the job's index git would leave both files alone.
  assert.equal(await git(dir, "status", "--porcelain"), "");

  const after = await resetWorktree(dir, second, { clean });
  assert.equal(await Deno.readTextFile(join(dir, "a.txt")), "two\n");
  assert.equal(await Deno.readTextFile(join(dir, "b.txt")), "b\n");
  assert.equal(await git(dir, "ls-files", "-v", "a.txt", "b.txt"), "H a.txt\nH b.txt");
  assert.equal(after.commit, second);
  assert.deepEqual(
    after.bytes,
    await Deno.readFile(join(await git(dir, "rev-parse", "--absolute-git-dir"), "index")),
  );
  await removeWorktree(root, dir);
});

Deno.test("restoring a worktree after a gate: untouched, nothing is rewritten; a changed file, however hidden, is put back", async () => {
  const dir = join(worktrees, "ork-restore");
  const gitDir = join(root, ".git", "worktrees", "ork-restore");
  const clean = await addWorktree(root, dir, second);
  const labelled = { ...clean, tree: await git(root, "rev-parse", `${second}^{tree}`) };

  // A gate that wrote only untracked and ignored files: they go, and the copy stays as it was.
  await Deno.writeTextFile(join(dir, "new.txt"), "untracked\n");
  await Deno.writeTextFile(join(dir, "gate.log"), "ignored\n");
  const untouched = await restoreWorktree(dir, second, labelled);
  assert.equal(untouched.bytes, labelled.bytes, "no reset was needed");
  assert.equal(await git(dir, "status", "--porcelain", "--ignored"), "");

  // A gate that changed a tracked file, hid it behind assume-unchanged, committed and checked out a branch.
  await Deno.writeTextFile(join(dir, "a.txt"), "changed by a gate\n");
  await git(dir, "update-index", "--assume-unchanged", "a.txt");
  await git(dir, "checkout", "--quiet", "-b", "gate-branch");
  await Deno.writeTextFile(join(dir, "b.txt"), "committed by a gate\n");
  await git(dir, "commit", "--quiet", "-am", "a gate's commit");
  const restored = await restoreWorktree(dir, second, untouched);
  assert.equal(await Deno.readTextFile(join(dir, "a.txt")), "two\n");
  assert.equal(await Deno.readTextFile(join(dir, "b.txt")), "b\n");
  assert.equal(await headOf(dir), second);
  assert.equal((await run("git", ["-C", dir, "symbolic-ref", "-q", "HEAD"])).code, 1, "HEAD is detached");
  assert.equal(await git(dir, "ls-files", "-v", "a.txt"), "H a.txt");
  assert.equal(await git(dir, "status", "--porcelain", "--ignored"), "");
  assert.equal(restored.tree, labelled.tree);
  assert.deepEqual(restored.bytes, await Deno.readFile(join(gitDir, "index")));
  await git(root, "branch", "--quiet", "-D", "gate-branch");
  await removeWorktree(root, dir);
});

Deno.test("restoring a worktree runs nothing of a nested repository a job left: not its fsmonitor nor its filters", async () => {
  const dir = join(worktrees, "ork-restore-nested");
  const clean = await addWorktree(root, dir, second);
  const marker = join(root, "..", `fsmonitor-ran-${crypto.randomUUID()}`);
  const hook = join(root, "..", `fsmonitor-${crypto.randomUUID()}.sh`);
  await Deno.writeTextFile(hook, `#!/bin/sh\necho ran >> '${marker}'\nexit 1\n`, { mode: 0o755 });
  try {
    await Deno.mkdir(join(dir, "sub"));
    await git(join(dir, "sub"), "init", "--quiet");
    await Deno.writeTextFile(join(dir, "sub", "lib.txt"), "lib\n");
    await git(join(dir, "sub"), "add", "lib.txt");
    await git(join(dir, "sub"), "commit", "--quiet", "-m", "lib");
    // Commands git would run there: an fsmonitor, and a clean filter for every file it has to look at again.
    await git(join(dir, "sub"), "config", "core.fsmonitor", hook);
    await git(join(dir, "sub"), "config", "filter.evil.clean", hook);
    await Deno.writeTextFile(join(dir, "sub", ".git", "info", "attributes"), "* filter=evil\n");
    // ork's commit records the nested repository as a gitlink; the gates then run, and the worktree is restored.
    const made = await commitAll(dir, { message: "nested", trailers: {}, clean });
    assert.ok(made);
    const later = new Date(Date.now() + 5000);
    await Deno.utime(join(dir, "sub", "lib.txt"), later, later);
    await restoreWorktree(dir, made.commit, made.index);
    assert.equal(exists(marker), false, "a command of the nested repository's ran");
    assert.equal(await headOf(dir), made.commit);
  } finally {
    await Deno.remove(hook);
    await Deno.remove(marker).catch(() => {});
    await removeWorktree(root, dir);
  }
});

Deno.test("many worktrees added at once all succeed: git's race over another's half-written admin folder is retried", async () => {
  await using repo = await tempRepo();
  for (let i = 0; i < 200; i++) await Deno.writeTextFile(join(repo.dir, `f${i}.txt`), `${i}\n`);
  await git(repo.dir, "add", ".");
  await git(repo.dir, "commit", "--quiet", "-m", "files");
  const commit = await git(repo.dir, "rev-parse", "HEAD");
  // Without the retry, twelve at once fail in the first round or two ("failed to read
  // .git/worktrees/<other>/commondir").
  for (let round = 0; round < 10; round++) {
    const paths = Array.from(
      { length: 12 },
      (_, i) => join(repo.dir, ".ork", "worktrees", `ork-t-${round}-${i}`),
    );
    await Promise.all(paths.map((path) => addWorktree(repo.dir, path, commit)));
    for (const path of paths) assert.equal(await headOf(path), commit);
  }
  assert.equal((await listWorktrees(repo.dir)).length, 121);
});
