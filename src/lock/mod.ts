/**
 * File locks for ork's shared state (the queue, the merge gate): exclusive, released by the kernel when the
 * holder dies, and labelled with who holds them so that a busy lock can be explained and a stale one cleared.
 *
 * ```ts
 * await using lock = await acquire(".ork/locks/queue.lock", { purpose: "claim" });
 * ```
 *
 * @module
 */

export {
  acquire,
  acquireShared,
  busyError,
  describeHolder,
  type Lock,
  type LockHolder,
  readHolder,
  tryAcquire,
} from "./lock.ts";
export { checkStale, clearLock, type LockStatus, processAlive, staleReason } from "./stale.ts";
