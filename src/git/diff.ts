/**
 * What a change adds: the files it adds or changes, their sizes, and the lines it adds, read from git so that
 * the cost follows the size of the change, never the size of the repository. The built-in merge gates
 * (`secrets`, `file_size`) look at nothing else.
 *
 * A change is one of three pairs: two commits (a candidate and its base, when ork lands a job), the index and a
 * commit (a pre-commit hook), or the working tree and a commit (`ork gates` on a checkout).
 *
 * @module
 */

import { join, resolve } from "node:path";
import { isNotFound } from "../errors/mod.ts";
import { gitCommandEnv, gitError, type GitResult, isZeroOid, OID } from "./git.ts";
import { lstatOrNull } from "../fs/paths.ts";

/** The two sides of a change; the base is always a commit (or a tree), the new side varies. */
export type ChangeSource =
  /** From commit `base` to commit `head` (a candidate and the target's tip). */
  | { readonly kind: "commits"; readonly base: string; readonly head: string }
  /**
   * From `base` to the index: what `git commit` would record. `indexFile` is the index git uses (from
   * `GIT_INDEX_FILE` in a hook: `git commit -a` and `git commit <path>` stage into a temporary index).
   */
  | { readonly kind: "index"; readonly base: string; readonly indexFile?: string }
  /** From `base` to the files in the working tree, untracked files (not ignored ones) included. */
  | { readonly kind: "worktree"; readonly base: string };

/** A file the change adds or changes (deleted files are never listed). */
export interface ChangedFile {
  /** The path from the repository's top, with `/` separators. */
  readonly path: string;
  /** `added` when the base has no file there. */
  readonly status: "added" | "modified";
  /** The new git mode: `100644`, `100755` or `120000` (a symlink). Submodules are not listed. */
  readonly mode: string;
  /** The new blob's object name, or null when the file exists only in the working tree. */
  readonly oid: string | null;
  /** True for a file git does not track yet (only in `worktree` changes). */
  readonly untracked: boolean;
}

/** The lines a change adds to one file, packed into one text, with their line numbers in the new file. */
export interface AddedText {
  /** The file's path, as in {@link ChangedFile}. */
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

// This module runs git itself rather than through git.ts and dax, for what it needs more of: a chosen index
// file, input on stdin, and speed on a large diff (dax's output handling costs more than git takes to write
// 10 MB of patch). It sets the same environment as git.ts (GIT_ENV).

/** Pathspecs per git call, to stay far below the command line's length limit. */
const CHUNK = 500;

/** Modes of files with content (regular, executable, symlink); a gitlink (160000) has none here. */
const BLOB_MODES = new Set(["100644", "100755", "120000"]);

/** Files larger than this are binary to git's diff (core.bigFileThreshold's default), and so here too. */
const BIG_FILE = 512 * 1024 * 1024;

/** Options that keep `git diff` output parseable whatever the user's config says. */
const DIFF_BASE = [
  "-c",
  "core.quotePath=false",
  "--no-optional-locks",
  "diff",
  "--no-color",
  "--no-ext-diff",
  // A textconv filter (or a `-diff` attribute, which --text overrides) could hide a file's real content.
  "--no-textconv",
  "--no-renames",
  "--no-relative",
  "--ignore-submodules=none",
];

/**
 * Runs git with ork's environment, plus an index file and stdin when given.
 *
 * @throws {OrkError} `git-failed` on an exit code other than 0 and `opts.ok`
 */
async function runGit(
  cwd: string,
  args: readonly string[],
  opts: { indexFile?: string; stdin?: string; ok?: readonly number[] } = {},
): Promise<GitResult> {
  const child = new Deno.Command("git", {
    args: ["-C", cwd, ...args],
    env: gitCommandEnv({ GIT_INDEX_FILE: opts.indexFile }),
    clearEnv: true,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    // Written while git reads, so that a large input cannot fill both pipes and stall; closed when done.
    const writing = writer.write(new TextEncoder().encode(opts.stdin)).then(() => writer.close());
    const [output] = await Promise.all([child.output(), writing]);
    return checked(cwd, args, output, opts.ok);
  }
  return checked(cwd, args, await child.output(), opts.ok);
}

function checked(
  cwd: string,
  args: readonly string[],
  output: Deno.CommandOutput,
  ok: readonly number[] = [],
): GitResult {
  const decoder = new TextDecoder();
  const out: GitResult = {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
  if (out.code !== 0 && !ok.includes(out.code)) throw gitError(cwd, args, out);
  return out;
}

/** The arguments that pick the two sides of `source` for `git diff`. */
function sides(source: ChangeSource): string[] {
  switch (source.kind) {
    case "commits":
      return [source.base, source.head];
    case "index":
      return ["--cached", source.base];
    case "worktree":
      return [source.base];
  }
}

function indexFileOf(source: ChangeSource): string | undefined {
  return source.kind === "index" ? source.indexFile : undefined;
}

/**
 * The files a change adds or changes, in git's order; untracked files (only for `worktree`) come last.
 * Deleted files and submodules are left out.
 *
 * @param cwd the top of a worktree of the repository (for `worktree` changes, the one whose files count)
 * @param source the change
 * @returns the files, each once
 * @throws {OrkError} `git-failed` when git fails (e.g. `base` does not exist)
 */
export async function changedFiles(cwd: string, source: ChangeSource): Promise<ChangedFile[]> {
  const result = await runGit(
    cwd,
    [...DIFF_BASE, "--raw", "-z", "--no-abbrev", ...sides(source), "--"],
    { indexFile: indexFileOf(source) },
  );
  const files: ChangedFile[] = [];
  const seen = new Set<string>();
  const fields = result.stdout.split("\0");
  for (let i = 0; i + 1 < fields.length; i += 2) {
    // `:<old mode> <new mode> <old oid> <new oid> <status>` then the path.
    const [, newMode = "", , newOid = "", status = ""] = (fields[i] ?? "").split(" ");
    const path = fields[i + 1] ?? "";
    if (path === "" || status.startsWith("D") || !BLOB_MODES.has(newMode) || seen.has(path)) continue;
    seen.add(path);
    files.push({
      path,
      status: status.startsWith("A") ? "added" : "modified",
      mode: newMode,
      // In a worktree change, git writes zeros for a file whose content it has not hashed.
      oid: OID.test(newOid) && !isZeroOid(newOid) && source.kind !== "worktree" ? newOid : null,
      untracked: false,
    });
  }
  if (source.kind === "worktree") {
    const others = await runGit(cwd, ["ls-files", "-z", "--others", "--exclude-standard", "--full-name"]);
    for (const path of others.stdout.split("\0")) {
      // A nested repository is listed as `dir/`: it is not a file of this one.
      if (path === "" || path.endsWith("/") || seen.has(path)) continue;
      const info = await lstatOrNull(join(cwd, path));
      if (info === null || info.isDirectory) continue;
      seen.add(path);
      const mode = info.isSymlink ? "120000" : ((info.mode ?? 0) & 0o111) !== 0 ? "100755" : "100644";
      files.push({ path, status: "added", mode, oid: null, untracked: true });
    }
  }
  return files;
}

/**
 * The size in bytes of each file's new content: the blob's size when git has it, else the file's in the
 * working tree (a symlink counts as the length of its target, as git stores it).
 *
 * @param cwd as for {@link changedFiles}
 * @param files files from {@link changedFiles}
 * @returns size by path; a file that vanished from the working tree meanwhile is left out
 * @throws {OrkError} `git-failed` when git fails
 */
export async function fileSizes(cwd: string, files: readonly ChangedFile[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const withOid = files.filter((file) => file.oid !== null);
  if (withOid.length > 0) {
    const result = await runGit(cwd, ["cat-file", "--batch-check=%(objectname) %(objectsize)"], {
      stdin: withOid.map((file) => `${file.oid}\n`).join(""),
    });
    const byOid = new Map<string, number>();
    for (const line of result.stdout.split("\n")) {
      const [oid = "", size = ""] = line.split(" ");
      if (OID.test(oid) && /^\d+$/.test(size)) byOid.set(oid, Number(size));
    }
    for (const file of withOid) {
      const size = byOid.get(file.oid ?? "");
      if (size !== undefined) sizes.set(file.path, size);
    }
  }
  for (const file of files) {
    if (file.oid !== null) continue;
    const info = await lstatOrNull(join(cwd, file.path));
    if (info !== null && !info.isDirectory) sizes.set(file.path, info.size);
  }
  return sizes;
}

/**
 * The lines a change adds to each of `files`: for a new file, all of it; for a changed one, the added and
 * changed lines of `git diff -U0`. Files whose new content is binary come back with `binary: true`, and files
 * with no added line (a mode change, pure deletions) are left out.
 *
 * @param cwd as for {@link changedFiles}
 * @param source the change the files came from
 * @param files files from {@link changedFiles}
 * @returns the added text per file, in the order of `files`
 * @throws {OrkError} `git-failed` when git fails or its output names a file that was not asked for
 */
export async function addedText(
  cwd: string,
  source: ChangeSource,
  files: readonly ChangedFile[],
): Promise<AddedText[]> {
  const found = new Map<string, AddedText>();
  const tracked = files.filter((file) => !file.untracked).map((file) => file.path);
  for (let i = 0; i < tracked.length; i += CHUNK) {
    const paths = tracked.slice(i, i + CHUNK);
    const result = await runGit(cwd, [
      ...DIFF_BASE,
      "-p",
      "-U0",
      "--inter-hunk-context=0",
      // Every file as text: a `-diff` or `binary` attribute must not hide a file; NULs are checked below.
      "--text",
      "--src-prefix=a/",
      "--dst-prefix=b/",
      ...sides(source),
      "--",
      ...paths,
    ], { indexFile: indexFileOf(source) });
    const asked = new Set(paths);
    for (const added of parsePatch(result.stdout)) {
      if (!asked.has(added.path)) {
        throw gitError(cwd, ["diff", "-p", "..."], {
          ...result,
          stdout: "",
          stderr: `unexpected path in the diff: ${JSON.stringify(added.path)}`,
        });
      }
      found.set(added.path, added);
    }
  }
  for (const file of files) {
    if (!file.untracked) continue;
    const added = await untrackedText(cwd, file);
    if (added !== null) found.set(file.path, added);
  }
  return files.flatMap((file) => {
    const added = found.get(file.path);
    return added === undefined ? [] : [added];
  });
}

/** An untracked file is added whole; a symlink adds its target, as git would store it. */
async function untrackedText(cwd: string, file: ChangedFile): Promise<AddedText | null> {
  const full = join(cwd, file.path);
  let content: string;
  try {
    if (file.mode === "120000") content = await Deno.readLink(full);
    else {
      const info = await Deno.stat(full);
      if (info.size > BIG_FILE) return { path: file.path, text: "", lines: [], binary: true };
      content = new TextDecoder().decode(await Deno.readFile(full));
    }
  } catch (error) {
    if (isNotFound(error)) return null; // removed meanwhile: nothing is added
    throw error;
  }
  if (content === "") return null;
  if (content.includes("\0")) return { path: file.path, text: "", lines: [], binary: true };
  const body = content.endsWith("\n") ? content.slice(0, -1) : content;
  const count = body.split("\n").length;
  return {
    path: file.path,
    text: body,
    lines: Array.from({ length: count }, (_, i) => i + 1),
    binary: false,
  };
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

/**
 * The object name of the empty tree in this repository's hash (the base of a first commit).
 *
 * @param cwd a directory of the repository
 * @returns the tree's full object name
 * @throws {OrkError} `git-failed` when git fails
 */
export async function emptyTree(cwd: string): Promise<string> {
  return (await runGit(cwd, ["hash-object", "-t", "tree", "/dev/null"])).stdout.trim();
}

/**
 * The best common ancestor of two commits, as `git diff a...b` uses it.
 *
 * @param cwd a directory of the repository
 * @param a a commit
 * @param b another commit
 * @returns its full object name, or null when the two share no history
 * @throws {OrkError} `git-failed` when git fails for another reason
 */
export async function mergeBase(cwd: string, a: string, b: string): Promise<string | null> {
  const result = await runGit(cwd, ["merge-base", "--end-of-options", a, b], { ok: [1] });
  return result.code === 1 ? null : result.stdout.trim();
}

/**
 * The folder git runs this worktree's hooks from: `core.hooksPath` when set, else the hooks folder of the
 * repository's common git dir.
 *
 * @param root the top of a worktree
 * @returns the folder's absolute path (it may not exist yet)
 * @throws {OrkError} `git-failed` when git fails
 */
export async function hooksDir(root: string): Promise<string> {
  const result = await runGit(root, ["rev-parse", "--git-path", "hooks"]);
  return resolve(root, result.stdout.trim());
}
