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
  /** True only when the check passed: a shell gate's command exited 0 within the gate's timeout. */
  passed: boolean;
  /** The command's exit code; `null` when it was killed, timed out or never started, and for built-in gates. */
  exit_code: number | null;
  /** Wall time of the gate, from start to its output being in the log. */
  duration_ms: number;
  /** Whether a failure blocks landing (copied from the gate's config). */
  required: boolean;
  /** Why it failed, e.g. `exit code 3` or `timed out after 2s`; `null` when it passed. */
  error: string | null;
  /** The runs before this one that failed, oldest first, when the gate has `retries` and needed them. */
  failed_tries?: GateTry[];
}

/** One failed run of a gate that was then tried again (see `retries`). */
export interface GateTry {
  /** The command's exit code, as in {@link GateResult}. */
  exit_code: number | null;
  /** Wall time of the run. */
  duration_ms: number;
  /** Why it failed. */
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
 * fail at its gates: `shell` gates need a command, `secrets` and `file_size` gates must not have one, and a
 * `file_size` gate's `max_bytes` must be a whole number > 0.
 *
 * @throws ConfigError naming the first gate that cannot run, and why
 */
export function assertGatesRunnable(gates: readonly GateConfig[]): void {
  const refuse = (message: string, hint: string) =>
    new ConfigError(CONFIG_FILES.orchestrator, undefined, `merge_gates: ${message}`, hint);
  for (const gate of gates) {
    switch (gate.type) {
      case "shell":
        // The schema already demands a command for shell gates; a config built in code might not have one.
        if (gate.command === undefined || gate.command.trim() === "") {
          throw refuse(
            `gate "${gate.name}" has type shell but no command`,
            "give it a command, e.g. `command: deno test`",
          );
        }
        break;
      case "secrets":
      case "file_size":
        if (gate.command !== undefined) {
          throw refuse(
            `gate "${gate.name}" has type ${gate.type}, which runs inside ork and takes no command`,
            "delete command:, or set type: shell",
          );
        }
        if (
          gate.type === "file_size" && gate.max_bytes !== undefined &&
          !(Number.isInteger(gate.max_bytes) && gate.max_bytes > 0)
        ) {
          throw refuse(
            `gate "${gate.name}" has max_bytes ${gate.max_bytes}, which is not a whole number > 0`,
            "e.g. max_bytes: 10485760 (10 MiB)",
          );
        }
        break;
      default:
        throw refuse(
          `gate "${gate.name}" has type ${
            String((gate as { type: unknown }).type)
          }, which this version of ork cannot run`,
          "use type shell, secrets or file_size",
        );
    }
  }
}
