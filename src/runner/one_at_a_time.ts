/**
 * Runs of the same name one after another, in one process: what `parallel: false` on a gate asks of the merge
 * train, whose candidates otherwise run their gates side by side.
 *
 * @module
 */

/**
 * One run at a time per name; runs of different names go side by side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OneAtATime } from "./one_at_a_time.ts";
 *
 * const alone = new OneAtATime();
 * const order: string[] = [];
 * const step = (name: string) => async () => {
 *   order.push(`${name} in`);
 *   await new Promise((resolve) => setTimeout(resolve, 5));
 *   order.push(`${name} out`);
 * };
 * await Promise.all([alone.run("db", step("a")), alone.run("db", step("b"))]);
 * assert.deepEqual(order, ["a in", "a out", "b in", "b out"]);
 * ```
 */
export class OneAtATime {
  readonly #running = new Map<string, Promise<void>>();

  /**
   * Runs `work` once no other run of `name` is going; resolves or rejects as it does. Once `signal` is aborted
   * it stops waiting and runs `work` at once (which, given the same signal, ends at once).
   */
  async run<T>(name: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const aborted = new Promise<void>((resolve) => {
      if (signal?.aborted) resolve();
      signal?.addEventListener("abort", () => resolve(), { once: true });
    });
    for (
      let running = this.#running.get(name);
      running && !signal?.aborted;
      running = this.#running.get(name)
    ) {
      await Promise.race([running, aborted]);
    }
    const result = work();
    const done = result.then(() => {}, () => {});
    this.#running.set(name, done);
    try {
      return await result;
    } finally {
      if (this.#running.get(name) === done) this.#running.delete(name);
    }
  }
}
