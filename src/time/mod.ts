/**
 * Waiting: the one `delay` every part of ork uses (polling a lock, backing off a retry, a daemon's idle poll),
 * and the longest wait a timer can do, which bounds every timeout ork accepts.
 *
 * @module
 */

/** The longest timeout a timer can wait for (2^31 - 1 ms, about 24.8 days); longer ones would fire at once. */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

/**
 * Resolves after `ms` milliseconds, or at once when `signal` is (or becomes) aborted; never rejects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { delay } from "./mod.ts";
 *
 * const woken = new AbortController();
 * const waiting = delay(60_000, woken.signal);
 * woken.abort();
 * assert.equal(await waiting, undefined);
 * ```
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
