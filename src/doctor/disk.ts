/**
 * The `disk` check: free space where job worktrees go. Deno has no `statfs`, so this runs `df -Pk`, whose
 * POSIX output is one header and one line per filesystem, in 1024-byte blocks.
 *
 * @module
 */

import { dirname, relative, resolve } from "node:path";
import { isNotFound } from "../errors/mod.ts";
import { type Check, passed, runTool, warned } from "./check.ts";

const NAME = "disk";

/** Below this much free space, doctor warns: every job is a full checkout, and builds and caches grow in it. */
export const LOW_DISK_BYTES = 1024 ** 3;

/** One filesystem line of `df -Pk`. */
export interface DfLine {
  /** The device or source (`/dev/sda1`, `overlay`). */
  readonly filesystem: string;
  /** Free bytes for an unprivileged user. */
  readonly availableBytes: number;
  /** Where it is mounted. */
  readonly mountedOn: string;
}

/**
 * Parses the output of `df -Pk <path>`: the line after the header.
 *
 * @param output what df printed
 * @returns the filesystem's line, or null when the output has none
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const out = "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 1000 400 600 40% /\n";
 * assert.deepEqual(parseDf(out), { filesystem: "/dev/vda", availableBytes: 600 * 1024, mountedOn: "/" });
 * ```
 */
export function parseDf(output: string): DfLine | null {
  const line = output.split("\n").slice(1).find((l) => l.trim() !== "");
  // The fields are split from the numbers outwards: a filesystem or mount point may hold spaces.
  const match = line === undefined
    ? null
    : /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+%|-)\s+(.+)$/.exec(line.trim());
  if (!match) return null;
  return { filesystem: match[1]!, availableBytes: Number(match[4]) * 1024, mountedOn: match[6]! };
}

/**
 * Bytes as a reader wants them: `41.2 GiB`, `512 MiB`, `80 KiB`.
 *
 * @param bytes a count of bytes
 * @returns the count in the largest unit that keeps it at 1 or more
 */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Number((bytes / 1024 ** 3).toFixed(1))} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.floor(bytes / 1024 ** 2)} MiB`;
  return `${Math.floor(bytes / 1024)} KiB`;
}

/**
 * The verdict on the free space for worktrees: ok from {@link LOW_DISK_BYTES} up, else a warning.
 *
 * @param df what `df` said about the filesystem
 * @param shown the worktree folder as the message names it
 * @returns the `disk` check
 */
export function diskVerdict(df: DfLine, shown: string): Check {
  const free = formatBytes(df.availableBytes);
  const threshold = formatBytes(LOW_DISK_BYTES);
  if (df.availableBytes >= LOW_DISK_BYTES) {
    return passed(NAME, `${free} free for ${shown} (on ${df.mountedOn}; doctor warns under ${threshold})`);
  }
  return warned(
    NAME,
    `only ${free} free for ${shown} (on ${df.mountedOn}, under ${threshold}): every job's worktree is a full checkout`,
    `free space on ${df.mountedOn}`,
  );
}

/** `path` or, when it does not exist yet (before `ork init`, or before the first job), its nearest parent. */
function nearestExisting(path: string): string {
  for (let dir = resolve(path);; dir = dirname(dir)) {
    try {
      Deno.statSync(dir);
      return dir;
    } catch (error) {
      if (!isNotFound(error) || dirname(dir) === dir) return dir;
    }
  }
}

/**
 * Measures the free space where worktrees go.
 *
 * @param root the main worktree's root, for naming the folder
 * @param worktreeBase `orchestrator.worktree_base`, resolved
 * @returns the `disk` check
 */
export async function checkDisk(root: string, worktreeBase: string): Promise<Check> {
  const measured = nearestExisting(worktreeBase);
  const rel = relative(root, worktreeBase);
  const shown = rel === "" || rel.startsWith("..") ? worktreeBase : rel;
  const fix = `check the space by hand: df -h ${measured}`;
  let result: Deno.CommandOutput;
  try {
    result = await runTool("df", ["-Pk", measured]);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "df not found on PATH" : String(error);
    return warned(NAME, `cannot measure the free space for ${shown}: ${why}`, fix);
  }
  const decoder = new TextDecoder();
  const df = result.success ? parseDf(decoder.decode(result.stdout)) : null;
  if (df === null) {
    const said = decoder.decode(result.stderr).trim().split("\n")[0] || "no filesystem line in its output";
    return warned(NAME, `cannot measure the free space for ${shown}: 'df -Pk ${measured}': ${said}`, fix);
  }
  return diskVerdict(df, shown);
}
