/**
 * ork's git layer: the repository's root, job worktrees, job commits and branches, landing on the target
 * branch, a job's private object store (objects.ts), and what a change adds (diff.ts and patch.ts, for the
 * built-in gates). Every git command runs through git.ts; every failure is an `OrkError` (`git-failed`, or
 * `bad-input` for a name that does not resolve).
 *
 * @module
 */

export { findRepoRoot, gitCommonDir } from "./root.ts";
export {
  branchesMatching,
  branchesMergedInto,
  branchTip,
  currentBranch,
  deleteBranch,
  headCommit,
  previousTip,
  readBranch,
  resolveCommit,
  setBranch,
  targetBranchName,
} from "./refs.ts";
export { commitAll, type CommitOptions, headOf, identityArgs, isClean, type JobCommit } from "./commit.ts";
export {
  importJobObjects,
  incompleteJobHead,
  JOB_OBJECTS,
  JOB_STORE_VIEW,
  prepareJobObjects,
} from "./objects.ts";
export {
  addWorktree,
  cleanWorktree,
  listWorktrees,
  moveWorktree,
  pointHeadAt,
  pruneWorktrees,
  removeWorktree,
  resetWorktree,
  restoreWorktree,
  type WorktreeInfo,
} from "./worktree.ts";
export { type CleanIndex, scrubJobGitDir } from "./job_git_dir.ts";
export {
  buildCandidate,
  type CandidateOptions,
  type CandidateResult,
  type Changes,
  changesBetween,
  compareAndSwapBranch,
  isOnBranch,
  type LandStrategy,
} from "./land.ts";
export { type CheckoutResult, fastForwardCheckout } from "./checkout.ts";
export { filesAt, ignoredPaths, type Leftovers, leftoversIn } from "./untracked.ts";
export { type AddedText } from "./patch.ts";
export {
  addedText,
  type ChangedFile,
  changedFiles,
  type ChangeSource,
  emptyTree,
  fileSizes,
  hooksDir,
  mergeBase,
} from "./diff.ts";
export { type DiffText, diffText, type FileStat, fileStats, printDiff } from "./show.ts";
