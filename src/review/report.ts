/**
 * Everything on record about one job, as `ork show` prints it: the record, each try, the gates of its last
 * landing attempt with their durations, and the files its change touches with line counts.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import type { GateResult } from "../gates/mod.ts";
import { type FileStat, fileStats } from "../git/mod.ts";
import type { Job, JobTry } from "../queue/mod.ts";
import { jobChange } from "./change.ts";

/** What `ork show` reports. */
export interface JobReport {
  /** The job's record, as stored. */
  readonly job: Job;
  /** Each run that ended, oldest first. */
  readonly tries: readonly JobTry[];
  /** The gates of its last test, in order (empty when none ran). */
  readonly gates: readonly GateResult[];
  /** The files its change touches, with what the change is; or why there is none to show. */
  readonly change:
    | {
      readonly what: string;
      readonly from: string;
      readonly to: string;
      readonly files: readonly FileStat[];
    }
    | { readonly none: string };
}

/**
 * The report on `job`.
 *
 * @param root the repository's main worktree
 */
export async function jobReport(root: string, job: Job): Promise<JobReport> {
  const gates = Array.isArray(job.result?.gates) ? job.result.gates as GateResult[] : [];
  let change: JobReport["change"];
  try {
    const found = await jobChange(root, job);
    change = { ...found, files: await fileStats(root, found.from, found.to) };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    change = { none: error.message.replace(/^job \S+ has no change to show: /, "") };
  }
  return { job, tries: job.tries, gates, change };
}
