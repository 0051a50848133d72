/**
 * The job files of one queue: where they live, reading them (with quarantine of unreadable ones), moving them
 * between `queue/` and `archive/`, and finding one by id or unique prefix. No locking here: `FsQueue` calls
 * these under the queue lock, except the read-only reads.
 *
 * @module
 */

import { basename, join } from "node:path";
import { InputError, isNotFound, OrkError } from "../errors/mod.ts";
import { moveDurable, readTextFileOrNull, writeFileDurable } from "../fs/atomic.ts";
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
   * Reads a job file. A file that does not parse or validate is moved to quarantine with a warning; one written
   * by a newer ork is left alone with a warning. Either way the queue goes on without it.
   *
   * @returns the job, or null when the file is gone, unreadable or too new
   */
  read(path: string, options: ReadOptions = {}): Job | null {
    const text = readTextFileOrNull(path);
    if (text === null) return null;
    try {
      return this.parse!(text);
    } catch (error) {
      if (error instanceof InvalidJobFile) {
        if (!options.readOnly) this.#quarantine(path, error.message);
        return null;
      }
      if (error instanceof OrkError && error.code === "schema-too-new") {
        if (!options.readOnly) this.#warn(`skipped ${path}: ${error.message}`);
        return null;
      }
      throw error;
    }
  }

  /** Every readable job in queue and archive. */
  readAll(options: ReadOptions = {}): Job[] {
    const jobs: Job[] = [];
    for (const place of ["queue", "archive"] as const) {
      for (const name of this.names(place)) {
        const job = this.read(join(place === "queue" ? this.queueDir : this.archiveDir, name), options);
        if (job !== null) jobs.push(job);
      }
    }
    return jobs;
  }

  /**
   * Writes `next` in place of the job found in `place`, moving it between queue and archive as its status asks.
   * The order of steps keeps every job in exactly one place, and never leaves a pending job in the archive where
   * no claimer looks.
   */
  write(next: Job, place: JobPlace): void {
    const queuePath = this.path(next.id, "queue");
    if (FINISHED_STATUSES.has(next.status)) {
      // New content first, then the move: a crash in between leaves a finished job in queue/, which a scan moves on.
      if (place === "queue") {
        writeFileDurable(queuePath, serializeJob(next));
        moveDurable(queuePath, this.path(next.id, "archive"));
      } else {
        writeFileDurable(this.path(next.id, "archive"), serializeJob(next));
      }
    } else {
      // Move first, then the new content: a crash in between leaves a finished job in queue/ (moved back by the
      // next scan), never a pending one in the archive.
      if (place === "archive") moveDurable(this.path(next.id, "archive"), queuePath);
      writeFileDurable(queuePath, serializeJob(next));
    }
  }

  /** Moves a finished job a crash left in `queue/` on to the archive. */
  settle(job: Job): void {
    moveDurable(this.path(job.id, "queue"), this.path(job.id, "archive"));
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
    const id = this.#resolveId(idOrPrefix);
    for (const place of ["queue", "archive"] as const) {
      const job = this.read(this.path(id, place), options);
      if (job !== null) return { job, place };
    }
    throw notFound(idOrPrefix);
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

function notFound(idOrPrefix: string): OrkError {
  return new OrkError(
    "job-not-found",
    `no job with id ${JSON.stringify(idOrPrefix)}`,
    "'ork list' shows the jobs",
  );
}
