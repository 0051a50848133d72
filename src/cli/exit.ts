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

/** What to do about a path of the wrong kind or one ork may not use, after the OS's message naming it. */
export const PATH_PROBLEM_HINT =
  "check that this path is the kind ork expects (a file or a folder) and that you may read and write it";

/** OS error codes that say a path is of the wrong kind or may not be used (Deno has no class for EROFS). */
const PATH_PROBLEM_CODES = new Set(["EACCES", "EPERM", "EISDIR", "ENOTDIR", "ELOOP", "EROFS"]);

/**
 * A file-system error that is the user's to fix, not a bug in ork, as an ork error (exit 2): a folder where
 * ork reads or writes a file or the reverse, a path ork may not read or write, a symlink loop, a read-only file
 * system, or a file where ork makes a folder. Deno's message names the operation and the path
 * (`Is a directory (os error 21): readfile '/repo/.ork/logs/x.log'`), so it is kept as it is.
 *
 * @param error anything thrown
 * @returns the error to report, or undefined when `error` is not such a file-system error
 */
export function pathProblem(error: unknown): OrkError | undefined {
  if (!(error instanceof Error) || error instanceof OrkError) return undefined;
  const code = "code" in error && typeof error.code === "string" ? error.code : "";
  if (code === "ENOSPC" || code === "EDQUOT" || /\(os error (?:28|122)\)/.test(error.message)) {
    return new OrkError(
      "bad-input",
      `no space left on device: ${error.message}`,
      "free space on the disk that holds it ('ork doctor' shows what is free), then run the command again; " +
        "nothing was changed",
      { cause: error },
    );
  }
  const wrongKind = error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.IsADirectory || error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.FilesystemLoop || PATH_PROBLEM_CODES.has(code) ||
    // `mkdir -p` over a file; any other "already exists" that reaches the CLI is a race ork should have handled.
    (error instanceof Deno.errors.AlreadyExists && /: mkdir '/.test(error.message));
  return wrongKind
    ? new OrkError("bad-input", error.message, PATH_PROBLEM_HINT, { cause: error })
    : undefined;
}

/** The one stderr line for an ork error: `ork: <message>; <hint>`. */
export function errorLine(error: OrkError): string {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " ").trim();
  return error.hint
    ? `ork: ${oneLine(error.message)}; ${oneLine(error.hint)}`
    : `ork: ${oneLine(error.message)}`;
}
