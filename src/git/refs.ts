/**
 * Branches and commits by name: what is checked out, what a ref points to, creating, moving and deleting the
 * job branches.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import { join } from "node:path";
import { git, OID, readRefFile } from "./git.ts";
import { gitCommonDir } from "./root.ts";

const HEADS = "refs/heads/";

/**
 * The branch checked out in the main worktree.
 *
 * @param root the main worktree's root
 * @returns the branch's short name (`main`, `feature/x`), or null when HEAD is detached
 * @throws {OrkError} `git-failed` when git cannot read HEAD
 */
export async function currentBranch(root: string): Promise<string | null> {
  const head = await readHeadFile(root);
  if (head !== undefined) return "commit" in head ? null : head.branch;
  // The full name, not `--short`: --short turns `main` into `heads/main` when a tag `main` also exists.
  const result = await git(root, ["symbolic-ref", "--quiet", "HEAD"], { ok: [1] });
  if (result.code === 1) return null;
  const ref = result.stdout.trim();
  return ref.startsWith(HEADS) ? ref.slice(HEADS.length) : ref;
}

/**
 * The target rule: the branch work lands on is `configured` (`orchestrator.target_branch`) when set, else the
 * branch checked out in the main worktree. `ork run`, `ork doctor` and `ork gates` all go by it.
 *
 * @param root the main worktree's root
 * @param configured `orchestrator.target_branch`, or null
 * @returns the branch's short name (null on a detached HEAD with none configured), and whether it came from
 *   the config
 */
export async function targetBranchName(
  root: string,
  configured: string | null,
): Promise<{ branch: string | null; configured: boolean }> {
  if (configured !== null) return { branch: configured, configured: true };
  return { branch: await currentBranch(root), configured: false };
}

/**
 * What the main worktree's HEAD file says, read without starting git (ork asks on every landing): the commit of
 * a detached HEAD, or the branch it names; undefined when the file says nothing reliable (missing, a symlink,
 * reftable's placeholder) and git has to be asked, which also says why when something is wrong.
 */
async function readHeadFile(root: string): Promise<{ commit: string } | { branch: string } | undefined> {
  const text = await readRefFile(join(gitCommonDir(root), "HEAD"));
  if (text === null) return undefined;
  if (OID.test(text)) return { commit: text };
  const ref = /^ref: (refs\/heads\/\S+)$/.exec(text)?.[1];
  if (ref === undefined || ref === "refs/heads/.invalid") return undefined;
  return { branch: ref.slice(HEADS.length) };
}

/**
 * The full object name of a commit.
 *
 * @param root the main worktree's root (or any worktree of the repository)
 * @param ref anything git can resolve to a commit: a branch, tag, sha, `HEAD~2`
 * @returns the commit's full sha
 * @throws {OrkError} `bad-input` naming `ref` when it names no commit; `git-failed` when git itself fails
 */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  const result = await git(
    root,
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`],
    {
      ok: [1],
    },
  );
  const sha = result.stdout.trim();
  if (result.code === 1 || !OID.test(sha)) {
    throw new InputError(
      `no such commit: '${ref}'`,
      "give a branch, tag or commit that exists ('git log --oneline' lists commits)",
    );
  }
  return sha;
}

/** Names git already accepted, per repository: each is asked about once per process, not once per job. */
const acceptedBranchNames = new Set<string>();

/** Slash-separated words of letters, digits, `_` and `-`, none starting with `-`: always a valid branch name. */
const PLAIN_BRANCH_NAME = /^(?!HEAD$)[A-Za-z0-9_][A-Za-z0-9_-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_-]*)*$/;

/**
 * Checks a branch name with git's own rules. `check-ref-format --branch` also expands `@{-1}` to the branch it
 * means, so only a name it gives back unchanged is accepted: ork must never write a ref other than the named one.
 *
 * @param root the repository
 * @param name a short branch name
 * @throws {OrkError} `bad-input` when `name` is not a valid branch name
 */
export async function checkBranchName(root: string, name: string): Promise<void> {
  // Names like ork's own job branches (`ork/<role>-<ts>-<id8>`) are valid whatever git's rules: no git needed.
  if (PLAIN_BRANCH_NAME.test(name)) return;
  const key = `${root}\0${name}`;
  if (acceptedBranchNames.has(key)) return;
  const result = await git(root, ["check-ref-format", "--branch", name], { ok: [1, 128] });
  if (result.code !== 0 || result.stdout.trim() !== name) {
    throw new InputError(
      `not a valid branch name: '${name}'`,
      "use letters, digits, '-', '_', '.' and '/' (see 'git help check-ref-format')",
    );
  }
  acceptedBranchNames.add(key);
}

/**
 * The commit branch `name` points to, read from its loose ref file when it has one (a git process less on every
 * claim and landing); from git otherwise (a packed ref, reftable, a symbolic ref).
 *
 * @param root the main worktree's root
 * @param name a short branch name
 * @returns the commit's full sha
 * @throws {InputError} `bad-input` when the branch does not exist
 */
export async function branchTip(root: string, name: string): Promise<string> {
  return await looseRef(root, `${HEADS}${name}`) ?? await resolveCommit(root, `${HEADS}${name}`);
}

/**
 * The commit the main worktree's HEAD is at, read from the HEAD file and the loose ref it names when it can be;
 * from git otherwise.
 *
 * @param root the main worktree's root
 * @returns the commit's full sha
 * @throws {OrkError} `git-failed` when HEAD does not resolve (an unborn branch)
 */
export async function headCommit(root: string): Promise<string> {
  const head = await readHeadFile(root);
  if (head !== undefined && "commit" in head) return head.commit;
  const fromFile = head === undefined ? null : await looseRef(root, `${HEADS}${head.branch}`);
  return fromFile ?? (await git(root, ["rev-parse", "--verify", "HEAD"])).stdout.trim();
}

/** A loose ref's commit, or null when there is no such file or it holds something else than a sha. */
async function looseRef(root: string, ref: string): Promise<string | null> {
  // git writes a ref to `<ref>.lock` and renames it into place, so the file is read whole, old or new.
  const text = await readRefFile(join(gitCommonDir(root), ref));
  return text !== null && OID.test(text) ? text : null;
}

/**
 * What `refs/heads/<name>` points to.
 *
 * @param root the repository
 * @param name a short branch name
 * @returns the commit's full sha, or null when the branch does not exist
 */
export async function readBranch(root: string, name: string): Promise<string | null> {
  const result = await git(
    root,
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${HEADS}${name}`],
    {
      ok: [1],
    },
  );
  return result.code === 0 ? result.stdout.trim() : null;
}

/**
 * Where a branch pointed before its last move (its reflog's `<name>@{1}`), when that is an ancestor of where it
 * points now: the tip before a landing that moved it past several commits at once (a batch of the merge train).
 *
 * @returns the commit, or null when the branch has no such reflog entry (reflogs off, a new branch)
 */
export async function previousTip(root: string, name: string): Promise<string | null> {
  const result = await git(root, [
    "rev-parse",
    "--verify",
    "--quiet",
    "--end-of-options",
    `${HEADS}${name}@{1}`,
  ], {
    ok: [1, 128],
  });
  if (result.code !== 0) return null;
  const before = result.stdout.trim();
  const ancestor = await git(root, ["merge-base", "--is-ancestor", before, `${HEADS}${name}`], {
    ok: [1, 128],
  });
  return ancestor.code === 0 ? before : null;
}

/**
 * Points a branch at a commit, creating it or moving it wherever it was. Not for a branch that a worktree has
 * checked out: that worktree's files would stay behind (landing uses `compareAndSwapBranch` and
 * `fastForwardCheckout`).
 *
 * @param root the main worktree's root
 * @param name the short branch name, e.g. `ork/<job id>`
 * @param commit the commit's full sha
 * @throws {OrkError} `bad-input` for an invalid branch name; `git-failed` when the ref cannot be written
 */
export async function setBranch(root: string, name: string, commit: string): Promise<void> {
  await checkBranchName(root, name);
  await git(root, ["update-ref", "-m", "ork: set branch", `${HEADS}${name}`, commit]);
}

/**
 * Deletes a branch. A branch that does not exist is not an error.
 *
 * @param root the main worktree's root
 * @param name the short branch name
 * @throws {OrkError} `bad-input` for an invalid branch name; `git-failed` when the ref cannot be deleted
 */
export async function deleteBranch(root: string, name: string): Promise<void> {
  await checkBranchName(root, name);
  await git(root, ["update-ref", "-d", `${HEADS}${name}`]);
}

/**
 * The branches matching `pattern` whose tips are reachable from `target`: job branches that have landed and may
 * be deleted.
 *
 * @param root the main worktree's root
 * @param target a commit or branch, e.g. `main`
 * @param pattern branches to consider, relative to `refs/heads/`: `ork/*` (or `ork/`, or `ork`) means every
 * branch below `ork/`, nested ones included (git's own glob would stop at one level); other patterns are
 * passed to `git for-each-ref` as they are
 * @returns short branch names, sorted by git (by name)
 * @throws {OrkError} `bad-input` when `target` names no commit; `git-failed` when git fails otherwise
 */
export async function branchesMergedInto(root: string, target: string, pattern: string): Promise<string[]> {
  return await branchesMatching(root, pattern, await resolveCommit(root, target));
}

/**
 * The branches whose names match `pattern` (`ork/*`: every branch under `ork/`), short names.
 *
 * @param merged only those whose tip is in this commit's history
 */
export async function branchesMatching(root: string, pattern: string, merged?: string): Promise<string[]> {
  const prefix = pattern.endsWith("/*") ? pattern.slice(0, -1) : pattern;
  // %(refname), not :short, which disambiguates `x` to `heads/x` when a tag `x` exists.
  const result = await git(root, [
    "for-each-ref",
    ...(merged === undefined ? [] : [`--merged=${merged}`]),
    "--format=%(refname)",
    `${HEADS}${prefix}`,
  ]);
  return result.stdout.split("\n")
    .filter((line) => line.startsWith(HEADS))
    .map((line) => line.slice(HEADS.length));
}

/**
 * The full ref of a branch, for callers in this folder.
 *
 * @param name a short branch name, already checked
 * @returns `refs/heads/<name>`
 */
export function branchRef(name: string): string {
  return `${HEADS}${name}`;
}
