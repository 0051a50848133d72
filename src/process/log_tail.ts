/**
 * Reading the end of a job's log: its last line, and the line that best says why a command failed.
 *
 * @module
 */

/**
 * The last non-empty line of a log file, without its line ending; "" when there is none or no file. Only the
 * last `maxBytes` are read, so a big log costs nothing; a line longer than that comes back cut at its start.
 */
export async function lastLine(path: string, maxBytes = 4096): Promise<string> {
  const lines = await logTail(path, maxBytes);
  return lines[lines.length - 1] ?? "";
}

/** A line that names what went wrong: an error's name, an errno, a `fatal:`/`error:` prefix, a failed test. */
const STRONG_ERROR_LINE =
  /\b[A-Z][A-Za-z]*(?:Error|Exception)\b|\bE[A-Z]{3,}\b:|^(?:error|fatal)\b[^:]*:|: (?:error|fatal):|^FAILED\b|no such file or directory|read-only file system|permission denied|command not found|: not found$/i;
/**
 * A line that only mentions failure: a summary, a log prefix, a ballot x (`\u2717`, `\u2718`: escaped, as in
 * `sandbox/hint.ts`, to keep the bundle ASCII).
 */
const WEAK_ERROR_LINE =
  /error|fatal|fail|exception|panic|cannot|could not|denied|not found|^\s*E\s|\u2717|\u2718/i;
/** Advice a tool prints after its error, which says nothing about it. */
const ADVICE_LINE =
  /rerun|re-run|for more (?:info|details)|--verbose|complete log|log files? (?:were|was|is|are)|see the logs?\b/i;

/**
 * The line of a log's end that best says why a command failed: the last one that names an error (`TypeError:
 * ...`, `EROFS: ...`, `fatal: ...`, `FAILED test_x`), else the last that mentions one, else the last non-empty
 * line; "" when there is none. A stack trace's last frame, a summary or a tool's advice ("rerun with
 * --verbose") say nothing; `ork:` lines are ork's own notes. Only the last `maxBytes` are read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const log = await Deno.makeTempFile();
 * await Deno.writeTextFile(log, "TypeError: x is not a function\n    at main (app.js:3:5)\n\n");
 * assert.equal(await errorLine(log), "TypeError: x is not a function");
 * await Deno.remove(log);
 * ```
 */
export async function errorLine(path: string, maxBytes = 16_384): Promise<string> {
  const lines = (await logTail(path, maxBytes)).filter((line) =>
    !line.startsWith("ork: ") && !ADVICE_LINE.test(line)
  );
  const found = lines.findLast((line) => STRONG_ERROR_LINE.test(line)) ??
    lines.findLast((line) => WEAK_ERROR_LINE.test(line)) ?? lines[lines.length - 1] ?? "";
  return found.trim();
}

/** The non-empty lines of the last `maxBytes` of a log file, without line endings; none when there is no file. */
export async function logTail(path: string, maxBytes = 16_384): Promise<string[]> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  using _file = file;
  const size = (await file.stat()).size;
  const start = Math.max(0, size - maxBytes);
  return new TextDecoder().decode(await readBytes(file, start, size - start)).split("\n").map((line) =>
    line.replace(/\r$/, "")
  )
    .filter((line) => line.trim() !== "");
}

/** Up to `length` bytes of `file` from `offset` (fewer when it ends sooner). */
export async function readBytes(file: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  await file.seek(offset, Deno.SeekMode.Start);
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < buffer.length) {
    const count = await file.read(buffer.subarray(filled));
    if (count === null) break;
    filled += count;
  }
  return buffer.subarray(0, filled);
}
