/**
 * Taking turns at the landing lock between runners. A train holds the lock while it has jobs, so a busy runner
 * could keep it for good; a runner whose train waits says so with a mark beside the lock
 * (`landing.lock.wait-<runner>`, touched while it waits), and the holder, seeing a fresh mark, builds nothing new
 * and lets go once what it built has landed or left.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

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
