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
import { type Lock, tryAcquire } from "../lock/mod.ts";
import type { EventLog } from "./events.ts";
import { OneAtATime } from "./one_at_a_time.ts";
import type { TrainSnapshot } from "./train_view.ts";
import { buildCar, type Car, gatesOf, newCar, settle, testCar } from "./car.ts";
import {
  type Candidate,
  landCandidate,
  type LandRequest,
  type LandResult,
  type LastStep,
  type Tested,
} from "./land.ts";
import { Turns } from "./turns.ts";

/** How often the target may move under the head (a commit made outside ork) before the head's job gives up. */
const MAX_TIP_RACES = 3;

/** How often a train waiting for another runner's to let go of the landing lock looks again. */
const LOCK_POLL_MS = 100;
/** How long a train that let go of the landing lock for a waiting runner leaves it to that runner. */
const YIELD_MS = 1000;

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
  readonly #entries: Car[] = [];
  #lock: Lock | null = null;
  #tip: string | null = null;
  /** Until when the train leaves the landing lock to a waiting runner's train, having let go of it. */
  #yieldedUntil = 0;
  /** The `ORK_GATE_SLOT`s of the tests running, stopped ones included until they are gone. */
  readonly #slots = new Set<number>();
  readonly #turns: Turns;
  /** Jobs landed since the train took the landing lock: it lets a waiting runner's train go only after one. */
  #landedWithLock = 0;
  #pumping = false;
  #again = false;
  /** Gates with `parallel: false`: one run at a time per name. */
  readonly #alone = new OneAtATime();

  constructor(options: TrainOptions) {
    this.#options = options;
    this.#turns = new Turns(options.lockPath, options.runner);
    options.stop.addEventListener("abort", () => this.#kick(), { once: true });
  }

  /**
   * Puts a job's commit in the train and resolves once it has landed or left.
   *
   * @returns how landing ended (`landed`, or why not); rejects on an error of ork's own (a broken repository)
   */
  land(request: LandRequest): Promise<LandResult> {
    return new Promise<LandResult>((resolve, reject) => {
      this.#entries.push(newCar(request, resolve, reject));
      request.cancelled?.addEventListener("abort", () => this.#kick(), { once: true });
      this.#kick();
    });
  }

  /** The train as it stands. */
  snapshot(): TrainSnapshot {
    return {
      tip: this.#tip,
      cars: this.#entries.map((entry) => ({
        job: entry.request.job.id,
        state: entry.state,
        base: entry.candidate?.base ?? null,
        candidate: entry.candidate?.commit ?? null,
        holds: entry.builtOn.map((ahead) => ahead.request.job.id),
        gate: entry.gate,
        slot: entry.slot,
      })),
    };
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
    const entries = this.#entries;
    if (this.#options.stop.aborted) return this.#stopAll();
    for (const entry of [...entries]) {
      if (entry.request.cancelled?.aborted) this.#leave(entry, { kind: "cancelled", gates: gatesOf(entry) });
    }
    if (entries.length === 0) return this.#release();
    if (this.#lock === null) {
      this.#lock = Date.now() < this.#yieldedUntil
        ? null
        : tryAcquire(this.#options.lockPath, { purpose: "landing" });
      if (this.#lock === null) return await this.#waitForLock();
      this.#turns.stopWaiting();
      this.#landedWithLock = 0;
      this.#tip = await branchTip(this.#options.root, this.#options.target);
      this.#again = true;
      return;
    }
    // Another runner's train waits: nothing new is built, and once what was built has landed or left, this
    // train lets go of the lock for a moment and takes its turn after the other's.
    if (this.#yielding() && entries.every((entry) => entry.state === "waiting")) {
      this.#release();
      this.#yieldedUntil = Date.now() + YIELD_MS;
      this.#again = true;
      return;
    }
    // Failures behind which something was built: that something is built again without them.
    for (const entry of entries) {
      if (entry.state === "failing") this.#rebuildDependents(entry, `${entry.request.job.id} failed`);
    }
    const head = entries[0]!;
    if (head.state === "failing" || head.state === "passed") {
      if (head.state === "failing") this.#leaveWithOutcome(head);
      else await this.#landHead(head);
      // The next may land, or leave, at once.
      this.#again = true;
      return;
    }
    await this.#startTests();
  }

  /**
   * Another runner's train holds the landing lock: says so (the other lets go once it has landed what it built)
   * and looks again in a moment, so that a cancel or a second Ctrl-C meanwhile is handled at once.
   */
  async #waitForLock(): Promise<void> {
    this.#turns.waiting();
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    this.#again = true;
  }

  /** Whether it is another runner's turn: one waits, and this train has landed something since it took the lock. */
  #yielding(): boolean {
    return this.#landedWithLock > 0 && this.#turns.othersWaiting();
  }

  /** Lets go of the landing lock (the train is empty, or it is another runner's turn). */
  #release(): void {
    this.#lock?.[Symbol.dispose]();
    this.#lock = null;
    this.#tip = null;
    this.#turns.stopWaiting();
  }

  /** Builds and starts testing the waiting entries, in order, while there is room. */
  async #startTests(): Promise<void> {
    let base = this.#tip!;
    const ahead: Car[] = [];
    for (const entry of this.#entries) {
      if (entry.state === "failing") continue;
      if (entry.state === "waiting") {
        // A slot is taken until its test is gone, a stopped one too: no more than `parallel` gate runs at once.
        if (this.#slots.size >= this.#options.parallel || this.#options.stop.aborted) return;
        if (this.#yielding()) return;
        const built = await this.#build(entry, base, ahead);
        if (!built) {
          // It conflicts: when it is the head that is final, and what is behind it builds without it.
          this.#again = true;
          continue;
        }
      }
      base = entry.candidate!.commit;
      ahead.push(entry);
    }
  }

  /** Builds the entry's candidate on `base` and starts its test; false when it conflicts (it is `failing`). */
  async #build(entry: Car, base: string, ahead: Car[]): Promise<boolean> {
    const { request } = entry;
    const built = await buildCar(entry, base, ahead);
    if (built === null) return false;
    const position = this.#entries.indexOf(entry) + 1;
    this.#options.events.emit({
      kind: "train",
      job: request.job,
      action: "built",
      detail: `candidate ${built.commit.slice(0, 12)} on ${base.slice(0, 12)}, position ${position}` +
        (ahead.length > 0 ? `, holding ${ahead.map((a) => a.request.job.id).join(", ")}` : ""),
    });
    this.#startTest(entry, built);
    return true;
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
      this.#remove(head);
      this.#rebuildDependents(head, `${head.request.job.id} could not land`);
      this.#tip = await branchTip(this.#options.root, this.#options.target);
      head.reject(error);
    }
  }

  async #afterLanding(head: Car, step: LastStep | null, passed: { gates: GateResult[] }): Promise<void> {
    if (step === null) return this.#leave(head, { kind: "cancelled", gates: passed.gates });
    switch (step.kind) {
      case "landed":
        this.#tip = step.commit;
        this.#landedWithLock++;
        this.#remove(head);
        // What was built on it holds it still, now on the target.
        for (const entry of this.#entries) entry.builtOn = entry.builtOn.filter((ahead) => ahead !== head);
        head.resolve(step);
        return;
      case "checkout-would-lose-work":
      case "stopped":
        return this.#leave(head, step);
      case "target-moved": {
        // Committed to outside ork while the gates ran: everything is built again on the new tip.
        head.tipRaces++;
        for (const entry of this.#entries) this.#rebuild(entry, `${this.#options.target} moved outside ork`);
        if (head.tipRaces >= MAX_TIP_RACES) {
          this.#leave(head, { kind: "target-moving", attempts: head.tipRaces });
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
      this.#remove(head);
      void settle(head, () => head.reject(outcome.error));
      return;
    }
    if (outcome.kind === "passed" || outcome.kind === "aborted") {
      // Not a failure (an aborted test that was not rebuilt): tested again.
      this.#rebuild(head, "its test was stopped");
      return;
    }
    this.#leave(head, outcome);
  }

  /**
   * The entry leaves the train with `result`; whatever was built on it is built again without it. Its job hears
   * once its test is gone (the worktree is the job's again only then); the train does not wait for that.
   */
  #leave(entry: Car, result: LandResult): void {
    entry.abort?.abort();
    this.#remove(entry);
    this.#rebuildDependents(entry, `${entry.request.job.id} left the train (${result.kind})`);
    void settle(entry, () => entry.resolve(result));
  }

  #remove(entry: Car): void {
    const index = this.#entries.indexOf(entry);
    if (index !== -1) this.#entries.splice(index, 1);
  }

  /** Every entry built on `entry` is built again without it. */
  #rebuildDependents(entry: Car, reason: string): void {
    for (const other of this.#entries) {
      if (other.builtOn.includes(entry)) this.#rebuild(other, reason);
    }
  }

  /** Back to waiting: its test stops and its candidate is built again on what is ahead of it now. */
  #rebuild(entry: Car, reason: string): void {
    if (entry.state === "waiting") return;
    entry.generation++;
    entry.abort?.abort();
    entry.abort = null;
    entry.state = "waiting";
    entry.candidate = null;
    entry.outcome = null;
    entry.gate = null;
    entry.slot = null;
    entry.builtOn = [];
    this.#options.events.emit({ kind: "train", job: entry.request.job, action: "rebuilt", detail: reason });
    try {
      // Its log says why the gates above stopped or do not count, before the next run's output.
      Deno.writeTextFileSync(entry.request.logPath, `== ork: candidate built again: ${reason}\n`, {
        append: true,
      });
    } catch {
      // The log is for reading; the landing does not depend on it.
    }
    this.#rebuildDependents(entry, reason);
  }

  /** The runner was told twice to stop: every test stops, nothing more lands, every job hears `stopped`. */
  #stopAll(): void {
    for (const entry of [...this.#entries]) {
      entry.abort?.abort();
      this.#remove(entry);
      void settle(entry, () => entry.resolve({ kind: "stopped" }));
    }
    this.#release();
  }

  #failAll(error: unknown): void {
    for (const entry of [...this.#entries]) {
      entry.abort?.abort();
      this.#remove(entry);
      void settle(entry, () => entry.reject(error));
    }
    this.#release();
  }
}
