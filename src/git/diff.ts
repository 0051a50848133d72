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
import { git, gitError, type GitResult, isZeroOid, OID } from "./git.ts";
import { lstatOrNull } from "../fs/paths.ts";
import { type AddedText, parsePatch } from "./patch.ts";

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

/** Runs git (see `git.ts`) with an index file and stdin when given. */
function runGit(
  cwd: string,
  args: readonly string[],
  opts: { indexFile?: string; stdin?: string; ok?: readonly number[] } = {},
): Promise<GitResult> {
  return git(cwd, args, {
    ...(opts.ok === undefined ? {} : { ok: opts.ok }),
    ...(opts.stdin === undefined ? {} : { input: opts.stdin }),
    ...(opts.indexFile === undefined ? {} : { env: { GIT_INDEX_FILE: opts.indexFile } }),
  });
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
