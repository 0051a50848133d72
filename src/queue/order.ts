/**
 * Dequeue order, as plain functions of plain values: priority first (lower runs first), then creation (ids sort
 * by creation time), and a heap of pending jobs that gives the next one in O(log n).
 *
 * @module
 */

import type { Job } from "./job.ts";
import type { JobStatus } from "./status.ts";

/** What ordering needs of a pending job. */
export interface PendingEntry {
  /** The job id; sorts by creation time. */
  readonly id: string;
  /** Lower runs first. */
  readonly priority: number;
}

/** Negative when `a` runs before `b`. */
export function comparePending(a: PendingEntry, b: PendingEntry): number {
  return a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The pending jobs one queue instance knows of, ordered for dequeue. Removal is lazy: a removed id stays in the
 * heap until it reaches the top, where {@link PendingIndex.pop} skips it, so add and remove stay O(log n).
 */
export class PendingIndex {
  #heap: PendingEntry[] = [];
  #members = new Map<string, number>();

  /** How many pending jobs the index holds. */
  get size(): number {
    return this.#members.size;
  }

  /** Adds a pending job, or moves it to a new priority. */
  add(entry: PendingEntry): void {
    if (this.#members.get(entry.id) === entry.priority) return;
    this.#members.set(entry.id, entry.priority);
    this.#heap.push(entry);
    this.#siftUp(this.#heap.length - 1);
  }

  /** Forgets a job (claimed or cancelled elsewhere). */
  remove(id: string): void {
    this.#members.delete(id);
  }

  /** Removes and returns the job to run next, or undefined when none is left. */
  pop(): PendingEntry | undefined {
    while (this.#heap.length > 0) {
      const top = this.#heap[0]!;
      const last = this.#heap.pop()!;
      if (this.#heap.length > 0) {
        this.#heap[0] = last;
        this.#siftDown(0);
      }
      // A stale heap entry: removed since, or re-added with another priority (that entry is still in the heap).
      if (this.#members.get(top.id) !== top.priority) continue;
      this.#members.delete(top.id);
      return top;
    }
    return undefined;
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (comparePending(heap[i]!, heap[parent]!) >= 0) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * i + 1, right = left + 1;
      let smallest = i;
      if (left < heap.length && comparePending(heap[left]!, heap[smallest]!) < 0) smallest = left;
      if (right < heap.length && comparePending(heap[right]!, heap[smallest]!) < 0) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

const LIST_RANK: Record<JobStatus, number> = {
  completed: 0,
  failed: 0,
  cancelled: 0,
  awaiting_review: 1,
  running: 2,
  pending: 3,
};

/**
 * List order: history (by finish time), then awaiting review and running (by start), then pending in dequeue
 * order.
 */
export function compareForList(a: Job, b: Job): number {
  const rank = LIST_RANK[a.status] - LIST_RANK[b.status];
  if (rank !== 0) return rank;
  if (a.status === "pending") return comparePending(a, b);
  const key = (job: Job) =>
    (LIST_RANK[job.status] === 0 ? job.finished_at : job.started_at) ?? job.created_at;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
