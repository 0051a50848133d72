/**
 * Running merge gates of type `shell` on a job's work (run.ts runs a list of gates of any type). Gates fail
 * closed: a gate passes only when its command ran and exited 0 within its timeout; anything else, including ork
 * failing to start it, is a failure.
 *
 * @module
 */

import type { GateConfig } from "../config/mod.ts";
import type { ChangeSource } from "../git/mod.ts";
import { execInGroup, type ExecOutcome } from "../process/mod.ts";
import type { ExecSandbox } from "../sandbox/mod.ts";
import type { GateResult } from "./decide.ts";
import { messageOf } from "../errors/mod.ts";

/** Where and how gates run. */
export interface GateRunOptions {
  /** The job's worktree. */
  cwd: string;
  /** The job's log; each gate's output is appended between a header and a footer line. */
  logPath: string;
  /** Variables added to the inherited environment. */
  env: Record<string, string>;
  /** Aborting stops the running gate; it and every later gate fail as `cancelled`. */
  signal?: AbortSignal;
  /**
   * What the built-in gates (`secrets`, `file_size`) look at: the candidate against its base, or a checkout's
   * staged or working-tree changes. Without it they fail; shell gates do not use it.
   */
  change?: ChangeSource;
  /** The job's confinement, when it has one: gates run with the same one as the job. */
  sandbox?: ExecSandbox;
  /** Told each shell gate's process group as it starts (a runner records it, for recovery to stop). */
  onStart?: (pid: number) => void;
  /** The most of each gate's output kept in the log (`orchestrator.log_max_bytes`); default: all. */
  maxLogBytes?: number;
}

const encoder = new TextEncoder();

/**
 * Runs one shell gate in its own process group (see `execInGroup`) and judges it. Never throws for the gate's
 * sake: a gate that cannot even start comes back failed, with the reason in `error`.
 */
export async function runShellGate(gate: GateConfig, opts: GateRunOptions): Promise<GateResult> {
  const started = performance.now();
  const command = gate.command ?? "";
  let exitCode: number | null = null;
  let error: string | null;
  try {
    await appendLine(opts.logPath, `== gate ${gate.name}: ${oneLine(command)}`);
    if (gate.type !== "shell" || command.trim() === "") {
      error = `gate type ${gate.type}${command.trim() === "" ? " without a command" : ""} cannot run here`;
    } else {
      const outcome = await execInGroup({
        command,
        cwd: opts.cwd,
        env: opts.env,
        logPath: opts.logPath,
        timeoutSeconds: gate.timeout,
        signal: opts.signal,
        sandbox: opts.sandbox,
        onStart: opts.onStart,
        ...(opts.maxLogBytes === undefined ? {} : { maxLogBytes: opts.maxLogBytes }),
      });
      exitCode = outcome.exitCode;
      error = failure(outcome, gate.timeout);
    }
  } catch (thrown) {
    error = `could not start: ${messageOf(thrown)}`;
  }
  const duration_ms = Math.round(performance.now() - started);
  const verdict = error === null ? "passed" : `failed (${error})`;
  try {
    await appendLine(opts.logPath, `== gate ${gate.name}: ${verdict} in ${duration_ms} ms`);
  } catch {
    // The result is what counts; a log that cannot be written has already made the gate fail above.
  }
  return {
    name: gate.name,
    passed: error === null,
    exit_code: exitCode,
    duration_ms,
    required: gate.required,
    error,
  };
}

/** Why a finished gate failed, or `null` when it passed. Only an exit code of 0 on an ordinary end passes. */
function failure(outcome: ExecOutcome, timeoutSeconds: number): string | null {
  if (outcome.startFailed) return `could not start: ${outcome.startError ?? "unknown reason"}`;
  if (outcome.cancelled) return "cancelled";
  if (outcome.timedOut) return `timed out after ${timeoutSeconds}s`;
  if (outcome.signal !== null) return `killed by ${outcome.signal}`;
  switch (outcome.exitCode) {
    case 0:
      return null;
    case null:
      return "ended without an exit code";
    case 126:
      return "exit code 126 (command not executable)";
    case 127:
      return "exit code 127 (command not found)";
    default:
      return `exit code ${outcome.exitCode}`;
  }
}

/** Keeps a header one line even for a multi-line command. */
function oneLine(command: string): string {
  return command.replace(/\r?\n/g, "\\n");
}

async function appendLine(path: string, line: string): Promise<void> {
  // Append, like execInGroup, so that the lines land after whatever the log already holds.
  await Deno.writeFile(path, encoder.encode(`${line}\n`), { append: true, create: true });
}
