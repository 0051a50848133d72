/**
 * The filesystem job queue: jobs, their state machine, and {@link FsQueue}.
 *
 * @module
 */

export { compareForList, FsQueue, type FsQueueOptions, type QueueStats } from "./store.ts";
export {
  checkNewJob,
  DEFAULT_MAX_RETRIES,
  DEFAULT_PRIORITY,
  InvalidJobFile,
  type Job,
  type NewJob,
  newJobRecord,
  parseJob,
  SCHEMA_VERSION,
  serializeJob,
} from "./job.ts";
export {
  ALLOWED_MOVES,
  canMove,
  FINISHED_STATUSES,
  JOB_STATUSES,
  type JobStatus,
  transition,
  type TransitionChanges,
} from "./status.ts";
export { JOB_ID_PATTERN, newJobId, shortId } from "./id.ts";
export { comparePending, type PendingEntry, PendingIndex } from "./order.ts";
