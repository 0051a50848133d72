/**
 * Landing a job's work on the target branch: build the candidate commit in the object store (no worktree is
 * touched, so a conflict leaves nothing behind), move the branch only if nobody else moved it, then bring the
 * user's checkout forward without losing their uncommitted work.
 *
 * Needs git 2.38 or newer (`merge-tree --write-tree`).
 *
 * @module
 */

import { join } from "node:path";
import { InputError, OrkError } from "../errors/mod.ts";
import { identityArgs } from "./commit.ts";
import { git, gitError, OID } from "./git.ts";
import { branchRef, checkBranchName, headCommit, readBranch } from "./refs.ts";

/** How a job's work becomes one commit on the target. */
export type LandStrategy = "merge" | "squash";

/** What `buildCandidate` merges. */
export interface CandidateOptions {
  /** The target branch's commit (T), which becomes the first parent. */
  target: string;
  /** The job's commit (J). */
  job: string;
  /** `merge`: a merge commit with parents T and J, even when a fast-forward was possible; `squash`: parent T only. */
  strategy: LandStrategy;
  /** The candidate's commit message. */
  message: string;
  /**
   * The job commit's tree and only parent, when the caller knows them (ork made the commit): a commit whose
   * parent is `target` merges into it as its own tree, so no merge is computed.
   */
  jobCommit?: { readonly tree: string; readonly parent: string };
}

/** The outcome of `buildCandidate`. */
export type CandidateResult =
  | { ok: true; commit: string; tree: string }
  | { ok: false; conflicts: string[] };

/** The outcome of `fastForwardCheckout`. */
export type CheckoutResult = { ok: true } | { ok: false; files: string[] };

/**
 * Builds the commit that would land a job, in the object store only: no worktree, index or ref changes, so two
 * landings can be prepared side by side and a conflict costs nothing to throw away. A conflicted merge is
 * reported, never committed, so conflict markers cannot reach a branch. When the job's change is already in T
 * the candidate's tree equals T's; it is still returned, and the caller decides.
 *
 * @param root the main worktree's root
 * @param opts the target and job commits, the strategy and the message
 * @returns `{ ok: true, commit, tree }` with the new commit's and its tree's shas, or `{ ok: false, conflicts }`
 * with the conflicted paths
 * @throws {OrkError} `bad-input` for an empty message; `git-failed` when a commit does not exist or the two have
 * no common history
 */
export async function buildCandidate(root: string, opts: CandidateOptions): Promise<CandidateResult> {
  if (opts.message.trim() === "") {
    throw new InputError("the landing commit message is empty", "give a message");
  }
  let tree: string;
  if (opts.jobCommit?.parent === opts.target) {
    tree = opts.jobCommit.tree;
  } else {
    const args = ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", opts.target, opts.job];
    const merged = await git(root, args, {
      ok: [1],
      hint: "check that both commits exist and share history ('git merge-base <target> <job>')",
    });
    const [written = "", ...paths] = merged.stdout.split("\0");
    // Exit 1 also means "not something we can merge" (a bad name), with nothing on stdout: only a tree is success.
    if (!OID.test(written)) throw gitError(root, args, merged, "check that both commits exist");
    if (merged.code === 1) return { ok: false, conflicts: [...new Set(paths.filter((p) => p !== ""))] };
    tree = written;
  }
  const parents = opts.strategy === "merge" ? ["-p", opts.target, "-p", opts.job] : ["-p", opts.target];
  const created = await git(root, [
    ...await identityArgs(root),
    "commit-tree",
    "--no-gpg-sign",
    ...parents,
    "-m",
    opts.message,
    tree,
  ]);
  return { ok: true, commit: created.stdout.trim(), tree };
}

/**
 * Whether `commit` is in the history of branch `branch` (it, or an ancestor of its tip).
 *
 * @param root the main worktree's root
 * @param commit a commit's sha
 * @param branch a short branch name
 * @returns false too when the commit or the branch does not exist (any more)
 */
export async function isOnBranch(root: string, commit: string, branch: string): Promise<boolean> {
  const result = await git(root, ["merge-base", "--is-ancestor", commit, branchRef(branch)], {
    ok: [1, 128],
  });
  return result.code === 0;
}

/**
 * Moves a branch from `expectedOld` to `newCommit` in one atomic step, only if it still points at `expectedOld`:
 * whoever moved it meanwhile (the user committing, another ork) wins, and the landing is redone on top.
 *
 * @param root the main worktree's root
 * @param branch the short branch name, e.g. `main`
 * @param newCommit the commit the branch should point to
 * @param expectedOld the commit the branch must point to now
 * @param alongside another branch to set (to a commit) or delete (null) in the same transaction: both change,
 *   or neither does (a landed job's branch goes as its work lands)
 * @returns true when the branch was moved; false when it no longer pointed at `expectedOld` (or no longer exists)
 * @throws {OrkError} `bad-input` for an invalid branch name; `git-failed` when the ref could not be written for
 * another reason (a stale lock file, a missing object)
 */
export async function compareAndSwapBranch(
  root: string,
  branch: string,
  newCommit: string,
  expectedOld: string,
  alongside?: { readonly branch: string; readonly commit: string | null },
): Promise<boolean> {
  await checkBranchName(root, branch);
  if (alongside !== undefined) await checkBranchName(root, alongside.branch);
  const message = `ork: land ${newCommit}`;
  // With another branch: one transaction on stdin, in which every line applies or none does.
  const args = alongside === undefined
    ? ["update-ref", "-m", message, branchRef(branch), newCommit, expectedOld]
    : ["update-ref", "-m", message, "-z", "--stdin"];
  const input = alongside === undefined
    ? undefined
    : `update ${branchRef(branch)}\0${newCommit}\0${expectedOld}\0` +
      (alongside.commit === null
        ? `delete ${branchRef(alongside.branch)}\0\0`
        : `update ${branchRef(alongside.branch)}\0${alongside.commit}\0\0`);
  const result = await git(root, args, { ok: [128], ...(input === undefined ? {} : { input }) });
  if (result.code === 0) return true;
  // git says "is at X but expected Y" or "unable to resolve reference"; reading the ref again tells a lost race
  // from a real failure whatever the wording.
  const now = await readBranch(root, branch);
  if (now !== expectedOld) return false;
  throw gitError(
    root,
    args,
    result,
    "another git process may be writing the branch; retry, or remove a stale .lock",
  );
}

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
    await new Promise((resolve) => setTimeout(resolve, wait));
    result = await git(root, args, { ok: [128] });
  }
  if (result.code === 0) return { ok: true };
  const refused = refusedPaths(result.stderr);
  if (refused.length === 0) throw gitError(root, args, result);
  return { ok: false, files: await inTheWay(root, from, changes, refused) };
}

/** The paths that differ between two commits: the ones `to` writes (adding some) and the ones it deletes. */
export interface Changes {
  written: string[];
  /** The written paths `from` does not have. */
  added: Set<string>;
  deleted: Set<string>;
  all: string[];
}

/**
 * The paths that differ between two commits (no rename detection: a rename is a delete and a write).
 *
 * @param root the main worktree's root
 * @param from the older commit
 * @param to the newer commit
 * @throws {OrkError} `git-failed` when a commit does not exist
 */
export async function changesBetween(root: string, from: string, to: string): Promise<Changes> {
  const result = await git(root, ["diff-tree", "-r", "-z", "--no-renames", "--name-status", from, to]);
  const fields = result.stdout.split("\0");
  const changes: Changes = { written: [], added: new Set(), deleted: new Set(), all: [] };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i] ?? "";
    const path = fields[i + 1] ?? "";
    if (status === "" || path === "") continue;
    changes.all.push(path);
    if (status === "D") changes.deleted.add(path);
    else changes.written.push(path);
    if (status === "A") changes.added.add(path);
  }
  return changes;
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

/** What is at `path` (symlinks not followed), or null when nothing is (or a file stands where a folder would). */
async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return null;
    throw error;
  }
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
