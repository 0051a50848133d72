import assert from "node:assert/strict";
import { join } from "node:path";
import { OrkError } from "../../src/errors/mod.ts";
import { addWorktree } from "../../src/git/mod.ts";
import { BWRAP_BASE_ARGS, bwrapArgs, sandboxFor, sandboxPaths } from "../../src/sandbox/mod.ts";
import { git, tempDir, tempRepo } from "../helpers/mod.ts";

/** The mounts of an argument list, as `[option, path]` pairs, or `[option, source, destination]` where they differ. */
function mounts(args: readonly string[]): string[][] {
  const pairs: string[][] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--bind" || arg === "--ro-bind") {
      const [source = "", destination = ""] = [args[i + 1], args[i + 2]];
      pairs.push(source === destination ? [arg, source] : [arg, source, destination]);
      i += 2;
    } else if (arg === "--dev" || arg === "--proc" || arg === "--tmpfs" || arg === "--remount-ro") {
      pairs.push([arg, args[i + 1] ?? ""]);
      i += 1;
    }
  }
  return pairs;
}

const PATHS = {
  root: "/home/u/repo",
  gitCommonDir: "/home/u/repo/.git",
  objectsDir: "/home/u/repo/.git/objects",
  worktree: "/home/u/repo/.ork/worktrees/ork-a-1-abc",
  worktreeGitDir: "/home/u/repo/.git/worktrees/ork-a-1-abc",
};

Deno.test("bwrapArgs: read-only system, private /tmp, writable worktree and own git dir, a private object store, in that order", () => {
  const args = bwrapArgs(PATHS);
  assert.deepEqual(args.slice(0, BWRAP_BASE_ARGS.length), [...BWRAP_BASE_ARGS]);
  for (const flag of ["--die-with-parent", "--unshare-pid"]) assert.ok(args.includes(flag), flag);
  assert.deepEqual(args.slice(args.indexOf("--cap-drop"), args.indexOf("--cap-drop") + 2), [
    "--cap-drop",
    "ALL",
  ]);
  // The network stays (agents call APIs); no new session, so that the group ork stops holds every process.
  for (const flag of ["--unshare-net", "--unshare-all", "--new-session", "--chdir"]) {
    assert.equal(args.includes(flag), false, flag);
  }
  assert.deepEqual(mounts(args), [
    ["--ro-bind", "/"],
    ["--dev", "/dev"],
    ["--proc", "/proc"],
    ["--tmpfs", "/tmp"],
    // The user's checkout and the other worktrees' git dirs: hidden, then made read-only at the end.
    ["--tmpfs", "/home/u/repo"],
    ["--ro-bind", "/home/u/repo/.git"],
    ["--tmpfs", "/home/u/repo/.git/worktrees"],
    ["--bind", "/home/u/repo/.git/worktrees/ork-a-1-abc"],
    ["--bind", "/home/u/repo/.ork/worktrees/ork-a-1-abc"],
    // The repository's objects, read-only, seen from the private store that takes their place.
    ["--ro-bind", "/home/u/repo/.git/objects", "/home/u/repo/.git/worktrees/ork-a-1-abc/ork-store"],
    ["--ro-bind", "/home/u/repo/.git/worktrees/ork-a-1-abc/ork-objects"],
    ["--bind", "/home/u/repo/.git/worktrees/ork-a-1-abc/ork-objects", "/home/u/repo/.git/objects"],
    ["--ro-bind", "/home/u/repo/.ork/worktrees/ork-a-1-abc/.git"],
    ["--ro-bind", "/home/u/repo/.git/worktrees/ork-a-1-abc/commondir"],
    ["--ro-bind", "/home/u/repo/.git/worktrees/ork-a-1-abc/gitdir"],
    ["--ro-bind", "/home/u/repo/.git/worktrees/ork-a-1-abc/config.worktree"],
    ["--remount-ro", "/home/u/repo/.git/worktrees"],
    ["--remount-ro", "/home/u/repo"],
  ]);
  const setenv = args.indexOf("--setenv");
  assert.deepEqual(args.slice(setenv, setenv + 3), ["--setenv", "TMPDIR", "/tmp"]);
});

Deno.test("bwrapArgs: a git dir outside the main worktree is shown read-only too; extra folders are writable", () => {
  const args = bwrapArgs({
    ...PATHS,
    gitCommonDir: "/srv/git/repo.git",
    objectsDir: "/srv/git/repo.git/objects",
    worktreeGitDir: "/srv/git/repo.git/worktrees/w",
    extraWritable: ["/home/u/.cache/tool"],
  });
  const pairs = mounts(args).map((pair) => pair.join(" "));
  assert.deepEqual(pairs.slice(4, 13), [
    "--tmpfs /home/u/repo",
    "--ro-bind /srv/git/repo.git",
    "--tmpfs /srv/git/repo.git/worktrees",
    "--bind /srv/git/repo.git/worktrees/w",
    "--bind /home/u/repo/.ork/worktrees/ork-a-1-abc",
    "--bind /home/u/.cache/tool",
    "--ro-bind /srv/git/repo.git/objects /srv/git/repo.git/worktrees/w/ork-store",
    "--ro-bind /srv/git/repo.git/worktrees/w/ork-objects",
    "--bind /srv/git/repo.git/worktrees/w/ork-objects /srv/git/repo.git/objects",
  ]);
});

Deno.test("bwrapArgs: job worktrees outside the checkout hide their neighbours too", () => {
  const pairs = mounts(bwrapArgs({ ...PATHS, worktree: "/srv/wt/ork-a-1-abc" })).map((pair) =>
    pair.join(" ")
  );
  assert.deepEqual(pairs.slice(4, 9), [
    "--tmpfs /home/u/repo",
    "--ro-bind /home/u/repo/.git",
    "--tmpfs /home/u/repo/.git/worktrees",
    "--tmpfs /srv/wt",
    "--bind /home/u/repo/.git/worktrees/ork-a-1-abc",
  ]);
  assert.deepEqual(pairs.slice(-3), [
    "--remount-ro /srv/wt",
    "--remount-ro /home/u/repo/.git/worktrees",
    "--remount-ro /home/u/repo",
  ]);
});

Deno.test("sandboxPaths finds a real worktree's paths and pins an empty config.worktree", async () => {
  await using repo = await tempRepo();
  const worktree = join(repo.dir, ".ork", "worktrees", "ork-a-1-abc");
  await addWorktree(repo.dir, worktree, await git(repo.dir, "rev-parse", "HEAD"));
  const paths = await sandboxPaths(repo.dir, worktree);
  assert.deepEqual(paths, {
    root: repo.dir,
    gitCommonDir: join(repo.dir, ".git"),
    objectsDir: join(repo.dir, ".git", "objects"),
    worktree,
    worktreeGitDir: join(repo.dir, ".git", "worktrees", "ork-a-1-abc"),
    // The user's staged work is unreadable inside.
    userFiles: [join(repo.dir, ".git", "index")],
  });
  assert.equal(await Deno.readTextFile(join(paths.worktreeGitDir, "config.worktree")), "");
  // An empty per-worktree config changes nothing for git.
  assert.equal(await git(worktree, "status", "--porcelain"), "");
  assert.equal(await sandboxFor({ kind: "none", reason: "off" }, repo.dir, worktree), undefined);
  const sandbox = await sandboxFor({ kind: "bwrap", bwrap: "/usr/bin/bwrap" }, repo.dir, worktree);
  assert.ok(sandbox);
  const { prepare, ...rest } = sandbox;
  assert.deepEqual(rest, {
    kind: "bwrap",
    bwrap: "/usr/bin/bwrap",
    args: bwrapArgs(paths),
    store: { worktreeGitDir: paths.worktreeGitDir, objectsDir: paths.objectsDir },
  });
  await prepare();
  assert.equal(
    await Deno.readTextFile(join(paths.worktreeGitDir, "ork-objects", "info", "alternates")),
    `${join(paths.worktreeGitDir, "ork-store")}\n`,
  );
});

Deno.test("sandboxPaths refuses a worktree whose git plumbing a job rewrote", async () => {
  await using repo = await tempRepo();
  const head = await git(repo.dir, "rev-parse", "HEAD");
  const mine = join(repo.dir, ".ork", "worktrees", "mine");
  const other = join(repo.dir, ".ork", "worktrees", "other");
  await addWorktree(repo.dir, mine, head);
  await addWorktree(repo.dir, other, head);
  const dotGit = join(mine, ".git");
  const original = await Deno.readTextFile(dotGit);
  const refused = async (pattern: RegExp) => {
    const error = await sandboxPaths(repo.dir, mine).then(() => null, (thrown: unknown) => thrown);
    assert.ok(error instanceof OrkError, `not refused: ${pattern}`);
    assert.equal(error.code, "git-failed");
    assert.match(error.message, pattern);
  };

  // Pointing at another worker's git dir would make that one writable.
  await Deno.writeTextFile(dotGit, `gitdir: ${join(repo.dir, ".git", "worktrees", "other")}\n`);
  await refused(/gitdir does not lead back to/);
  // Pointing at the main repository's git dir would make all of it writable.
  await Deno.writeTextFile(dotGit, `gitdir: ${join(repo.dir, ".git")}\n`);
  await refused(/is not an entry of/);
  await Deno.writeTextFile(dotGit, "nothing\n");
  await refused(/does not name a git dir/);
  await Deno.remove(dotGit);
  await Deno.mkdir(dotGit);
  await refused(/is not a regular file/);
  await Deno.remove(dotGit);
  await refused(/\.git is missing/);
  await Deno.writeTextFile(dotGit, original);

  const gitDir = join(repo.dir, ".git", "worktrees", "mine");
  await using elsewhere = await tempDir();
  await Deno.writeTextFile(join(gitDir, "commondir"), `${elsewhere.dir}\n`);
  await refused(/commondir does not lead to/);
  await Deno.writeTextFile(join(gitDir, "commondir"), "../..\n");
  await Deno.remove(join(gitDir, "config.worktree")).catch(() => {});
  await Deno.symlink("/etc/passwd", join(gitDir, "config.worktree"));
  await refused(/config\.worktree is not a regular file/);
  await Deno.remove(join(gitDir, "config.worktree"));
  await sandboxPaths(repo.dir, mine);
});
