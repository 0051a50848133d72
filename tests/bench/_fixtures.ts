/**
 * Bench fixtures: a realistic job, queue folders filled with pending jobs fast (plain writes, no fsync), the
 * baseline durable write, and temp dirs that are removed when the bench process ends.
 *
 * @module
 */

import { dirname, join } from "node:path";
import {
  checkNewJob,
  FsQueue,
  type NewJob,
  newJobId,
  newJobRecord,
  serializeJob,
} from "../../src/queue/mod.ts";

/** A job of realistic size: its file is 600-700 bytes. */
export const JOB: NewJob = {
  role: "bug-catcher",
  description: "Fix the flaky race in the queue claim test that shows up under parallel CI load on 2 cores",
  command: "deno test --allow-all --parallel tests/queue/race_test.ts && deno task check",
  timeout: 1800,
};

const FIELDS = checkNewJob(JOB);

/** The text of a new pending job file, exactly as `enqueue` would write it. */
export function jobText(id: string = newJobId()): string {
  return serializeJob(newJobRecord(id, FIELDS));
}

const tempDirs: string[] = [];
const beforeRemoval: Array<() => void> = [];

/** Runs `stop` (e.g. killing a process that writes in a temp dir) before the temp dirs are removed. */
export function beforeRemovingTempDirs(stop: () => void): void {
  beforeRemoval.push(stop);
}

/** Removes every temp dir made by {@link makeTempDir}; called on unload, safe to call again. */
export function removeTempDirs(): void {
  for (const stop of beforeRemoval.splice(0)) stop();
  for (const dir of tempDirs.splice(0)) {
    // A process killed a moment ago (a daemon's git) may still be writing there: try again for up to 2 s.
    for (let attempt = 1;; attempt++) {
      try {
        Deno.removeSync(dir, { recursive: true });
        break;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) break;
        if (attempt >= 40) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      }
    }
  }
}

globalThis.addEventListener("unload", removeTempDirs);

/** A new temp dir, removed (with everything in it) when the process ends. */
export function makeTempDir(prefix: string): string {
  const dir = Deno.realPathSync(Deno.makeTempDirSync({ prefix }));
  tempDirs.push(dir);
  return dir;
}

function queueFolder(prefix: string): string {
  const root = makeTempDir(prefix);
  for (const sub of ["archive", "locks", "queue"]) Deno.mkdirSync(join(root, sub));
  return join(root, "queue");
}

/**
 * A queue in a temp dir of its own with `pending` pending jobs, laid out like an `.ork` folder in use (`queue/`,
 * `archive/`, `locks/`). The job files are written directly, without fsync or journal lines (100 000 of them take
 * about 2 s instead of 100 s through `enqueue`); a fresh queue finds them with its first claim's scan.
 */
export function seededQueue(prefix: string, pending: number): FsQueue {
  const dir = queueFolder(prefix);
  for (let i = 0; i < pending; i++) {
    const id = newJobId();
    Deno.writeTextFileSync(join(dir, `${id}.json`), jobText(id));
  }
  return new FsQueue(dir);
}

const encoder = new TextEncoder();

/**
 * The baseline: one bare durable file write as the queue makes it, minus the directory fsync: create a temp file,
 * write, fsync, close, rename into place.
 */
export function durableWrite(path: string, text: string): void {
  const temp = `${path}.tmp`;
  const file = Deno.openSync(temp, { write: true, createNew: true });
  try {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
    file.syncSync();
  } finally {
    file.close();
  }
  Deno.renameSync(temp, path);
}

/**
 * Removes a file and fsyncs its folder, so that the removal is on disk before the next timed write and its
 * journal commit is not charged to that write.
 */
export function removeSettled(path: string): void {
  Deno.removeSync(path);
  const dir = Deno.openSync(dirname(path), { read: true });
  try {
    dir.syncSync();
  } finally {
    dir.close();
  }
}
