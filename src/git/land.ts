/**
 * Landing a job's work on the target branch: build the candidate commit in the object store (no worktree is
 * touched, so a conflict leaves nothing behind) and move the branch only if nobody else moved it; `checkout.ts`
 * then brings the user's checkout forward.
 *
 * Needs git 2.38 or newer (`merge-tree --write-tree`).
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import { identityArgs } from "./commit.ts";
import { git, gitError, OID } from "./git.ts";
import { branchRef, checkBranchName, readBranch } from "./refs.ts";

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

/** A branch set to a commit, or deleted (null), in the same transaction as the target moves. */
export interface BranchUpdate {
  readonly branch: string;
  readonly commit: string | null;
}

/**
 * Moves a branch from `expectedOld` to `newCommit` in one atomic step, only if it still points at `expectedOld`:
 * whoever moved it meanwhile (the user committing, another ork) wins, and the landing is redone on top.
 *
 * @param root the main worktree's root
 * @param branch the short branch name, e.g. `main`
 * @param newCommit the commit the branch should point to
 * @param expectedOld the commit the branch must point to now
 * @param alongside other branches to set (to a commit) or delete (null) in the same transaction: all change,
 *   or none does (the landed jobs' branches go as their work lands)
 * @returns true when the branch was moved; false when it no longer pointed at `expectedOld` (or no longer exists)
 * @throws {OrkError} `bad-input` for an invalid branch name; `git-failed` when the ref could not be written for
 * another reason (a stale lock file, a missing object)
 */
export async function compareAndSwapBranch(
  root: string,
  branch: string,
  newCommit: string,
  expectedOld: string,
  alongside: BranchUpdate | readonly BranchUpdate[] = [],
): Promise<boolean> {
  const others = Array.isArray(alongside) ? alongside : [alongside as BranchUpdate];
  await checkBranchName(root, branch);
  for (const other of others) await checkBranchName(root, other.branch);
  const message = `ork: land ${newCommit}`;
  // With other branches: one transaction on stdin, in which every line applies or none does.
  const args = others.length === 0
    ? ["update-ref", "-m", message, branchRef(branch), newCommit, expectedOld]
    : ["update-ref", "-m", message, "-z", "--stdin"];
  const input = others.length === 0
    ? undefined
    : `update ${branchRef(branch)}\0${newCommit}\0${expectedOld}\0` +
      others.map((other) =>
        other.commit === null
          ? `delete ${branchRef(other.branch)}\0\0`
          : `update ${branchRef(other.branch)}\0${other.commit}\0\0`
      ).join("");
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
