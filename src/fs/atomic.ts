/**
 * Durable, atomic file writes: a reader sees the old content or the new, never a mix, and after the call returns
 * the new content survives a power cut. Temp files end in `.tmp`, which every scanner of ork's folders ignores.
 *
 * @module
 */

import { dirname } from "node:path";

const encoder = new TextEncoder();
let tempCounter = 0;

/** Flushes a directory's entries (a rename or a new name in it) to disk. */
export function syncDirectory(dir: string): void {
  const handle = Deno.openSync(dir, { read: true });
  try {
    handle.syncSync();
  } finally {
    handle.close();
  }
}

/**
 * Writes `text` to `path` atomically and durably: temp file, fsync, rename over `path`, fsync of the directory.
 *
 * @param path the file to create or replace
 * @param text its new content
 */
export function writeFileDurable(path: string, text: string): void {
  const temp = `${path}.${Deno.pid}.${++tempCounter}.tmp`;
  const file = Deno.openSync(temp, { write: true, createNew: true });
  try {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
    file.syncSync();
  } catch (error) {
    file.close();
    Deno.removeSync(temp);
    throw error;
  }
  file.close();
  Deno.renameSync(temp, path);
  syncDirectory(dirname(path));
}

/**
 * Moves `from` to `to` (same filesystem) atomically and durably: the file is in exactly one of the two places at
 * every moment, and after the call it is in `to` for good.
 *
 * @param from the file's current path
 * @param to its new path, in the same or another directory on the same filesystem
 */
export function moveDurable(from: string, to: string): void {
  Deno.renameSync(from, to);
  syncDirectory(dirname(to));
  if (dirname(from) !== dirname(to)) syncDirectory(dirname(from));
}

/** The text of `path`, or null when there is no such file. */
export function readTextFileOrNull(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
