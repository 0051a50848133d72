/**
 * What `ork doctor` reports: one {@link Check} per thing it looks at, each `ok`, `warn`, `fail` or `skip`, with
 * what it found and, when something is wrong, the fix. Plain data; the CLI prints it.
 *
 * @module
 */

import { messageOf, OrkError } from "../errors/mod.ts";

/** How a check came out: `warn` is worth fixing but ork works; `fail` stops ork; `skip` could not be looked at. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One line of `ork doctor`. */
export interface Check {
  /** A short, stable name (`git`, `sandbox`, `config/orchestrator.yaml`, ...). */
  readonly name: string;
  /** How it came out. */
  readonly status: CheckStatus;
  /** What was found, or for a skipped check what it needed. */
  readonly message: string;
  /** How to fix it; only for `warn` and `fail`. */
  readonly fix?: string;
}

/** Everything `ork doctor` found. */
export interface DoctorReport {
  /** The checks, in a fixed order. */
  readonly checks: Check[];
  /** True when no check failed (warnings allowed). */
  readonly ok: boolean;
}

/** A check that passed. */
export function passed(name: string, message: string): Check {
  return { name, status: "ok", message };
}

/** A check that found something worth fixing that does not stop ork. */
export function warned(name: string, message: string, fix: string): Check {
  return { name, status: "warn", message, fix };
}

/** A check that found something that stops ork. */
export function failed(name: string, message: string, fix: string): Check {
  return { name, status: "fail", message, fix };
}

/** A check that could not be made, saying what it needed. */
export function skipped(name: string, needs: string): Check {
  return { name, status: "skip", message: `needs ${needs}` };
}

/**
 * Runs a group of checks; whatever it throws fails every check of the group with the error's message, so one
 * broken look (a git that fails, an unreadable folder) never stops doctor from making the others.
 *
 * @param names the names of the checks `look` returns, used when it throws
 * @param look makes the checks
 * @returns its checks, or one failed check per name
 */
export async function guarded(names: readonly string[], look: () => Promise<Check[]>): Promise<Check[]> {
  try {
    return await look();
  } catch (error) {
    if (error instanceof OrkError) {
      return names.map((name) => failed(name, error.message, error.hint || "see the message"));
    }
    const message = messageOf(error);
    return names.map((name) =>
      failed(name, `could not check: ${message}`, "this is a bug in ork; please report it with this output")
    );
  }
}

/** The report for `checks`: ok unless one failed. */
export function reportOf(checks: Check[]): DoctorReport {
  return { checks, ok: checks.every((check) => check.status !== "fail") };
}

/**
 * Runs a tool a check reads (git, df) with C-locale output. Rejects as `Deno.Command` does, with NotFound when
 * the tool is not on PATH, which each check turns into its own line.
 */
export function runTool(name: string, args: readonly string[]): Promise<Deno.CommandOutput> {
  return new Deno.Command(name, {
    args: [...args],
    env: { LC_ALL: "C" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
}
