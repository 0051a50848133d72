/**
 * Where the CLI writes. Commands print through an {@link Output} so that colour follows one rule (a TTY and no
 * `NO_COLOR`) and tests can capture what a command prints.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Text sinks for a command, with colour decided once. */
export interface Output {
  /** Writes `text` and a newline to standard output. */
  out(text: string): void;
  /** Writes `text` and a newline to standard error. */
  err(text: string): void;
  /** True when stdout is a terminal and `NO_COLOR` is unset. */
  readonly color: boolean;
}

/** ANSI styles, applied only when the output allows colour. */
export function style(
  output: Output,
  code: "bold" | "dim" | "red" | "green" | "yellow" | "cyan",
  text: string,
): string {
  if (!output.color) return text;
  const codes = {
    bold: [1, 22],
    dim: [2, 22],
    red: [31, 39],
    green: [32, 39],
    yellow: [33, 39],
    cyan: [36, 39],
  } as const;
  const [open, close] = codes[code];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}

function writeAll(sink: { writeSync(p: Uint8Array): number }, text: string): void {
  // writeSync may write less than asked to a pipe; loop until all of it is out.
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(sink.writeSync(bytes));
}

/** The process's real stdout and stderr. */
export function processOutput(): Output {
  const noColor = (Deno.env.get("NO_COLOR") ?? "") !== "";
  return {
    out: (text) => writeAll(Deno.stdout, text + "\n"),
    err: (text) => writeAll(Deno.stderr, text + "\n"),
    color: !noColor && Deno.stdout.isTerminal(),
  };
}
