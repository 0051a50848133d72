/**
 * The plain decisions about merge gates: whether a config's gates can run at all, and whether a run's results
 * let a job's work land. No processes or files, so they are tested without a repository.
 *
 * @module
 */

import { CONFIG_FILES, type GateConfig } from "../config/mod.ts";
import { ConfigError } from "../errors/mod.ts";

/** What one gate's run came to; stored with the job, hence the snake_case fields. */
export interface GateResult {
  /** The gate's name from `merge_gates`. */
  name: string;
  /** True only when the command exited 0 within the gate's timeout. */
  passed: boolean;
  /** The command's exit code; `null` when it was killed, timed out or never started. */
  exit_code: number | null;
  /** Wall time of the gate, from start to its output being in the log. */
  duration_ms: number;
  /** Whether a failure blocks landing (copied from the gate's config). */
  required: boolean;
  /** Why it failed, e.g. `exit code 3` or `timed out after 2s`; `null` when it passed. */
  error: string | null;
}

/** The verdict of {@link landingAllowed}. */
export interface LandingDecision {
  /** True when no required gate failed (or is missing). */
  allowed: boolean;
  /** Names of required gates that failed, in order; with `gates` given, also required gates with no result. */
  failedRequired: string[];
  /** Names of optional gates that failed, in order; they are reported but do not block. */
  failedOptional: string[];
}

/**
 * Whether a job's work may land, given its gate results: only if every required gate that ran passed.
 *
 * Gates fail closed, so a required gate that should have run but has no result is as bad as a failed one.
 * Pass the configured `gates` to have that checked too; without them only the results are judged (an empty
 * list then allows landing, which is right only when no gates are configured).
 *
 * @param results the results of `runGates`, in order
 * @param gates the configured gates, to catch a required gate with no result
 */
export function landingAllowed(
  results: readonly GateResult[],
  gates?: readonly GateConfig[],
): LandingDecision {
  const failedRequired: string[] = [];
  const failedOptional: string[] = [];
  for (const result of results) {
    if (result.passed) continue;
    (result.required ? failedRequired : failedOptional).push(result.name);
  }
  for (const gate of gates ?? []) {
    // A result stands for the gate only if it passed; a missing one (or one recorded as optional while the
    // config now says required) cannot vouch for the work.
    const passed = results.some((r) => r.name === gate.name && r.passed);
    if (gate.required && !passed && !failedRequired.includes(gate.name)) failedRequired.push(gate.name);
  }
  return { allowed: failedRequired.length === 0, failedRequired, failedOptional };
}

/**
 * Refuses a gate list this version of ork cannot run, before any job starts, rather than letting every job
 * fail at its gates: only `shell` gates run yet.
 *
 * @throws ConfigError naming the first gate whose type is not `shell`, or a shell gate without a command
 */
export function assertGatesRunnable(gates: readonly GateConfig[]): void {
  for (const gate of gates) {
    if (gate.type !== "shell") {
      throw new ConfigError(
        CONFIG_FILES.orchestrator,
        undefined,
        `merge_gates: gate "${gate.name}" has type ${gate.type}, which this version of ork cannot run yet`,
        "remove it or change its type to shell",
      );
    }
    // The schema already demands a command for shell gates; a config built in code might not have one.
    if (gate.command === undefined || gate.command.trim() === "") {
      throw new ConfigError(
        CONFIG_FILES.orchestrator,
        undefined,
        `merge_gates: gate "${gate.name}" has type shell but no command`,
        "give it a command, e.g. `command: deno test`",
      );
    }
  }
}
