/**
 * Exclusive locks on files, backed by the kernel's `flock` through `Deno.FsFile#tryLockSync`. The kernel drops
 * a lock when its holder dies, however it dies, so a crashed ork never leaves a lock that blocks the next one;
 * the JSON inside the file only says who holds it, for humans and for {@link checkStale}.
 *
 * Locks belong to an open file, not to a process: two opens of the same file in one process conflict too, so a
 * lock also guards against a second task of the same process.
 *
 * @module
 */

import { readTextFileOrNull } from "../fs/atomic.ts";
import { dirname } from "node:path";
import { isNotFound, LockBusyError } from "../errors/mod.ts";
import { delay } from "../time/mod.ts";

/** Who holds (or last held) a lock, as its holder wrote it into the lock file. */
export interface LockHolder {
  /** The holder's process id. */
  pid: number;
  /** The host the holder runs on; a pid means nothing on another host. */
  hostname: string;
  /** When it got the lock: ISO-8601 UTC with milliseconds. */
  acquired_at: string;
  /** What it holds the lock for, e.g. `claim`; may be empty. */
  purpose: string;
}

/** A held lock. Release it, or let `using` / `await using` release it at the end of the scope. */
export interface Lock extends AsyncDisposable, Disposable {
  /** The lock file. */
  readonly path: string;
  /** Unlocks and closes the lock file; calling it again does nothing. The file stays. */
  release(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const FIRST_DELAY_MS = 1;
const MAX_DELAY_MS = 50;

const encoder = new TextEncoder();
let cachedHostname: string | undefined;

/** This host's name, looked up once per process: it is written on every claim. */
export function thisHostname(): string {
  cachedHostname ??= Deno.hostname();
  return cachedHostname;
}

class FileLock implements Lock {
  readonly path: string;
  #file: Deno.FsFile | null;

  constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  release(): void {
    const file = this.#file;
    if (file === null) return;
    this.#file = null;
    // The file is never deleted here. A waiter may already have it open: if we unlinked it, that waiter would
    // lock the orphaned inode while a newcomer creates and locks a fresh file at the same path, and two
    // processes would both believe they hold the lock.
    try {
      file.unlockSync();
    } finally {
      file.close();
    }
  }

  [Symbol.dispose](): void {
    this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

/** Opens (creating if needed) the lock file for writing, without truncating it. */
function openLockFile(path: string): Deno.FsFile {
  // No `truncate: true`: opening happens before locking, and truncating then would wipe the current holder's
  // record out from under it.
  const options: Deno.OpenOptions = { write: true, create: true };
  try {
    return Deno.openSync(path, options);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    // Only the first lock in a fresh repository pays for the mkdir; the hot path stays one open.
    Deno.mkdirSync(dirname(path), { recursive: true });
    return Deno.openSync(path, options);
  }
}

function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let rest = bytes;
  while (rest.length > 0) rest = rest.subarray(file.writeSync(rest));
}

/**
 * Tries once to take the lock at `path`, without waiting. Creates the file and its directory when missing.
 * This is the queue's hot path (every claim): one open, one `tryLockSync`, one write.
 *
 * @param path the lock file
 * @param opts `purpose`: recorded in the file so that whoever finds the lock busy knows why
 * @returns the held lock, or `null` when another open file (in this or another process) holds it
 */
export function tryAcquire(path: string, opts: { purpose?: string } = {}): Lock | null {
  const file = openLockFile(path);
  let locked: boolean;
  try {
    locked = file.tryLockSync(true);
  } catch (error) {
    file.close();
    throw error;
  }
  if (!locked) {
    file.close();
    return null;
  }
  const holder: LockHolder = {
    pid: Deno.pid,
    hostname: thisHostname(),
    acquired_at: new Date().toISOString(),
    purpose: opts.purpose ?? "",
  };
  try {
    // Written only once we hold the lock, so a reader that also holds it (checkStale's probe) never sees a
    // half-written record; the fd was just opened, so it is at offset 0 after the truncate.
    file.truncateSync(0);
    writeAllSync(file, encoder.encode(JSON.stringify(holder) + "\n"));
  } catch (error) {
    file.close(); // closing the only fd on the file also drops the lock
    throw error;
  }
  return new FileLock(path, file);
}

/**
 * Takes the lock at `path`, waiting for it with backoff (1 ms doubling to 50 ms, with jitter so that waiters do
 * not retry in lockstep). Use it as `await using lock = await acquire(path)`.
 *
 * @param path the lock file; created with its directory when missing
 * @param opts `timeoutMs`: how long to wait (default 10 000; 0 tries once); `purpose`: recorded in the file
 * @returns the held lock
 * @throws {LockBusyError} when the lock is still held after `timeoutMs`; the message names the holder
 */
export async function acquire(
  path: string,
  opts: { timeoutMs?: number; purpose?: string } = {},
): Promise<Lock> {
  const timeoutMs = Math.max(0, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const deadline = Date.now() + timeoutMs;
  let backoff = FIRST_DELAY_MS;
  for (;;) {
    // Reopening on every try (rather than retrying one fd) means a lock file removed by `ork lock clear`
    // while we wait is seen as the new file, not an orphaned inode nobody else will ever lock.
    const lock = tryAcquire(path, { purpose: opts.purpose });
    if (lock !== null) return lock;
    const left = deadline - Date.now();
    if (left <= 0) throw busyError(path, readHolder(path));
    await delay(Math.min(left, backoff * (0.75 + Math.random() * 0.5)));
    backoff = Math.min(backoff * 2, MAX_DELAY_MS);
  }
}

/**
 * Takes the lock at `path` shared, waiting as long as an exclusive holder keeps it: many readers at once, none
 * while a writer (who takes it with {@link acquire} or {@link tryAcquire}) holds it. A shared holder writes no
 * record. Creates the file and its directory when missing.
 *
 * @param path the lock file
 * @returns the held lock; `using` releases it
 */
export async function acquireShared(path: string): Promise<Lock> {
  const file = openLockFile(path);
  try {
    await file.lock(false);
  } catch (error) {
    file.close();
    throw error;
  }
  return new FileLock(path, file);
}

/** "pid 1234 on host x since 2026-...Z (purpose: claim)", or a fallback when the record is unreadable. */
export function describeHolder(holder: LockHolder | null): string {
  if (holder === null) return "a process that has not recorded itself (yet)";
  const purpose = holder.purpose === "" ? "" : ` (purpose: ${holder.purpose})`;
  return `pid ${holder.pid} on host ${holder.hostname} since ${holder.acquired_at}${purpose}`;
}

/** The error for a lock held by someone else, naming the holder; the default hint says how to look into it. */
export function busyError(
  path: string,
  holder: LockHolder | null,
  hint = `wait for it to finish, or check it with 'ork lock check-stale ${path}'`,
): LockBusyError {
  return new LockBusyError(path, `lock ${path} is held by ${describeHolder(holder)}`, hint);
}

/**
 * Parses a lock file's content.
 *
 * @returns the holder, or `null` unless it is a complete record with a positive integer pid and a valid date
 */
export function parseHolder(text: string): LockHolder | null {
  if (text.trim() === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { pid, hostname, acquired_at, purpose } = value as Record<string, unknown>;
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) return null;
  // The original tool's locks have no purpose: theirs is judged like any other record.
  if (typeof hostname !== "string" || (purpose !== undefined && typeof purpose !== "string")) return null;
  if (typeof acquired_at !== "string" || Number.isNaN(Date.parse(acquired_at))) return null;
  return { pid, hostname, acquired_at, purpose: purpose ?? "" };
}

/**
 * Reads who holds (or last held) the lock at `path`. A holder writes its record just after it locks, so a
 * reader that does not hold the lock may briefly see an empty file.
 *
 * @param path the lock file
 * @returns the recorded holder, or `null` when the file is missing, empty or not a valid record
 */
export function readHolder(path: string): LockHolder | null {
  const text = readTextFileOrNull(path);
  return text === null ? null : parseHolder(text);
}
