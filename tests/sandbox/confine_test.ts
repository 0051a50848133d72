import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { addWorktree, commitAll, headOf, importJobObjects } from "../../src/git/mod.ts";
import { exists, git, run, snapshot, tempRepo } from "../helpers/mod.ts";
import { type JobFixture, jobFixture, NO_BWRAP, SANDBOX } from "./_fixture.ts";
import { sandboxFor } from "../../src/sandbox/mod.ts";

/** Everything that says where the repository's branches are and what the main worktree holds. */
async function repoState(fx: JobFixture): Promise<Record<string, unknown>> {
  const dotGit = await snapshot(join(fx.root, ".git"));
  // The job may write its own git dir (its own object store is there); everything else of .git must stay as it
  // was. (Objects come in from outside, after the command: ork's import, and ork's own commits.)
  const shared = Object.fromEntries(
    Object.entries(dotGit).filter(([path]) => !path.startsWith("objects/") && !path.startsWith("worktrees/")),
  );
  const work = await snapshot(fx.root);
  const mainWorktree = Object.fromEntries(
    Object.entries(work).filter(([path]) => !path.startsWith(".git/") && !path.startsWith(".ork/worktrees/")),
  );
  return {
    refs: await git(fx.root, "for-each-ref", "--format=%(refname) %(objectname)"),
    head: await git(fx.root, "symbolic-ref", "HEAD"),
    status: await git(fx.root, "status", "--porcelain"),
    shared,
    mainWorktree,
  };
}

const test = (name: string, fn: () => Promise<void>): void => Deno.test({ name, ignore: NO_BWRAP, fn });

test("inside the sandbox a job writes in its worktree and commits there; ork commits the rest outside", async () => {
  await using fx = await jobFixture();
  const base = await headOf(fx.worktree);
  const before = await repoState(fx);
  const { outcome, log } = await fx.run(
    "echo new > new.txt && git add -A && git -c user.name=A -c user.email=a@x commit -qm 'job step' && " +
      "git rev-parse HEAD && echo later > later.txt",
  );
  assert.equal(outcome.exitCode, 0, log);
  const head = await headOf(fx.worktree);
  assert.notEqual(head, base);
  assert.equal(log.trim(), head);
  assert.equal(await Deno.readTextFile(join(fx.worktree, "new.txt")), "new\n");
  // The commit is the worktree's own (detached HEAD): no branch moved, nothing else of the repository changed.
  assert.deepEqual(await repoState(fx), before);
  // ork's own commit of what is left, outside the sandbox, still works on the same worktree, once the job's
  // commit has come in from its own store.
  assert.equal(await git(fx.root, "cat-file", "-t", head).catch(() => "missing"), "missing");
  await importJobObjects(fx.root, fx.sandbox.store.worktreeGitDir, fx.sandbox.store.objectsDir, 40);
  const committed = await commitAll(fx.worktree, {
    message: "job: rest",
    trailers: { "Ork-Job": "x" },
    clean: fx.clean,
  });
  assert.ok(committed);
  assert.equal(await git(fx.worktree, "show", "HEAD:later.txt"), "later");
  assert.equal(await git(fx.worktree, "rev-parse", "HEAD^"), head);
});

test("writes outside the worktree fail: the main worktree, .ork/, $HOME, a folder elsewhere", async () => {
  await using fx = await jobFixture();
  const home = Deno.env.get("HOME") ?? "/root";
  const mark = `ork-sandbox-${crypto.randomUUID()}`;
  const before = await repoState(fx);
  const outsideBefore = await snapshot(fx.outside);
  const attempts = [
    `echo changed > ${fx.root}/README.md`,
    `touch ${fx.root}/${mark}`,
    `mkdir -p ${fx.root}/.ork/queue && touch ${fx.root}/.ork/queue/${mark}`,
    `touch ${fx.root}/.ork/${mark}`,
    `touch ${home}/${mark}`,
    `touch ${fx.outside}/${mark}`,
    `rm ${fx.root}/README.md`,
  ];
  for (const command of attempts) {
    const { outcome, log } = await fx.run(command);
    assert.notEqual(outcome.exitCode, 0, `${command} succeeded: ${log}`);
    assert.match(log, /Read-only file system|Device or resource busy|No such file or directory/, command);
    assert.doesNotMatch(log, /^ork: /m, command);
  }
  assert.deepEqual(await repoState(fx), before);
  assert.equal(exists(join(home, mark)), false);
  const withoutLog = (files: Record<string, string>) =>
    Object.keys(files).filter((name) => name !== "job.log");
  assert.deepEqual(withoutLog(await snapshot(fx.outside)), withoutLog(outsideBefore));
  assert.equal(await Deno.readTextFile(join(fx.root, "README.md")), "# test repo\n");
});

test("the user's checkout, .ork/ and other worktrees are not there inside: only the job's worktree and .git", async () => {
  await using fx = await jobFixture();
  // What a gate might reach for: the user's own files, an ignored folder of theirs, another job's worktree.
  await Deno.mkdir(join(fx.root, "node_modules", "dep"), { recursive: true });
  await Deno.writeTextFile(join(fx.root, "node_modules", "dep", "index.js"), "module.exports = 1;\n");
  await Deno.writeTextFile(join(fx.root, "uncommitted.txt"), "the user's\n");
  const other = join(fx.root, ".ork", "worktrees", "job-2");
  await addWorktree(fx.root, other, await git(fx.root, "rev-parse", "main"));
  await Deno.writeTextFile(join(other, "secret.txt"), "another job's\n");
  const { outcome, log } = await fx.run(
    `ls -A ${fx.root}; echo --; ls -A ${fx.root}/.ork/worktrees; echo --; ls -A ${fx.root}/.git/worktrees; ` +
      `echo --; git log --oneline | wc -l; ls README.md`,
  );
  assert.equal(outcome.exitCode, 0, log);
  assert.deepEqual(log.trim().split("\n--\n"), [".git\n.ork", "job-1", "job-1", "1\nREADME.md"]);
  for (
    const path of [
      `${fx.root}/README.md`,
      `${fx.root}/uncommitted.txt`,
      `${fx.root}/node_modules/dep/index.js`,
      "../../../README.md",
      `${other}/secret.txt`,
      `${fx.root}/.git/worktrees/job-2/HEAD`,
    ]
  ) {
    const read = await fx.run(`cat ${path}`);
    assert.notEqual(read.outcome.exitCode, 0, `${path} was readable: ${read.log}`);
    assert.match(read.log, /No such file or directory/, path);
  }
  // The empty folders in their place are read-only: nothing written there is lost without a word.
  for (const path of [`${fx.root}/new.txt`, `${fx.root}/.git/worktrees/new`]) {
    const wrote = await fx.run(`touch ${path}`);
    assert.notEqual(wrote.outcome.exitCode, 0, `${path} was writable: ${wrote.log}`);
    assert.match(wrote.log, /Read-only file system/, path);
  }
});

test("the user's index, what they staged, is not readable inside", async () => {
  await using fx = await jobFixture();
  await Deno.writeTextFile(join(fx.root, "staged.txt"), "password=staged\n");
  await git(fx.root, "add", "staged.txt");
  const sandbox = await sandboxFor(SANDBOX, fx.root, fx.worktree);
  const { log } = await fx.run(`GIT_INDEX_FILE=${fx.root}/.git/index git ls-files -s; echo end`, { sandbox });
  assert.doesNotMatch(log, /staged\.txt/);
  assert.match(log, /end\n$/);
  // Outside, the user's index is untouched.
  assert.match(await git(fx.root, "ls-files", "-s"), /staged\.txt/);
});

test("git cannot move a shared ref from inside: update-ref, checkout and commit in the main worktree fail", async () => {
  await using fx = await jobFixture();
  // Give the job's HEAD a commit of its own first, so that moving main to it would be visible.
  const step = await fx.run("git -c user.name=A -c user.email=a@x commit -q --allow-empty -m mine");
  assert.equal(step.outcome.exitCode, 0, step.log);
  // As ork does after a job's command: its objects come in, so the next commands see its commit.
  await importJobObjects(fx.root, fx.sandbox.store.worktreeGitDir, fx.sandbox.store.objectsDir, 40);
  const before = await repoState(fx);
  const main = await git(fx.root, "rev-parse", "refs/heads/main");
  const id = "-c user.name=A -c user.email=a@x";
  const attempts = [
    "git update-ref refs/heads/main HEAD",
    `git update-ref refs/heads/main HEAD ${main}`,
    "git branch evil",
    "git checkout -q -b evil",
    "git push -q . HEAD:refs/heads/pushed",
    `git -C ${fx.root} checkout main && git ${id} -C ${fx.root} commit --allow-empty -m evil`,
    `git -C ${fx.root} checkout main && git ${id} commit --allow-empty -m evil && git update-ref refs/heads/main HEAD`,
    `cd ${fx.root} && git checkout main && git ${id} commit --allow-empty -m evil`,
    `git ${id} -C ${fx.root} commit --allow-empty -m evil`,
    `git -C ${fx.root} checkout --detach`,
    `git -C ${fx.root} pack-refs --all`,
    `git -C ${fx.root} reflog expire --all --expire=now`,
    `git -C ${fx.root} config user.name Evil`,
    `git -C ${fx.root} worktree add --detach ${fx.worktree}/other`,
  ];
  for (const command of attempts) {
    const { outcome, log } = await fx.run(command);
    assert.notEqual(outcome.exitCode, 0, `${command} succeeded: ${log}`);
    // (The user's index is shown empty inside: a commit there finds no index to write from.)
    assert.match(
      log,
      /Read-only file system|Device or resource busy|No such file or directory|index file (?:open failed|smaller)/,
      command,
    );
    assert.doesNotMatch(log, /^ork: /m, command);
  }
  assert.equal(await git(fx.root, "rev-parse", "refs/heads/main"), main);
  assert.deepEqual(await repoState(fx), before);
});

test("the repository's objects cannot be written from inside: a job's objects go to a store of its own", async () => {
  await using fx = await jobFixture();
  const objects = join(fx.root, ".git", "objects");
  const before = await snapshot(objects);
  const main = await git(fx.root, "rev-parse", "main");
  // What a job writes with git lands in its own store; it still reads every object of the repository.
  const wrote = await fx.run(`printf 'own\\n' | git hash-object -w --stdin && git cat-file -t ${main}`);
  assert.equal(wrote.outcome.exitCode, 0, wrote.log);
  const own = wrote.log.trim().split("\n")[0]!;
  assert.equal(wrote.log.trim().split("\n")[1], "commit");
  assert.deepEqual(await snapshot(objects), before);
  assert.equal(
    exists(join(fx.sandbox.store.worktreeGitDir, "ork-objects", own.slice(0, 2), own.slice(2))),
    true,
  );
  // Writing the repository's store directly fails, whatever the path.
  const store = join(fx.sandbox.store.worktreeGitDir, "ork-store");
  for (
    const command of [
      `touch ${store}/planted`,
      `mkdir -p ${store}/ab && touch ${store}/ab/cdef`,
      `echo /elsewhere > ${store}/info/alternates`,
      // Nor can the own store's folder be swapped for a link to somewhere ork would then import from.
      `rm -rf ${fx.sandbox.store.worktreeGitDir}/ork-objects`,
      `mv ${fx.sandbox.store.worktreeGitDir}/ork-objects ${fx.sandbox.store.worktreeGitDir}/moved`,
    ]
  ) {
    const { outcome, log } = await fx.run(command);
    assert.notEqual(outcome.exitCode, 0, `${command} succeeded: ${log}`);
    assert.match(log, /Read-only file system|Device or resource busy/, command);
  }
  // Its own store starts empty for each command.
  const next = await fx.run(`git cat-file -t ${own}`);
  assert.notEqual(next.outcome.exitCode, 0, next.log);
  assert.deepEqual(await snapshot(objects), before);
});

test("objects the repository borrows from another store (relative alternates, below /tmp) are there inside", async () => {
  await using fx = await jobFixture();
  await using lender = await tempRepo();
  const borrowed = await git(lender.dir, "rev-parse", "HEAD");
  const alternates = join(fx.root, ".git", "objects", "info", "alternates");
  await Deno.writeTextFile(
    alternates,
    `${relative(join(fx.root, ".git", "objects"), join(lender.dir, ".git", "objects"))}\n`,
  );
  const sandbox = await sandboxFor(SANDBOX, fx.root, fx.worktree);
  const { outcome, log } = await fx.run(`git cat-file -t ${borrowed}`, { sandbox });
  assert.equal(outcome.exitCode, 0, log);
  assert.match(log, /^commit$/m);
});

test("the files that tie the worktree to its repository cannot be rewritten from inside", async () => {
  await using fx = await jobFixture();
  const gitDir = (await Deno.readTextFile(join(fx.worktree, ".git"))).replace(/^gitdir:\s*/, "").trim();
  const pinned = [
    join(fx.worktree, ".git"),
    join(gitDir, "commondir"),
    join(gitDir, "gitdir"),
    join(gitDir, "config.worktree"),
  ];
  // With per-worktree config enabled (by the user, outside), config.worktree is read by every git command.
  await git(fx.root, "config", "extensions.worktreeConfig", "true");
  const before = await Promise.all(pinned.map((path) => Deno.readTextFile(path)));
  const attempts = [
    `echo "gitdir: ${fx.worktree}/fake" > .git`,
    "rm -f .git",
    "mv .git moved",
    `echo ${fx.worktree}/fake > ${gitDir}/commondir`,
    `rm -f ${gitDir}/commondir`,
    `echo /elsewhere > ${gitDir}/gitdir`,
    `printf '[core]\\n\\tfsmonitor = touch /tmp/pwned\\n' > ${gitDir}/config.worktree`,
    "git config --worktree core.fsmonitor 'touch /tmp/pwned'",
  ];
  for (const command of attempts) {
    const { outcome, log } = await fx.run(command);
    assert.notEqual(outcome.exitCode, 0, `${command} succeeded: ${log}`);
    assert.match(log, /Read-only file system|Device or resource busy|No such file or directory/, command);
    assert.doesNotMatch(log, /^ork: /m, command);
  }
  assert.deepEqual(await Promise.all(pinned.map((path) => Deno.readTextFile(path))), before);
  assert.equal(await headOf(fx.worktree), await git(fx.root, "rev-parse", "main"));
});

test("/tmp is private: files written there stay inside, and the host's /tmp is not visible", async () => {
  await using fx = await jobFixture();
  const mark = `ork-sandbox-${crypto.randomUUID()}`;
  await Deno.writeTextFile(`/tmp/${mark}-host`, "host");
  try {
    const { outcome, log } = await fx.run(
      `echo inside > /tmp/${mark} && cat /tmp/${mark} && test ! -e /tmp/${mark}-host && echo "tmpdir=$TMPDIR"`,
      { env: { TMPDIR: fx.outside } },
    );
    assert.equal(outcome.exitCode, 0, log);
    assert.equal(log, "inside\ntmpdir=/tmp\n");
    assert.equal(exists(`/tmp/${mark}`), false);
  } finally {
    await Deno.remove(`/tmp/${mark}-host`);
  }
});

test("the network is shared: a TCP connection to a server on the host's 127.0.0.1 works", async () => {
  await using fx = await jobFixture();
  const bash = await run("sh", ["-c", "command -v bash"]);
  // bash's /dev/tcp is the one client every test machine has; without bash, compare the interface lists.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received = (async () => {
    using conn = await listener.accept();
    const buffer = new Uint8Array(64);
    const n = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, n ?? 0));
  })();
  if (bash.code === 0) {
    const { outcome, log } = await fx.run(
      `bash -c 'printf hello-from-the-sandbox > /dev/tcp/127.0.0.1/${listener.addr.port}'`,
    );
    assert.equal(outcome.exitCode, 0, log);
    assert.equal(await received, "hello-from-the-sandbox");
  } else {
    listener.close();
    await received.catch(() => {});
  }
  const names = (text: string) =>
    text.split("\n").slice(2).map((line) => line.split(":")[0]?.trim()).filter((n) => n).sort();
  const { outcome, log } = await fx.run("cat /proc/net/dev");
  assert.equal(outcome.exitCode, 0, log);
  assert.deepEqual(names(log), names(await Deno.readTextFile("/proc/net/dev")));
});

test("extraWritable folders can be written from inside", async () => {
  await using other = await jobFixture();
  await using fx = await jobFixture([other.outside]);
  const { outcome, log } = await fx.run(`echo allowed > ${other.outside}/extra.txt`);
  assert.equal(outcome.exitCode, 0, log);
  assert.equal(await Deno.readTextFile(join(other.outside, "extra.txt")), "allowed\n");
});
