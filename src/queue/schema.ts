/**
 * Reading job files: JSON parse, validation with zod, and migration of older schema versions. Loaded by the
 * queue on its first read (enqueue never reads a job file, so it never loads zod).
 *
 * @module
 */

import * as z from "zod/mini";
import { OrkError } from "../errors/mod.ts";
import { JOB_ID_PATTERN } from "./id.ts";
import { DEFAULT_MAX_RETRIES, InvalidJobFile, type Job, SCHEMA_VERSION } from "./job.ts";
import { JOB_STATUSES } from "./status.ts";

const isoTime = z.iso.datetime();
const nullable = <T extends z.ZodMiniType>(schema: T) => z.nullable(schema);
const count = () => z.int().check(z.minimum(0));
const jobSchema = z.looseObject({
  id: z.string().check(z.regex(JOB_ID_PATTERN, "not an ork job id")),
  role: z.string().check(z.minLength(1)),
  description: z.string(),
  command: z.string().check(z.minLength(1)),
  agent: nullable(z.string()),
  prompt: nullable(z.string()),
  priority: count(),
  timeout: nullable(z.number().check(z.positive())),
  max_retries: count(),
  retry_count: count(),
  status: z.enum(JOB_STATUSES),
  created_at: isoTime,
  started_at: nullable(isoTime),
  finished_at: nullable(isoTime),
  error: nullable(z.string()),
  result: nullable(z.record(z.string(), z.unknown())),
  exit_code: nullable(z.int()),
  worker: nullable(z.string()),
  branch: nullable(z.string()),
  worktree: nullable(z.string()),
  log_path: nullable(z.string()),
  base: nullable(z.string()),
  landed_commit: nullable(z.string()),
  pid: nullable(z.int().check(z.positive())),
  sandbox: nullable(z.string()),
  environment: nullable(z.string()),
  tries: z.array(z.looseObject({
    try: z.int().check(z.positive()),
    started_at: nullable(isoTime),
    finished_at: isoTime,
    outcome: z.enum([
      "completed",
      "failed",
      "cancelled",
      "retrying",
      "requeued",
      "awaiting_review",
      "parked",
    ]),
    error: nullable(z.string()),
    branch: nullable(z.string()),
    landed_commit: nullable(z.string()),
  })),
  unique: nullable(z.string()),
  after: z.array(z.string()),
  review: z.boolean(),
  approved_at: nullable(isoTime),
  parked_until: nullable(isoTime),
  schema_version: z.literal(SCHEMA_VERSION),
});

/**
 * What is wrong, in words. zod/mini (the small build of zod, chosen because every ork command bundles it) has
 * no message catalogue, so the few issues a job file can have are described here.
 */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected}`;
    case "too_small":
      return `must be ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
    case "too_big":
      return `must be ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return issue.message && issue.message !== "Invalid input"
        ? issue.message
        : `not a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

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
  // 3 -> 4: the worktree's environment.
  (record) => ({ environment: null, ...record }),
  // 4 -> 5: the agent preset and its prompt.
  (record) => ({ agent: null, prompt: null, ...record }),
  // 5 -> 6: the record of each try (none kept before).
  (record) => ({ tries: [], ...record }),
  // 6 -> 7: the `unique` key and the jobs it runs `after`.
  (record) => ({ unique: null, after: [], ...record }),
  // 7 -> 8: review before landing (`--review`, `ork approve`), parking after a usage limit.
  (record) => ({ review: false, approved_at: null, parked_until: null, ...record }),
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
    throw new InvalidJobFile(`field ${field}: ${describeIssue(issue)}`);
  }
  return parsed.data as Job;
}
