import assert from "node:assert/strict";
import { join } from "node:path";
import { OrkError } from "../../src/errors/mod.ts";
import {
  addWorktree,
  type CleanIndex,
  commitAll,
  headOf,
  identityArgs,
  isClean,
  removeWorktree,
} from "../../src/git/mod.ts";
import { stripSpace } from "../../src/git/commit.ts";
import { DENO_JSON, git, run, tempRepo } from "../helpers/mod.ts";
import { parentsOf, sharedRepo, show } from "./_repo.ts";

const root = await sharedRepo();
const base = await git(root, "rev-parse", "HEAD");

/** A fresh job worktree at `base` with ork's copy of its index, removed by the returned function's `dispose`. */
async function jobWorktree(name: string): Promise<{ dir: string; clean: CleanIndex } & AsyncDisposable> {
  const dir = join(root, ".ork", "worktrees", name);
  const clean = await addWorktree(root, dir, base);
  return { dir, clean, [Symbol.asyncDispose]: () => removeWorktree(root, dir) };
}

Deno.test("committing a worktree with nothing changed returns null and makes no commit", async () => {
  await using job = await jobWorktree("ork-nothing");
  await Deno.writeTextFile(join(job.dir, "ignored.log"), "ignored files are not the job's work\n");
  assert.equal(
    await commitAll(job.dir, { message: "nothing", trailers: { "Ork-Job": "j1" }, clean: job.clean }),
    null,
  );
  assert.equal(await headOf(job.dir), base);
});

Deno.test("committing records modified, deleted and new files with the message and an Ork-Job trailer", async () => {
  await using job = await jobWorktree("ork-changes");
  await Deno.writeTextFile(join(job.dir, "README.md"), "# changed\n");
  await Deno.writeTextFile(join(job.dir, "new.txt"), "new\n");
  await Deno.mkdir(join(job.dir, "src"));
  await Deno.writeTextFile(join(job.dir, "src/deep.ts"), "export {};\n");
  await Deno.writeTextFile(join(job.dir, "out.log"), "ignored\n");
  await Deno.remove(join(job.dir, ".gitignore"));
  assert.equal(await isClean(job.dir), false);

  const message = "Add the thing\n\n#12: a body line starting with '#' is kept";
  const commit = (await commitAll(job.dir, {
    message,
    trailers: { "Ork-Job": "01JOB", "Ork-Attempt": "2" },
    clean: job.clean,
  }))?.commit;

  assert.ok(commit);
  assert.match(commit, /^[0-9a-f]{40}$/);
  assert.equal(await headOf(job.dir), commit);
  assert.deepEqual(await parentsOf(root, commit), [base]);
  assert.equal(await show(root, commit, "README.md"), "# changed\n");
  assert.equal(await show(root, commit, "new.txt"), "new\n");
  assert.equal(await show(root, commit, "src/deep.ts"), "export {};\n");
  assert.equal(await show(root, commit, ".gitignore"), null);
  // The job deleted .gitignore, so out.log is no longer ignored: it is the job's work too.
  assert.equal(await show(root, commit, "out.log"), "ignored\n");
  assert.equal(
    await git(root, "log", "-1", "--format=%B", commit),
    "Add the thing\n\n#12: a body line starting with '#' is kept\n\nOrk-Job: 01JOB\nOrk-Attempt: 2",
  );
  const trailers = await run("git", ["-C", root, "interpret-trailers", "--parse"], {
    stdin: await git(root, "log", "-1", "--format=%B", commit),
  });
  assert.equal(trailers.stdout, "Ork-Job: 01JOB\nOrk-Attempt: 2\n");
  assert.equal(await git(root, "log", "-1", "--format=%an <%ae>", commit), "Test <test@example.com>");
  assert.equal(await isClean(job.dir), true);
});

Deno.test("a change the job staged itself is committed, and one it staged then undid in the file is not", async () => {
  await using job = await jobWorktree("ork-staged");
  // Staged by the job and not touched since: `git add --all` has nothing new to say about it.
  await Deno.writeTextFile(join(job.dir, "staged.txt"), "staged by the job\n");
  await git(job.dir, "add", "staged.txt");
  const commit =
    (await commitAll(job.dir, { message: "staged", trailers: { "Ork-Job": "j2" }, clean: job.clean }))
      ?.commit;
  assert.ok(commit);
  assert.equal(await show(root, commit, "staged.txt"), "staged by the job\n");

  // Staged, then the file put back as it was: the index changes again, to no change at all.
  await Deno.writeTextFile(join(job.dir, "README.md"), "# staged then undone\n");
  await git(job.dir, "add", "README.md");
  await git(job.dir, "restore", "--worktree", "--source=HEAD", "--", "README.md");
  assert.equal(
    await commitAll(job.dir, { message: "undone", trailers: { "Ork-Job": "j3" }, clean: job.clean }),
    null,
  );
  assert.equal(await headOf(job.dir), commit);
  assert.equal(await isClean(job.dir), true);
});

Deno.test("a job that points its worktree's HEAD at main cannot make ork's commit move main", async () => {
  await using job = await jobWorktree("ork-headjack");
  await git(root, "branch", "--quiet", "headjack-target", base);
  try {
    await git(job.dir, "symbolic-ref", "HEAD", "refs/heads/headjack-target");
    await Deno.writeTextFile(join(job.dir, "ungated.txt"), "past every gate\n");
    const commit =
      (await commitAll(job.dir, { message: "headjack", trailers: { "Ork-Job": "j4" }, clean: job.clean }))
        ?.commit;
    assert.ok(commit);
    assert.equal(await git(root, "rev-parse", "headjack-target"), base, "the branch did not move");
    assert.equal(
      (await run("git", ["-C", job.dir, "symbolic-ref", "-q", "HEAD"])).code,
      1,
      "HEAD is detached",
    );
    assert.deepEqual(await parentsOf(root, commit), [base]);
  } finally {
    await git(root, "branch", "--quiet", "-D", "headjack-target");
  }
});

Deno.test("committing follows nothing a job planted in its git dir: no write through a symlinked message, reflog or index", async () => {
  await using job = await jobWorktree("ork-planted-commit");
  const gitDir = await git(job.dir, "rev-parse", "--absolute-git-dir");
  const victims = join(root, "..", `commit-victims-${crypto.randomUUID()}`);
  await Deno.mkdir(victims);
  try {
    for (const name of ["message", "reflog", "index"]) {
      await Deno.writeTextFile(join(victims, name), `${name}\n`);
    }
    await Deno.symlink(join(victims, "message"), join(gitDir, "COMMIT_EDITMSG"));
    await Deno.remove(join(gitDir, "logs"), { recursive: true }).catch(() => {});
    await Deno.mkdir(join(gitDir, "logs"));
    await Deno.symlink(join(victims, "reflog"), join(gitDir, "logs/HEAD"));
    await Deno.remove(join(gitDir, "index"));
    await Deno.symlink(join(victims, "index"), join(gitDir, "index"));
    await Deno.writeTextFile(join(job.dir, "work.txt"), "the job's work\n");
    const commit =
      (await commitAll(job.dir, { message: "planted", trailers: { "Ork-Job": "j5" }, clean: job.clean }))
        ?.commit;
    assert.ok(commit);
    for (const name of ["message", "reflog", "index"]) {
      assert.equal(await Deno.readTextFile(join(victims, name)), `${name}\n`, name);
    }
    assert.equal(await show(root, commit, "work.txt"), "the job's work\n");
    assert.equal(
      await show(root, commit, "README.md"),
      await show(root, base, "README.md"),
      "whole tree recorded",
    );
  } finally {
    await Deno.remove(victims, { recursive: true });
  }
});

Deno.test("committing keeps the commits the job made itself and adds its leftovers on top", async () => {
  await using job = await jobWorktree("ork-own-commits");
  await Deno.writeTextFile(join(job.dir, "one.txt"), "1\n");
  await git(job.dir, "add", "one.txt");
  await git(job.dir, "commit", "--quiet", "-m", "the job's own commit");
  const own = await headOf(job.dir);

  assert.equal(
    await commitAll(job.dir, { message: "leftovers", trailers: { "Ork-Job": "j3" }, clean: job.clean }),
    null,
  );
  await Deno.writeTextFile(join(job.dir, "two.txt"), "2\n");
  const commit =
    (await commitAll(job.dir, { message: "leftovers", trailers: { "Ork-Job": "j3" }, clean: job.clean }))
      ?.commit;

  assert.ok(commit);
  assert.deepEqual(await parentsOf(root, commit), [own]);
  assert.equal(
    await git(root, "log", "--format=%s", `${base}..${commit}`),
    "leftovers\nthe job's own commit",
  );
  assert.equal(await show(root, commit, "one.txt"), "1\n");
  assert.equal(await show(root, commit, "two.txt"), "2\n");
});

Deno.test("committing runs no hook: not pre-commit, commit-msg, prepare-commit-msg nor post-commit", async () => {
  await using job = await jobWorktree("ork-hooks");
  const hooks = join(root, ".git", "hooks");
  const marker = join(root, "hook-ran");
  for (const hook of ["pre-commit", "commit-msg", "prepare-commit-msg", "post-commit"]) {
    await Deno.writeTextFile(join(hooks, hook), `#!/bin/sh\necho ${hook} >> '${marker}'\nexit 1\n`, {
      mode: 0o755,
    });
  }
  try {
    await Deno.writeTextFile(join(job.dir, "hooked.txt"), "x\n");
    const commit =
      (await commitAll(job.dir, { message: "no hooks", trailers: { "Ork-Job": "j4" }, clean: job.clean }))
        ?.commit;
    assert.ok(commit);
    assert.equal(await show(root, commit, "hooked.txt"), "x\n");
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
  } finally {
    for (const hook of ["pre-commit", "commit-msg", "prepare-commit-msg", "post-commit"]) {
      await Deno.remove(join(hooks, hook));
    }
  }
});

Deno.test("a trailer that is not 'Key: one line' and an empty message are refused before git runs", async () => {
  await using job = await jobWorktree("ork-bad-trailer");
  await Deno.writeTextFile(join(job.dir, "x.txt"), "x\n");
  const badInput = (error: unknown) => error instanceof OrkError && error.code === "bad-input";
  await assert.rejects(
    commitAll(job.dir, { message: "m", trailers: { "Ork Job": "x" }, clean: job.clean }),
    badInput,
  );
  await assert.rejects(
    commitAll(job.dir, { message: "m", trailers: { "Ork-Job": "a\nb" }, clean: job.clean }),
    badInput,
  );
  await assert.rejects(commitAll(job.dir, { message: " \n", trailers: {}, clean: job.clean }), badInput);
  assert.equal(await headOf(job.dir), base);
});

Deno.test("a worktree whose .git is gone is refused, so the main worktree's branch gets no commit", async () => {
  await using job = await jobWorktree("ork-no-dotgit");
  await Deno.remove(join(job.dir, ".git"));
  await Deno.writeTextFile(join(job.dir, "x.txt"), "x\n");
  await assert.rejects(
    commitAll(job.dir, { message: "m", trailers: {}, clean: job.clean }),
    (error: unknown) => error instanceof OrkError && error.code === "git-failed",
  );
  assert.equal(await git(root, "rev-parse", "HEAD"), base);
  assert.equal(await git(root, "status", "--porcelain"), "");
});

Deno.test("the identity is the user's own when git has one", async () => {
  assert.deepEqual(await identityArgs(root), []);
});

Deno.test("without user.name and user.email anywhere, commits are by 'ork <ork@localhost>'", async () => {
  await using repo = await tempRepo();
  await git(repo.dir, "config", "--unset", "user.name");
  await git(repo.dir, "config", "--unset", "user.email");
  const worktree = join(repo.dir, ".ork", "worktrees", "ork-anonymous");
  // The global config is the machine's; a child process with none is the only honest way to lose it.
  const mod = new URL("../../src/git/mod.ts", import.meta.url).href;
  const code = `
    import { addWorktree, commitAll, identityArgs } from ${JSON.stringify(mod)};
    const dir = ${JSON.stringify(worktree)};
    const clean = await addWorktree(${JSON.stringify(repo.dir)}, dir, ${
    JSON.stringify(await git(repo.dir, "rev-parse", "HEAD"))
  });
    await Deno.writeTextFile(dir + "/work.txt", "work\\n");
    const identity = await identityArgs(dir);
    const commit = (await commitAll(dir, { message: "anonymous", trailers: { "Ork-Job": "j9" }, clean }))?.commit;
    console.log(JSON.stringify({ identity, commit }));
  `;
  const child = await run(Deno.execPath(), ["eval", "--quiet", "--config", DENO_JSON, code], {
    env: { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", NO_COLOR: "1" },
  });
  assert.equal(child.code, 0, child.stderr);
  const { identity, commit } = JSON.parse(child.stdout) as { identity: string[]; commit: string };
  assert.deepEqual(identity, ["-c", "user.name=ork", "-c", "user.email=ork@localhost"]);
  assert.equal(
    await git(repo.dir, "log", "-1", "--format=%an <%ae>|%cn <%ce>", commit),
    "ork <ork@localhost>|ork <ork@localhost>",
  );
  assert.equal(await show(repo.dir, commit, "work.txt"), "work\n");
});

/**
 * Rewrites the object id of `path`'s entry in a version 2 index to `oid`, keeping the entry's file stats, and
 * fixes the index's checksum: what a job can do to its own index file to make git take a changed file for the
 * old content.
 */
async function forgeIndexEntry(indexPath: string, path: string, oid: string): Promise<void> {
  const bytes = await Deno.readFile(indexPath);
  const name = new TextEncoder().encode(`${path}\0`);
  let at = -1;
  // Entries start at byte 12; the name follows 40 bytes of stats, 20 of object id and 2 of flags.
  for (let i = 12 + 62; i + name.length <= bytes.length - 20 && at === -1; i++) {
    if (name.every((byte, k) => bytes[i + k] === byte) && bytes[i - 1] === path.length) at = i;
  }
  assert.notEqual(at, -1, `no entry for ${path}`);
  bytes.set(oid.match(/../g)!.map((hex) => parseInt(hex, 16)), at - 22);
  const body = bytes.subarray(0, bytes.length - 20);
  bytes.set(new Uint8Array(await crypto.subtle.digest("SHA-1", body)), bytes.length - 20);
  await Deno.writeFile(indexPath, bytes);
  // Later than every file, so that git does not take the entries for racily clean and look at the content.
  const later = new Date(Date.now() + 10_000);
  await Deno.utime(indexPath, later, later);
}

Deno.test("a change a job hides behind its own index (assume-unchanged, skip-worktree, forged stats) is still committed", async () => {
  await using job = await jobWorktree("ork-hidden");
  const gitDir = await git(job.dir, "rev-parse", "--absolute-git-dir");
  await Deno.writeTextFile(join(job.dir, "hidden.txt"), "hidden\n");
  await Deno.writeTextFile(join(job.dir, "skipped.txt"), "skipped\n");
  // The job adds both, commits them itself, then changes them and marks them so that git looks away.
  await git(job.dir, "add", "hidden.txt", "skipped.txt");
  await git(job.dir, "commit", "--quiet", "-m", "the job's own commit");
  const own = await headOf(job.dir);
  await Deno.writeTextFile(join(job.dir, "hidden.txt"), "changed, then hidden\n");
  await Deno.writeTextFile(join(job.dir, "skipped.txt"), "changed, then skipped\n");
  await git(job.dir, "update-index", "--assume-unchanged", "hidden.txt");
  await git(job.dir, "update-index", "--skip-worktree", "skipped.txt");
  // README.md: staged with its new stats, then the entry's object id put back to the old content.
  const oldReadme = await git(job.dir, "rev-parse", "HEAD:README.md");
  await Deno.writeTextFile(join(job.dir, "README.md"), "# forged\n");
  await git(job.dir, "add", "README.md");
  await forgeIndexEntry(join(gitDir, "index"), "README.md", oldReadme);
  // git itself, with the job's index, sees nothing to commit.
  assert.equal(await git(job.dir, "status", "--porcelain", "--untracked-files=no"), "");

  const made = await commitAll(job.dir, {
    message: "hidden",
    trailers: { "Ork-Job": "j10" },
    clean: job.clean,
  });
  assert.ok(made);
  assert.equal(made.parent, own);
  assert.equal(await show(root, made.commit, "hidden.txt"), "changed, then hidden\n");
  assert.equal(await show(root, made.commit, "skipped.txt"), "changed, then skipped\n");
  assert.equal(await show(root, made.commit, "README.md"), "# forged\n");
  assert.equal(made.tree, await git(root, "rev-parse", `${made.commit}^{tree}`));
  assert.equal(await headOf(job.dir), made.commit);
});

Deno.test("after a commit the worktree holds exactly it: ignored files are gone, and nothing is left to commit", async () => {
  await using job = await jobWorktree("ork-exact");
  await Deno.writeTextFile(join(job.dir, "kept.txt"), "kept\n");
  await Deno.writeTextFile(join(job.dir, "debug.log"), "ignored\n");
  const made = await commitAll(job.dir, {
    message: "exact",
    trailers: { "Ork-Job": "j11" },
    clean: job.clean,
  });
  assert.ok(made);
  assert.equal(await show(root, made.commit, "debug.log"), null);
  await assert.rejects(Deno.stat(join(job.dir, "debug.log")), Deno.errors.NotFound);
  assert.equal(await git(job.dir, "status", "--porcelain", "--ignored"), "");
  // The copy of the index it returns describes that state: a second commit from it finds nothing.
  assert.equal(
    await commitAll(job.dir, { message: "again", trailers: { "Ork-Job": "j11" }, clean: made.index }),
    null,
  );
});

Deno.test("commit messages are cleaned as git commit --cleanup=whitespace cleans them", () => {
  assert.equal(stripSpace("\n\n  subject  \n\n\n\nbody\t\n#12 kept\n\n"), "  subject\n\nbody\n#12 kept\n");
  assert.equal(stripSpace(" \n\t\n"), "");
});

Deno.test("a job that commits and then edits the same file again gets both recorded", async () => {
  await using job = await jobWorktree("ork-commit-then-edit");
  await Deno.writeTextFile(join(job.dir, "notes.txt"), "step 1\n");
  await git(job.dir, "add", "notes.txt");
  await git(job.dir, "commit", "--quiet", "-m", "step 1");
  const own = await headOf(job.dir);
  await Deno.writeTextFile(join(job.dir, "notes.txt"), "step 1\nstep 2\n");
  const made = await commitAll(job.dir, {
    message: "step 2",
    trailers: { "Ork-Job": "j12" },
    clean: job.clean,
  });
  assert.ok(made);
  assert.equal(made.parent, own);
  assert.equal(await show(root, made.commit, "notes.txt"), "step 1\nstep 2\n");
});

Deno.test("what the job staged and its files cannot say is kept: untracking now-ignored files, an executable bit with core.fileMode=false", async () => {
  await using job = await jobWorktree("ork-staged-kept");
  // The job's own commit adds generated files and a script, as a job might before it learns better.
  await Deno.mkdir(join(job.dir, "build"), { recursive: true });
  await Deno.writeTextFile(join(job.dir, "dist.js"), "old build\n");
  await Deno.writeTextFile(join(job.dir, "run.sh"), "echo hi\n");
  await git(job.dir, "add", "dist.js", "run.sh");
  await git(job.dir, "commit", "--quiet", "-m", "generated files");
  const own = await headOf(job.dir);
  // Then it stops tracking dist.js (ignored from now on) and marks run.sh executable in the index only.
  await Deno.writeTextFile(join(job.dir, ".gitignore"), "*.log\nbuild/\ndist.js\n");
  await git(job.dir, "rm", "--quiet", "--cached", "dist.js");
  await Deno.writeTextFile(join(job.dir, "dist.js"), "new build\n");
  await git(job.dir, "update-index", "--chmod=+x", "run.sh");
  // A removal of a file that is not ignored does not stick: `git add -A` would have added it again.
  await git(job.dir, "rm", "--quiet", "--cached", "README.md");

  // As on a file system without executable bits: git takes them from the index, not the files.
  await git(root, "config", "core.fileMode", "false");
  const made = await commitAll(job.dir, {
    message: "untrack",
    trailers: { "Ork-Job": "j13" },
    clean: job.clean,
  })
    .finally(() => git(root, "config", "--unset", "core.fileMode"));
  assert.ok(made);
  assert.equal(made.parent, own);
  assert.equal(await show(root, made.commit, "dist.js"), null, "untracked, and ignored now");
  assert.equal(
    await git(root, "ls-tree", made.commit, "run.sh"),
    `100755 blob ${await git(root, "rev-parse", `${own}:run.sh`)}\trun.sh`,
  );
  assert.equal(await show(root, made.commit, "README.md"), await show(root, base, "README.md"));
});

Deno.test("core.splitIndex=true in the repository does not stop ork's commit or reset", async () => {
  await using job = await jobWorktree("ork-split-index");
  await git(root, "config", "core.splitIndex", "true");
  try {
    await git(job.dir, "update-index", "--split-index");
    await Deno.writeTextFile(join(job.dir, "split.txt"), "split\n");
    await git(job.dir, "add", "split.txt");
    const made = await commitAll(job.dir, {
      message: "split",
      trailers: { "Ork-Job": "j14" },
      clean: job.clean,
    });
    assert.ok(made);
    assert.equal(await show(root, made.commit, "split.txt"), "split\n");
  } finally {
    await git(root, "config", "--unset", "core.splitIndex");
  }
});

Deno.test("an executable bit the job staged on a file it then removed or replaced does not stop the commit", async () => {
  await using job = await jobWorktree("ork-chmod-then-remove");
  for (const name of ["old.sh", "swapped.sh"]) await Deno.writeTextFile(join(job.dir, name), "echo old\n");
  await git(job.dir, "add", "old.sh", "swapped.sh");
  await git(job.dir, "commit", "--quiet", "-m", "scripts");
  await git(job.dir, "update-index", "--chmod=+x", "old.sh", "swapped.sh");
  await Deno.remove(join(job.dir, "old.sh"));
  await Deno.remove(join(job.dir, "swapped.sh"));
  await Deno.mkdir(join(job.dir, "swapped.sh"));
  await Deno.writeTextFile(join(job.dir, "swapped.sh", "inside.txt"), "a folder now\n");
  const made = await commitAll(job.dir, {
    message: "remove",
    trailers: { "Ork-Job": "j15" },
    clean: job.clean,
  });
  assert.ok(made);
  assert.equal(await show(root, made.commit, "old.sh"), null);
  assert.equal(await show(root, made.commit, "swapped.sh/inside.txt"), "a folder now\n");
});
