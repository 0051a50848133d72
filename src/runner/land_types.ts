/**
 * What landing one job takes and gives: the request a job's cycle hands the merge train, the candidate, and the
 * ways testing and landing end.
 *
 * @module
 */

import type { GateConfig } from "../config/mod.ts";
import type { GateResult } from "../gates/mod.ts";
import type { Changes, JobCommit } from "../git/mod.ts";
import type { ReviewedCandidate } from "../queue/mod.ts";
import type { ExecSandbox } from "../sandbox/mod.ts";
import type { JobRef } from "./events.ts";
import type { Slot } from "./slot.ts";

/** What landing one job needs to know. */
export interface LandRequest {
  /** The job. */
  readonly job: JobRef;
  /** The main worktree's root. */
  readonly root: string;
  /** The branch work lands on. */
  readonly target: string;
  /** The job's commit. */
  readonly head: string;
  /**
   * ork's commit of the job's work when it made one (`head`): the worktree then holds exactly its tree, with an
   * index git can trust, and a candidate with that tree needs no checkout.
   */
  readonly made?: JobCommit | null;
  /** The job's branch, deleted in the same step as the target moves. */
  readonly branch: string;
  /** Resolves once the job's branch is set (it may still be being set while the gates run). */
  readonly branchSet: () => Promise<void>;
  /** The job's worktree, where the gates run on the candidate. */
  readonly worktree: string;
  /**
   * The worker's slot, which holds the job's worktree: reset to each candidate before its gates, wiped (it never
   * throws) while the landing is recorded, as the two touch different worktrees.
   */
  readonly slot: Pick<Slot, "reset" | "wipe">;
  /** The job's log, which gets the gates' output. */
  readonly logPath: string;
  /** `merge` or `squash`. */
  readonly strategy: "merge" | "squash";
  /** The candidate's commit message. */
  readonly message: string;
  /** The gates, from the config ork loaded (never from the job's worktree). */
  readonly gates: readonly GateConfig[];
  /** Files no job may change (ork's own config: the gates and roles), relative to the repository's top. */
  readonly protectedPaths: readonly string[];
  /** Variables for the gates' commands. */
  readonly env: Record<string, string>;
  /**
   * Runs the last step (moving the target, bringing the user's checkout forward) only while the job is still
   * running, and records the landing in the same step: a cancel cannot come between the two. Resolves null,
   * without running it, when the job was cancelled meanwhile.
   */
  readonly finish: (land: () => Promise<LastStep>, candidate: string) => Promise<LastStep | null>;
  /**
   * Gives the worktree, holding exactly the candidate, its environment before the gates (see
   * `prepareEnvironment`); resolves null, or why it cannot (the gates then do not run and nothing lands).
   */
  readonly prepare?: (commit: string, signal: AbortSignal) => Promise<string | null>;
  /** Called with each gate's result as it finishes. */
  readonly onGate?: (gate: GateResult) => void;
  /** The job's confinement, which its gates share. */
  readonly sandbox?: ExecSandbox;
  /** Told each shell gate's process group as it starts. */
  readonly onGateStart?: (pid: number) => void;
  /** The most of each gate's output kept in the log (`orchestrator.log_max_bytes`). */
  readonly maxLogBytes?: number;
  /** Aborted when the job is cancelled while it waits or is tested: it leaves the train at once. */
  readonly cancelled?: AbortSignal;
  /**
   * Once its gates pass it leaves the train for a person's review (`awaiting-review`) instead of landing; nothing
   * behind it is built on it.
   */
  readonly review?: boolean;
  /**
   * An approved job's candidate as its gates passed it in review, with their results: a candidate with the same
   * tree, under the same gates, lands without testing again.
   */
  readonly reviewed?: { readonly candidate: ReviewedCandidate; readonly gates: GateResult[] };
}

/** How landing ended. */
export type LandResult =
  | { kind: "landed"; commit: string; gates: GateResult[]; checkoutBehind?: string }
  | { kind: "conflict"; files: string[] }
  | { kind: "changes-protected"; files: string[] }
  | { kind: "target-moving"; attempts: number }
  | { kind: "gates-failed"; failed: string[]; gates: GateResult[] }
  | { kind: "environment-failed"; error: string }
  | { kind: "checkout-would-lose-work"; files: string[]; gates: GateResult[] }
  | { kind: "cancelled"; gates: GateResult[] }
  // Its gates passed and it waits for review (`LandRequest.review`); nothing landed.
  | { kind: "awaiting-review"; candidate: Candidate; gates: GateResult[] }
  // The runner was told twice to stop: nothing of the job landed.
  | { kind: "stopped" };

/** How the last step of landing ended: landed, or not (the target moved meanwhile, or the checkout had work). */
export type LastStep =
  // checkoutBehind: why the user's checkout could not be brought forward, when the target could not be put back
  // either (it holds the candidate: the job has landed).
  | { kind: "landed"; commit: string; gates: GateResult[]; checkoutBehind?: string }
  | { kind: "target-moved" }
  | { kind: "checkout-would-lose-work"; files: string[]; gates: GateResult[] }
  // The runner was told twice to stop before the target moved: nothing lands.
  | { kind: "stopped" };

/** A candidate: the commit that would land, built on `base` (the target, or the candidate ahead in the train). */
export interface Candidate {
  /** The commit it is built on: its first parent. */
  readonly base: string;
  /** The candidate commit. */
  readonly commit: string;
  /** Its tree. */
  readonly tree: string;
}

/** How testing a candidate ended: it may land (with what it changes), or the result that says why not. */
export type Tested =
  | { kind: "passed"; gates: GateResult[]; changes: Changes }
  | Extract<LandResult, { kind: "gates-failed" | "changes-protected" | "environment-failed" }>
  | { kind: "aborted" };
