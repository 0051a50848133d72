/**
 * The queue's change journal: one line appended per change to the set of pending jobs (`+ <priority> <id>` when a
 * job becomes pending, `- <id>` when it stops being pending). It lets a long-lived queue instance keep its
 * {@link PendingIndex} current by reading the few lines added since its last look, instead of listing and
 * reading every job file on every claim.
 *
 * The job files stay the truth. Each line is appended after the file change it reports, so a line never names a
 * change that did not happen; a crash between the two loses the line, and the next full scan (done whenever the
 * index runs empty, and after a rotation) finds the job anyway. Appends use O_APPEND with one write, so lines from
 * racing processes never interleave.
 *
 * @module
 */

import type { PendingIndex } from "./order.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Where a reader is in the journal: which file (its inode) and how far it has read. */
export interface JournalCursor {
  /** The journal file's inode; a rotation replaces the file, so a new inode means "scan again". */
  readonly ino: number;
  /** Bytes read and applied. */
  readonly offset: number;
}

/** The journal file of one queue. */
export class Journal {
  /** The journal file. */
  readonly path: string;

  /**
   * @param path the journal file; created on first use
   */
  constructor(path: string) {
    this.path = path;
  }

  /** Appends one line. */
  append(line: string): void {
    const file = Deno.openSync(this.path, { append: true, create: true });
    try {
      file.writeSync(encoder.encode(line + "\n"));
    } finally {
      file.close();
    }
  }

  /** Records that a job became pending. */
  addedPending(id: string, priority: number): void {
    this.append(`+ ${priority} ${id}`);
  }

  /** Records that a job stopped being pending. */
  removedPending(id: string): void {
    this.append(`- ${id}`);
  }

  /** The end of the journal as it is now (creating it when missing): where a full scan starts to follow it. */
  end(): JournalCursor {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(this.path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      Deno.openSync(this.path, { append: true, create: true }).close();
      info = Deno.statSync(this.path);
    }
    return { ino: info.ino ?? 0, offset: info.size };
  }

  /**
   * Applies the lines written since `cursor` to `index`.
   *
   * @returns the new cursor, or null when the journal was rotated or cut since (the caller scans again)
   */
  replay(cursor: JournalCursor, index: PendingIndex): JournalCursor | null {
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(this.path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
    try {
      const info = file.statSync();
      if ((info.ino ?? 0) !== cursor.ino || info.size < cursor.offset) return null;
      if (info.size === cursor.offset) return cursor;
      const buffer = new Uint8Array(info.size - cursor.offset);
      file.seekSync(cursor.offset, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < buffer.length) {
        const n = file.readSync(buffer.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      // Apply whole lines only; a line still being written is read next time.
      const lastNewline = buffer.subarray(0, filled).lastIndexOf(10);
      if (lastNewline < 0) return cursor;
      for (const line of decoder.decode(buffer.subarray(0, lastNewline)).split("\n")) applyLine(line, index);
      return { ino: cursor.ino, offset: cursor.offset + lastNewline + 1 };
    } finally {
      file.close();
    }
  }

  /** The journal's size in bytes (0 when missing). */
  size(): number {
    try {
      return Deno.statSync(this.path).size;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return 0;
      throw error;
    }
  }

  /** Starts a new, empty journal file; every reader notices the new inode and scans again. */
  rotate(): void {
    const temp = `${this.path}.${Deno.pid}.tmp`;
    Deno.writeFileSync(temp, new Uint8Array());
    Deno.renameSync(temp, this.path);
  }
}

function applyLine(line: string, index: PendingIndex): void {
  const parts = line.split(" ");
  if (parts[0] === "+" && parts.length === 3) {
    const priority = Number(parts[1]);
    if (Number.isSafeInteger(priority)) index.add({ id: parts[2]!, priority });
  } else if (parts[0] === "-" && parts.length === 2) {
    index.remove(parts[1]!);
  }
  // Anything else is a torn or foreign line: skipping it is safe, the files are the truth.
}
