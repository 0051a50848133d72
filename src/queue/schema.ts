/**
 * Reading job files: JSON parse, validation with zod, and migration of older schema versions. Loaded by the
 * queue on its first read (enqueue never reads a job file, so it never loads zod).
 *
 * @module
 */

import * as z from "zod";
import { OrkError } from "../errors/mod.ts";
import { JOB_ID_PATTERN } from "./id.ts";
import { DEFAULT_MAX_RETRIES, InvalidJobFile, type Job, SCHEMA_VERSION } from "./job.ts";
import { JOB_STATUSES } from "./status.ts";

const isoTime = z.iso.datetime();
const jobSchema = z.looseObject({
  id: z.string().regex(JOB_ID_PATTERN, "not an ork job id"),
  role: z.string().min(1),
  description: z.string(),
  command: z.string().min(1),
  priority: z.int().min(0),
  timeout: z.number().positive().nullable(),
  max_retries: z.int().min(0),
  retry_count: z.int().min(0),
  status: z.enum(JOB_STATUSES),
  created_at: isoTime,
  started_at: isoTime.nullable(),
  finished_at: isoTime.nullable(),
  error: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  exit_code: z.int().nullable(),
  worker: z.string().nullable(),
  branch: z.string().nullable(),
  worktree: z.string().nullable(),
  log_path: z.string().nullable(),
  base: z.string().nullable(),
  landed_commit: z.string().nullable(),
  pid: z.int().positive().nullable(),
  sandbox: z.string().nullable(),
  schema_version: z.literal(SCHEMA_VERSION),
});

/**
 * Each step brings a record of one schema version to the next, filling what the newer layout added; a file of
 * any older version goes through every step after it. Fields a record has are never overwritten.
 */
const MIGRATIONS: ReadonlyArray<(record: Record<string, unknown>) => Record<string, unknown>> = [
  // 0 -> 1. Schema 0 is the old Python implementation's layout: none of the fields added since
  // (`retry_count`, `max_retries`, `exit_code`, `worker`, `branch`, `worktree`, `log_path`) need be present.
  (record) => ({
    timeout: null,
    max_retries: DEFAULT_MAX_RETRIES,
    retry_count: 0,
    started_at: null,
    finished_at: null,
    error: null,
    result: null,
    exit_code: null,
    worker: null,
    branch: null,
    worktree: null,
    log_path: null,
    ...record,
  }),
  // 1 -> 2: the runner's `base`, `landed_commit` and `pid`.
  (record) => ({ base: null, landed_commit: null, pid: null, ...record }),
  // 2 -> 3: the sandbox the command ran in.
  (record) => ({ sandbox: null, ...record }),
];

function migrate(record: Record<string, unknown>, from: number): Record<string, unknown> {
  const present = Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
  let migrated = present;
  for (let version = from; version < SCHEMA_VERSION; version++) migrated = MIGRATIONS[version]!(migrated);
  return { ...migrated, schema_version: SCHEMA_VERSION };
}

/**
 * Parses and validates a job file's text, migrating older schema versions.
 *
 * @param text the file's content
 * @returns the job
 * @throws {InvalidJobFile} when the text is not a valid job (the caller quarantines the file)
 * @throws {OrkError} `schema-too-new` when a newer ork wrote it (the file is left alone)
 */
export function parseJob(text: string): Job {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InvalidJobFile(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new InvalidJobFile("not a JSON object");
  }
  let record = data as Record<string, unknown>;
  const version = record.schema_version ?? 0;
  if (typeof version === "number" && version > SCHEMA_VERSION) {
    throw new OrkError(
      "schema-too-new",
      `job ${String(record.id)} has schema_version ${version}; this ork reads up to ${SCHEMA_VERSION}`,
      "upgrade ork",
    );
  }
  if (typeof version === "number" && Number.isInteger(version) && version >= 0 && version < SCHEMA_VERSION) {
    record = migrate(record, version);
  }
  const parsed = jobSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join(".") : "(record)";
    throw new InvalidJobFile(`field ${field}: ${issue.message}`);
  }
  return parsed.data as Job;
}
