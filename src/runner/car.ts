/**
 * One job in the merge train (a car): its place in the line, its candidate and the test of it, which runs in
 * the background and only reports. The train (`train.ts`) decides what each car is built on, when it is built
 * again and when it lands.
 *
 * @module
 */

import type { GateConfig } from "../config/mod.ts";
import { buildCandidate, changesBetween } from "../git/mod.ts";
import type { GateResult } from "../gates/mod.ts";
import type { Candidate, LandRequest, LandResult, Tested } from "./land.ts";
import { testCandidate } from "./land.ts";
import type { OneAtATime } from "./one_at_a_time.ts";
import type { CarState } from "./train_view.ts";

/** A job in the train. */
export interface Car {
  readonly request: LandRequest;
  readonly resolve: (result: LandResult) => void;
  readonly reject: (error: unknown) => void;
  state: CarState;
  candidate: Candidate | null;
  /** The cars ahead whose work the candidate holds: if one leaves without landing, this one is built again. */
  builtOn: Car[];
  /** The test's outcome: `passed` to land, else why it cannot (final once the car is the head). */
  outcome: Tested | { kind: "conflict"; files: string[] } | { kind: "error"; error: unknown } | null;
  /** Stops the running test. */
  abort: AbortController | null;
  /** The running test, awaited before the worktree is used again. */
  testing: Promise<void> | null;
  /** Bumped each time the car is built again: a test of an older build reports nothing. */
  generation: number;
  /** Whether the worktree still holds exactly ork's commit of the job (true until a test has used it). */
  holdsTree: boolean;
  /** How often the target moved outside ork under it while it was the head. */
  tipRaces: number;
  /** Its `ORK_GATE_SLOT` while it is tested. */
  slot: number | null;
  /** The gate running, and since when. */
  gate: { name: string; since: string } | null;
  /** The most jobs a candidate holding it may hold (`landing.batch`, halved each time one holding it fails). */
  cap: number;
  /**
   * The cars tested in one candidate with it (itself included), in train order; null when it is tested alone.
   * The last one's candidate is the one tested, in its job's worktree, and they land together or not at all.
   */
  group: Car[] | null;
}

/** A car for a job that just joined the train. */
export function newCar(
  request: LandRequest,
  resolve: (result: LandResult) => void,
  reject: (error: unknown) => void,
  cap: number,
): Car {
  return {
    request,
    resolve,
    reject,
    state: "waiting",
    candidate: null,
    builtOn: [],
    outcome: null,
    abort: null,
    testing: null,
    generation: 0,
    holdsTree: request.made !== null && request.made !== undefined,
    tipRaces: 0,
    slot: null,
    gate: null,
    cap,
    group: null,
  };
}

/**
 * Builds the car's candidate on `base`, the candidate of the last car in `ahead` (or the target's tip). On a
 * conflict, or an error of git's, the car is `failing` with that outcome and null comes back.
 */
export async function buildCar(car: Car, base: string, ahead: readonly Car[]): Promise<Candidate | null> {
  const { request } = car;
  car.builtOn = [...ahead];
  try {
    const built = await buildCandidate(request.root, {
      target: base,
      job: request.head,
      strategy: request.strategy,
      message: request.message,
      ...(request.made ? { jobCommit: request.made } : {}),
    });
    if (!built.ok) {
      car.state = "failing";
      car.outcome = { kind: "conflict", files: built.conflicts };
      return null;
    }
    car.candidate = { base, commit: built.commit, tree: built.tree };
  } catch (error) {
    car.state = "failing";
    car.outcome = { kind: "error", error };
    return null;
  }
  car.state = "testing";
  car.outcome = null;
  return car.candidate;
}

/** What a car's test needs from the train. */
export interface TestCarOptions {
  /** Its `ORK_GATE_SLOT`. */
  readonly slot: number;
  /** Aborted when the runner is told twice to stop. */
  readonly stop: AbortSignal;
  /** Where gates with `parallel: false` wait for each other. */
  readonly alone: OneAtATime;
  /** Told when a gate starts. */
  readonly onGate: () => void;
  /** Told when the test is done and its outcome is on the car (not when it was built again meanwhile). */
  readonly onDone: () => void;
}

/** Starts testing the car's candidate in the background; its outcome lands on the car (see `Car.outcome`). */
export function testCar(car: Car, candidate: Candidate, options: TestCarOptions): void {
  const generation = ++car.generation;
  const abort = new AbortController();
  car.abort = abort;
  car.slot = options.slot;
  const previous = car.testing;
  const holdsTree = car.holdsTree && candidate.tree === car.request.made?.tree;
  car.holdsTree = false;
  car.testing = (async () => {
    const signal = AbortSignal.any([abort.signal, options.stop]);
    // The worktree is the car's own: an older test of it must be gone first.
    await previous;
    let outcome: Car["outcome"];
    try {
      outcome = await testCandidate(car.request, candidate, {
        holdsTree,
        signal,
        env: { ORK_GATE_SLOT: String(options.slot) },
        alone: (gate, run) => options.alone.run(gate.name, run, signal),
        onGateStarting: (name) => {
          car.gate = { name, since: new Date().toISOString() };
          options.onGate();
        },
      });
    } catch (error) {
      outcome = { kind: "error", error };
    }
    if (generation !== car.generation) return;
    car.gate = null;
    car.slot = null;
    car.outcome = outcome;
    car.state = outcome.kind === "passed" ? "passed" : "failing";
    options.onDone();
  })();
}

/** Tells a car's job how it left, once its test (if one runs) is gone. */
export async function settle(car: Car, tell: () => void): Promise<void> {
  await car.testing;
  tell();
}

/** The gate results of the car's last test, if it got that far. */
export function gatesOf(entry: Car): GateResult[] {
  const outcome = entry.outcome;
  return outcome !== null && "gates" in outcome ? outcome.gates : [];
}

/** How a car for review leaves once its gates passed: with its candidate and their results. */
export function forReview(car: Car): Extract<LandResult, { kind: "awaiting-review" }> {
  return { kind: "awaiting-review", candidate: car.candidate!, gates: gatesOf(car) };
}

/** What tells one configuration of the gates from another: a review's pass holds only under the same. */
export function gatesKey(gates: readonly GateConfig[]): string {
  return JSON.stringify(gates);
}

/**
 * An approved car whose candidate has the very tree its gates passed in review, under the same gates: it passes
 * with their results and no test (promise 2 holds: the gates tested that tree). False, changing nothing, else.
 */
export async function passedInReview(car: Car, candidate: Candidate): Promise<boolean> {
  const reviewed = car.request.reviewed;
  if (reviewed === undefined) return false;
  if (
    reviewed.candidate.tree !== candidate.tree || reviewed.candidate.gates_key !== gatesKey(car.request.gates)
  ) {
    note(car, "the target moved since the review (or the gates changed): its candidate is tested again");
    return false;
  }
  const changes = await changesBetween(car.request.root, candidate.base, candidate.commit);
  note(
    car,
    `its candidate has the tree its gates passed in review (${
      candidate.tree.slice(0, 12)
    }): not tested again`,
  );
  car.outcome = { kind: "passed", gates: reviewed.gates, changes };
  car.state = "passed";
  return true;
}

/** Adds an `== ork:` line to the car's job log. Never throws: the log is for reading, landing does not need it. */
export function note(car: Car, text: string): void {
  try {
    Deno.writeTextFileSync(car.request.logPath, `== ork: ${text}\n`, { append: true });
  } catch {
    // A full disk: the event log has it too.
  }
}
