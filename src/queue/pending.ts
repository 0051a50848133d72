/**
 * Which jobs are pending, as the queue keeps it between calls: an in-memory heap (`PendingIndex`) brought up to
 * date from the change journal (`.ork/queue/.journal`) when it can be, and from the job files when it cannot
 * (the first call, a rotated journal, a journal line a crash lost). The files stay the truth; this only spares
 * a long-lived queue reading every file on each claim. Used under the queue lock.
 *
 * @module
 */

import { join } from "node:path";
import type { JobFiles } from "./files.ts";
import type { Job } from "./job.ts";
import { Journal, type JournalCursor } from "./journal.ts";
import { type PendingEntry, PendingIndex } from "./order.ts";
import { FINISHED_STATUSES } from "./status.ts";

/** The pending jobs of one queue folder, in dequeue order. */
export class PendingSet {
  readonly #files: JobFiles;
  readonly #journal: Journal;
  readonly #rotateBytes: number;
  #index = new PendingIndex();
  #cursor: JournalCursor | null = null;

  /**
   * @param dir the queue folder, where the journal is
   * @param files its job files
   * @param rotateBytes the journal's size past which it starts again
   */
  constructor(dir: string, files: JobFiles, rotateBytes: number) {
    this.#files = files;
    this.#journal = new Journal(join(dir, ".journal"));
    this.#rotateBytes = rotateBytes;
  }

  /** Notes that a job became pending (enqueued, retried, put back). */
  added(job: Job): void {
    this.#journal.addedPending(job.id, job.priority);
  }

  /** Notes that a job is no longer pending. */
  removed(id: string): void {
    this.#journal.removedPending(id);
  }

  /** Notes a change of a job's record: whether it joined or left the pending set. */
  changed(prev: Job, next: Job): void {
    if (prev.status === "pending" && next.status !== "pending") this.removed(next.id);
    if (prev.status !== "pending" && next.status === "pending") this.added(next);
  }

  /** Brings the index up to date; returns true when that took a full scan of the files. */
  sync(): boolean {
    if (this.#cursor !== null) {
      const cursor = this.#journal.replay(this.#cursor, this.#index);
      if (cursor !== null) {
        this.#cursor = cursor;
        return false;
      }
    }
    this.scan();
    return true;
  }

  /** Puts entries popped but still pending (waiting for other jobs) back in the index. */
  restore(entries: readonly PendingEntry[]): void {
    for (const entry of entries) this.#index.add(entry);
  }

  /** The next pending job by the index (it may have changed since: the caller reads its file). */
  pop(): PendingEntry | undefined {
    return this.#index.pop();
  }

  /** Rebuilds the index from the files, settling jobs a crash left half-moved. */
  scan(): void {
    // Follow the journal from before the scan: a change made while scanning is then replayed on top of it.
    const start = this.#journal.end();
    const index = new PendingIndex();
    for (const name of this.#files.names("queue")) {
      // find settles a job a crash left in both folders (the archived record wins).
      const found = this.#files.find(name.slice(0, -".json".length));
      if (found === null || found.place !== "queue") continue;
      const job = found.job;
      if (job.status === "pending") index.add(job);
      else if (FINISHED_STATUSES.has(job.status)) this.#files.settle(job);
    }
    this.#index = index;
    this.#cursor = this.#journal.replay(start, index) ?? start;
  }

  /** Starts the journal again once it is big; the next sync scans the files. */
  rotateIfBig(): void {
    if (this.#journal.size() < this.#rotateBytes) return;
    this.#journal.rotate();
    this.#cursor = null;
  }
}
