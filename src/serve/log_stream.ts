/**
 * A job's log as server-sent events: the end of what it holds, then each line as it is written, as `ork logs
 * --follow` gives it on a terminal. Each event's data is a JSON array of lines, so any text travels safely.
 *
 * @module
 */

import { readBytes } from "../process/mod.ts";
import { delay } from "../time/mod.ts";

/** How often a log is looked at for new lines. */
const POLL_MS = 250;

/** How much of a log's start is skipped when it is long: the page shows the end. */
const TAIL_BYTES = 64 * 1024;

/** The most of a log read at once. */
const CHUNK_BYTES = 256 * 1024;

/** The longest line sent whole; the rest of a longer one is dropped (`[cut]`). */
const MAX_LINE_CHARS = 16 * 1024;

/** A comment line sent now and then, so that a quiet log's connection is not taken for dead. */
const KEEP_ALIVE_MS = 15_000;

/**
 * A stream of the log at `path` (absent yet is fine: it streams once written) until `signal` aborts or the
 * reader goes away.
 */
export function logEvents(path: string, signal: AbortSignal): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let stopped = false;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!stopped) controller.enqueue(encoder.encode(text));
      };
      const decoder = new TextDecoder();
      let offset = -1;
      let partial = "";
      // The rest of a line already cut is dropped up to its end.
      let cutting = false;
      let quietSince = Date.now();
      try {
        while (!stopped && !signal.aborted) {
          const size = await sizeOf(path);
          if (size !== null && offset === -1) offset = Math.max(0, size - TAIL_BYTES);
          // Cut and written anew (a log moved aside): from its start.
          if (size !== null && size < offset) offset = 0;
          // At most a chunk at a time, and a line cut once it is long (a progress bar redrawn with \r never ends
          // one): whatever a job writes, a stream holds little.
          while (size !== null && size > offset && !stopped && !signal.aborted) {
            // A reader slower than the log: wait for it rather than queue what it has not taken.
            if ((controller.desiredSize ?? 1) <= 0) {
              await delay(POLL_MS, signal);
              continue;
            }
            const end = Math.min(size, offset + CHUNK_BYTES);
            let text = partial + decoder.decode(await readRange(path, offset, end), { stream: true });
            offset = end;
            if (cutting) {
              const newline = text.indexOf("\n");
              text = newline === -1 ? "" : text.slice(newline + 1);
              cutting = newline === -1;
            }
            const lines = text.split("\n");
            partial = lines.pop() ?? "";
            if (partial.length > MAX_LINE_CHARS) {
              lines.push(`${partial.slice(0, MAX_LINE_CHARS)} [cut]`);
              partial = "";
              cutting = true;
            }
            if (lines.length > 0) {
              send(`data: ${JSON.stringify(lines.map((line) => line.replace(/\r$/, "")))}\n\n`);
              quietSince = Date.now();
            }
          }
          if (Date.now() - quietSince > KEEP_ALIVE_MS) {
            send(": still here\n\n");
            quietSince = Date.now();
          }
          await delay(POLL_MS, signal);
        }
      } catch (error) {
        if (!signal.aborted && !stopped) controller.error(error);
        return;
      }
      if (!stopped) controller.close();
    },
    cancel() {
      stopped = true;
    },
  });
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function readRange(path: string, from: number, to: number): Promise<Uint8Array> {
  using file = await Deno.open(path);
  return await readBytes(file, from, to - from);
}
