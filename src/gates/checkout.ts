/**
 * Running the merge gates on a checkout (`ork gates`): which gates, and which change the built-in ones check,
 * as the runner would check a job's candidate. The CLI prints; this module decides.
 *
 * @module
 */

import type { GateConfig, OrkConfig } from "../config/mod.ts";
import { InputError } from "../errors/mod.ts";
import { type ChangeSource, emptyTree, mergeBase, resolveCommit, targetBranchName } from "../git/mod.ts";

/**
 * The gates to run: all of them, or the named ones in the config's order.
 *
 * @param gates the configured gates
 * @param names names asked for (none: all)
 * @returns the gates
 * @throws {OrkError} `bad-input` naming an unknown gate and listing the configured ones
 */
export function selectGates(gates: readonly GateConfig[], names: readonly string[]): GateConfig[] {
  const unknown = names.filter((name) => !gates.some((gate) => gate.name === name));
  if (unknown.length > 0) {
    const configured = gates.length === 0 ? "none" : gates.map((gate) => gate.name).join(", ");
    throw new InputError(
      `unknown gate${unknown.length === 1 ? "" : "s"} ${unknown.map((n) => `"${n}"`).join(", ")} ` +
        `(configured: ${configured})`,
      "name gates from merge_gates in config/orchestrator.yaml, or none to run them all",
    );
  }
  return names.length === 0 ? [...gates] : gates.filter((gate) => names.includes(gate.name));
}

/** What `ork gates` compares with. */
export interface CheckoutChangeOptions {
  /** `--base`: a branch, tag or commit; default HEAD with `staged`, else the target branch. */
  readonly base?: string;
  /** `--staged`: the index rather than the working tree. */
  readonly staged: boolean;
  /** The index to read with `staged` (`GIT_INDEX_FILE` in a hook), absolute; default the worktree's. */
  readonly indexFile?: string;
}

/** The change to check, and the commit it is compared with. */
export interface CheckoutChange {
  /** For the built-in gates. */
  readonly change: ChangeSource;
  /** The base commit (or the empty tree before the first commit). */
  readonly base: string;
  /** The ref the base was chosen from, for people: `main`, `HEAD`, `origin/main`. */
  readonly baseName: string;
}

/**
 * Picks the change a checkout's gates check: the working tree (tracked changes and untracked files) or, with
 * `staged`, the index, against the merge base of the base ref and HEAD (as `git diff REF...` does), so that a
 * branch is judged by what it adds, not by what the base gained since. Before the first commit, against
 * nothing: every file is new.
 *
 * @param root the top of the worktree
 * @param config the loaded config (for `target_branch`)
 * @param opts `--base`, `--staged` and the index file
 * @returns the change and its base
 * @throws {OrkError} `bad-input` when `--base` names no commit, or no base can be chosen (a detached HEAD
 *   with no `target_branch`)
 */
export async function checkoutChange(
  root: string,
  config: OrkConfig,
  opts: CheckoutChangeOptions,
): Promise<CheckoutChange> {
  const head = await resolveCommit(root, "HEAD").catch(() => null);
  let ref = opts.base;
  if (ref === undefined) {
    if (opts.staged) ref = "HEAD";
    else {
      const { branch } = await targetBranchName(root, config.orchestrator.target_branch);
      if (branch === null) {
        throw new InputError(
          "no base to compare with: HEAD is detached and orchestrator.target_branch is not set",
          "give one with --base, e.g. --base main",
        );
      }
      ref = branch;
    }
  }
  const explicit = opts.base !== undefined;
  let base: string;
  if (head === null && !explicit) {
    base = await emptyTree(root); // no commit yet: everything in the change is new
  } else {
    const commit = await resolveCommit(root, ref);
    base = head === null ? commit : (await mergeBase(root, commit, head)) ?? commit;
  }
  const change: ChangeSource = opts.staged
    ? { kind: "index", base, ...(opts.indexFile === undefined ? {} : { indexFile: opts.indexFile }) }
    : { kind: "worktree", base };
  return { change, base, baseName: head === null && !explicit ? "the empty tree (no commits yet)" : ref };
}
