/**
 * Job worktrees: linked worktrees with a detached HEAD, created once and then reused job after job (moving one
 * to another commit costs milliseconds, a fresh checkout seconds).
 *
 * @module
 */

import { dirname, join, resolve, sep } from "node:path";
import { InputError, isNotFound } from "../errors/mod.ts";
import { git, gitError, isZeroOid, worktreeGitDir } from "./git.ts";
import {
  type CleanIndex,
  isDetached,
  JOB_GIT_CONFIG,
  jobGitDir,
  readCleanIndex,
  restoreIndex,
  scrubJobGitDir,
  writeDetachedHead,
} from "./job_git_dir.ts";
import { delay } from "../time/mod.ts";

/** How often `git worktree add` is tried when it lost a race with another one. */
const WORKTREE_ADD_TRIES = 5;

/** One entry of `git worktree list`. */
export interface WorktreeInfo {
  /** The worktree's absolute path, as git records it. */
  path: string;
  /** The commit checked out, or null when there is none (a bare repository, an unborn branch). */
  head: string | null;
  /** The short name of the branch checked out, or null when HEAD is detached (or the repository is bare). */
  branch: string | null;
  /** True when HEAD is detached, as in every job worktree. */
  detached: boolean;
  /** True when the worktree is locked (`git worktree lock`). */
  locked: boolean;
}

/**
 * Creates a linked worktree at `path` with `commit` checked out and HEAD detached, so that no branch is tied to
 * it. `--force` lets a path that a deleted worktree left registered be used again. Hooks do not run: a
 * post-checkout hook is meant for the user's checkouts, not for ork's scratch space.
 *
 * @param root the main worktree's root
 * @param path where the worktree goes; missing parent folders are created
 * @param commit the commit to check out
 * @returns ork's copy of the new worktree's index (see {@link CleanIndex})
 * @throws {OrkError} `git-failed` when git cannot create it (e.g. `path` exists and is not empty)
 */
export async function addWorktree(root: string, path: string, commit: string): Promise<CleanIndex> {
  // Parallel checkout (one worker per core): on a large repository the first checkout of a run is most of the
  // run's git time, and it gets 2-3x faster on two cores.
  const args = [
    ...JOB_GIT_CONFIG,
    "-c",
    "checkout.workers=0",
    "worktree",
    "add",
    "--detach",
    "--force",
    "--quiet",
  ];
  const hint = `check that ${path} does not exist already (or is empty) and that the commit exists`;
  for (let attempt = 1;; attempt++) {
    const result = await git(root, [...args, path, commit], { noHooks: true, ok: [128, 255], hint });
    if (result.code === 0) break;
    // Two `git worktree add` at the same moment: git read the other's admin folder while it was being written
    // ("failed to read .git/worktrees/<other>/commondir: Success"). ork's own race, not the job's: try again.
    if (attempt >= WORKTREE_ADD_TRIES || !/failed to read .*worktrees\/[^/\s]+\/\w+/.test(result.stderr)) {
      throw gitError(root, [...args, path, commit], result, hint);
    }
    // (No prune here: it would drop the entry of another worktree being added at this moment.)
    await removeTree(path);
    await delay(20 * attempt * (0.5 + Math.random()));
  }
  return await readCleanIndex((await worktreeGitDir(path)).gitDir, commit);
}

/**
 * Renames a worktree, to hand a reused one to the next job under that job's name.
 *
 * @param root the main worktree's root
 * @param from the worktree's current path
 * @param to its new path; must not exist; missing parent folders are created
 * @throws {OrkError} `git-failed` when git cannot move it (`to` exists, `from` is not a worktree or is locked)
 */
export async function moveWorktree(root: string, from: string, to: string): Promise<void> {
  // git worktree move does not create the destination's parents.
  await Deno.mkdir(dirname(resolve(root, to)), { recursive: true });
  await git(root, ["worktree", "move", from, to], {
    hint: `check that ${to} does not exist and that ${from} is an unlocked worktree ('git worktree list')`,
  });
}

/**
 * Makes a job worktree hold exactly `commit` and nothing of the job before: tracked files as in `commit`,
 * HEAD detached there, untracked and ignored files and nested repositories gone, and no rebase, am, cherry-pick
 * or merge left in progress. Cheap when the worktree is already at `commit`: git only checks what changed.
 *
 * @param path the top folder of a linked worktree (never the main worktree: that is refused)
 * @param commit the commit to check out
 * @param opts `clean`: ork's copy of the worktree's index from its last reset, put back first so that what the
 *   job did to the index cannot hide a changed file from git (without it the index is trusted as it is);
 *   `tree`: `commit`'s tree, when known, to be recorded with the new copy
 * @returns ork's copy of the index the reset wrote
 * @throws {OrkError} `git-failed` when `path` is not a linked worktree's top, or git fails
 */
export async function resetWorktree(
  path: string,
  commit: string,
  opts: { clean?: CleanIndex | null; tree?: string } = {},
): Promise<CleanIndex> {
  const gitDir = await jobGitDir(path, "reset");
  // Whatever the job (or a gate) left in its git dir goes: a rebase or cherry-pick in progress, and anything
  // git would follow outside the worktree when ork runs it here, outside the sandbox.
  await scrubJobGitDir(gitDir);
  // reset --hard moves whatever HEAD points to: a branch the job checked out would be moved, so HEAD is detached
  // first. Only then, since reading the file costs nothing and a checkout walks every file once more.
  if (!(await isDetached(gitDir))) await writeDetachedHead(gitDir, commit);
  if (opts.clean) await restoreIndex(gitDir, opts.clean);
  // Also clears unmerged index entries.
  await git(path, [
    ...JOB_GIT_CONFIG,
    "reset",
    "--hard",
    "--quiet",
    "--no-recurse-submodules",
    commit,
  ], {
    noHooks: true,
  });
  await cleanWorktree(path);
  return await readCleanIndex(gitDir, commit, opts.tree);
}

/**
 * Brings a job worktree back to `commit` after a command ran in it (a gate), when before that it held exactly
 * `commit`'s tree and `clean` was taken: `clean` is put back, git compares every tracked file with it, and
 * only when some changed is the worktree reset. Untracked files go either way. What {@link resetWorktree}
 * leaves, at a third of its cost when the command changed no tracked file.
 *
 * @param path the top folder of a linked worktree
 * @param commit a commit with `clean.tree` as its tree
 * @param clean ork's copy of the index taken when the worktree held `commit`'s tree
 * @returns ork's copy of the index now (`clean` again, when nothing had changed)
 * @throws {OrkError} `bad-input` when `path` is not a linked worktree; `git-failed` when git fails
 */
export async function restoreWorktree(path: string, commit: string, clean: CleanIndex): Promise<CleanIndex> {
  const gitDir = await jobGitDir(path, "restore");
  await scrubJobGitDir(gitDir);
  await Promise.all([restoreIndex(gitDir, clean), writeDetachedHead(gitDir, commit)]);
  const [changed] = await Promise.all([
    // Not into submodules: git would run `status` in a nested repository, whose config (an fsmonitor, a
    // filter) is the job's to write. A submodule moved to another commit is still seen.
    git(path, [...JOB_GIT_CONFIG, "diff-files", "--name-only", "-z", "--ignore-submodules=dirty"]),
    cleanWorktree(path),
  ]);
  if (changed.stdout !== "") return await resetWorktree(path, commit, { clean, tree: clean.tree });
  return { ...clean, commit };
}

/**
 * Points a job worktree's detached HEAD at `commit` and changes nothing else: for a commit whose tree the
 * worktree holds exactly already, as after `commitAll`, this is what {@link resetWorktree} would leave, without
 * git looking at every file once more.
 *
 * @param path the top folder of a linked worktree
 * @param commit the commit
 * @throws {OrkError} `bad-input` when `path` is not a linked worktree
 */
export async function pointHeadAt(path: string, commit: string): Promise<void> {
  await writeDetachedHead(await jobGitDir(path, "move HEAD of"), commit);
}

/**
 * Removes every untracked file of a worktree: ignored ones (build output, caches) too, and nested repositories
 * a job cloned or created.
 *
 * @param path the top folder of a job worktree
 * @throws {OrkError} `git-failed` when git fails
 */
export async function cleanWorktree(path: string): Promise<void> {
  const result = await git(path, ["clean", "-ffdxq"], { ok: [1] });
  if (result.code === 0) return;
  // A folder left without write or search permission (a read-only module cache): made the owner's to change,
  // then once more. What still fails is an error.
  await makeOwnerWritable(path, { skip: ".git" });
  await git(path, ["clean", "-ffdxq"]);
}

/**
 * Removes a worktree and its folder, however broken: a locked or dirty worktree, a folder git no longer knows
 * (its entry was pruned), or an entry whose folder is gone. A path that is not a worktree, or does not exist, is
 * not an error.
 *
 * @param root the main worktree's root
 * @param path the worktree's folder
 * @throws {OrkError} `bad-input` when `path` is the main worktree or contains it; `git-failed` when git or the
 * file system fails
 */
export async function removeWorktree(root: string, path: string): Promise<void> {
  const absolute = resolve(root, path);
  const rootAbs = resolve(root);
  if (absolute === rootAbs || rootAbs.startsWith(absolute.endsWith(sep) ? absolute : absolute + sep)) {
    throw new InputError(`refusing to remove ${absolute}: it holds the main worktree`, "name a job worktree");
  }
  // 255: git deleted what it could and stopped at a file it could not (a folder without permissions).
  const result = await git(root, ["worktree", "remove", "--force", "--force", absolute], { ok: [128, 255] });
  if (result.code !== 0 && /is a main working tree/.test(result.stderr)) {
    throw new InputError(`refusing to remove ${absolute}: it is a main worktree`, "name a job worktree");
  }
  // Whatever else stopped git (not a worktree any more, a folder already gone, a file it could not delete), the
  // folder goes and prune drops the entry; a failure there is the one worth reporting.
  await removeTree(absolute);
  await pruneWorktrees(root);
}

/**
 * Deletes a folder and everything in it. Folders a job (or a gate) left without write or search permission,
 * as a read-only module cache is, are made the owner's to change first; symlinks are never followed.
 */
async function removeTree(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
    return;
  } catch (error) {
    if (isNotFound(error)) return;
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
  }
  await makeOwnerWritable(path);
  await Deno.remove(path, { recursive: true });
}

/** Gives the owner read, write and search permission on `dir` and every folder below it (not `opts.skip`). */
async function makeOwnerWritable(dir: string, opts: { skip?: string } = {}): Promise<void> {
  const info = await Deno.lstat(dir);
  if (!info.isDirectory) return;
  const mode = (info.mode ?? 0) & 0o7777;
  if ((mode & 0o700) !== 0o700) await Deno.chmod(dir, mode | 0o700);
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && entry.name !== opts.skip) await makeOwnerWritable(join(dir, entry.name));
  }
}

/**
 * Every worktree of the repository, the main one first.
 *
 * @param root the main worktree's root
 * @returns one entry per worktree, in git's order
 * @throws {OrkError} `git-failed` when git fails
 */
export async function listWorktrees(root: string): Promise<WorktreeInfo[]> {
  const result = await git(root, ["worktree", "list", "--porcelain", "-z"]);
  const worktrees: WorktreeInfo[] = [];
  let current: WorktreeInfo | null = null;
  // -z: each attribute ends with NUL and an empty attribute ends a worktree, so paths may hold newlines.
  for (const field of result.stdout.split("\0")) {
    if (field === "") {
      if (current) worktrees.push(current);
      current = null;
      continue;
    }
    const space = field.indexOf(" ");
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? "" : field.slice(space + 1);
    if (key === "worktree") {
      if (current) worktrees.push(current);
      current = { path: value, head: null, branch: null, detached: false, locked: false };
    } else if (current === null) {
      continue;
    } else if (key === "HEAD") {
      current.head = isZeroOid(value) ? null : value;
    } else if (key === "branch") {
      current.branch = value.startsWith("refs/heads/") ? value.slice("refs/heads/".length) : value;
    } else if (key === "detached") {
      current.detached = true;
    } else if (key === "locked") {
      current.locked = true;
    }
  }
  if (current) worktrees.push(current);
  return worktrees;
}

/**
 * Forgets worktrees whose folders are gone.
 *
 * @param root the main worktree's root
 * @throws {OrkError} `git-failed` when git fails
 */
export async function pruneWorktrees(root: string): Promise<void> {
  await git(root, ["worktree", "prune"]);
}
