/**
 * Landing one job's work: under the repository's landing lock, build the candidate (the target's tip merged
 * with the job's commit), run the merge gates on it in the job's worktree, and move the target to it with
 * compare-and-swap. The target therefore only ever moves to a tree every required gate passed, tested as it
 * lands. When the user has the target checked out, their files are brought forward too, or nothing lands.
 *
 * @module
 */

import type { GateConfig } from "../config/mod.ts";
import { type GateResult, landingAllowed, runGates } from "../gates/mod.ts";
import {
  branchTip,
  buildCandidate,
  type Changes,
  changesBetween,
  type CheckoutResult,
  compareAndSwapBranch,
  currentBranch,
  fastForwardCheckout,
  isOnBranch,
  type JobCommit,
  pointHeadAt,
  setBranch,
} from "../git/mod.ts";
import { acquire } from "../lock/mod.ts";
import type { ExecSandbox } from "../sandbox/mod.ts";
import { settled, unwrap } from "./settled.ts";

/** What landing needs to know. */
export interface LandRequest {
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
  /** Resets the job's worktree to a commit with the given tree (see resetWorktree). */
  readonly reset: (commit: string, tree: string) => Promise<void>;
  /**
   * Wipes the job's worktree back to a commit with the given tree once the gates are done with it, never
   * throwing; run while the landing is recorded, as the two touch different worktrees.
   */
  readonly wipe: (commit: string, tree: string) => Promise<void>;
  /** The job's log, which gets the gates' output. */
  readonly logPath: string;
  /** The landing lock (`.ork/locks/landing.lock`). */
  readonly lockPath: string;
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
  readonly prepare?: (commit: string) => Promise<string | null>;
  /** The longest `prepare` may take, in seconds (0 without setup): waiting for the landing lock allows for it. */
  readonly setupTimeout?: number;
  /** Called with each gate's result as it finishes. */
  readonly onGate?: (gate: GateResult) => void;
  /** The job's confinement, which its gates share. */
  readonly sandbox?: ExecSandbox;
  /** Told each shell gate's process group as it starts. */
  readonly onGateStart?: (pid: number) => void;
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
  | { kind: "cancelled"; gates: GateResult[] };

/** How the last step of landing ended: landed, or not (the target moved meanwhile, or the checkout had work). */
export type LastStep =
  // checkoutBehind: why the user's checkout could not be brought forward, when the target could not be put back
  // either (it holds the candidate: the job has landed).
  | { kind: "landed"; commit: string; gates: GateResult[]; checkoutBehind?: string }
  | { kind: "target-moved" }
  | { kind: "checkout-would-lose-work"; files: string[]; gates: GateResult[] };

/** How often the target may move under us (someone committed to it outside ork) before we give up for now. */
const MAX_TIP_RACES = 3;

/**
 * Lands a job's commit on the target branch, or says why not. Serialised per repository by the landing lock.
 *
 * @returns the outcome; the target moved only when it is `landed`
 */
export async function landJob(request: LandRequest): Promise<LandResult> {
  // Gates can take their whole timeouts while we hold the lock: wait for it as long as that could take.
  const waitMs = 60_000 +
    (request.gates.reduce((sum, gate) => sum + gate.timeout, 0) + (request.setupTimeout ?? 0)) * 1000 * 4;
  await using _lock = await acquire(request.lockPath, { purpose: "landing", timeoutMs: waitMs });
  let gates: GateResult[] = [];
  // The tree the worktree holds exactly (untracked files aside), until a gate has run there.
  let holds = request.made?.tree ?? null;
  for (let attempt = 1;; attempt++) {
    const tip = await branchTip(request.root, request.target);
    const candidate = await buildCandidate(request.root, {
      target: tip,
      job: request.head,
      strategy: request.strategy,
      message: request.message,
      ...(request.made ? { jobCommit: request.made } : {}),
    });
    if (!candidate.ok) return { kind: "conflict", files: candidate.conflicts };

    // Looked at while the gates run (see settled.ts).
    const changing = settled(changesBetween(request.root, tip, candidate.commit));
    if (candidate.tree === holds) await pointHeadAt(request.worktree, candidate.commit);
    else await request.reset(candidate.commit, candidate.tree);
    holds = null;
    gates = [];
    const unprepared = await request.prepare?.(candidate.commit) ?? null;
    // (The job's end wipes the worktree.)
    if (unprepared !== null) return { kind: "environment-failed", error: unprepared };
    for (
      const gate of await runGates(request.gates, {
        cwd: request.worktree,
        logPath: request.logPath,
        env: request.env,
        // The built-in gates check what the candidate adds to the target: its first parent is the tip.
        change: { kind: "commits", base: tip, head: candidate.commit },
        sandbox: request.sandbox,
        onStart: request.onGateStart,
      })
    ) {
      gates.push(gate);
      request.onGate?.(gate);
    }
    const changes = unwrap(await changing);
    const verdict = landingAllowed(gates, request.gates);
    if (!verdict.allowed) return { kind: "gates-failed", failed: verdict.failedRequired, gates };
    // A job that changed the gates or the roles would have them off for every job after it, once landed.
    // (Looked at after the gates, which run as ork loaded them whatever the change says.)
    // The same list brings the user's checkout forward below.
    const protectedChanges = changes.all.filter((path) => request.protectedPaths.includes(path));
    if (protectedChanges.length > 0) return { kind: "changes-protected", files: protectedChanges };
    // The gates are done with the worktree: it is wiped while the landing is recorded.
    const wiping = request.wipe(candidate.commit, candidate.tree);
    let step: LastStep | null;
    try {
      await request.branchSet();
      step = await request.finish(
        () => moveTarget(request, tip, candidate.commit, changes, gates),
        candidate.commit,
      );
    } finally {
      await wiping;
    }
    if (step === null) return { kind: "cancelled", gates };
    if (step.kind !== "target-moved") return step;
    // The target moved outside ork while the gates ran: the tested tree is not what would land. Test again.
    if (attempt >= MAX_TIP_RACES) return { kind: "target-moving", attempts: attempt };
  }
}

/**
 * The last step: the target (and, gone in the same transaction, the job's branch) moves from `tip` to
 * `candidate`, and the user's checkout comes forward; or, when the checkout cannot, both are put back.
 */
async function moveTarget(
  request: LandRequest,
  tip: string,
  candidate: string,
  changes: Changes,
  gates: GateResult[],
): Promise<LastStep> {
  const { root, target, branch } = request;
  if (!(await compareAndSwapBranch(root, target, candidate, tip, { branch, commit: null }))) {
    return { kind: "target-moved" };
  }
  let checkout: CheckoutResult = { ok: true };
  try {
    if ((await currentBranch(root)) === target) {
      checkout = await fastForwardCheckout(root, tip, candidate, changes);
    }
  } catch (error) {
    // The user's checkout could not be brought forward (a git error, a lock someone held too long): put the
    // target back, so that it does not hold work the job will be recorded as not having landed (and run
    // again). If that fails too, or someone built on the candidate meanwhile, the job has landed.
    const back = await putBack(request, tip, candidate);
    if (back === true) throw error;
    return { kind: "landed", commit: candidate, gates, checkoutBehind: behind(`${reasonOf(error)}${back}`) };
  }
  if (!checkout.ok) {
    // The user's uncommitted work comes first: put the target back where it was; nothing lands.
    const back = await putBack(request, tip, candidate);
    if (back === true) return { kind: "checkout-would-lose-work", files: checkout.files, gates };
    return {
      kind: "landed",
      commit: candidate,
      gates,
      checkoutBehind: behind(`it would overwrite uncommitted changes in ${checkout.files.join(", ")}${back}`),
    };
  }
  return { kind: "landed", commit: candidate, gates };

  function behind(why: string): string {
    return `${why}; it still has ${tip}'s files: once that is out of the way, run ` +
      `git read-tree -m -u ${tip} ${candidate}`;
  }
}

/**
 * Moves the target back from the candidate to the tip, and the job's branch back too, waiting a little for a
 * ref lock someone holds. Resolves true when both are back, or else the reason they are not (to be appended to
 * another): the job has then landed, whatever the user's checkout says.
 */
async function putBack(request: LandRequest, tip: string, candidate: string): Promise<true | string> {
  const { root, target, branch, head } = request;
  for (let wait = 25;; wait *= 2) {
    try {
      if (await compareAndSwapBranch(root, target, tip, candidate, { branch, commit: head })) return true;
      // Someone moved the target meanwhile: the job has landed only if the candidate is still in its history.
      if (!(await isOnBranch(root, candidate, target))) {
        await setBranch(root, branch, head);
        return true;
      }
      return `; ${target} could not be put back: it moved on from ${candidate}`;
    } catch (error) {
      if (wait > 800) return `; ${target} could not be put back: ${reasonOf(error)}`;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}
