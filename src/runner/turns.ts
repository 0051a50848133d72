/**
 * Taking turns at the landing lock between runners. A train holds the lock while it has jobs, so a busy runner
 * could keep it for good; a runner whose train waits says so with a mark beside the lock
 * (`landing.lock.wait-<runner>`, touched while it waits), and the holder, seeing a fresh mark, builds nothing new
 * and lets go once what it built has landed or left.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { type Lock, tryAcquire } from "../lock/mod.ts";

/**
 * The runner whose wait mark `fileName` is, beside the lock named `lockName`; null for other files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { waitingRunner } from "./turns.ts";
 *
 * assert.equal(waitingRunner("landing.lock.wait-runner-12-34", "landing.lock"), "runner-12-34");
 * assert.equal(waitingRunner("landing.lock", "landing.lock"), null);
 * ```
 */
export function waitingRunner(fileName: string, lockName: string): string | null {
  const prefix = `${lockName}.wait-`;
  return fileName.startsWith(prefix) ? fileName.slice(prefix.length) : null;
}

/** A mark older than this is a dead or gone waiter's. */
const FRESH_MS = 3000;
/** How often a waiter touches its mark. */
const TOUCH_MS = 1000;

/** One runner's side of taking turns at one lock. */
export class Turns {
  readonly #dir: string;
  readonly #prefix: string;
  readonly #mark: string;
  #touched = 0;

  /**
   * @param lockPath the landing lock
   * @param runner this runner's name
   */
  constructor(lockPath: string, runner: string) {
    this.#dir = dirname(lockPath);
    this.#prefix = `${basename(lockPath)}.wait-`;
    this.#mark = join(this.#dir, `${this.#prefix}${runner}`);
  }

  /** Says (again) that this runner waits for the lock. Never throws: the lock is still taken in the end. */
  waiting(): void {
    const now = Date.now();
    if (now - this.#touched < TOUCH_MS) return;
    try {
      Deno.writeTextFileSync(this.#mark, "");
      this.#touched = now;
    } catch {
      // The other train then keeps the lock until it is empty, as without marks.
    }
  }

  /** Takes the mark back: this runner holds the lock, or no longer wants it. */
  stopWaiting(): void {
    if (this.#touched === 0) return;
    this.#touched = 0;
    try {
      Deno.removeSync(this.#mark);
    } catch {
      // Gone already; a stale one goes unheeded after FRESH_MS.
    }
  }

  /** Whether another runner's train waits for the lock now. */
  othersWaiting(): boolean {
    const now = Date.now();
    try {
      for (const entry of Deno.readDirSync(this.#dir)) {
        if (!entry.name.startsWith(this.#prefix) || join(this.#dir, entry.name) === this.#mark) continue;
        const modified = Deno.statSync(join(this.#dir, entry.name)).mtime?.getTime() ?? 0;
        if (now - modified < FRESH_MS) return true;
      }
    } catch {
      // A mark removed while looking, or no folder: nobody waits.
    }
    return false;
  }
}

/** How long a train that let go of the landing lock for a waiting runner leaves it to that runner. */
const YIELD_MS = 1000;

/**
 * The landing lock as one runner's train holds it: taken while the train has jobs, and let go for a moment
 * once another runner's train waits and this one has landed something since it took the lock.
 */
export class LandingLock {
  readonly #path: string;
  readonly #turns: Turns;
  #lock: Lock | null = null;
  /** Until when the lock is left to a waiting runner's train, having been let go for it. */
  #yieldedUntil = 0;
  /** Jobs landed since the lock was taken. */
  #landed = 0;

  /**
   * @param lockPath the landing lock (`.ork/locks/landing.lock`)
   * @param runner this runner's name, for its wait mark
   */
  constructor(lockPath: string, runner: string) {
    this.#path = lockPath;
    this.#turns = new Turns(lockPath, runner);
  }

  /** Whether this train holds the lock. */
  get held(): boolean {
    return this.#lock !== null;
  }

  /**
   * Takes the lock unless another runner's train holds it (or this one just left it to another): then says
   * that this runner waits, and returns false.
   */
  take(): boolean {
    this.#lock = Date.now() < this.#yieldedUntil ? null : tryAcquire(this.#path, { purpose: "landing" });
    if (this.#lock === null) {
      this.#turns.waiting();
      return false;
    }
    this.#turns.stopWaiting();
    this.#landed = 0;
    return true;
  }

  /** Counts jobs landed while the lock is held. */
  landed(jobs: number): void {
    this.#landed += jobs;
  }

  /** Whether it is another runner's turn: one waits, and this train has landed something since it took the lock. */
  othersTurn(): boolean {
    return this.#landed > 0 && this.#turns.othersWaiting();
  }

  /** Lets go of the lock (the train is empty, or stops). */
  release(): void {
    this.#lock?.[Symbol.dispose]();
    this.#lock = null;
    this.#turns.stopWaiting();
  }

  /** Lets go of the lock and leaves it to the waiting runner's train for a moment. */
  giveTurn(): void {
    this.release();
    this.#yieldedUntil = Date.now() + YIELD_MS;
  }
}
