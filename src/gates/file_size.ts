/**
 * The `file_size` gate: fails when a change adds or changes a file larger than `max_bytes`, naming each file
 * and its size. It reads sizes from git's object store (or the working tree), never the files' content.
 *
 * @module
 */

import { DEFAULT_MAX_BYTES, type GateConfig } from "../config/mod.ts";
import { type ChangedFile, changedFiles, type ChangeSource, fileSizes } from "../git/mod.ts";
import type { CheckOutcome } from "./builtin.ts";
import { globMatcher } from "./glob.ts";

/** A file over the limit. */
export interface OversizedFile {
  /** The file, from the repository's top. */
  readonly path: string;
  /** Its new size in bytes. */
  readonly size: number;
}

/**
 * The files over the limit, in the order given. A plain function of the listing, so it tests without git.
 *
 * @param files the changed files
 * @param sizes their sizes, by path (a file with no size is not judged)
 * @param maxBytes the largest size allowed
 * @param exclude globs of files not judged
 * @returns the files larger than `maxBytes`
 */
export function oversizedFiles(
  files: readonly ChangedFile[],
  sizes: ReadonlyMap<string, number>,
  maxBytes: number,
  exclude: readonly string[] = [],
): OversizedFile[] {
  const excluded = globMatcher(exclude);
  return files.flatMap((file) => {
    const size = sizes.get(file.path);
    return size !== undefined && size > maxBytes && !excluded(file.path) ? [{ path: file.path, size }] : [];
  });
}

/**
 * A size for people: bytes below 1 KiB, else KiB, MiB or GiB with one decimal (none when whole).
 *
 * @param bytes a size
 * @returns e.g. `512 bytes`, `1.5 KiB`, `10 MiB`
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value.toFixed(1).replace(/\.0$/, "");
  return `${shown} ${units[unit]}`;
}

/**
 * Runs a file_size gate's check on a change.
 *
 * @param gate the gate's config (`max_bytes`, default 10 MiB; `exclude` globs)
 * @param cwd the top of a worktree of the repository
 * @param change what to look at
 * @param signal aborts the check between steps
 * @returns one log line per file over the limit, and the failure when there are any
 */
export async function checkFileSizes(
  gate: GateConfig,
  cwd: string,
  change: ChangeSource,
  signal?: AbortSignal,
): Promise<CheckOutcome> {
  const maxBytes = gate.max_bytes ?? DEFAULT_MAX_BYTES;
  const excluded = globMatcher(gate.exclude ?? []);
  const files = (await changedFiles(cwd, change)).filter((file) => !excluded(file.path));
  signal?.throwIfAborted();
  const over = oversizedFiles(files, await fileSizes(cwd, files), maxBytes);
  const limit = exactBytes(maxBytes);
  const lines = [
    `checked ${files.length} added or changed file${
      files.length === 1 ? "" : "s"
    } against max_bytes ${limit}`,
    ...over.map((file) => `${file.path}: ${exactBytes(file.size)} is over ${limit}`),
  ];
  if (over.length === 0) return { lines, error: null };
  const shown = over.slice(0, 5).map((file) => `${file.path} (${formatBytes(file.size)})`);
  const more = over.length > shown.length ? `, and ${over.length - shown.length} more` : "";
  const count = `${over.length} file${over.length === 1 ? "" : "s"}`;
  return { lines, error: `${count} over ${formatBytes(maxBytes)}: ${shown.join(", ")}${more}` };
}

/** A size with its exact byte count when the short form rounds: `2 KiB (2000 bytes)`, `512 bytes`. */
function exactBytes(bytes: number): string {
  const short = formatBytes(bytes);
  return short.endsWith(" bytes") ? short : `${short} (${bytes} bytes)`;
}
