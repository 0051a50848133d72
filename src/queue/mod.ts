/**
 * The filesystem job queue: jobs, their state machine, and {@link FsQueue}. The job file parser (`parseJob`,
 * with zod) is in `schema.ts` and not re-exported, so importing this module stays cheap.
 *
 * @module
 */

export { type Completion, FsQueue, type FsQueueOptions, type QueueStats } from "./store.ts";
export {
  checkNewJob,
  DEFAULT_MAX_RETRIES,
  DEFAULT_PRIORITY,
  InvalidJobFile,
  isParked,
  type Job,
  type JobTry,
  MAX_COMMAND_BYTES,
  MAX_PROMPT_BYTES,
  type NewJob,
  newJobRecord,
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
export { checkReason, type ReviewedCandidate } from "./review.ts";
export { JOB_ID_PATTERN, newJobId, shortId } from "./id.ts";
export { compareForList, comparePending, type PendingEntry, PendingIndex } from "./order.ts";
