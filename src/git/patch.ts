/**
 * Reading a `git diff -p -U0` patch into the lines each file gains, with their line numbers: what the built-in
 * gates scan. A plain function of git's output, tested without a repository.
 *
 * @module
 */

/** The lines a change adds to one file, packed into one text, with their line numbers in the new file. */
export interface AddedText {
  /** The file's path, as in `ChangedFile` (diff.ts). */
  readonly path: string;
  /**
   * The added lines, joined with `\n`. Runs of added lines that are not next to each other in the file are
   * separated by one empty line, so that a pattern spanning lines cannot join two unrelated hunks.
   */
  readonly text: string;
  /** For each line of `text`, its 1-based line number in the new file; 0 for a separator line. */
  readonly lines: readonly number[];
  /** True when the new content has a NUL byte (git's test for binary): `text` is then empty. */
  readonly binary: boolean;
}

/** Collects one file's added lines while the patch is read. */
class AddedBuilder {
  readonly parts: string[] = [];
  readonly lines: number[] = [];
  constructor(readonly path: string) {}

  /** Adds `count` lines from line `line` on, joined with `\n` in `text`. */
  addBlock(line: number, count: number, text: string): void {
    const last = this.lines.length === 0 ? -1 : this.lines[this.lines.length - 1]!;
    if (last !== -1 && line !== last + 1) {
      this.parts.push("");
      this.lines.push(0);
    }
    this.parts.push(text);
    for (let i = 0; i < count; i++) this.lines.push(line + i);
  }

  build(): AddedText {
    const text = this.parts.join("\n");
    if (text.includes("\0")) return { path: this.path, text: "", lines: [], binary: true };
    return { path: this.path, text, lines: this.lines, binary: false };
  }
}

const HUNK = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Reads a `git diff -p -U0` patch. Inside a hunk the old and new line counts say which lines are content, so an
 * added line that starts with `++ ` is never taken for a header.
 *
 * @param patch git's output
 * @returns each file that has added lines
 */
export function parsePatch(patch: string): AddedText[] {
  const done: AddedText[] = [];
  let current: AddedBuilder | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  let next = 0;
  let pos = 0;
  const finish = () => {
    if (current !== null && current.lines.length > 0) done.push(current.build());
    current = null;
  };
  while (pos < patch.length) {
    let end = patch.indexOf("\n", pos);
    if (end === -1) end = patch.length;
    const line = patch.slice(pos, end);
    pos = end + 1;
    if (oldLeft > 0 || newLeft > 0) {
      const first = line.charCodeAt(0);
      if (first === 0x2b /* + */ && newLeft > 0) {
        // A hunk's added lines come one after another: take them as one block, with one slice.
        const start = pos - line.length - 1;
        let count = 1;
        newLeft--;
        while (newLeft > 0 && patch.charCodeAt(pos) === 0x2b) {
          end = patch.indexOf("\n", pos);
          if (end === -1) end = patch.length;
          pos = end + 1;
          count++;
          newLeft--;
        }
        const block = patch.slice(start + 1, Math.min(pos - 1, patch.length)).replaceAll("\n+", "\n");
        (current as AddedBuilder | null)?.addBlock(next, count, block);
        next += count;
        continue;
      }
      if (first === 0x2d /* - */ && oldLeft > 0) {
        oldLeft--;
        continue;
      }
      if (first === 0x5c /* \ */) continue; // "\ No newline at end of file"
      if (first === 0x20 /* space: context, not asked for */) {
        next++;
        oldLeft--;
        newLeft--;
        continue;
      }
      oldLeft = newLeft = 0; // a malformed hunk: read on as headers
    }
    if (line.startsWith("diff --git ")) finish();
    else if (line.startsWith("+++ ")) {
      finish();
      const path = patchPath(line.slice(4));
      current = path === null ? null : new AddedBuilder(path);
    } else if (line.startsWith("@@ ")) {
      const match = HUNK.exec(line);
      if (match === null) continue;
      oldLeft = match[1] === undefined ? 1 : Number(match[1]);
      next = Number(match[2]);
      newLeft = match[3] === undefined ? 1 : Number(match[3]);
    }
  }
  finish();
  return done;
}

/**
 * The path of a `+++ ` line: `b/<path>`, or `"b/<path>"` C-quoted when it has special characters, or
 * `/dev/null`. git adds a tab after an unquoted name that has a space.
 */
function patchPath(field: string): string | null {
  if (field === "/dev/null") return null;
  const name = field.startsWith('"') ? unquoteC(field) : field.replace(/\t$/, "");
  if (name === null || !name.startsWith("b/")) return null;
  return name.slice(2);
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, "\\": 92 };

/** Undoes git's C-style quoting (`"a\tb\303\251"`); null when `field` is not a quoted string. */
function unquoteC(field: string): string | null {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 1; i < field.length;) {
    const char = String.fromCodePoint(field.codePointAt(i)!);
    i += char.length;
    if (char === '"') return new TextDecoder().decode(new Uint8Array(bytes));
    if (char !== "\\") {
      bytes.push(...encoder.encode(char));
      continue;
    }
    const escaped = field[i] ?? "";
    if (/^[0-3][0-7][0-7]$/.test(field.slice(i, i + 3))) {
      bytes.push(parseInt(field.slice(i, i + 3), 8));
      i += 3;
    } else if (escaped in ESCAPES) {
      bytes.push(ESCAPES[escaped]!);
      i += 1;
    } else return null;
  }
  return null;
}
