/**
 * The filesystem job queue: one JSON file per job, `queue/` for pending and running jobs, `archive/` (beside it)
 * for completed, failed and cancelled ones. Every write is atomic and durable; every change of an existing job
 * happens under the queue lock (`locks/queue.lock` beside `queue/`), so two claimers never get the same job.
 * Enqueue needs no lock: it only creates a new file.
 *
 * A job moves between the two folders in an order of steps chosen so that a failed step leaves it as it was, and
 * a crash between two steps leaves every job readable once: at worst a finished job in `queue/` (moved on to the
 * archive by the next claim's scan), or a finished job's old record still in `queue/` beside its new one in the
 * archive (every read takes the archived one, and reads under the lock remove the other), never a pending job
 * in the archive, where no claimer would find it.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { InputError, messageOf, OrkError } from "../errors/mod.ts";
import { writeFileDurable } from "../fs/atomic.ts";
import { newJobId } from "./id.ts";
import { JobFiles } from "./files.ts";
import { refuseTaken } from "./unique.ts";
import { resolveAfter } from "./after.ts";
import { claimNext } from "./claim.ts";
import { checkNewJob, type Job, type NewJob, newJobRecord, serializeJob } from "./job.ts";
import { compareForList } from "./order.ts";
import { PendingSet } from "./pending.ts";
import { type FsQueueOptions, QueueCore } from "./core.ts";
import { type Completion, finishAll } from "./finish.ts";
import { approved, awaitingReview, rejected, retried } from "./review.ts";
import {
  FINISHED_STATUSES,
  JOB_STATUSES,
  type JobStatus,
  transition,
  type TransitionChanges,
} from "./status.ts";

export type { Completion } from "./finish.ts";
export type { FsQueueOptions } from "./core.ts";

/** Counts of jobs per status, and in all. */
export type QueueStats = Record<JobStatus, number> & { total: number };

/**
 * A job queue in a folder, safe to share between processes.
 *
 * @example
 * ```ts
 * const queue = new FsQueue(`${await Deno.makeTempDir()}/.ork/queue`);
 * const id = await queue.enqueue({ role: "bug-catcher", description: "Fix it", command: "make fix" });
 * const job = await queue.claim("worker-1");
 * if (job) await queue.complete(job.id, { fixed: true });
 * ```
 */
export class FsQueue {
  /** The folder of pending and running jobs. */
  readonly dir: string;
  /** The folder of finished jobs. */
  readonly archiveDir: string;
  /** The folder of job files that could not be read. */
  readonly quarantineDir: string;
  /** The queue lock file. */
  readonly lockPath: string;
  readonly #defaultMaxRetries: number | undefined;
  readonly #core: QueueCore;

  /**
   * @param dir the queue folder (e.g. `.ork/queue`); created on first write
   * @param options where the archive, quarantine and lock live, and where warnings go
   */
  constructor(dir: string, options: FsQueueOptions = {}) {
    this.dir = dir;
    const parent = dirname(dir);
    this.archiveDir = options.archiveDir ?? join(parent, "archive");
    this.quarantineDir = options.quarantineDir ?? join(parent, "quarantine");
    this.lockPath = options.lockPath ?? join(parent, "locks", "queue.lock");
    this.#defaultMaxRetries = options.defaultMaxRetries;
    const files = new JobFiles(
      { queueDir: dir, archiveDir: this.archiveDir, quarantineDir: this.quarantineDir },
      options.onWarning ?? (() => {}),
    );
    this.#core = new QueueCore({
      files,
      pending: new PendingSet(dir, files, options.journalRotateBytes ?? 4 * 1024 * 1024),
      folders: [dir, this.archiveDir],
      lockPath: this.lockPath,
      lockTimeoutMs: options.lockTimeoutMs ?? 30_000,
    });
  }

  /**
   * Adds a job as `pending`.
   *
   * @param input role, description, command, and optionally priority (default 50), timeout, max_retries
   * @returns the new job's id
   * @throws {InputError} when a field is invalid; nothing is written then
   */
  async enqueue(input: NewJob): Promise<string> {
    return (await this.enqueueJob(input)).id;
  }

  /**
   * {@link FsQueue.enqueue}, returning the whole record. A job with a `unique` key or jobs to run `after` is
   * enqueued under the queue lock: refused while a pending or running job has the key, or when a job to run
   * after is unknown, failed or cancelled; any other needs no lock.
   */
  async enqueueJob(input: NewJob): Promise<Job> {
    if (!input.unique && !input.after?.length) return this.enqueueSync(input);
    using _lock = await this.#core.lock("enqueue");
    if (input.unique) refuseTaken(this.#core.files.readAll({ readOnly: true }), input.unique);
    const after = resolveAfter(input.after ?? [], (id) => this.#core.files.locate(id).job);
    return this.enqueueSync({ ...input, after });
  }

  /** {@link FsQueue.enqueue}, synchronously, returning the whole record. */
  enqueueSync(input: NewJob): Job {
    const fields = checkNewJob(input, { max_retries: this.#defaultMaxRetries });
    this.#core.ensureDirs();
    const now = new Date();
    const job = newJobRecord(newJobId(now.getTime()), fields, now);
    writeFileDurable(this.#core.files.path(job.id, "queue"), serializeJob(job));
    this.#core.pending.added(job);
    return job;
  }

  /**
   * Takes the next pending job (lowest priority number, then oldest) and marks it `running` for `worker`.
   * Atomic across processes: no two claimers ever get the same job.
   *
   * @param worker who takes it; recorded in the job's `worker`
   * @returns the running job, or null when nothing is pending
   */
  async claim(worker: string): Promise<Job | null> {
    using _lock = await this.#core.lock("claim");
    return claimNext(this.#core, worker);
  }

  /**
   * One job by whole id or unique id prefix.
   *
   * @throws {OrkError} `job-not-found`, or `ambiguous-id` listing the candidates
   */
  async get(idOrPrefix: string): Promise<Job> {
    using _lock = await this.#core.lock("get");
    return this.#core.files.locate(idOrPrefix).job;
  }

  /**
   * Jobs, oldest history first: finished jobs by finish time, then running ones, then pending ones in the order
   * they will run.
   *
   * @param filter `status`: only jobs with that status
   */
  async list(filter: { status?: JobStatus } = {}): Promise<Job[]> {
    using _lock = await this.#core.lock("list");
    const jobs = this.#core.files.readAll().filter((job) =>
      filter.status === undefined || job.status === filter.status
    );
    return jobs.sort(compareForList);
  }

  /** Counts of jobs per status. */
  async stats(): Promise<QueueStats> {
    await this.#core.loadParser();
    this.#core.checkDirs();
    const stats = Object.fromEntries([...JOB_STATUSES, "total"].map((key) => [key, 0])) as QueueStats;
    // Read without moving anything: a look changes nothing (an invalid file is reported, not quarantined).
    for (const job of this.#core.files.readAll({ readOnly: true })) {
      stats[job.status]++;
      stats.total++;
    }
    return stats;
  }

  /**
   * Marks a running job `completed` and archives it.
   *
   * @param result what the job produced
   * @param changes other fields to record (e.g. `landed_commit`)
   */
  complete(id: string, result: Record<string, unknown> = {}, changes: TransitionChanges = {}): Promise<Job> {
    return this.#core.change(id, "complete", (job) => transition(job, "completed", { ...changes, result }));
  }

  /**
   * Records a running job's failure: back to `pending` with one more retry spent while `retry_count <
   * max_retries`, else `failed` and archived.
   *
   * @param error why it failed
   * @param changes other fields to record (e.g. `exit_code`)
   * @param options `retry: false`: fail for good even with retries left (retrying could not help)
   */
  fail(
    id: string,
    error: string,
    changes: TransitionChanges = {},
    options: { retry?: boolean } = {},
  ): Promise<Job> {
    return this.#core.change(
      id,
      "fail",
      (job) =>
        options.retry !== false && job.status === "running" && job.retry_count < job.max_retries
          ? transition(job, "pending", { ...changes, error, retry_count: job.retry_count + 1 })
          : transition(job, "failed", { ...changes, error }),
    );
  }

  /**
   * Runs `work` while job `id` is running and, in the same hold of the queue lock, completes the job when `work`
   * says so: a cancel (or anything else that changes the job) can come before `work` or after the completion,
   * never between. For the last step of landing, where the work is moving the target branch.
   *
   * @param work does what makes the job's outcome final; returns its value and, to complete the job, the result
   *   and fields to record (null leaves the job running, for the caller to settle)
   * @param intent fields recorded before `work` runs and taken back when it does not complete the job (or
   *   throws): what a recovery after a crash in the middle of `work` needs to know (the landing's commit)
   * @returns null when the job was not running (then `work` did not run); else `work`'s value and the job as
   *   stored afterwards
   */
  async finishWhileRunning<T>(
    id: string,
    work: () => Promise<{ value: T; complete: Completion | null }>,
    intent: TransitionChanges = {},
  ): Promise<{ value: T; job: Job } | null> {
    const finished = await this.finishAllWhileRunning([{ id, intent }], async () => {
      const { value, complete } = await work();
      return { value, complete: complete === null ? null : () => complete };
    });
    return "notRunning" in finished ? null : { value: finished.value, job: finished.jobs[0]! };
  }

  /** {@link FsQueue.finishWhileRunning} for several jobs at once, all or none (see `finishAll` in finish.ts). */
  async finishAllWhileRunning<T>(
    jobs: readonly { id: string; intent: TransitionChanges }[],
    work: () => Promise<{ value: T; complete: ((id: string) => Completion) | null }>,
  ): Promise<{ value: T; jobs: Job[] } | { notRunning: string[] }> {
    return await finishAll(this.#core, jobs, work);
  }

  /** Cancels a pending or running job. */
  cancel(id: string): Promise<Job> {
    return this.#core.change(id, "cancel", (job) => transition(job, "cancelled"));
  }

  /** Puts a failed job back to `pending` (see {@link retried}); refuses any other. */
  retry(id: string): Promise<Job> {
    return this.#core.change(id, "retry", retried);
  }

  /** A running job whose gates passed waits for review, `result` saying on what; unchanged unless running. */
  awaitReview(id: string, result: Record<string, unknown>, note: string | null = null): Promise<Job> {
    return this.#core.change(
      id,
      "await review",
      (job) => job.status === "running" ? awaitingReview(job, result, note) : job,
    );
  }

  /** Approves a job awaiting review, or rejects it with a reason (see `queue/review.ts`). */
  decide(id: string, decision: { approve: true } | { approve: false; reason: string | null }): Promise<Job> {
    return this.#core.change(
      id,
      decision.approve ? "approve" : "reject",
      (job) => decision.approve ? approved(job) : rejected(job, decision.reason),
    );
  }

  /**
   * Records facts about a running job without changing its status (its worktree, branch, base, log, pid).
   *
   * @returns the job as stored; unchanged when it is no longer running (cancelled meanwhile): the caller checks
   */
  record(id: string, changes: TransitionChanges): Promise<Job> {
    return this.#core.change(
      id,
      "record",
      (job) => (job.status === "running" ? { ...job, ...changes } : job),
    );
  }

  /**
   * Moves a job's file to quarantine (`quarantine/`), out of the queue, with a warning: for a record ork must
   * not act on, such as one naming a worktree or branch that is not the job's.
   *
   * @param reason why, for the warning
   */
  async quarantine(id: string, reason: string): Promise<void> {
    using _lock = await this.#core.lock("quarantine");
    const { place } = this.#core.files.locate(id);
    try {
      this.#core.files.quarantineJob(id, place, reason);
    } catch (error) {
      if (error instanceof OrkError) throw error;
      throw new InputError(
        `cannot move job ${id}'s file to ${this.quarantineDir}: ${messageOf(error)}`,
        `make ${this.quarantineDir} a folder ork can write (move away what is there)`,
      );
    }
  }

  /**
   * Puts a running job back to `pending` without spending a retry: its run was interrupted (runner stopped or
   * died), not failed.
   *
   * @param note why, kept in `error`
   * @param changes other fields to record (recovery clears a `landed_commit` that did not land)
   */
  requeue(id: string, note: string, changes: TransitionChanges = {}): Promise<Job> {
    return this.#core.change(id, "requeue", (job) => transition(job, "pending", { ...changes, error: note }));
  }

  /**
   * A job's status read without the lock (for watching a running job for cancellation), or null when it is gone.
   *
   * @param id the whole id
   */
  async statusOf(id: string): Promise<JobStatus | null> {
    await this.#core.loadParser();
    return this.#core.files.find(id, { readOnly: true })?.job.status ?? null;
  }

  /**
   * The jobs as {@link FsQueue.list} orders them, read without the lock and without moving anything (unreadable
   * files are skipped, not quarantined): for looks that must change nothing, such as `ork run --dry-run`.
   */
  async peek(filter: { status?: JobStatus } = {}): Promise<Job[]> {
    await this.#core.loadParser();
    this.#core.checkDirs();
    const jobs = this.#core.files.readAll({ readOnly: true });
    return jobs.filter((job) => filter.status === undefined || job.status === filter.status).sort(
      compareForList,
    );
  }

  /**
   * Deletes finished jobs from the archive.
   *
   * @param opts `maxAgeDays`: delete those finished more than that many days ago; 0 deletes them all
   * @returns the deleted jobs
   */
  async clear(opts: { maxAgeDays: number }): Promise<Job[]> {
    const days = opts.maxAgeDays;
    if (typeof days !== "number" || !Number.isFinite(days) || days < 0) {
      throw new InputError(
        `max age must be a number of days >= 0, got ${JSON.stringify(days)}`,
        "e.g. 7; 0 clears all",
      );
    }
    using _lock = await this.#core.lock("clear");
    const cutoff = Date.now() - days * 86_400_000;
    const removed: Job[] = [];
    for (const name of this.#core.files.names("archive")) {
      const path = join(this.archiveDir, name);
      const job = this.#core.files.read(path);
      if (job === null || !FINISHED_STATUSES.has(job.status)) continue;
      const finished = Date.parse(job.finished_at ?? job.created_at);
      if (days === 0 || finished < cutoff) {
        // An old record a crash left in queue/ goes first, or it would come back once the archived one is gone.
        this.#core.files.dropQueueCopy(job.id);
        Deno.removeSync(path);
        removed.push(job);
      }
    }
    return removed;
  }
}
