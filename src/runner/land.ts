/**
 * Landing one job's work: testing a candidate (a commit built on the target, or on the candidates ahead of it in
 * the merge train, merged with the job's commit) by running the merge gates on it in the job's worktree, and
 * the last step, moving the target to a tested candidate by compare-and-swap and bringing the user's checkout
 * forward. The train (`train.ts`) decides which candidate is built on what and when one may land; the target
 * therefore only ever moves to a tree every required gate passed, tested as it lands.
 *
 * @module
 */

import type { GateConfig } from "../config/mod.ts";
import { type GateResult, landingAllowed, runGates } from "../gates/mod.ts";
import {
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
import type { ExecSandbox } from "../sandbox/mod.ts";
import type { JobRef } from "./events.ts";
import { settled, unwrap } from "./settled.ts";
import { delay } from "../time/mod.ts";
import { reasonOf } from "../errors/mod.ts";

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
  /** Resets the job's worktree to a commit with the given tree (see resetWorktree). */
  readonly reset: (commit: string, tree: string) => Promise<void>;
  /**
   * Wipes the job's worktree back to a commit with the given tree once the gates are done with it, never
   * throwing; run while the landing is recorded, as the two touch different worktrees.
   */
  readonly wipe: (commit: string, tree: string) => Promise<void>;
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

/** How one test of a candidate runs. */
export interface TestOptions {
  /** Whether the worktree holds exactly the candidate's tree already (ork's commit of the job, untouched). */
  readonly holdsTree: boolean;
  /** Stops the gates: the candidate was rebuilt, its job cancelled or the runner stopped. */
  readonly signal: AbortSignal;
  /** Variables the gates get besides the request's (`ORK_GATE_SLOT`). */
  readonly env: Record<string, string>;
  /** Runs a gate with `parallel: false` alone (see `runGates`). */
  readonly alone?: (gate: GateConfig, run: () => Promise<GateResult>) => Promise<GateResult>;
  /** Told the name of each gate as it starts, for `ork status`. */
  readonly onGateStarting?: (name: string) => void;
}

/**
 * Tests a candidate: puts it in the job's worktree, gives it its environment and runs the gates on it, then
 * looks at whether it changes ork's own config. Moves no ref.
 *
 * @returns `passed` with the gates' results and the paths the candidate changes against its base, `aborted`
 * when the signal stopped it, or why it may not land
 */
export async function testCandidate(
  request: LandRequest,
  candidate: Candidate,
  options: TestOptions,
): Promise<Tested> {
  // Looked at while the gates run (see settled.ts).
  const changing = settled(changesBetween(request.root, candidate.base, candidate.commit));
  if (options.signal.aborted) return { kind: "aborted" };
  if (options.holdsTree) await pointHeadAt(request.worktree, candidate.commit);
  else await request.reset(candidate.commit, candidate.tree);
  if (options.signal.aborted) return { kind: "aborted" };
  const unprepared = await request.prepare?.(candidate.commit, options.signal) ?? null;
  if (options.signal.aborted) return { kind: "aborted" };
  // (The job's end wipes the worktree.)
  if (unprepared !== null) return { kind: "environment-failed", error: unprepared };
  const gates: GateResult[] = [];
  const pending = [...request.gates];
  if (pending[0]) options.onGateStarting?.(pending[0].name);
  for (
    const gate of await runGates(request.gates, {
      cwd: request.worktree,
      logPath: request.logPath,
      env: { ...request.env, ...options.env },
      // The built-in gates check what the candidate adds to its base: its first parent.
      change: { kind: "commits", base: candidate.base, head: candidate.commit },
      sandbox: request.sandbox,
      signal: options.signal,
      onStart: request.onGateStart,
      alone: options.alone,
      ...(request.maxLogBytes === undefined ? {} : { maxLogBytes: request.maxLogBytes }),
      onGate: () => {
        pending.shift();
        if (pending[0]) options.onGateStarting?.(pending[0].name);
      },
    })
  ) {
    gates.push(gate);
    if (!options.signal.aborted) request.onGate?.(gate);
  }
  const changes = unwrap(await changing);
  if (options.signal.aborted) return { kind: "aborted" };
  const verdict = landingAllowed(gates, request.gates);
  if (!verdict.allowed) return { kind: "gates-failed", failed: verdict.failedRequired, gates };
  // A job that changed the gates or the roles would have them off for every job after it, once landed.
  // (Looked at after the gates, which run as ork loaded them whatever the change says.)
  const protectedChanges = changes.all.filter((path) => request.protectedPaths.includes(path));
  if (protectedChanges.length > 0) return { kind: "changes-protected", files: protectedChanges };
  return { kind: "passed", gates, changes };
}

/**
 * The last step of landing a tested candidate: the target moves from the candidate's base to it (recorded
 * as the job's landing in the same step, see `finish`), and the user's checkout comes forward. The worktree is
 * wiped meanwhile.
 *
 * @returns how it ended, or null when the job was cancelled before it
 */
export async function landCandidate(
  request: LandRequest,
  candidate: Candidate,
  passed: { gates: GateResult[]; changes: Changes },
): Promise<LastStep | null> {
  // The gates are done with the worktree: it is wiped while the landing is recorded.
  const wiping = request.wipe(candidate.commit, candidate.tree);
  try {
    await request.branchSet();
    return await request.finish(() => moveTarget([request], candidate, passed), candidate.commit);
  } finally {
    await wiping;
  }
}

/** One job of a batch: its request, and its own candidate (the commit recorded as its landing). */
export interface BatchCar {
  readonly request: LandRequest;
  readonly commit: string;
}

/**
 * Runs the last step of landing a batch only while every one of its jobs is running, recording all their
 * landings in the same step (see `LandRequest.finish`); resolves with the ids of those that are not, without
 * running it.
 */
export type FinishBatch = (
  cars: readonly BatchCar[],
  land: () => Promise<LastStep>,
) => Promise<LastStep | { kind: "not-running"; jobs: string[] }>;

/**
 * The last step of landing a batch, jobs tested together as one candidate (the last one's, built on the others'):
 * the target moves from the first one's base to it in one step, every job's branch going in the same
 * transaction. The last job's worktree, where the gates ran, is wiped meanwhile.
 */
export async function landBatch(
  cars: readonly BatchCar[],
  candidate: Candidate,
  passed: { gates: GateResult[]; changes: Changes },
  finish: FinishBatch,
): Promise<LastStep | { kind: "not-running"; jobs: string[] }> {
  const requests = cars.map((car) => car.request);
  const last = requests.at(-1)!;
  const wiping = last.wipe(candidate.commit, candidate.tree);
  try {
    for (const request of requests) await request.branchSet();
    return await finish(cars, () => moveTarget(requests, candidate, passed));
  } finally {
    await wiping;
  }
}

/**
 * The last step: the target (and, gone in the same transaction, the jobs' branches) moves from the candidate's
 * base to it, and the user's checkout comes forward; or, when the checkout cannot, all are put back.
 */
async function moveTarget(
  requests: readonly LandRequest[],
  tested: Candidate,
  { changes, gates }: { gates: GateResult[]; changes: Changes },
): Promise<LastStep> {
  const { root, target } = requests[0]!;
  const { base: tip, commit: candidate } = tested;
  const branches = requests.map(({ branch }) => ({ branch, commit: null }));
  if (!(await compareAndSwapBranch(root, target, candidate, tip, branches))) return { kind: "target-moved" };
  let checkout: CheckoutResult = { ok: true };
  try {
    if ((await currentBranch(root)) === target) {
      checkout = await fastForwardCheckout(root, tip, candidate, changes);
    }
  } catch (error) {
    // The user's checkout could not be brought forward (a git error, a lock someone held too long): put the
    // target back, so that it does not hold work the job will be recorded as not having landed (and run
    // again). If that fails too, or someone built on the candidate meanwhile, the job has landed.
    const back = await putBack(requests, tip, candidate);
    if (back === true) throw error;
    return { kind: "landed", commit: candidate, gates, checkoutBehind: behind(`${reasonOf(error)}${back}`) };
  }
  if (!checkout.ok) {
    // The user's uncommitted work comes first: put the target back where it was; nothing lands.
    const back = await putBack(requests, tip, candidate);
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
 * Moves the target back from the candidate to the tip, and the jobs' branches back too, waiting a little for a
 * ref lock someone holds. Resolves true when all are back, or else the reason they are not (to be appended to
 * another): the jobs have then landed, whatever the user's checkout says.
 */
async function putBack(
  requests: readonly LandRequest[],
  tip: string,
  candidate: string,
): Promise<true | string> {
  const { root, target } = requests[0]!;
  const branches = requests.map(({ branch, head }) => ({ branch, commit: head }));
  for (let wait = 25;; wait *= 2) {
    try {
      if (await compareAndSwapBranch(root, target, tip, candidate, branches)) return true;
      // Someone moved the target meanwhile: the jobs have landed only if the candidate is still in its history.
      if (!(await isOnBranch(root, candidate, target))) {
        for (const { branch, head } of requests) await setBranch(root, branch, head);
        return true;
      }
      return `; ${target} could not be put back: it moved on from ${candidate}`;
    } catch (error) {
      if (wait > 800) return `; ${target} could not be put back: ${reasonOf(error)}`;
      await delay(wait);
    }
  }
}
