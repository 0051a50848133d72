/**
 * The line of cars in the merge train, head first, and what happens to a car that leaves it or must be built
 * again: whatever was built on it (or tested in one batch with it) goes back to waiting, to be built on what is
 * ahead of it then. The train (`train.ts`) decides when; the line keeps the cars consistent.
 *
 * @module
 */

import { batchCandidate, batchNames, halfOf } from "./batch.ts";
import { type Car, note, settle } from "./car.ts";
import type { EventLog } from "./events.ts";
import type { Candidate, LandResult } from "./land.ts";
import type { TrainCar } from "./train_view.ts";

/** The cars of one train, in landing order. */
export class Line {
  /** The cars, head first; the train reads and appends, the line removes. */
  readonly cars: Car[] = [];
  readonly #events: EventLog;

  constructor(events: EventLog) {
    this.#events = events;
  }

  /** The cars as `ork status` shows them. */
  view(): TrainCar[] {
    return this.cars.map((car) => ({
      job: car.request.job.id,
      state: car.state,
      base: car.candidate?.base ?? null,
      candidate: car.candidate?.commit ?? null,
      holds: car.builtOn.map((ahead) => ahead.request.job.id),
      batch: car.group?.map((other) => other.request.job.id) ?? null,
      // A batch's gates run for its last job's candidate.
      gate: (car.group?.at(-1) ?? car).gate,
      slot: (car.group?.at(-1) ?? car).slot,
    }));
  }

  /**
   * Cars whose candidates were just built, each on the one before: reported, and made one batch when there are
   * several (their job logs say so).
   *
   * @returns the candidate to test for them all: the last one's, against the first one's base
   */
  built(cars: Car[]): Candidate {
    for (const car of cars) {
      const holding = car.builtOn.map((ahead) => ahead.request.job.id);
      this.#events.emit({
        kind: "train",
        job: car.request.job,
        action: "built",
        detail: `candidate ${car.candidate!.commit.slice(0, 12)} on ${car.candidate!.base.slice(0, 12)}, ` +
          `position ${this.cars.indexOf(car) + 1}` +
          (holding.length > 0 ? `, holding ${holding.join(", ")}` : "") +
          (cars.length > 1 ? `, tested in one batch with ${batchNames(cars, car)}` : ""),
      });
    }
    const last = cars.at(-1)!;
    if (cars.length === 1) return last.candidate!;
    for (const car of cars) {
      car.group = cars;
      note(
        car,
        car === last
          ? `this candidate is tested for jobs ${batchNames(cars)} as one`
          : `tested in one candidate with ${
            batchNames(cars, car)
          }; the gates' output is in ${last.request.job.id}'s log`,
      );
    }
    return batchCandidate(cars);
  }

  /** Takes the car out of the line (it landed, or leaves). */
  remove(car: Car): void {
    const index = this.cars.indexOf(car);
    if (index !== -1) this.cars.splice(index, 1);
  }

  /**
   * The car leaves the train with `result`; whatever was built on it, or tested in one batch with it, is built
   * again without it. Its job hears once its test is gone (the worktree is the job's again only then); the line
   * does not wait for that.
   */
  leave(car: Car, result: LandResult): void {
    car.abort?.abort();
    this.remove(car);
    const others = car.group?.filter((other) => other !== car) ?? [];
    car.group = null;
    for (const other of others) other.group = others;
    if (others[0] !== undefined) {
      this.rebuild(others[0], `${car.request.job.id} left its batch (${result.kind})`);
    }
    this.rebuildDependents(car, `${car.request.job.id} left the train (${result.kind})`);
    void settle(car, () => car.resolve(result));
  }

  /** Every car built on `car` is built again without it. */
  rebuildDependents(car: Car, reason: string): void {
    for (const other of this.cars) {
      if (other.builtOn.includes(car)) this.rebuild(other, reason);
    }
  }

  /**
   * Back to waiting: its test stops and its candidate is built again on what is ahead of it now; so are those of
   * the cars tested in one batch with it (with `split`, each then in a batch at most half as big).
   */
  rebuild(car: Car, reason: string, split = false): void {
    if (car.state === "waiting") return;
    const batch = car.group ?? [car];
    for (const member of batch) {
      member.group = null;
      if (split) member.cap = halfOf(batch.length);
    }
    for (const member of batch) {
      if (member.state === "waiting") continue;
      member.generation++;
      member.abort?.abort();
      member.abort = null;
      member.state = "waiting";
      member.candidate = null;
      member.outcome = null;
      member.gate = null;
      member.slot = null;
      member.builtOn = [];
      this.#events.emit({ kind: "train", job: member.request.job, action: "rebuilt", detail: reason });
      // Its log says why the gates above stopped or do not count, before the next run's output.
      note(member, `candidate built again: ${reason}`);
    }
    for (const member of batch) this.rebuildDependents(member, reason);
  }

  /**
   * Batches whose test ended: all passed, or the batch splits in halves, each tested again, until the job that
   * fails is alone (then its failure is final as any other's).
   */
  settleBatches(): void {
    for (const car of [...this.cars]) {
      const batch = car.group;
      if (batch === null || batch.at(-1) !== car) continue;
      if (car.state === "passed") {
        for (const member of batch) {
          member.state = "passed";
          member.outcome = car.outcome;
        }
      } else if (car.state === "failing") {
        const why = car.outcome?.kind === "gates-failed"
          ? `failed ${car.outcome.failed.join(", ")}`
          : "failed";
        this.rebuild(car, `the batch of ${batchNames(batch)} ${why}; tested again in halves`, true);
      }
    }
  }

  /** Every car leaves at once: its test stops, and its job hears `tell` once the test is gone. */
  empty(tell: (car: Car) => void): void {
    for (const car of [...this.cars]) {
      car.abort?.abort();
      this.remove(car);
      void settle(car, () => tell(car));
    }
  }
}
