/**
 * ork's git layer: the repository's root, job worktrees, job commits and branches, and landing on the target
 * branch. Every git command runs through dax; every failure is an `OrkError` (`git-failed`, or `bad-input` for
 * a name that does not resolve).
 *
 * @module
 */

export { findRepoRoot, gitCommonDir } from "./root.ts";
export { branchesMergedInto, currentBranch, deleteBranch, resolveCommit, setBranch } from "./refs.ts";
export { commitAll, type CommitOptions, headOf, identityArgs, isClean } from "./commit.ts";
export {
  addWorktree,
  listWorktrees,
  moveWorktree,
  pruneWorktrees,
  removeWorktree,
  resetWorktree,
  type WorktreeInfo,
} from "./worktree.ts";
export {
  buildCandidate,
  type CandidateOptions,
  type CandidateResult,
  type CheckoutResult,
  compareAndSwapBranch,
  fastForwardCheckout,
  type LandStrategy,
} from "./land.ts";
