/**
 * A job worktree's own git dir, which the job can write (to commit) and ork's git then reads outside the
 * sandbox: found only for linked worktrees, emptied of whatever a job planted there, its HEAD written as a
 * plain detached file, and its index put back from ork's copy (`CleanIndex`) before git looks at the files.
 *
 * @module
 */

import { join } from "node:path";
import { InputError, isNotFound, OrkError } from "../errors/mod.ts";
import { OID, readRefFile, worktreeGitDir } from "./git.ts";

/**
 * A job worktree's index as git wrote it for a clean checkout of `commit`, kept by ork in memory, out of the
 * job's reach. The index is the job's to write (it may commit), and git trusts it: an entry marked
 * assume-unchanged or skip-worktree, or given the file stats of a changed file, makes `git add -A` and
 * `reset --hard` pass over a file whose content differs, so a gate could test files that do not land, or the
 * next job find this one's. Put back before ork's git looks at the worktree, this copy makes git check every
 * file the job touched (a changed file has a new ctime or inode, which no job can forge), and only those.
 */
export interface CleanIndex {
  /** The commit the index was written for. */
  readonly commit: string;
  /** That commit's tree, when known. */
  readonly tree?: string;
  /** The index file's bytes. */
  readonly bytes: Uint8Array;
  /** The index file's mtime: git takes entries as new as their index for possibly changed (racy git). */
  readonly mtime: Date;
}

/**
 * Takes ork's copy of a job worktree's index, which must describe exactly what the worktree holds now.
 *
 * @param gitDir the worktree's own git dir
 * @param commit the commit whose tree the index and files hold
 * @param tree that tree, when known
 */
export async function readCleanIndex(gitDir: string, commit: string, tree?: string): Promise<CleanIndex> {
  const path = join(gitDir, "index");
  const [bytes, info] = await Promise.all([Deno.readFile(path), Deno.lstat(path)]);
  if (!info.isFile || info.mtime === null) {
    throw new OrkError(
      "git-failed",
      `${path} is not the index git wrote`,
      "remove the worktree ('ork clean')",
    );
  }
  return { commit, ...(tree === undefined ? {} : { tree }), bytes, mtime: info.mtime };
}

/**
 * Puts ork's copy of a job worktree's index back in place of whatever the job left, with its old mtime (to the
 * millisecond, never later, so git's racy-entry check sees at least what it saw).
 *
 * @param gitDir the worktree's own git dir
 * @param clean the copy
 */
export async function restoreIndex(gitDir: string, clean: CleanIndex): Promise<void> {
  const temp = join(gitDir, `index.ork-${Deno.pid}.tmp`);
  await writeNewFile(temp, clean.bytes);
  await Deno.utime(temp, clean.mtime, clean.mtime);
  await Deno.rename(temp, join(gitDir, "index"));
}

/**
 * The own git dir of job worktree `path`, refusing any other worktree: what ork does there (wipe every change,
 * commit, move HEAD) is for its job worktrees alone, never the user's checkout.
 *
 * @param path the worktree's top folder
 * @param doing what the caller does there, for the refusal (`reset`, `commit in`)
 * @throws {OrkError} `bad-input` when `path` is not a linked worktree; `git-failed` when it has no `.git`
 */
export async function jobGitDir(path: string, doing: string): Promise<string> {
  const { gitDir, linked } = await worktreeGitDir(path);
  if (!linked) {
    throw new InputError(
      `refusing to ${doing} ${path}: it is not a linked worktree`,
      "this is only for ork's job worktrees",
    );
  }
  return gitDir;
}

/**
 * Settings for git in a job worktree. It checks every file it cannot prove unchanged: a user's
 * `core.trustctime=false` or `core.checkStat=minimal` would let a job hide a change behind a restored mtime. The
 * index is one file, which ork's copy then holds whole (a split index keeps most of it in a file the job can
 * write). And no fsmonitor runs: it is a command.
 */
export const JOB_GIT_CONFIG: readonly string[] = [
  "-c",
  "core.trustctime=true",
  "-c",
  "core.checkStat=default",
  "-c",
  "core.splitIndex=false",
  "-c",
  "core.fsmonitor=false",
];

/** What a job worktree's git dir keeps of what is there: git's own bookkeeping of the worktree, as plain files. */
const KEPT_IN_JOB_GIT_DIR = new Set(["HEAD", "index", "commondir", "gitdir", "config.worktree", "locked"]);

/**
 * Empties a job worktree's git dir of everything but {@link KEPT_IN_JOB_GIT_DIR}, and of those of anything but
 * a plain file. A job can write its git dir (to commit), and git, run there by ork outside the sandbox, follows
 * what it finds: a symbolic `ORIG_HEAD` or `CHERRY_PICK_HEAD` makes `reset --hard` move or delete the branch it
 * names; a symlinked `logs/HEAD`, `COMMIT_EDITMSG` or `index` makes git write through it into the user's files
 * or refs. A rebase, merge or cherry-pick in progress goes too, which is what the next job must not find.
 * Symlinks are removed, never followed.
 *
 * @param gitDir the worktree's own git dir (`<common dir>/worktrees/<name>`)
 */
export async function scrubJobGitDir(gitDir: string): Promise<void> {
  // Only ever a linked worktree's git dir: the main one (with refs, objects, config) has no `commondir`.
  if (!(await Deno.lstat(join(gitDir, "commondir")).then((info) => info.isFile, () => false))) {
    throw new InputError(
      `refusing to empty ${gitDir}: it is not a linked worktree's git dir`,
      "scrubJobGitDir is only for ork's job worktrees",
    );
  }
  for await (const entry of Deno.readDir(gitDir)) {
    if (entry.isFile && KEPT_IN_JOB_GIT_DIR.has(entry.name)) continue;
    // The rest of a split index (core.splitIndex), which git reads with the job's index.
    if (entry.isFile && /^sharedindex\.(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(entry.name)) continue;
    // The worktree's submodules' repositories: git runs nothing in them for ork's commit, reset and clean.
    if (entry.isDirectory && entry.name === "modules") continue;
    await Deno.remove(join(gitDir, entry.name), { recursive: true }).catch((error) => {
      if (!isNotFound(error)) throw error;
    });
  }
}

/** Points a worktree's HEAD at `commit`, detached: a new plain file renamed over whatever HEAD was. */
export async function writeDetachedHead(gitDir: string, commit: string): Promise<void> {
  const temp = join(gitDir, `HEAD.ork-${Deno.pid}.tmp`);
  await writeNewFile(temp, new TextEncoder().encode(`${commit}\n`));
  await Deno.rename(temp, join(gitDir, "HEAD"));
}

/**
 * Writes `bytes` to a file created for it, in a folder a job can write: whatever is at `path` already (a leftover,
 * a symlink a job planted to have ork write through it) is removed first, never written into.
 */
async function writeNewFile(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.remove(path).catch((error) => {
    if (!isNotFound(error)) throw error;
  });
  await Deno.writeFile(path, bytes, { createNew: true });
}

/**
 * Whether a worktree's HEAD (in its git dir) is a plain file holding a commit. Anything else (naming a branch, a
 * symlink, which git follows to a branch's ref) counts as attached: a job may have planted it to make ork's next
 * git command move a shared branch.
 */
export async function isDetached(gitDir: string): Promise<boolean> {
  const head = await readRefFile(join(gitDir, "HEAD"));
  return head !== null && OID.test(head);
}
