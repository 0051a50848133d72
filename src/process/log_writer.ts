/**
 * Writing a command's output into a job's log: the two pipes and ork's own notes one write at a time, and at
 * most `log_max_bytes` of it, so that a job printing without end cannot fill the disk or make the log
 * unreadable.
 *
 * @module
 */

const encoder = new TextEncoder();

/** The most of a capped output's end kept in memory until the command ends. */
const MAX_TAIL_BYTES = 4 * 1024 * 1024;

/**
 * Serialises writes from the two pumps and ork's own notes so that chunks never interleave mid-write. Past
 * `maxBytes` it keeps the head in the file and the last part in memory (a quarter of the cap, at most 4 MiB),
 * which {@link LogWriter.flush} writes after a line saying how many bytes were cut.
 */
export class LogWriter {
  readonly #file: Deno.FsFile;
  readonly #headBytes: number;
  readonly #tailBytes: number;
  readonly #maxBytes: number;
  #chain: Promise<void> = Promise.resolve();
  #error: { error: unknown } | null = null;
  #written = 0;
  #tail: Uint8Array[] = [];
  #tailSize = 0;
  #cut = 0;

  /**
   * @param file the log, opened for appending
   * @param maxBytes the most output kept (default: all of it)
   */
  constructor(file: Deno.FsFile, maxBytes = Infinity) {
    this.#file = file;
    this.#maxBytes = maxBytes;
    this.#tailBytes = Number.isFinite(maxBytes) ? Math.min(MAX_TAIL_BYTES, Math.floor(maxBytes / 4)) : 0;
    this.#headBytes = maxBytes - this.#tailBytes;
  }

  /** Appends `bytes` (or keeps them for the tail, past the cap); resolves once that is done. */
  write(bytes: Uint8Array): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      // After a failed write the pumps keep reading (a full pipe would block the command), but drop the rest.
      if (this.#error !== null) return;
      const room = Math.max(0, this.#headBytes - this.#written);
      const head = bytes.subarray(0, Math.min(room, bytes.length));
      this.#keepTail(bytes.subarray(head.length));
      try {
        await this.#writeAll(head);
      } catch (error) {
        this.#error = { error };
      }
    });
    return this.#chain;
  }

  /** Appends a line of ork's own. */
  line(text: string): Promise<void> {
    return this.write(encoder.encode(`${text}\n`));
  }

  /** Waits for every write so far and writes the kept tail; throws the first write error, if any. */
  async flush(): Promise<void> {
    await this.#chain;
    if (this.#error === null && this.#tailSize > 0) {
      const tail = this.#tail;
      this.#tail = [];
      this.#tailSize = 0;
      try {
        if (this.#cut > 0) {
          await this.#writeAll(
            encoder.encode(`\n== ork: ${this.#cut} bytes cut here (log_max_bytes is ${this.#maxBytes})\n`),
          );
        }
        for (const chunk of tail) await this.#writeAll(chunk);
      } catch (error) {
        this.#error = { error };
      }
      this.#cut = 0;
    }
    if (this.#error !== null) throw this.#error.error;
  }

  /** Keeps the last {@link MAX_TAIL_BYTES} (or the cap's quarter) of what does not fit in the head. */
  #keepTail(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    // A copy: the pump's buffer is reused.
    this.#tail.push(bytes.slice());
    this.#tailSize += bytes.length;
    while (this.#tailSize > this.#tailBytes) {
      const first = this.#tail[0]!;
      const drop = Math.min(first.length, this.#tailSize - this.#tailBytes);
      this.#cut += drop;
      this.#tailSize -= drop;
      if (drop === first.length) this.#tail.shift();
      else this.#tail[0] = first.subarray(drop);
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += await this.#file.write(bytes.subarray(done));
    this.#written += bytes.length;
  }
}
