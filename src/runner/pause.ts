/**
 * Pausing the queue (`ork pause`, `ork resume`): while `.ork/paused` exists, runners claim no new job and let
 * what runs finish and land; a daemon waits, `ork run --once` ends once its running jobs have. The file says
 * since when; its presence is the whole state, so a pause holds across runners, restarts and machines sharing
 * the repository.
 *
 * @module
 */

import { join } from "node:path";
import { InputError, isNotFound } from "../errors/mod.ts";
import { readTextFileOrNull, writeFileDurable } from "../fs/atomic.ts";

/** The pause, when there is one. */
export interface Pause {
  /** When `ork pause` ran (ISO-8601). */
  readonly since: string;
}

/** Where the pause is recorded. */
export function pauseFile(orkDir: string): string {
  return join(orkDir, "paused");
}

/** The pause in force, or null. A file that does not read as one still pauses (since unknown). */
export function readPause(orkDir: string): Pause | null {
  const text = readTextFileOrNull(pauseFile(orkDir));
  if (text === null) return null;
  try {
    const since = (JSON.parse(text) as { since?: unknown }).since;
    return { since: typeof since === "string" ? since : "an unknown time" };
  } catch {
    return { since: "an unknown time" };
  }
}

/**
 * Pauses the queue, unless it is paused already.
 *
 * @returns the pause in force, and whether it was already
 */
export function pauseQueue(orkDir: string, now: Date = new Date()): { pause: Pause; already: boolean } {
  const existing = readPause(orkDir);
  if (existing !== null) return { pause: existing, already: true };
  const pause = { since: now.toISOString() };
  try {
    writeFileDurable(pauseFile(orkDir), JSON.stringify(pause) + "\n");
  } catch (error) {
    if (isNotFound(error)) throw new InputError(`${orkDir} does not exist`, "run ork init first");
    throw error;
  }
  return { pause, already: false };
}

/**
 * Lifts the pause.
 *
 * @returns the pause lifted, or null when there was none
 */
export function resumeQueue(orkDir: string): Pause | null {
  const pause = readPause(orkDir);
  if (pause === null) return null;
  try {
    Deno.removeSync(pauseFile(orkDir));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return pause;
}
