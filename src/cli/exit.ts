/**
 * How errors become exit codes and one stderr line.
 *
 * @module
 */

import { OrkError, type OrkErrorCode } from "../errors/mod.ts";

/** ork's exit codes: 0 ok, 1 a job or gate failed, 2 bad input or config, 3 lock busy. */
export const ExitCode = { ok: 0, failed: 1, badInput: 2, lockBusy: 3 } as const;

/** The exit code for each error code; typed over every code so a new one cannot be added without its exit. */
const EXIT_FOR: Record<OrkErrorCode, number> = {
  "bad-input": ExitCode.badInput,
  "config-invalid": ExitCode.badInput,
  "not-a-repo": ExitCode.badInput,
  "not-initialised": ExitCode.badInput,
  "job-not-found": ExitCode.badInput,
  "ambiguous-id": ExitCode.badInput,
  "invalid-transition": ExitCode.badInput,
  "schema-too-new": ExitCode.badInput,
  "lock-busy": ExitCode.lockBusy,
  "job-failed": ExitCode.failed,
  "git-failed": ExitCode.failed,
};

/** The exit code for an ork error. */
export function exitCodeFor(error: OrkError): number {
  return EXIT_FOR[error.code];
}

/** The one stderr line for an ork error: `ork: <message>; <hint>`. */
export function errorLine(error: OrkError): string {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " ").trim();
  return error.hint
    ? `ork: ${oneLine(error.message)}; ${oneLine(error.hint)}`
    : `ork: ${oneLine(error.message)}`;
}
