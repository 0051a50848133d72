/**
 * The one error family of ork. Every failure a user can meet is an {@link OrkError} with a stable `code`
 * (scripts may match on it) and a `hint` that says how to fix it. The CLI turns the code into an exit code.
 *
 * @module
 */

/** Every error code ork can raise; stable across releases. */
export type OrkErrorCode =
  /** A flag, argument or value given on the command line is not acceptable. */
  | "bad-input"
  /** A config file does not parse or validate. */
  | "config-invalid"
  /** The directory is not inside a git repository. */
  | "not-a-repo"
  /** `ork init` has not been run in the repository. */
  | "not-initialised"
  /** No job has that id or id prefix. */
  | "job-not-found"
  /** An id prefix matches more than one job. */
  | "ambiguous-id"
  /** A status change the job's state machine does not allow. */
  | "invalid-transition"
  /** A lock is held by a live process. */
  | "lock-busy"
  /** A job file was written by a newer ork than this one. */
  | "schema-too-new"
  /** A job or gate ran and failed. */
  | "job-failed"
  /** A git command ork ran failed for a reason ork cannot recover from. */
  | "git-failed";

/** The base of every error ork raises on purpose. */
export class OrkError extends Error {
  /** A stable, machine-readable code. */
  readonly code: OrkErrorCode;
  /** How the user can fix it, in one short sentence (may be empty). */
  readonly hint: string;

  /**
   * @param code stable code for scripts and for the CLI's exit code
   * @param message what went wrong, naming the field or value
   * @param hint how to fix it
   */
  constructor(code: OrkErrorCode, message: string, hint = "", options?: ErrorOptions) {
    super(message, options);
    this.name = "OrkError";
    this.code = code;
    this.hint = hint;
  }
}

/** Bad input from the user: a flag, an argument, a job field. */
export class InputError extends OrkError {
  /**
   * @param message what is wrong, naming the flag or field
   * @param hint how to fix it
   */
  constructor(message: string, hint = "") {
    super("bad-input", message, hint);
    this.name = "InputError";
  }
}

/** A config file that does not parse or validate; carries the file and line. */
export class ConfigError extends OrkError {
  /** The config file, as given to the loader. */
  readonly file: string;
  /** 1-based line of the offending key or value, when known. */
  readonly line: number | undefined;

  /**
   * @param file the config file
   * @param line 1-based line, if known
   * @param message what is wrong, naming the key
   * @param hint how to fix it
   */
  constructor(file: string, line: number | undefined, message: string, hint = "") {
    super("config-invalid", `${file}${line === undefined ? "" : `:${line}`}: ${message}`, hint);
    this.name = "ConfigError";
    this.file = file;
    this.line = line;
  }
}

/** A lock held by a live process. */
export class LockBusyError extends OrkError {
  /** The lock file. */
  readonly path: string;

  /**
   * @param path the lock file
   * @param message who holds it
   * @param hint what to do
   */
  constructor(path: string, message: string, hint = "") {
    super("lock-busy", message, hint);
    this.name = "LockBusyError";
    this.path = path;
  }
}

/** True when `error` is a file-not-found error from Deno's fs APIs. */
export function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}

/** True when `error` is an already-exists error from Deno's fs APIs. */
export function isAlreadyExists(error: unknown): boolean {
  return error instanceof Deno.errors.AlreadyExists;
}

/**
 * The message of anything thrown: an `Error`'s message, else the value as text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageOf } from "./mod.ts";
 *
 * assert.equal(messageOf(new Error("disk full\nat write")), "disk full\nat write");
 * assert.equal(messageOf("plain"), "plain");
 * ```
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The first line of {@link messageOf}: why something failed, for a one-line warning or record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reasonOf } from "./mod.ts";
 *
 * assert.equal(reasonOf(new Error("git failed\nfatal: bad object")), "git failed");
 * ```
 */
export function reasonOf(error: unknown): string {
  return messageOf(error).split("\n")[0]!;
}
