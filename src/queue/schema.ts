/**
 * Reading job files: JSON parse, validation with zod, and migration of older schema versions. Loaded by the
 * queue on its first read (enqueue never reads a job file, so it never loads zod).
 *
 * @module
 */

import * as z from "zod";
import { OrkError } from "../errors/mod.ts";
import { JOB_ID_PATTERN } from "./id.ts";
import { DEFAULT_MAX_RETRIES, InvalidJobFile, type Job, NO_RUN_YET, SCHEMA_VERSION } from "./job.ts";
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
  schema_version: z.literal(SCHEMA_VERSION),
});

/**
 * Schema 0 is the layout of the old Python implementation: no `schema_version`, and none of the fields added
 * since (`retry_count`, `max_retries`, `exit_code`, `worker`, `branch`, `worktree`, `log_path`) need be present.
 */
function migrateFromV0(record: Record<string, unknown>): Record<string, unknown> {
  const present = Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
  const defaults = { timeout: null, max_retries: DEFAULT_MAX_RETRIES, retry_count: 0, ...NO_RUN_YET };
  return { ...defaults, ...present, schema_version: 1 };
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
  if (version === 0) record = migrateFromV0(record);
  const parsed = jobSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join(".") : "(record)";
    throw new InvalidJobFile(`field ${field}: ${issue.message}`);
  }
  return parsed.data as Job;
}
