import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { join } from "node:path";
import { InputError } from "../../errors/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { queueFor } from "../workspace.ts";
import { wholeNumberFlag } from "../flags.ts";
import { delay } from "../../time/mod.ts";

/** How much of a log is read at a time: a log of any size is printed in pieces, never held whole. */
const CHUNK_BYTES = 1 << 20;

/**
 * Reads a job's log from where it last stopped, a chunk at a time, printing whole lines (a line still being
 * written is kept until its end, or until `final`).
 */
class LogReader {
  /** Bytes of the log read so far. */
  offset = 0;
  #pending = "";
  readonly #decoder = new TextDecoder();

  constructor(readonly path: string, readonly id: string) {}

  /** Starts at the last `lines` lines, found by reading back from the end. */
  async skipToLastLines(lines: number): Promise<void> {
    using file = await this.#open();
    if (file === null) return;
    const size = (await file.stat()).size;
    if (lines === 0) {
      this.offset = size;
      return;
    }
    let newlines = 0;
    let at = size;
    const buffer = new Uint8Array(64 * 1024);
    while (at > 0) {
      const start = Math.max(0, at - buffer.length);
      await file.seek(start, Deno.SeekMode.Start);
      const read = await readFully(file, buffer.subarray(0, at - start));
      for (let i = read - 1; i >= 0; i--) {
        // The newline that ends the last line does not start a line of its own.
        if (buffer[i] !== 10 || start + i === size - 1) continue;
        if (++newlines >= lines) {
          this.offset = start + i + 1;
          return;
        }
      }
      at = start;
    }
    this.offset = 0;
  }

  /** Prints what was added since the last call; with `final`, a last line without its newline too. */
  async print(out: (line: string) => void, final: boolean): Promise<void> {
    using file = await this.#open();
    if (file !== null) {
      await file.seek(this.offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(CHUNK_BYTES);
      for (;;) {
        const read = await file.read(buffer);
        if (read === null || read === 0) break;
        this.offset += read;
        const text = this.#pending + this.#decoder.decode(buffer.subarray(0, read), { stream: true });
        const end = text.lastIndexOf("\n");
        this.#pending = end === -1 ? text : text.slice(end + 1);
        if (end !== -1) out(text.slice(0, end));
      }
    }
    if (final && this.#pending !== "") {
      out(this.#pending);
      this.#pending = "";
    }
  }

  async #open(): Promise<(Deno.FsFile & Disposable) | null> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      if (error instanceof Deno.errors.IsADirectory) throw this.#notAFile();
      throw error;
    }
    if ((await file.stat()).isDirectory) {
      file.close();
      throw this.#notAFile();
    }
    return file;
  }

  #notAFile(): InputError {
    return new InputError(
      `the log of job ${this.id} is not a file: ${this.path} is a folder`,
      "move that folder away; the job's output is written there as a file",
    );
  }
}

/** Reads until `buffer` is full or the file ends; returns the bytes read. */
async function readFully(file: Deno.FsFile, buffer: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const read = await file.read(buffer.subarray(filled));
    if (read === null || read === 0) break;
    filled += read;
  }
  return filled;
}

/** `ork logs`: a job's output, optionally following it until the job ends. */
export function logsCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("logs")
    .description("print a job's log (its command's and gates' output)")
    .argument("<id>", "the job id, or its first characters")
    .option("-f, --follow", "keep printing new output until the job ends")
    .option("-n, --tail <lines>", "only the last <lines> lines")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples("ork logs 01kaz3x0q4", "ork logs 01kaz3x0q4 --follow", "ork logs 01kaz3x0q4 --tail 20"),
    )
    .action(async (id, opts) => {
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const tail = wholeNumberFlag("--tail", opts.tail, "e.g. --tail 20");
      const job = await queue.get(id);
      const path = job.log_path ?? join(ws.paths.logs, `${job.id}.log`);
      const log = new LogReader(path, job.id);
      if (tail !== undefined) await log.skipToLastLines(tail);
      await log.print(ctx.output.out, !opts.follow);
      if (!opts.follow) {
        if (log.offset === 0) ctx.output.err(`ork: job ${job.id} has no output yet (${job.status})`);
        return;
      }
      for (;;) {
        const status = await queue.statusOf(job.id);
        const ended = status !== "pending" && status !== "running";
        await log.print(ctx.output.out, ended);
        if (ended) return;
        await delay(200);
      }
    });
  return command;
}
