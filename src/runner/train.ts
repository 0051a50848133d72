/**
 * The merge train: jobs whose commands are done line up, and up to `landing.parallel` of them are tested at
 * once, each as a candidate built on the target's tip plus the candidates ahead of it (T+1, T+1+2, T+1+2+3).
 * The head lands by compare-and-swap as a single job would; the next may land only once everything it was
 * built on has, so the target then holds exactly the tree its gates passed. A candidate that fails is out of
 * the train once nothing ahead of it can still leave (its failure is final only then); whatever was built on
 * something that leaves is built again without it and tested again.
 *
 * One train per runner, holding the landing lock while it has jobs, so that two runners' trains take turns.
 *
 * @module
 */

import type { GateResult } from "../gates/mod.ts";
import { branchTip } from "../git/mod.ts";
import type { EventLog } from "./events.ts";
import { OneAtATime } from "./one_at_a_time.ts";
import type { TrainSnapshot } from "./train_view.ts";
import { buildCar, type Car, forReview, gatesOf, newCar, passedInReview, settle, testCar } from "./car.ts";
import { batchCandidate, nextBatch } from "./batch.ts";
import { Line } from "./line.ts";
import {
  type Candidate,
  type FinishBatch,
  landBatch,
  landCandidate,
  type LandRequest,
  type LandResult,
  type LastStep,
  type Tested,
} from "./land.ts";
import { LandingLock } from "./turns.ts";
import { delay } from "../time/mod.ts";

/** How often the target may move under the head (a commit made outside ork) before the head's job gives up. */
const MAX_TIP_RACES = 3;

/** How often a train waiting for another runner's to let go of the landing lock looks again. */
const LOCK_POLL_MS = 100;

/** What a train needs. */
export interface TrainOptions {
  /** The main worktree's root. */
  readonly root: string;
  /** The branch work lands on. */
  readonly target: string;
  /** The landing lock (`.ork/locks/landing.lock`), held while the train has jobs. */
  readonly lockPath: string;
  /** The runner's name, for the mark that says its train waits for the landing lock. */
  readonly runner: string;
  /** Candidates under test at once. */
  readonly parallel: number;
  /** The most jobs one candidate holds when more wait than there are free places to test them (default 1). */
  readonly batch?: number;
  /** Records the landing of a batch (several jobs in one candidate) in the same step as the target moves. */
  readonly finishBatch: FinishBatch;
  /** Aborted when the runner is told twice to stop: every test stops and nothing more lands. */
  readonly stop: AbortSignal;
  /** Where train changes are reported. */
  readonly events: EventLog;
  /** Told the train's state whenever it changes (for `ork status`). */
  readonly onChange?: (snapshot: TrainSnapshot) => void;
}

/**
 * The merge train of one runner. Workers hand it their jobs' commits with {@link Train.land} and get back how
 * landing ended, as landing one job alone would end.
 */
export class Train {
  readonly #options: TrainOptions;
  readonly #line: Line;
  readonly #lock: LandingLock;
  #tip: string | null = null;
  /** The `ORK_GATE_SLOT`s of the tests running, stopped ones included until they are gone. */
  readonly #slots = new Set<number>();
  #pumping = false;
  #again = false;
  /** Gates with `parallel: false`: one run at a time per name. */
  readonly #alone = new OneAtATime();

  constructor(options: TrainOptions) {
    this.#options = options;
    this.#line = new Line(options.events);
    this.#lock = new LandingLock(options.lockPath, options.runner);
    options.stop.addEventListener("abort", () => this.#kick(), { once: true });
  }

  /**
   * Puts a job's commit in the train and resolves once it has landed or left.
   *
   * @returns how landing ended (`landed`, or why not); rejects on an error of ork's own (a broken repository)
   */
  land(request: LandRequest): Promise<LandResult> {
    return new Promise<LandResult>((resolve, reject) => {
      // A job for review is tested alone: it leaves once its gates pass.
      this.#line.cars.push(newCar(request, resolve, reject, request.review ? 1 : this.#options.batch ?? 1));
      request.cancelled?.addEventListener("abort", () => this.#kick(), { once: true });
      this.#kick();
    });
  }

  /** The train as it stands. */
  snapshot(): TrainSnapshot {
    return { tip: this.#tip, cars: this.#line.view() };
  }

  /** Runs the train's steps one at a time until none has more to do; safe to call at any moment. */
  #kick(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    (async () => {
      try {
        do {
          this.#again = false;
          await this.#step();
          this.#options.onChange?.(this.snapshot());
        } while (this.#again);
      } catch (error) {
        // The lock could not be had, or git failed outside any one entry: every job waiting gets the error.
        this.#failAll(error);
      } finally {
        this.#pumping = false;
        // A job that joined (or a test that ended) while the error was being handed out.
        if (this.#again) this.#kick();
      }
    })();
  }

  /** One step: let go of what left, land the head if it may, start the tests there is room for. */
  async #step(): Promise<void> {
    const entries = this.#line.cars;
    if (this.#options.stop.aborted) return this.#stopAll();
    for (const entry of [...entries]) {
      if (entry.request.cancelled?.aborted) {
        this.#line.leave(entry, { kind: "cancelled", gates: gatesOf(entry) });
      } else if (entry.request.review && entry.state === "passed") this.#line.leave(entry, forReview(entry));
    }
    if (entries.length === 0) return this.#release();
    if (!this.#lock.held) {
      // Another runner's train holds it: looked at again in a moment, so that a cancel or a second Ctrl-C
      // meanwhile is handled at once.
      if (!this.#lock.take()) return await delay(LOCK_POLL_MS).then(() => void (this.#again = true));
      this.#tip = await branchTip(this.#options.root, this.#options.target);
      this.#again = true;
      return;
    }
    // Another runner's train waits: nothing new is built, and once what was built has landed or left, this
    // train lets go of the lock for a moment and takes its turn after the other's.
    if (this.#lock.othersTurn() && entries.every((entry) => entry.state === "waiting")) {
      this.#lock.giveTurn();
      this.#tip = null;
      this.#again = true;
      return;
    }
    this.#line.settleBatches();
    // Failures behind which something was built: that something is built again without them.
    for (const entry of entries) {
      if (entry.state === "failing") this.#line.rebuildDependents(entry, `${entry.request.job.id} failed`);
    }
    const head = entries[0]!;
    if (head.state === "failing" || head.state === "passed") {
      if (head.state === "failing") this.#leaveWithOutcome(head);
      else if (head.group !== null) await this.#landBatch(head.group);
      else await this.#landHead(head);
      // The next may land, or leave, at once.
      this.#again = true;
      return;
    }
    await this.#startTests();
  }

  /** Lets go of the landing lock (the train is empty, or it is another runner's turn). */
  #release(): void {
    this.#lock.release();
    this.#tip = null;
  }

  /** Builds and starts testing the waiting entries, in order, while there is room. */
  async #startTests(): Promise<void> {
    let base = this.#tip!;
    const ahead: Car[] = [];
    for (const [index, entry] of this.#line.cars.entries()) {
      if (entry.state === "waiting") {
        // A slot is taken until its test is gone, a stopped one too: no more than `parallel` gate runs at once.
        if (this.#slots.size >= this.#options.parallel || this.#options.stop.aborted) return;
        if (this.#lock.othersTurn()) return;
        // One conflicts: when it is the head that is final, and what is behind it builds without it.
        if (
          !(await this.#build(
            nextBatch(
              this.#line.cars,
              index,
              this.#options.parallel - this.#slots.size,
              this.#options.batch ?? 1,
            ),
            base,
            ahead,
          ))
        ) this.#again = true;
      }
      // Nothing is built on a job for review, which does not land.
      if (entry.state === "failing" || entry.request.review) continue;
      base = entry.candidate!.commit;
      ahead.push(entry);
    }
  }

  /**
   * Builds the candidates of `cars`, each on the one before (the first on `base`), and starts testing the last
   * one's for them all; false when one conflicts (it is `failing`, and those after it stay waiting).
   */
  async #build(cars: Car[], base: string, ahead: Car[]): Promise<boolean> {
    const built: Car[] = [];
    for (const car of cars) {
      const candidate = await buildCar(car, base, [...ahead, ...built]);
      if (candidate === null) break;
      base = candidate.commit;
      built.push(car);
    }
    if (built.length === 0) return false;
    const candidate = this.#line.built(built);
    // An approved job whose gates passed on this very tree in review: no test.
    if (built.length === 1 && await passedInReview(built[0]!, candidate)) this.#again = true;
    else this.#startTest(built.at(-1)!, candidate);
    return built.length === cars.length;
  }

  #startTest(entry: Car, candidate: Candidate): void {
    const slot = this.#freeSlot();
    this.#slots.add(slot);
    testCar(entry, candidate, {
      slot,
      stop: this.#options.stop,
      alone: this.#alone,
      onGate: () => this.#options.onChange?.(this.snapshot()),
      onDone: () => this.#kick(),
    });
    entry.testing!.then(() => {
      this.#slots.delete(slot);
      this.#kick();
    });
  }

  /** The lowest `ORK_GATE_SLOT` no running test has. */
  #freeSlot(): number {
    let slot = 1;
    while (this.#slots.has(slot)) slot++;
    return slot;
  }

  /** Lands the head, whose candidate passed and is built on the target's tip. */
  async #landHead(head: Car): Promise<void> {
    const candidate = head.candidate!;
    const passed = head.outcome as Extract<Tested, { kind: "passed" }>;
    head.state = "landing";
    try {
      await this.#afterLanding(head, await landCandidate(head.request, candidate, passed), passed);
    } catch (error) {
      // The head cannot stay half-landed: it leaves with the error, and the tip is read again (it may have
      // moved before the error).
      this.#line.remove(head);
      this.#line.rebuildDependents(head, `${head.request.job.id} could not land`);
      this.#tip = await branchTip(this.#options.root, this.#options.target);
      head.reject(error);
    }
  }

  /** Lands a batch at the head of the train, whose candidate passed: all its jobs at once. */
  async #landBatch(batch: Car[]): Promise<void> {
    const passed = batch.at(-1)!.outcome as Extract<Tested, { kind: "passed" }>;
    for (const car of batch) car.state = "landing";
    const cars = batch.map((car) => ({ request: car.request, commit: car.candidate!.commit }));
    let step: Awaited<ReturnType<typeof landBatch>>;
    try {
      step = await landBatch(cars, batchCandidate(batch), passed, this.#options.finishBatch);
    } catch (error) {
      for (const car of batch) this.#line.remove(car);
      for (const car of batch) this.#line.rebuildDependents(car, `${car.request.job.id} could not land`);
      this.#tip = await branchTip(this.#options.root, this.#options.target);
      for (const car of batch) car.reject(error);
      return;
    }
    if (step.kind === "not-running") {
      // Cancelled meanwhile: they leave, and the others are tested again without them.
      for (const car of batch) {
        if (step.jobs.includes(car.request.job.id)) {
          this.#line.leave(car, { kind: "cancelled", gates: passed.gates });
        }
      }
      // (Leaving rebuilt the others; whatever still waits to land is tested again.)
      const stuck = batch.find((car) => car.state === "landing");
      if (stuck) this.#line.rebuild(stuck, "a job of its batch was not running");
      return;
    }
    if (step.kind === "checkout-would-lose-work") {
      // Some job's change meets the user's uncommitted work: the halves are tried, until that job is alone.
      return this.#line.rebuild(
        batch[0]!,
        `it would overwrite uncommitted changes in ${step.files.join(", ")}`,
        true,
      );
    }
    if (step.kind !== "landed") return await this.#afterLanding(batch[0]!, step, passed);
    this.#tip = step.commit;
    this.#lock.landed(batch.length);
    for (const car of batch) this.#line.remove(car);
    for (const entry of this.#line.cars) {
      entry.builtOn = entry.builtOn.filter((ahead) => !batch.includes(ahead));
    }
    // Each job's own candidate is in the target's history, which now holds them all.
    for (const car of batch) car.resolve({ ...step, commit: car.candidate!.commit });
  }

  async #afterLanding(head: Car, step: LastStep | null, passed: { gates: GateResult[] }): Promise<void> {
    if (step === null) return this.#line.leave(head, { kind: "cancelled", gates: passed.gates });
    switch (step.kind) {
      case "landed":
        this.#tip = step.commit;
        this.#lock.landed(1);
        this.#line.remove(head);
        // What was built on it holds it still, now on the target.
        for (const entry of this.#line.cars) entry.builtOn = entry.builtOn.filter((ahead) => ahead !== head);
        head.resolve(step);
        return;
      case "checkout-would-lose-work":
      case "stopped":
        return this.#line.leave(head, step);
      case "target-moved": {
        // Committed to outside ork while the gates ran: everything is built again on the new tip.
        head.tipRaces++;
        for (const entry of this.#line.cars) {
          this.#line.rebuild(entry, `${this.#options.target} moved outside ork`);
        }
        if (head.tipRaces >= MAX_TIP_RACES) {
          this.#line.leave(head, { kind: "target-moving", attempts: head.tipRaces });
        }
        this.#tip = await branchTip(this.#options.root, this.#options.target);
        return;
      }
    }
  }

  /** The head failed, and nothing ahead of it can leave any more: its failure is final. */
  #leaveWithOutcome(head: Car): void {
    const outcome = head.outcome!;
    if (outcome.kind === "error") {
      this.#line.remove(head);
      void settle(head, () => head.reject(outcome.error));
      return;
    }
    if (outcome.kind === "passed" || outcome.kind === "aborted") {
      // Not a failure (an aborted test that was not rebuilt): tested again.
      this.#line.rebuild(head, "its test was stopped");
      return;
    }
    this.#line.leave(head, outcome);
  }

  /** The runner was told twice to stop: every test stops, nothing more lands, every job hears `stopped`. */
  #stopAll(): void {
    this.#line.empty((car) => car.resolve({ kind: "stopped" }));
    this.#release();
  }

  #failAll(error: unknown): void {
    this.#line.empty((car) => car.reject(error));
    this.#release();
  }
}
