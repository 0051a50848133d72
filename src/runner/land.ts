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
  pointHeadAt,
  setBranch,
} from "../git/mod.ts";
import { settled, unwrap } from "./settled.ts";
import { delay } from "../time/mod.ts";
import { reasonOf } from "../errors/mod.ts";

export type { Candidate, LandRequest, LandResult, LastStep, Tested } from "./land_types.ts";
import type { Candidate, LandRequest, LastStep, Tested } from "./land_types.ts";

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
  else await request.slot.reset(candidate.commit, candidate.tree);
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
  const wiping = request.slot.wipe(candidate.commit, candidate.tree);
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
  const wiping = last.slot.wipe(candidate.commit, candidate.tree);
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
