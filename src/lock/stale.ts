/**
 * Looking into lock files left behind and clearing them. A lock file that nobody holds is harmless (the next
 * `tryAcquire` just takes it); "stale" means its recorded holder is gone or too old, which is what a human
 * wants to know when a lock looks stuck.
 *
 * @module
 */

import { basename } from "node:path";
import { InputError, isNotFound } from "../errors/mod.ts";
import { busyError, type LockHolder, parseHolder, thisHostname } from "./lock.ts";
import { existsSync } from "../fs/paths.ts";

/** What {@link checkStale} found at a lock path. */
export interface LockStatus {
  /** The lock file, as given. */
  path: string;
  /** The file exists. */
  exists: boolean;
  /** A live process holds the lock right now. */
  held: boolean;
  /** Exists, is not held, and its holder is dead, too old, or unreadable. */
  stale: boolean;
  /** The recorded holder (or last holder), when the record is readable. */
  holder: LockHolder | null;
}

const decoder = new TextDecoder();
let procMounted: boolean | undefined;

/**
 * Whether `/proc` can answer: mounted, and readable by this process. Deno refuses every path below `/proc`
 * without `--allow-all`, even with `--allow-read` (ork run with narrower permissions than the binary's), and
 * that refusal means "ask `kill -0`", not a failure.
 */
function procReadable(): boolean {
  try {
    Deno.statSync("/proc/self");
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether process `pid` of this host is alive. Deno has no signal 0, and sending a real signal to probe would
 * have side effects, so Linux asks `/proc` when ork may read it; elsewhere `kill -0` does. When neither works,
 * the answer is "alive", so that only the age can make the lock stale.
 *
 * @param pid a process id
 */
export function processAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  procMounted ??= procReadable();
  if (procMounted) return existsSync(`/proc/${pid}`);
  try {
    const { success, stderr } = new Deno.Command("kill", {
      args: ["-0", String(pid)],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    if (success) return true;
    // kill -0 also fails for a live process of another user (EPERM); that process is alive.
    return /not permitted/i.test(decoder.decode(stderr));
  } catch {
    return true;
  }
}

/**
 * Why a lock file whose lock is not held counts as stale.
 *
 * @param holder the recorded holder, `null` if the record is unreadable
 * @param opts `staleAfterSeconds`: a record older than this is stale even if its pid is alive (pids get reused)
 * @returns the reason, e.g. `pid 123 on host x is dead, acquired 2026-...Z`, or `null` when it is not stale
 */
export function staleReason(
  holder: LockHolder | null,
  opts: { staleAfterSeconds: number; now?: number },
): string | null {
  if (holder === null) return "the holder's record is missing or unreadable";
  const who = `pid ${holder.pid} on host ${holder.hostname}`;
  // A pid from another host cannot be checked from here; only the age can tell.
  if (holder.hostname === thisHostname() && !processAlive(holder.pid)) {
    return `${who} is dead, acquired ${holder.acquired_at}`;
  }
  const ageMs = (opts.now ?? Date.now()) - Date.parse(holder.acquired_at);
  if (ageMs > opts.staleAfterSeconds * 1000) {
    return `${who} acquired it at ${holder.acquired_at}, more than ${opts.staleAfterSeconds} s ago`;
  }
  return null;
}

function readAllSync(file: Deno.FsFile): string {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(4096);
  for (;;) {
    const n = file.readSync(buffer);
    if (n === null || n === 0) break;
    chunks.push(buffer.slice(0, n));
  }
  const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return decoder.decode(bytes);
}

/** What a probe saw: whether the lock is held, and the record in the file. */
interface Seen {
  held: boolean;
  holder: LockHolder | null;
  /** The file holds something (not only whitespace) that is not a holder's record: not a lock ork wrote. */
  foreign: boolean;
}

/** The hint of every refusal of a path that is not a lock file. */
const LOCK_FILE_HINT = "name a lock file, e.g. .ork/locks/queue.lock";

function notALockFile(shown: string, why: string): InputError {
  return new InputError(`not a lock file: ${shown} ${why}`, LOCK_FILE_HINT);
}

/**
 * Refuses a path that cannot be one of ork's lock files, before anything opens it: its name must end in
 * `.lock`, and if something is there it must be a regular file (not a folder, a link, a fifo or a device).
 *
 * @param path the path to check
 * @param shown how to name it in the message (the path as the user gave it)
 * @throws {InputError} naming the path and saying what a lock file is
 */
function assertLockPath(path: string, shown: string = path): void {
  const name = basename(path);
  if (!name.endsWith(".lock") || name === ".lock") {
    throw notALockFile(shown, "(ork's locks end in .lock, in .ork/locks/)");
  }
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  if (!info.isFile) {
    throw notALockFile(shown, `(${kindOf(info)}; ork's locks are regular files in .ork/locks/)`);
  }
}

function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "it is a directory";
  if (info.isSymlink) return "it is a symbolic link";
  return "it is not a regular file";
}

/**
 * Opens the existing lock file (never creating it) and probes whether it is held by trying to take the lock.
 * `whileProbing` runs while the probe's lock, if it got it, is still held.
 *
 * @returns what it saw, or `null` when the file is missing
 */
function probe(path: string, shown: string, whileProbing?: (seen: Seen) => void): Seen | null {
  assertLockPath(path, shown);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  try {
    // Checked again on the open file: something else may have taken the path since the check by name.
    const info = file.statSync();
    if (!info.isFile) {
      throw notALockFile(shown, `(${kindOf(info)}; ork's locks are regular files in .ork/locks/)`);
    }
    // Shared: a holder's lock is exclusive and still shows as held, while two probes at once (two `ork doctor`,
    // `ork status` beside `ork clean`) do not take each other for the holder.
    const held = !file.tryLockSync(false);
    try {
      // When the probe got the lock, the record is read while holding it: no holder can be between its
      // truncate and its write, so an empty record means a broken one, not a holder in the middle of writing.
      const text = readAllSync(file);
      const holder = parseHolder(text);
      const seen: Seen = { held, holder, foreign: holder === null && text.trim() !== "" };
      whileProbing?.(seen);
      return seen;
    } finally {
      // The probe holds the lock for a few microseconds (so the stale verdict, which may start `kill`, is
      // worked out after it lets go); a tryAcquire in that window returns null, which callers already treat
      // as "busy, try again".
      if (!held) file.unlockSync();
    }
  } finally {
    file.close();
  }
}

function statusOf(path: string, seen: Seen | null, opts: { staleAfterSeconds: number }): LockStatus {
  if (seen === null) return { path, exists: false, held: false, stale: false, holder: null };
  const stale = !seen.held && staleReason(seen.holder, opts) !== null;
  return { path, exists: true, held: seen.held, stale, holder: seen.holder };
}

/**
 * Reports on the lock at `path`: whether it exists, whether a live process holds it, and whether it is stale.
 * Never creates the file.
 *
 * @param path the lock file
 * @param opts `staleAfterSeconds`: the age after which an unheld lock counts as stale even if its pid lives;
 *   `shown`: how to name the path in errors (default: `path`)
 * @returns the status; `exists: false` (and nothing else set) when the file is missing
 * @throws {InputError} when `path` cannot be a lock file: its name does not end in `.lock`, or it is a folder or
 *   anything else but a regular file
 */
export function checkStale(
  path: string,
  opts: { staleAfterSeconds: number; shown?: string },
): LockStatus {
  return statusOf(path, probe(path, opts.shown ?? path), opts);
}

/**
 * Removes the lock file at `path` if no live process holds it (stale or merely left behind).
 *
 * With `force`, removes it even while a live process holds it. That is dangerous: the holder keeps its lock on
 * the now-unlinked file while the next `tryAcquire` creates a fresh file and locks it too, so two processes
 * run the guarded section at once. Use it only on a holder you know is hung and are about to stop.
 *
 * Only lock files are removed: the name must end in `.lock` and the file be a regular one, and a file whose
 * content is not a holder's record (an empty one is a fresh lock) is left alone unless `force` is set.
 *
 * @param path the lock file
 * @param opts `staleAfterSeconds`: as for {@link checkStale}; `force`: remove even a held lock, or one whose
 *   content ork did not write; `shown`: how to name the path in errors (default: `path`)
 * @returns the status seen just before removal (`exists: false` when there was nothing to remove)
 * @throws {LockBusyError} when a live process holds the lock and `force` is not set
 * @throws {InputError} when `path` is not a lock file (see {@link checkStale}), or holds something other than a
 *   holder's record and `force` is not set; nothing is removed then
 */
export function clearLock(
  path: string,
  opts: { staleAfterSeconds: number; force?: boolean; shown?: string },
): LockStatus {
  const shown = opts.shown ?? path;
  const seen = probe(path, shown, ({ held, holder, foreign }) => {
    if (held && !opts.force) {
      throw busyError(
        path,
        holder,
        `stop that process first; 'ork lock clear --force ${path}' removes the file anyway, letting a second holder in`,
      );
    }
    if (foreign && !opts.force) {
      throw new InputError(
        `not a lock file ork wrote: ${shown} holds no holder's record (JSON with pid, hostname, acquired_at, purpose)`,
        `look at what it is; 'ork lock clear --force ${shown}' removes it anyway`,
      );
    }
    // Unless forced, the unlink happens while the probe holds the lock, so nobody is inside the lock at that
    // moment. A process that opened the old file just before and locks it after the probe lets go ends up on
    // an orphaned inode; that window is why release() never deletes and why clearing is a manual repair.
    try {
      Deno.removeSync(path);
    } catch (error) {
      if (!isNotFound(error)) throw error; // removed by a concurrent clear: the outcome we wanted
    }
  });
  return statusOf(path, seen, opts);
}
