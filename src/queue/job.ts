/**
 * The job record: one JSON file per job, snake_case fields as the spec names them, and the checks on a new job.
 * Reading job files (zod validation, migration of old schema versions) is in `schema.ts`, which the queue loads
 * only when it reads files, so that `ork enqueue` does not pay for the validator.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import type { JobStatus } from "./status.ts";
import { MAX_TIMEOUT_SECONDS } from "../time/mod.ts";

/** The schema version this ork writes. Files with a lower one are migrated when read. */
export const SCHEMA_VERSION = 8;

/** A job as stored in `.ork/queue/<id>.json` or `.ork/archive/<id>.json`. */
export interface Job {
  /** Unique, sorts by creation time. */
  id: string;
  /** The agent role, one of the configured roles. */
  role: string;
  /** What the job is for; becomes the commit message. */
  description: string;
  /** The shell command line it runs. */
  command: string;
  /** The agent preset its command came from (`ork enqueue --agent`), or null. */
  agent: string | null;
  /** What the agent is asked to do: handed to the command as `ORK_PROMPT`, never pasted into it; or null. */
  prompt: string | null;
  /** Lower runs first; jobs of equal priority run in enqueue order. */
  priority: number;
  /** Seconds before the job is stopped; null: the config's `job_timeout`. */
  timeout: number | null;
  /** Automatic retries after a failure. */
  max_retries: number;
  /** Retries spent so far. */
  retry_count: number;
  /** Where the job is in its life. */
  status: JobStatus;
  /** ISO-8601 UTC with milliseconds. */
  created_at: string;
  /** When it last started running; null unless running or finished after running. */
  started_at: string | null;
  /** When it reached completed, failed or cancelled. */
  finished_at: string | null;
  /** Why it last failed. */
  error: string | null;
  /** What it produced (the runner's record: landed commit, gates, ...). */
  result: Record<string, unknown> | null;
  /** The command's exit code, once it ran. */
  exit_code: number | null;
  /** Which runner worker has or had it. */
  worker: string | null;
  /** The git branch holding its work. */
  branch: string | null;
  /** The worktree it runs in. */
  worktree: string | null;
  /** Its log file. */
  log_path: string | null;
  /** The target branch's tip the job's worktree started from. */
  base: string | null;
  /** The commit the target branch moved to when the job landed. */
  landed_commit: string | null;
  /** The process (and process group) id of its running command. */
  pid: number | null;
  /** The confinement its command ran in: "bwrap", or "none (<why>)". */
  sandbox: string | null;
  /** Its worktree's environment as last prepared: the key, and whether setup ran or a kept result was copied. */
  environment: string | null;
  /** Each run that ended, oldest first: how it ended and why (`ork show` and `ork logs` can tell them apart). */
  tries: JobTry[];
  /** `ork enqueue --unique`: no two pending or running jobs have the same key; null for none. */
  unique: string | null;
  /** `ork enqueue --after`: the jobs that must land (or complete without changes) before this one runs. */
  after: string[];
  /** `ork enqueue --review`: once its gates pass, it waits in `awaiting_review` for `ork approve`. */
  review: boolean;
  /** When `ork approve` let it land; null until then, and again once a retry runs its command anew. */
  approved_at: string | null;
  /** Parked after a usage limit (`rate_limit:`): pending, but not claimed before this time; null otherwise. */
  parked_until: string | null;
  /** The version of this record's layout. */
  schema_version: number;
}

/** One run of a job, recorded when it ends (see `transition`). */
export interface JobTry {
  /** 1 for the first run. */
  try: number;
  /** When it started. */
  started_at: string | null;
  /** When it ended. */
  finished_at: string;
  /**
   * `completed`, `failed`, `cancelled`, `retrying` (failed, and runs again), `requeued` (stopped or recovered),
   * `awaiting_review` (its gates passed; it waits for `ork approve`) or `parked` (a usage limit; it runs again
   * once that resets).
   */
  outcome: "completed" | "failed" | "cancelled" | "retrying" | "requeued" | "awaiting_review" | "parked";
  /** Why it did not complete, or a note (`recovered: ...`). */
  error: string | null;
  /** The branch that held its work, if it had one. */
  branch: string | null;
  /** The commit the target moved to, when it landed. */
  landed_commit: string | null;
}

/** What a caller gives to enqueue a job; the queue fills in the rest. */
export interface NewJob {
  /** The agent role. */
  role: string;
  /** What the job is for. */
  description: string;
  /** The shell command line. */
  command: string;
  /** Lower runs first; default 50. */
  priority?: number;
  /** Seconds; default: the config's `job_timeout`. */
  timeout?: number | null;
  /** Automatic retries; default 2. */
  max_retries?: number;
  /** The agent preset the command came from; default none. */
  agent?: string | null;
  /** The agent's prompt, given to the command as `ORK_PROMPT`; default none. */
  prompt?: string | null;
  /** A key no other pending or running job may have (`ork enqueue --unique`); default none. */
  unique?: string | null;
  /** Whole ids of the jobs that must complete first (`ork enqueue --after`); default none. */
  after?: string[];
  /** Wait for `ork approve` once its gates pass (`ork enqueue --review`); default false. */
  review?: boolean;
}

/** The longest prompt, in UTF-8 bytes: it travels in an environment variable, which Linux caps at 128 KiB. */
export const MAX_PROMPT_BYTES = 100_000;

/**
 * The longest command line, in UTF-8 bytes. An agent's prompt travels in `ORK_PROMPT` and a long script belongs
 * in a file; the cap also bounds what the role check (patterns, the shell parser) reads at every claim.
 */
export const MAX_COMMAND_BYTES = 16_384;

/** The priority of a job enqueued without one. */
export const DEFAULT_PRIORITY = 50;
/** The retries of a job enqueued without `max_retries` and without a config value. */
export const DEFAULT_MAX_RETRIES = 2;

/** The fields of a run, empty until the job first runs. */
const NO_RUN_YET = {
  started_at: null,
  finished_at: null,
  error: null,
  result: null,
  exit_code: null,
  worker: null,
  branch: null,
  worktree: null,
  log_path: null,
  base: null,
  landed_commit: null,
  pid: null,
  sandbox: null,
  environment: null,
} as const satisfies Partial<Job>;

/**
 * A new pending job record, its fields in the spec's order.
 *
 * @param id its id (from `newJobId`)
 * @param fields the checked fields of {@link checkNewJob}
 * @param createdAt when it was made
 */
export function newJobRecord(
  id: string,
  fields: Required<NewJob> & { timeout: number | null },
  createdAt: Date = new Date(),
): Job {
  const { role, description, command, agent, prompt, priority, timeout, max_retries, unique, after, review } =
    fields;
  return {
    id,
    role,
    description,
    command,
    agent,
    prompt,
    priority,
    timeout,
    max_retries,
    retry_count: 0,
    status: "pending",
    created_at: createdAt.toISOString(),
    ...NO_RUN_YET,
    tries: [],
    unique,
    after,
    review,
    approved_at: null,
    parked_until: null,
    schema_version: SCHEMA_VERSION,
  };
}

/**
 * Whether a pending job is parked after a usage limit at `now`: no runner may claim it yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const now = new Date("2026-12-06T10:00:00Z");
 * assert.equal(isParked({ status: "pending", parked_until: "2026-12-06T11:00:00.000Z" }, now), true);
 * assert.equal(isParked({ status: "pending", parked_until: "2026-12-06T09:00:00.000Z" }, now), false);
 * ```
 */
export function isParked(job: Pick<Job, "status" | "parked_until">, now: Date = new Date()): boolean {
  return job.status === "pending" && job.parked_until !== null &&
    Date.parse(job.parked_until) > now.getTime();
}

/** Why a job file could not be read as a job; the file goes to quarantine. */
export class InvalidJobFile extends Error {
  /**
   * @param reason what is wrong with the file, naming the field
   */
  constructor(reason: string) {
    super(reason);
    this.name = "InvalidJobFile";
  }
}

/** The text stored for a job: pretty JSON with a final newline, fields in the record's order. */
export function serializeJob(job: Job): string {
  return JSON.stringify(job, null, 2) + "\n";
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value);
}

/**
 * Checks the fields of a job to enqueue and returns them complete. Long because it is one check per field,
 * in the order the fields are, each with its own message and fix.
 *
 * @param input the caller's fields
 * @param defaults `max_retries` to use when the input has none
 * @param labels how to name each field in an error (the CLI names its flags: `--cmd`)
 * @returns the validated fields with defaults applied
 * @throws {InputError} naming the field and the fix
 */
export function checkNewJob(
  input: NewJob,
  defaults: { max_retries?: number } = {},
  labels: Partial<Record<keyof NewJob, string>> = {},
): Required<NewJob> & { timeout: number | null } {
  const name = (field: keyof NewJob) => labels[field] ?? field;
  if (typeof input.role !== "string" || input.role.trim() === "") {
    throw new InputError(
      `${name("role")} is empty`,
      "name one of the roles in config/agent_roles.yaml",
    );
  }
  if (typeof input.description !== "string" || input.description.trim() === "") {
    throw new InputError(`${name("description")} is empty`, "say in a few words what the job does");
  }
  // The description is printed in `ork list`'s table and becomes the commit's subject: one line, and nothing a
  // terminal would act on (escape sequences, bell). Tabs too, which break the table's columns.
  const at = [...input.description].findIndex((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
  });
  if (at >= 0) {
    const code = [...input.description][at]!.codePointAt(0) ?? 0;
    throw new InputError(
      `${name("description")} must be one line without control characters (newlines, tabs, escapes), ` +
        `but has U+${code.toString(16).toUpperCase().padStart(4, "0")} at character ${at + 1}`,
      "say in one plain line what the job does; it becomes the commit's subject",
    );
  }
  if (typeof input.command !== "string" || input.command.trim() === "") {
    throw new InputError(`${name("command")} is empty`, "give the shell command line the job runs");
  }
  const commandBytes = new TextEncoder().encode(input.command).length;
  if (commandBytes > MAX_COMMAND_BYTES) {
    throw new InputError(
      `${name("command")} has ${commandBytes} bytes; at most ${MAX_COMMAND_BYTES}`,
      "put a long script in a file in the repository and run that file",
    );
  }
  const priority = input.priority ?? DEFAULT_PRIORITY;
  if (!isWholeNumber(priority) || priority < 0) {
    throw new InputError(
      `${name("priority")} must be a whole number >= 0, got ${JSON.stringify(priority)}`,
      "use 0-9 critical, 10-49 high, 50-99 normal, 100+ low",
    );
  }
  const timeout = input.timeout ?? null;
  if (
    timeout !== null &&
    !(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0 &&
      timeout <= MAX_TIMEOUT_SECONDS)
  ) {
    throw new InputError(
      `${name("timeout")} must be a number of seconds > 0 and <= ${MAX_TIMEOUT_SECONDS}, got ${
        JSON.stringify(timeout)
      }`,
      "e.g. 600 for ten minutes",
    );
  }
  const maxRetries = input.max_retries ?? defaults.max_retries ?? DEFAULT_MAX_RETRIES;
  if (!isWholeNumber(maxRetries) || maxRetries < 0) {
    throw new InputError(
      `${name("max_retries")} must be a whole number >= 0, got ${JSON.stringify(maxRetries)}`,
      "e.g. 2; 0 means no automatic retry",
    );
  }
  const prompt = input.prompt ?? null;
  if (prompt !== null && (typeof prompt !== "string" || prompt.trim() === "")) {
    throw new InputError(`${name("prompt")} is empty`, "say what the agent should do");
  }
  const bytes = prompt === null ? 0 : new TextEncoder().encode(prompt).length;
  if (prompt !== null && bytes > MAX_PROMPT_BYTES) {
    throw new InputError(
      `${name("prompt")} has ${bytes} bytes; at most ${MAX_PROMPT_BYTES} fit in ORK_PROMPT`,
      "put the details in a file in the repository and point the prompt at it",
    );
  }
  if (prompt !== null && prompt.includes("\0")) {
    throw new InputError(
      `${name("prompt")} has a NUL character, which no environment variable can carry`,
      "give the prompt as text",
    );
  }
  return {
    role: input.role,
    description: input.description,
    command: input.command,
    agent: input.agent ?? null,
    prompt,
    priority,
    timeout,
    max_retries: maxRetries,
    unique: checkUnique(input.unique ?? null, name("unique")),
    after: [...new Set(input.after ?? [])],
    review: checkReview(input.review ?? false, name("review")),
  };
}

/** `review` is true or false (a caller of the TypeScript API may pass anything). */
function checkReview(review: unknown, name: string): boolean {
  if (typeof review === "boolean") return review;
  throw new InputError(
    `${name} must be true or false, got ${JSON.stringify(review)}`,
    "leave it out for no review",
  );
}

/** The most characters a `unique` key may have. */
const MAX_UNIQUE_CHARS = 200;

/** A `unique` key: one line of plain text, not empty, not long. */
function checkUnique(key: string | null, name: string): string | null {
  if (key === null) return null;
  if (
    typeof key !== "string" || key.trim() === "" || [...key].length > MAX_UNIQUE_CHARS ||
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/.test(key)
  ) {
    throw new InputError(
      `${name} must be one line of 1 to ${MAX_UNIQUE_CHARS} characters without control characters, got ` +
        JSON.stringify(key),
      "name what the job is for, such as --unique nightly-lint",
    );
  }
  return key;
}
