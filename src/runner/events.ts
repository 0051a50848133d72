/**
 * What a runner reports: one {@link RunnerEvent} type tagged by `kind`, with a formatter for every kind (a new
 * event cannot be added without saying how it prints). Events go, one line each, to `.ork/orchestrator.log`
 * through @logtape/logtape, and with `--verbose` to stderr too.
 *
 * @module
 */

import { configureSync, getLogger, type LogRecord, resetSync } from "@logtape/logtape";
import type { GateResult } from "../gates/mod.ts";

/** A job as events name it. */
export interface JobRef {
  /** The job id. */
  readonly id: string;
  /** Its role. */
  readonly role: string;
  /** What it does. */
  readonly description: string;
}

/** Everything a runner reports. */
export type RunnerEvent =
  | {
    kind: "runner-started";
    runner: string;
    workers: number;
    target: string;
    once: boolean;
    sandbox: string;
  }
  | { kind: "claimed"; job: JobRef; worker: string }
  | { kind: "started"; job: JobRef; worktree: string; base: string; pid: number }
  | { kind: "environment"; job: JobRef; summary: string; built: boolean }
  | { kind: "gate"; job: JobRef; gate: GateResult }
  // The merge train: a candidate built (where, holding which jobs ahead), or built again (why).
  | { kind: "train"; job: JobRef; action: "built" | "rebuilt"; detail: string }
  | { kind: "landed"; job: JobRef; target: string; commit: string }
  | { kind: "no-changes"; job: JobRef }
  | { kind: "failed"; job: JobRef; error: string; retrying: boolean }
  | { kind: "cancelled"; job: JobRef }
  | { kind: "awaiting-review"; job: JobRef; target: string }
  | { kind: "parked"; job: JobRef; until: string; why: string }
  | { kind: "requeued"; job: JobRef; reason: string }
  | { kind: "recovered"; job: JobRef; runner: string }
  | { kind: "stopping"; signal: string; force: boolean }
  /** `exitCode` null and a `reason`: it stopped on an error before running anything. */
  | { kind: "runner-stopped"; runner: string; exitCode: number | null; reason: string | null }
  | { kind: "worktree-replaced"; path: string; reason: string }
  | { kind: "warning"; message: string }
  | { kind: "paused"; since: string; pending: number; once: boolean };

type Formatters = { [K in RunnerEvent["kind"]]: (event: Extract<RunnerEvent, { kind: K }>) => string };

const name = (job: JobRef) => `${job.id} (${job.role}: ${job.description})`;

const FORMAT: Formatters = {
  "runner-started": (e) =>
    `runner ${e.runner} started: ${e.workers} worker(s), target ${e.target}, sandbox ${e.sandbox}` +
    (e.once ? ", --once" : ""),
  claimed: (e) => `claimed ${name(e.job)} by ${e.worker}`,
  started: (e) => `started ${e.job.id} in ${e.worktree} at ${e.base.slice(0, 12)}, pid ${e.pid}`,
  environment: (e) => `${e.summary} for ${e.job.id}`,
  gate: (e) =>
    `gate ${e.gate.name} ${e.gate.passed ? "passed" : "failed"} for ${e.job.id} in ${e.gate.duration_ms} ms` +
    (e.gate.passed ? "" : ` (${e.gate.error ?? "failed"}${e.gate.required ? "" : ", optional"})`),
  train: (e) =>
    e.action === "built"
      ? `train: built ${e.job.id}'s ${e.detail}`
      : `train: building ${e.job.id}'s candidate again: ${e.detail}`,
  landed: (e) => `landed ${name(e.job)} on ${e.target} at ${e.commit.slice(0, 12)}`,
  "no-changes": (e) => `completed ${name(e.job)} with no changes; nothing to land`,
  failed: (e) => `failed ${name(e.job)}: ${e.error}${e.retrying ? " (will retry)" : ""}`,
  cancelled: (e) => `cancelled ${name(e.job)}; nothing of it lands`,
  parked: (e) => `parked ${name(e.job)} until ${e.until} after a usage limit (${e.why}); no retry spent`,
  "awaiting-review": (e) =>
    `${name(e.job)} passed its gates and awaits review: ork diff ${e.job.id}, then ork approve ${e.job.id} ` +
    `(it lands on ${e.target}) or ork reject ${e.job.id}`,
  requeued: (e) => `put ${e.job.id} back to pending: ${e.reason}`,
  recovered: (e) => `recovered ${name(e.job)} from dead runner ${e.runner}; pending again`,
  stopping: (e) =>
    e.force
      ? `${e.signal} again: stopping running jobs and putting them back to pending`
      : `${e.signal}: no new jobs; running ones finish and land (send it again to stop them)`,
  "runner-stopped": (e) =>
    e.exitCode === null
      ? `runner ${e.runner} stopped: ${e.reason}`
      : `runner ${e.runner} stopped, exit ${e.exitCode}`,
  warning: (e) => e.message,
  paused: (e) =>
    `paused since ${e.since}: no new job is claimed` +
    (e.once ? `; ${e.pending} pending left for after ork resume` : " until ork resume"),
  "worktree-replaced": (e) =>
    `worktree ${e.path} could not be reused (${e.reason}); removed it, a new one follows`,
};

/** The one line an event prints as. */
export function formatEvent(event: RunnerEvent): string {
  return (FORMAT[event.kind] as (e: RunnerEvent) => string)(event);
}

/** Where a runner's events go. */
export interface EventLog extends Disposable {
  /** Reports one event. */
  emit(event: RunnerEvent): void;
}

const encoder = new TextEncoder();

function appendLine(path: string, line: string): void {
  const file = Deno.openSync(path, { append: true, create: true });
  try {
    file.writeSync(encoder.encode(line + "\n"));
  } finally {
    file.close();
  }
}

/**
 * Opens the event log: `.ork/orchestrator.log` (one line per event, appended), and stderr too when `verbose`.
 *
 * @param path the log file
 * @param options `verbose`: also echo to stderr; `stderr`: where that goes (the process's by default)
 */
export function openEventLog(
  path: string,
  options: { verbose?: boolean; stderr?: (line: string) => void } = {},
): EventLog {
  const toStderr = options.stderr ?? ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
  const line = (record: LogRecord) =>
    `${new Date(record.timestamp).toISOString()} ${record.level.toUpperCase()} ${record.message.join("")}`;
  configureSync({
    reset: true,
    sinks: {
      file: (record) => appendLine(path, line(record)),
      stderr: (record) => toStderr(`ork: ${record.message.join("")}`),
    },
    loggers: [
      { category: ["ork"], sinks: options.verbose ? ["file", "stderr"] : ["file"], lowestLevel: "info" },
      // logtape's own notices would otherwise go to the console.
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  const logger = getLogger(["ork", "runner"]);
  return {
    emit(event) {
      const text = formatEvent(event);
      if (event.kind === "failed" || event.kind === "worktree-replaced" || event.kind === "warning") {
        logger.warn(text);
      } else logger.info(text);
    },
    [Symbol.dispose]: () => resetSync(),
  };
}
