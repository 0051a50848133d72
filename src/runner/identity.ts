/**
 * Who a runner is, and whether it is still alive. A runner holds `.ork/locks/runner-<pid>-<start ms>.lock` for
 * its whole life (the kernel frees it when the runner dies, however it dies) and names itself in each job it
 * claims (`worker`). A job is orphaned when its runner's lock is free: no pid check, which a reused pid fools.
 *
 * @module
 */

import { join } from "node:path";
import { checkStale } from "../lock/mod.ts";

/** One runner process. */
export interface RunnerIdentity {
  /** Its pid. */
  readonly pid: number;
  /** When it started, in ms since the epoch; with the pid, unique even when pids are reused. */
  readonly startedMs: number;
  /** The machine it runs on. */
  readonly host: string;
}

/** A worker slot of a runner, as recorded in a job's `worker`. */
export interface WorkerName extends RunnerIdentity {
  /** The slot number, from 1. */
  readonly slot: number;
}

/** `runner-<pid>-<start ms>`: the runner's name in logs and lock files. */
export function runnerName(runner: RunnerIdentity): string {
  return `runner-${runner.pid}-${runner.startedMs}`;
}

/** `runner-<pid>-<start ms>@<host>#<slot>`: what a job's `worker` field holds. */
export function workerName(runner: RunnerIdentity, slot: number): string {
  return `${runnerName(runner)}@${runner.host}#${slot}`;
}

/** The runner and slot a `worker` field names, or null when another program claimed the job. */
export function parseWorker(worker: string | null): WorkerName | null {
  const match = /^runner-(\d+)-(\d+)@(.+)#(\d+)$/.exec(worker ?? "");
  if (!match) return null;
  return { pid: Number(match[1]), startedMs: Number(match[2]), host: match[3]!, slot: Number(match[4]) };
}

/** The runner a lock file's name (`runner-<pid>-<start ms>.lock`) stands for, on `host`; null for other files. */
export function runnerOfLockName(name: string, host: string): RunnerIdentity | null {
  const match = /^runner-(\d+)-(\d+)\.lock$/.exec(name);
  return match ? { pid: Number(match[1]), startedMs: Number(match[2]), host } : null;
}

/** The lock file a runner holds while it lives. */
export function runnerLockPath(locksDir: string, runner: RunnerIdentity): string {
  return join(locksDir, `${runnerName(runner)}.lock`);
}

/**
 * Whether a runner is alive: true while some process holds its lock, false when nobody does, and "unknown" for
 * a runner on another machine (its lock may live on a shared disk, but flock does not cross machines).
 */
export function runnerAlive(locksDir: string, runner: RunnerIdentity, thisHost: string): boolean | "unknown" {
  if (runner.host !== thisHost) return "unknown";
  return checkStale(runnerLockPath(locksDir, runner), { staleAfterSeconds: Number.MAX_SAFE_INTEGER }).held;
}
