/**
 * Flag and argument parsers the commands share: each returns the value or refuses it in one line naming the
 * flag and the fix (an `InputError`, exit 2).
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import { JOB_STATUSES, type JobStatus } from "../queue/mod.ts";
import { MAX_TIMEOUT_SECONDS } from "../time/mod.ts";

/**
 * A flag's value as a whole number >= `minimum` (0 unless given), or a one-line refusal naming the flag.
 *
 * @param flag the flag, as the user types it (`--priority`)
 * @param value what was given, if anything
 * @param hint how to fix a refused value
 * @param minimum the smallest value accepted
 * @param maximum the largest value accepted
 * @returns the number, or undefined when the flag was not given
 * @throws {InputError} for anything but decimal digits (a space too: `" 5"` is a typo, not 5) or a value out
 *   of range
 */
export function wholeNumberFlag(
  flag: string,
  value: string | undefined,
  hint: string,
  minimum = 0,
  maximum = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < minimum || number > maximum) {
    const range = maximum === Number.MAX_SAFE_INTEGER ? `>= ${minimum}` : `from ${minimum} to ${maximum}`;
    throw new InputError(`${flag} must be a whole number ${range}, got ${JSON.stringify(value)}`, hint);
  }
  return number;
}

/** The most automatic retries a job may have: more is a loop, not a retry. */
export const MAX_RETRIES_FLAG = 100;

/**
 * A plain decimal number (`30`, `1.5`), or undefined for anything else: no sign, exponent, hex, binary or
 * octal prefix, `Infinity`, spaces or empty text, which `Number()` would all accept.
 */
export function plainDecimal(value: string): number | undefined {
  const number = /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
  return number !== undefined && Number.isFinite(number) ? number : undefined;
}

/** A flag's value as a number of seconds > 0, or a one-line refusal naming the flag. */
export function secondsFlag(flag: string, value: string | undefined, example: number): number | undefined {
  if (value === undefined) return undefined;
  const seconds = plainDecimal(value);
  if (seconds === undefined || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new InputError(
      `${flag} must be a number of seconds > 0 and <= ${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(value)}`,
      `e.g. ${flag} ${example}`,
    );
  }
  return seconds;
}

/** The job id from `<id>` or `--job-id <id>` (the spec's spelling); refuses none, or two that differ. */
export function jobIdArgument(
  positional: string | undefined,
  flag: string | undefined,
  usage: string,
): string {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new InputError(`two job ids given (${positional} and --job-id ${flag})`, `give one: ${usage}`);
  }
  const id = positional ?? flag;
  if (id === undefined || id.trim() === "") throw new InputError("no job id given", `usage: ${usage}`);
  return id;
}

/** `--status` as a job status, or a one-line refusal listing the statuses. */
export function statusFlag(value: string | undefined): JobStatus | undefined {
  if (value === undefined) return undefined;
  if ((JOB_STATUSES as readonly string[]).includes(value)) return value as JobStatus;
  throw new InputError(`--status must be one of ${JOB_STATUSES.join(", ")}; got ${JSON.stringify(value)}`);
}
