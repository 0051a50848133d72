/**
 * Bringing the user's checkout forward after a landing, as `git merge --ff-only` would, without losing their
 * uncommitted work: what is in the way is found first and reported, and nothing is changed then.
 *
 * @module
 */

import { join } from "node:path";
import { OrkError } from "../errors/mod.ts";
import { git, gitError } from "./git.ts";
import { type Changes, changesBetween } from "./land.ts";
import { headCommit } from "./refs.ts";
import { delay } from "../time/mod.ts";
import { lstatOrNull } from "../fs/paths.ts";

/** The outcome of `fastForwardCheckout`. */
export type CheckoutResult = { ok: true } | { ok: false; files: string[] };

/**
 * Brings the main worktree's index and files from commit `from` to commit `to`, as `git merge --ff-only` would,
 * keeping the user's uncommitted work: staged and unstaged changes and untracked files on paths the landing did
 * not touch stay as they are. When the landing touches a path with local work, nothing at all is changed and the
 * paths are returned. Unlike git, an ignored file in the way also stops it: git 2.39 silently overwrites ignored
 * files, and an ignored file may be someone's `.env`.
 *
 * The order around it: move the branch first with `compareAndSwapBranch(root, branch, to, from)` (the ref is
 * the truth and moves atomically; files updated first would match no commit if the swap then lost a race), then
 * call this; on `ok: false` swap the branch back with `compareAndSwapBranch(root, branch, from, to)` and report
 * the files. HEAD must therefore already resolve to `to`.
 *
 * @param root the main worktree's root
 * @param from the commit the index and files are based on (the branch's old value)
 * @param to the commit to move them to (the landed commit)
 * @param known the paths that differ between `from` and `to`, when the caller has them already
 * @returns `{ ok: true }`, or `{ ok: false, files }` with the paths (relative to `root`) whose local state is in
 * the way; git reports only the first it meets, ork adds the others it can find
 * @throws {OrkError} `git-failed` when HEAD is not `to`, or git fails for another reason (a locked index)
 */
export async function fastForwardCheckout(
  root: string,
  from: string,
  to: string,
  known?: Changes,
): Promise<CheckoutResult> {
  const head = await headCommit(root);
  if (head !== to) {
    throw new OrkError(
      "git-failed",
      `the main worktree's HEAD is ${head}, not the landed commit ${to}`,
      "move the branch first (compareAndSwapBranch), and do not switch branches while ork lands",
    );
  }
  const changes = known ?? await changesBetween(root, from, to);
  // git checks untracked files itself but treats ignored ones as expendable and overwrites them; checking every
  // untracked file in the way first covers both.
  const untracked = await untrackedInTheWay(root, changes);
  if (untracked.length > 0) return { ok: false, files: await inTheWay(root, from, changes, untracked) };

  const args = ["read-tree", "-m", "-u", from, to];
  let result = await git(root, args, { ok: [128] });
  // An editor's or a prompt's `git status` takes the index lock for a moment: wait a little for it (the target
  // has moved already, and giving up now means moving it back and running the job again).
  for (let wait = 25; result.code !== 0 && /index\.lock/.test(result.stderr) && wait <= 800; wait *= 2) {
    await delay(wait);
    result = await git(root, args, { ok: [128] });
  }
  if (result.code === 0) return { ok: true };
  const refused = refusedPaths(result.stderr);
  if (refused.length === 0) throw gitError(root, args, result);
  return { ok: false, files: await inTheWay(root, from, changes, refused) };
}

/** Untracked files, ignored ones included, the update would overwrite or delete: at a path it adds, below it
 * (where a folder becomes a file), or at a parent folder of one. */
async function untrackedInTheWay(root: string, changes: Changes): Promise<string[]> {
  // A path `from` tracks is git's own to check (read-tree refuses when the index has no entry for it). Of the
  // added paths only those with something on disk can be in the way: git is asked about those alone, since
  // asking about any path costs a walk of the whole checkout.
  const present: string[] = [];
  for (const path of changes.added) {
    if (await lstatOrNull(join(root, path)) !== null) present.push(path);
  }
  // No --exclude-standard: without it ls-files --others lists ignored files too.
  const untracked = present.length === 0 ? [] : await lsFiles(root, ["--others"], present);
  return [...untracked, ...await filesAtParents(root, changes)];
}

/**
 * Every path with local state the update would clobber, for the report: `known` (git's refusal or the untracked
 * files found first), tracked paths whose index or file differs from `from`, and untracked files in the way.
 */
async function inTheWay(root: string, from: string, changes: Changes, known: string[]): Promise<string[]> {
  const staged = await diffNames(root, ["--cached", from], changes.all);
  const unstaged = await diffNames(root, [], changes.all);
  const untracked = await untrackedInTheWay(root, changes);
  return [...new Set([...known, ...staged, ...unstaged, ...untracked])].sort();
}

/** Files (not folders) where `to` needs a folder: `to` adds `a/b` while an untracked file `a` exists. */
async function filesAtParents(root: string, changes: Changes): Promise<string[]> {
  const parents = new Set<string>();
  for (const path of changes.written) {
    for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) parents.add(path.slice(0, i));
  }
  const found: string[] = [];
  const formerlyTracked: string[] = [];
  for (const parent of parents) {
    const info = await lstatOrNull(join(root, parent));
    if (info === null || info.isDirectory) continue;
    // A file `from` tracks and `to` replaces by a folder is git's to check, unless the user untracked it
    // (`git rm --cached`): git would then take an ignored one for expendable and delete it.
    if (changes.deleted.has(parent)) formerlyTracked.push(parent);
    else found.push(parent);
  }
  if (formerlyTracked.length > 0) found.push(...await lsFiles(root, ["--others"], formerlyTracked));
  return found;
}

/** Pathspecs per git call, to stay far below the command line's length limit. */
const CHUNK = 500;

async function lsFiles(root: string, flags: string[], paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < paths.length; i += CHUNK) {
    const result = await git(root, ["ls-files", "-z", ...flags, "--", ...paths.slice(i, i + CHUNK)]);
    found.push(...result.stdout.split("\0").filter((p) => p !== ""));
  }
  return found;
}

async function diffNames(root: string, flags: string[], paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < paths.length; i += CHUNK) {
    const result = await git(root, [
      "--no-optional-locks",
      "diff",
      "--name-only",
      "-z",
      "--no-renames",
      "--no-ext-diff",
      ...flags,
      "--",
      ...paths.slice(i, i + CHUNK),
    ]);
    found.push(...result.stdout.split("\0").filter((p) => p !== ""));
  }
  return found;
}

/**
 * The paths in git's refusal. git 2.39's read-tree prints one of these for the first path in the way and stops:
 * `Entry 'x' not uptodate. Cannot merge.` (a modified tracked file), `Entry 'x' would be overwritten by merge.
 * Cannot merge.` (a staged change), `Untracked working tree file 'x' would be overwritten by merge.` (or `would
 * be removed by merge.`), `Updating 'x' would lose untracked files in it`.
 */
function refusedPaths(stderr: string): string[] {
  const patterns = [
    /^error: Entry '(.+)' not uptodate\. Cannot merge\.$/,
    /^error: Entry '(.+)' would be overwritten by merge\. Cannot merge\.$/,
    /^error: Untracked working tree file '(.+)' would be (?:overwritten|removed) by merge\.$/,
    /^error: Updating '(.+)' would lose untracked files in it$/,
  ];
  const paths: string[] = [];
  for (const line of stderr.split("\n")) {
    for (const pattern of patterns) {
      const match = pattern.exec(line);
      if (match?.[1]) paths.push(match[1]);
    }
  }
  return paths;
}
