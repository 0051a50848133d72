/**
 * The job files of one queue: where they live, reading them (with quarantine of invalid ones), moving them
 * between `queue/` and `archive/`, and finding one by id or unique prefix. No locking here: `FsQueue` calls
 * these under the queue lock, except the read-only reads.
 *
 * Finishing a job writes its new record into `archive/` before it removes the old one from `queue/`, so a
 * failure leaves the job as it was, and a crash between the two steps leaves it in both folders. The archived
 * copy is then the newer one (nothing else leaves a job in both), so every read prefers it, and a read under the
 * lock removes the stale copy from `queue/`.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { InputError, isNotFound, messageOf, OrkError } from "../errors/mod.ts";
import { moveDurable, readTextFileOrNull, syncDirectory, writeFileDurable } from "../fs/atomic.ts";
import { presentSync } from "../fs/paths.ts";
import { JOB_ID_PATTERN } from "./id.ts";
import { InvalidJobFile, type Job, serializeJob } from "./job.ts";
import { FINISHED_STATUSES } from "./status.ts";

/** Which folder a job file is in. */
export type JobPlace = "queue" | "archive";

/** How reads treat a file that cannot be read as a job. */
export interface ReadOptions {
  /** Leave unreadable files where they are, without a warning (for `--dry-run` and other pure looks). */
  readonly readOnly?: boolean;
}

/** The job files of one queue. */
export class JobFiles {
  /** Pending and running jobs. */
  readonly queueDir: string;
  /** Finished jobs. */
  readonly archiveDir: string;
  /** Files that could not be read as jobs. */
  readonly quarantineDir: string;
  readonly #warn: (message: string) => void;
  /** The job file parser (zod), loaded by the queue before its first read. */
  parse: ((text: string) => Job) | undefined;

  /**
   * @param dirs the three folders
   * @param warn where one-line warnings go
   */
  constructor(
    dirs: { queueDir: string; archiveDir: string; quarantineDir: string },
    warn: (message: string) => void,
  ) {
    this.queueDir = dirs.queueDir;
    this.archiveDir = dirs.archiveDir;
    this.quarantineDir = dirs.quarantineDir;
    this.#warn = warn;
  }

  /** A job's file in `place`. */
  path(id: string, place: JobPlace): string {
    return join(place === "queue" ? this.queueDir : this.archiveDir, `${id}.json`);
  }

  /** The `.json` file names in a folder (temp files and the journal are not jobs). */
  names(place: JobPlace): string[] {
    const names: string[] = [];
    try {
      for (const entry of Deno.readDirSync(place === "queue" ? this.queueDir : this.archiveDir)) {
        if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name);
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return names;
  }

  /**
   * Reads a job file. A file that does not parse or validate, or whose name is not the id in it, is moved to
   * quarantine with a warning; one written by a newer ork is left alone with a warning. Either way the queue goes
   * on without it.
   *
   * @returns the job, or null when the file is gone, invalid or too new
   * @throws {InputError} when the file is there but cannot be read (no permission, not a regular file): it is
   *   left where it is, since nothing says its content is bad
   */
  read(path: string, options: ReadOptions = {}): Job | null {
    const text = readJobText(path);
    if (text === null) return null;
    let job: Job;
    try {
      job = this.parse!(text);
    } catch (error) {
      if (error instanceof InvalidJobFile) {
        if (!options.readOnly) this.#quarantine(path, error.message);
        else this.#warn(`skipped ${path}: ${error.message} (ork clean moves it to quarantine)`);
        return null;
      }
      if (error instanceof OrkError && error.code === "schema-too-new") {
        this.#warn(`skipped ${path}: ${error.message}`);
        return null;
      }
      throw error;
    }
    const name = basename(path, ".json");
    if (job.id !== name) {
      // Found by its name (cancel, get) but listed by its id, it would be two jobs at once.
      const why = `its name says job ${name} but the id in it is ${JSON.stringify(job.id)}`;
      if (!options.readOnly) this.#quarantine(path, why);
      else this.#warn(`skipped ${path}: ${why} (ork clean moves it to quarantine)`);
      return null;
    }
    return job;
  }

  /**
   * A job by whole id, and the folder it is in; the archived copy when a crash left it in both folders (outside
   * `readOnly`, the copy in `queue/` is then removed).
   *
   * @returns the job, or null when neither folder has a readable file for it
   */
  find(id: string, options: ReadOptions = {}): { job: Job; place: JobPlace } | null {
    const queued = this.read(this.path(id, "queue"), options);
    const archived = this.read(this.path(id, "archive"), options);
    if (archived !== null) {
      if (queued !== null && !options.readOnly) this.dropQueueCopy(id);
      return { job: archived, place: "archive" };
    }
    return queued === null ? null : { job: queued, place: "queue" };
  }

  /** Every readable job in queue and archive, each once (see {@link JobFiles.find} for one in both). */
  readAll(options: ReadOptions = {}): Job[] {
    const jobs: Job[] = [];
    const queued = this.names("queue");
    const archived = new Set<string>();
    for (const name of this.names("archive")) {
      const job = this.read(join(this.archiveDir, name), options);
      if (job === null) continue;
      jobs.push(job);
      archived.add(job.id);
    }
    for (const name of queued) {
      const id = name.slice(0, -".json".length);
      if (archived.has(id)) {
        if (!options.readOnly) this.dropQueueCopy(id);
        continue;
      }
      const job = this.read(join(this.queueDir, name), options);
      if (job !== null) jobs.push(job);
    }
    return jobs;
  }

  /**
   * Writes `next` in place of the job found in `place`, moving it between queue and archive as its status asks.
   * When a step fails, the job is left as it was (in its folder, with its old record) and the error names the
   * folder and the fix.
   *
   * @throws {InputError} when a folder cannot be written (no permission, not a folder)
   */
  write(next: Job, place: JobPlace): void {
    const text = serializeJob(next);
    const to: JobPlace = FINISHED_STATUSES.has(next.status) ? "archive" : "queue";
    const target = this.path(next.id, to);
    if (to === place) {
      guard(
        () => writeFileDurable(target, text),
        `could not write job ${next.id} in ${dirname(target)}`,
        dirname(target),
      );
      return;
    }
    const source = this.path(next.id, place);
    if (to === "archive") {
      // The new record into archive/ first (temp file, fsync, rename), then the old one out of queue/. A failure
      // of the first step changes nothing, of the second is undone; a crash between them leaves the job in both
      // folders, where every read takes the archived copy (the newer one) and a locked read drops the other.
      guard(
        () => writeFileDurable(target, text),
        `could not move job ${next.id} to ${this.archiveDir}`,
        this.archiveDir,
      );
      try {
        this.dropQueueCopy(next.id);
      } catch (error) {
        // Undone only while the old copy is still there: once it is gone (only the folder's fsync failed), the
        // archived copy is the job, and removing it would lose the job.
        if (!presentSync(source)) throw error;
        const undone = undo(() => Deno.removeSync(target));
        throw stepError(
          error,
          `could not move job ${next.id} out of ${this.queueDir}`,
          this.queueDir,
          undone,
        );
      }
    } else {
      // Back to queue/ (`ork retry`): move first, then the new content. A crash in between leaves a finished job
      // in queue/, which the next scan moves back; never a pending one in the archive, where no claimer looks.
      // Only a crash in the other direction leaves a job in both folders, so the archived copy is always newer.
      guard(
        () => moveDurable(source, target),
        `could not move job ${next.id} to ${this.queueDir}`,
        this.queueDir,
      );
      try {
        writeFileDurable(target, text);
      } catch (error) {
        const undone = undo(() => moveDurable(target, source));
        throw stepError(error, `could not write job ${next.id} in ${this.queueDir}`, this.queueDir, undone);
      }
    }
  }

  /** Moves a finished job a crash left in `queue/` on to the archive. */
  settle(job: Job): void {
    guard(
      () => moveDurable(this.path(job.id, "queue"), this.path(job.id, "archive")),
      `could not move finished job ${job.id} to ${this.archiveDir}`,
      this.archiveDir,
    );
  }

  /** Removes a job's file from `queue/`, if there, durably; for a job whose record is in the archive. */
  dropQueueCopy(id: string): void {
    try {
      Deno.removeSync(this.path(id, "queue"));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    syncDirectory(this.queueDir);
  }

  /** Moves job `id`'s file (in the queue folder) to quarantine, with a warning naming `reason`. */
  quarantineJob(id: string, place: JobPlace, reason: string): void {
    this.#quarantine(this.path(id, place), reason);
  }

  #quarantine(path: string, reason: string): void {
    Deno.mkdirSync(this.quarantineDir, { recursive: true });
    let target = join(this.quarantineDir, basename(path));
    try {
      Deno.lstatSync(target);
      target = `${target}.${Date.now()}`;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    moveDurable(path, target);
    this.#warn(`quarantined ${path} (moved to ${target}): ${reason}`);
  }

  /**
   * Finds a job by whole id or unique prefix.
   *
   * @throws {OrkError} `job-not-found`, `ambiguous-id` (listing candidates), or `bad-input` for a malformed id
   */
  locate(idOrPrefix: string, options: ReadOptions = {}): { job: Job; place: JobPlace } {
    const found = this.find(this.#resolveId(idOrPrefix), options);
    if (found === null) throw notFound(idOrPrefix);
    return found;
  }

  #resolveId(idOrPrefix: string): string {
    const prefix = idOrPrefix.trim().toLowerCase();
    if (!/^[0-9a-z]+$/.test(prefix) || prefix.length > 26) {
      throw new InputError(
        `not a job id: ${JSON.stringify(idOrPrefix)}`,
        "give a job id or the first characters of one ('ork list' shows them)",
      );
    }
    if (JOB_ID_PATTERN.test(prefix)) return prefix;
    const matches = [...this.names("queue"), ...this.names("archive")]
      .map((name) => name.slice(0, -".json".length))
      .filter((id) => id.startsWith(prefix))
      .sort();
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) throw notFound(idOrPrefix);
    const shown = matches.slice(0, 5).join(", ") +
      (matches.length > 5 ? `, and ${matches.length - 5} more` : "");
    throw new OrkError(
      "ambiguous-id",
      `job id prefix ${JSON.stringify(idOrPrefix)} is ambiguous: ${shown}`,
      "give more characters of the id",
    );
  }
}

/** Why a filesystem call failed, in a few words. */
function reasonOf(error: unknown): string {
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotADirectory) return "something in its path is not a folder";
  if (error instanceof Deno.errors.IsADirectory) return "it is a folder";
  if (error instanceof Deno.errors.NotFound) return "it does not exist";
  return messageOf(error);
}

/**
 * The error for a step of a change of job files that failed: what could not be done in which folder, and how to
 * fix that folder.
 *
 * @param what e.g. `could not move job <id> to <dir>`
 * @param dir the folder to fix
 * @param unchanged whether the job was left as it was
 */
function stepError(error: unknown, what: string, dir: string, unchanged: boolean): OrkError {
  if (error instanceof OrkError) return error;
  const fix = error instanceof Deno.errors.PermissionDenied
    ? `let this user write to ${dir} (e.g. chmod u+w ${dir}, or run ork as its owner)`
    : error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.NotFound
    ? `make ${dir} a folder again (move away whatever is in its place, then mkdir ${dir})`
    : `fix ${dir}`;
  return new InputError(
    `${what}: ${reasonOf(error)}${unchanged ? "; the job is unchanged" : ""}`,
    `${fix}, then run the command again`,
  );
}

/** Runs one step of a change of job files; a filesystem error becomes a {@link stepError}. */
function guard(step: () => void, what: string, dir: string): void {
  try {
    step();
  } catch (error) {
    throw stepError(error, what, dir, true);
  }
}

/** Undoes a step after a later one failed; false when that failed too (the next scan settles the job then). */
function undo(step: () => void): boolean {
  try {
    step();
    return true;
  } catch {
    return false;
  }
}

/**
 * The text of a job file, or null when there is none.
 *
 * @throws {InputError} when something is there that cannot be read: no permission, or not a regular file
 */
function readJobText(path: string): string | null {
  try {
    return readTextFileOrNull(path);
  } catch (error) {
    // Its folder is not a folder: no job there (writing to it is where that is reported).
    if (error instanceof Deno.errors.NotADirectory) return null;
    const hint = error instanceof Deno.errors.PermissionDenied
      ? `make it readable (e.g. chmod u+r,go+r ${path}) or run ork as its owner`
      : `move it out of ${dirname(path)}: ork keeps each job in a regular file named <id>.json`;
    throw new InputError(`cannot read job file ${path}: ${reasonOf(error)}`, hint);
  }
}

/**
 * The error for a folder of the queue that cannot be created.
 *
 * @param dir the folder
 * @param error what the filesystem said
 */
export function folderError(dir: string, error: unknown): InputError {
  const inTheWay = error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory;
  return new InputError(
    `cannot create the folder ${dir}: ${
      inTheWay ? "something that is not a folder is in its place" : reasonOf(error)
    }`,
    inTheWay
      ? `move that away (ork keeps jobs in folders under .ork), then run the command again`
      : `let this user write there (or run ork as its owner), then run the command again`,
  );
}

function notFound(idOrPrefix: string): OrkError {
  return new OrkError(
    "job-not-found",
    `no job with id ${JSON.stringify(idOrPrefix)}`,
    "'ork list' shows the jobs",
  );
}
