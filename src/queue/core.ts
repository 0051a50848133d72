/**
 * The queue's insides, shared by `FsQueue` (store.ts) and the steps that change jobs (finish.ts): the job
 * files, the pending set, the queue lock, and the one way a changed record is written.
 *
 * @module
 */

import { dirname } from "node:path";
import { acquire, type Lock, tryAcquire } from "../lock/mod.ts";
import { folderError, type JobFiles, type JobPlace } from "./files.ts";
import type { Job } from "./job.ts";
import type { PendingSet } from "./pending.ts";

/** Where a queue keeps its files, and how it reports trouble. */
export interface FsQueueOptions {
  /** Finished jobs; default: `archive/` beside the queue folder. */
  archiveDir?: string;
  /** Job files that did not parse or validate; default: `quarantine/` beside the queue folder. */
  quarantineDir?: string;
  /** The queue lock; default: `locks/queue.lock` beside the queue folder. */
  lockPath?: string;
  /** How long to wait for the queue lock, in ms (default 30 000). */
  lockTimeoutMs?: number;
  /** Default `max_retries` of new jobs (default 2). */
  defaultMaxRetries?: number;
  /** Called with a one-line warning, e.g. when a job file is quarantined; default: ignore. */
  onWarning?: (message: string) => void;
  /** Journal size in bytes past which a claimer starts a new journal (default 4 MiB). */
  journalRotateBytes?: number;
}

/** What a queue is made of. */
export interface QueueParts {
  readonly files: JobFiles;
  readonly pending: PendingSet;
  /** The queue and archive folders. */
  readonly folders: readonly string[];
  readonly lockPath: string;
  readonly lockTimeoutMs: number;
}

/** One queue folder's files, pending set and lock. */
export class QueueCore {
  readonly files: JobFiles;
  readonly pending: PendingSet;
  readonly #parts: QueueParts;
  #dirsReady = false;

  constructor(parts: QueueParts) {
    this.#parts = parts;
    this.files = parts.files;
    this.pending = parts.pending;
  }

  /** Loads the job file parser (zod), the first time a job file is read. */
  async loadParser(): Promise<void> {
    this.files.parse ??= (await import("./schema.ts")).parseJob;
  }

  /** Takes the queue lock. Every read of job files goes through it, so this is where their parser is loaded. */
  async lock(purpose: string): Promise<Lock> {
    await this.loadParser();
    this.ensureDirs();
    const { lockPath, lockTimeoutMs } = this.#parts;
    return tryAcquire(lockPath, { purpose }) ??
      await acquire(lockPath, { purpose, timeoutMs: lockTimeoutMs });
  }

  /** For reads that create nothing: a job folder with something else in its place is refused as when creating it. */
  checkDirs(): void {
    for (const dir of this.#parts.folders) {
      let info: Deno.FileInfo;
      try {
        info = Deno.statSync(dir);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw folderError(dir, error);
      }
      if (!info.isDirectory) throw folderError(dir, new Deno.errors.NotADirectory());
    }
  }

  /** Makes the queue's folders (and the lock's), once. */
  ensureDirs(): void {
    if (this.#dirsReady) return;
    for (const dir of [...this.#parts.folders, dirname(this.#parts.lockPath)]) {
      try {
        Deno.mkdirSync(dir, { recursive: true });
      } catch (error) {
        throw folderError(dir, error);
      }
    }
    this.#dirsReady = true;
  }

  /** Applies `change` to one job under the lock and stores the result. */
  async change(idOrPrefix: string, purpose: string, change: (job: Job) => Job): Promise<Job> {
    using _lock = await this.lock(purpose);
    const { job, place } = this.files.locate(idOrPrefix);
    const next = change(job);
    this.store(job, next, place);
    return next;
  }

  /** Writes `next` in place of `prev` and tells the journal when it joins or leaves the pending set. */
  store(prev: Job, next: Job, place: JobPlace): void {
    this.files.write(next, place);
    this.pending.changed(prev, next);
  }
}
