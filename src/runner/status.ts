/**
 * What `ork status` shows: live runners, running jobs, the merge train, counts per status and the last landings. Plain data;
 * the CLI prints it.
 *
 * @module
 */

import { join } from "node:path";
import { readHolder } from "../lock/mod.ts";
import { type FsQueue, isParked, type Job, JOB_STATUSES, type QueueStats } from "../queue/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { runnerAlive, runnerOfLockName } from "./identity.ts";
import { readTrains, type TrainView } from "./train_view.ts";
import { type Pause, readPause } from "./pause.ts";

/** A runner that is alive now. */
export interface RunnerInfo {
  /** `runner-<pid>-<start ms>`. */
  readonly name: string;
  /** Its pid. */
  readonly pid: number;
  /** Its machine. */
  readonly host: string;
  /** When it started (ISO-8601). */
  readonly since: string;
}

/** Everything `ork status` shows. */
export interface StatusReport {
  /** Runners alive now. */
  readonly runners: RunnerInfo[];
  /** Jobs running now. */
  readonly running: Job[];
  /** Pending jobs parked after a usage limit, not claimed before their `parked_until`, soonest first. */
  readonly parked: Job[];
  /** Counts per status. */
  readonly counts: QueueStats;
  /** The last landed jobs, newest first. */
  readonly landings: Job[];
  /** The merge trains of live runners: the candidates under test or waiting to land. */
  readonly trains: TrainView[];
  /** `ork pause` in force: since when; null when runners claim jobs. */
  readonly paused: Pause | null;
}

/** The runners whose lock is held now. */
export function liveRunners(locksDir: string, host: string): RunnerInfo[] {
  const runners: RunnerInfo[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(locksDir)];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const entry of entries) {
    const identity = runnerOfLockName(entry.name, host);
    if (identity === null || runnerAlive(locksDir, identity, host) !== true) continue;
    const holder = readHolder(join(locksDir, entry.name));
    runners.push({
      name: entry.name.slice(0, -".lock".length),
      pid: identity.pid,
      host: holder?.hostname ?? host,
      since: holder?.acquired_at ?? new Date(identity.startedMs).toISOString(),
    });
  }
  return runners.sort((a, b) => a.since.localeCompare(b.since));
}

/**
 * Collects the status of a repository's runners and queue.
 *
 * @param lastLandings how many landings to show
 * @param read the jobs, when the caller has just read them (`queue.peek()`)
 */
export async function collectStatus(
  ws: Workspace,
  queue: FsQueue,
  lastLandings = 5,
  read: Job[] | null = null,
): Promise<StatusReport> {
  // A look changes nothing: an invalid job file is reported, not quarantined.
  const jobs = read ?? await queue.peek();
  const counts = Object.fromEntries([...JOB_STATUSES.map((status) => [status, 0]), [
    "total",
    jobs.length,
  ]]) as QueueStats;
  for (const job of jobs) counts[job.status]++;
  const landings = jobs
    .filter((job) => job.status === "completed" && job.landed_commit !== null)
    .sort((a, b) => (b.finished_at ?? "").localeCompare(a.finished_at ?? ""))
    .slice(0, lastLandings);
  return {
    runners: liveRunners(ws.paths.locks, Deno.hostname()),
    trains: readTrains(ws.paths.ork, ws.paths.locks, Deno.hostname()),
    paused: readPause(ws.paths.ork),
    running: jobs.filter((job) => job.status === "running"),
    parked: jobs.filter((job) => isParked(job)).sort((a, b) =>
      a.parked_until!.localeCompare(b.parked_until!)
    ),
    counts,
    landings,
  };
}
