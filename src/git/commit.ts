/**
 * Recording a job's work as a commit in its worktree, and reading a worktree's state.
 *
 * @module
 */

import { join } from "node:path";
import { InputError } from "../errors/mod.ts";
import { git, OID, readRefFile, worktreeGitDir } from "./git.ts";
import {
  type CleanIndex,
  JOB_GIT_CONFIG,
  jobGitDir,
  readCleanIndex,
  restoreIndex,
  scrubJobGitDir,
  writeDetachedHead,
} from "./job_git_dir.ts";
import { cleanWorktree } from "./worktree.ts";

/** What `commitAll` writes. */
export interface CommitOptions {
  /** The commit message (subject, then an optional body). */
  message: string;
  /** Trailers appended to the message, e.g. `{ "Ork-Job": "<id>" }`. */
  trailers: Record<string, string>;
  /** The identity arguments (see {@link identityArgs}), when the caller has them; else looked up here. */
  identity?: readonly string[];
  /** ork's copy of the worktree's index from its last reset (see {@link CleanIndex}). */
  clean: CleanIndex;
}

/** The identity ork commits with when the user has none configured. */
const FALLBACK_IDENTITY = ["-c", "user.name=ork", "-c", "user.email=ork@localhost"] as const;

/** How long one repository's answer is reused: a long `ork run` still notices `git config user.name` soon. */
const IDENTITY_TTL_MS = 30_000;
const identities = new Map<string, { args: Promise<string[]>; until: number }>();

/**
 * The `-c` arguments that give git an identity to commit with, so that commits work on a machine where nobody
 * ran `git config user.name` (a CI runner, a fresh container). The answer for a directory is reused for 30 s:
 * a runner commits twice per job, and each look is a git process.
 *
 * @param cwd a directory of the repository; its config is read as git sees it from there (global included)
 * @returns `[]` when both user.name and user.email are set and not empty, else
 * `["-c", "user.name=ork", "-c", "user.email=ork@localhost"]`
 * @throws {OrkError} `git-failed` when the config cannot be read
 */
export function identityArgs(cwd: string): Promise<string[]> {
  const now = performance.now();
  const cached = identities.get(cwd);
  if (cached !== undefined && cached.until > now) return cached.args;
  const args = readIdentity(cwd);
  identities.set(cwd, { args, until: now + IDENTITY_TTL_MS });
  // A failed look is not remembered; the caller still gets the rejection.
  args.catch(() => identities.delete(cwd));
  return args;
}

async function readIdentity(cwd: string): Promise<string[]> {
  const result = await git(cwd, ["config", "-z", "--get-regexp", "^user\\.(name|email)$"], { ok: [1] });
  const set = new Set<string>();
  for (const entry of result.stdout.split("\0")) {
    const newline = entry.indexOf("\n");
    // git refuses an empty name or email at commit time, so an empty value counts as missing.
    if (newline > 0 && entry.slice(newline + 1).trim() !== "") set.add(entry.slice(0, newline).toLowerCase());
  }
  return set.has("user.name") && set.has("user.email") ? [] : [...FALLBACK_IDENTITY];
}

/** What {@link commitAll} recorded. */
export interface JobCommit {
  /** The new commit, now the worktree's HEAD (detached). */
  readonly commit: string;
  /** Its tree, which the worktree now holds exactly: its files, nothing untracked, an index git can trust. */
  readonly tree: string;
  /** Its only parent: the commit the job started from, or the last one it made itself. */
  readonly parent: string;
  /** ork's copy of the index now, which describes exactly what the worktree holds (see {@link CleanIndex}). */
  readonly index: CleanIndex;
}

/**
 * Commits everything in a job's worktree: modified, deleted and new files (not ignored ones). Commits the job
 * made itself stay; this one goes on top of them. No hook runs, not even post-commit, and the commit is never
 * signed: a job's commit is ork's bookkeeping, and a hook or a pinentry prompt would stall the queue.
 *
 * What is recorded is the worktree's files, never the job's index: ork's copy of the index (`opts.clean`) is put
 * back first and brought to the job's last commit, so that an entry the job marked assume-unchanged, or gave a
 * changed file's stats, cannot keep a changed file out of the commit. An ignored file the job only staged
 * (`git add -f`) is therefore not recorded; one that a commit of the job added is. Once a commit is made, the
 * worktree's ignored files are removed, so that it holds exactly that commit.
 *
 * @param worktree the top folder of the job's worktree (a linked worktree)
 * @param opts the message, the trailers (`Ork-Job`) and ork's copy of the index
 * @returns the new commit, its tree and its parent, or null when there was nothing to commit (HEAD, maybe the
 * job's own commit, is then the job's work)
 * @throws {OrkError} `bad-input` for an empty message, a trailer that is not `Key: one line`, or a worktree that
 * is not a linked one; `git-failed` when `worktree` is not a worktree's top or git fails
 */
export async function commitAll(worktree: string, opts: CommitOptions): Promise<JobCommit | null> {
  if (opts.message.trim() === "") {
    throw new InputError("the commit message is empty", "give a commit message");
  }
  const trailerLines: string[] = [];
  for (const [key, value] of Object.entries(opts.trailers)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(key) || /[\r\n]/.test(value)) {
      throw new InputError(
        `not a valid commit trailer: '${key}: ${value}'`,
        "a trailer key has letters, digits and '-'; its value is one line",
      );
    }
    trailerLines.push(`${key}: ${value}`);
  }
  // The trailers are written into the message rather than with --trailer: git puts --trailer lines before any
  // paragraph of lines starting with '#' (it takes them for comments), so they would not be the last paragraph.
  const message = trailerLines.length === 0
    ? opts.message
    : `${opts.message.trimEnd()}\n\n${trailerLines.join("\n")}\n`;
  const gitDir = await jobGitDir(worktree, "commit in");
  // ork commits outside the sandbox: a HEAD the job pointed at a shared branch (`git symbolic-ref HEAD
  // refs/heads/main`, a symlink) would have this commit move that branch past every gate. Read as a plain file
  // or else asked of git before anything else changes, HEAD is detached there, and whatever else the job left in
  // its git dir for git to follow goes (see scrubJobGitDir).
  const headFile = await readRefFile(join(gitDir, "HEAD"));
  const detached = headFile !== null && OID.test(headFile);
  const parent = detached ? headFile : (await git(worktree, ["rev-parse", "--verify", "HEAD"])).stdout.trim();
  await scrubJobGitDir(gitDir);
  if (!detached) await writeDetachedHead(gitDir, parent);
  const staged = await stagedByJob(worktree, gitDir, parent, opts.clean);
  await restoreIndex(gitDir, opts.clean);
  // The job's own commits: the index moves to the last one's tree, keeping the stats of every entry they did
  // not change (a two-tree read-tree, as a checkout does, with the files left as they are).
  // (-i: the files are not checked against the index here; `add` below looks at them.)
  if (parent !== opts.clean.commit) {
    await git(worktree, [...JOB_GIT_CONFIG, "read-tree", "-m", "-i", opts.clean.commit, parent]);
  }
  const carried = await carryOver(worktree, staged);
  // --verbose names each path whose content or mode changed (a file written again as it was is not named): none,
  // and nothing carried over, and the index is still exactly the parent's tree.
  const added = await git(worktree, [...JOB_GIT_CONFIG, "add", "--all", "--verbose"]);
  if (added.stdout.trim() === "" && !carried) return null;
  // What is left untracked is ignored files: they go while the commit is written, so that the worktree holds
  // exactly the commit. Both run to their end before either's failure is thrown.
  const [written, cleaned] = await Promise.allSettled([
    writeCommit(worktree, gitDir, parent, stripSpace(message), opts.identity),
    cleanWorktree(worktree),
  ]);
  if (written.status === "rejected") throw written.reason;
  if (cleaned.status === "rejected") throw cleaned.reason;
  const { commit, tree } = written.value;
  // What was carried over may have come to nothing (a removal `add` undid): then so does the commit.
  if (
    carried && tree === (await git(worktree, ["rev-parse", "--verify", `${parent}^{tree}`])).stdout.trim()
  ) {
    await writeDetachedHead(gitDir, parent);
    return null;
  }
  return { commit, tree, parent, index: await readCleanIndex(gitDir, commit, tree) };
}

/** What the job staged that its files cannot say: paths it removed from the index, and executable bits. */
interface Staged {
  readonly removed: string[];
  readonly executable: string[];
  readonly notExecutable: string[];
}

/**
 * What the job staged that ork's commit keeps although it records the files: removals from the index (`git rm
 * --cached`, which keep an ignored file out of the commit) and executable bits set in the index (`git add
 * --chmod`, the way with `core.fileMode=false`; with it true the files' bits win, as before). Nothing else of
 * the job's index counts; it is read only when it differs from ork's copy.
 */
async function stagedByJob(
  worktree: string,
  gitDir: string,
  parent: string,
  clean: CleanIndex,
): Promise<Staged> {
  const staged: Staged = { removed: [], executable: [], notExecutable: [] };
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(join(gitDir, "index"));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return staged;
    throw error;
  }
  if (sameBytes(bytes, clean.bytes)) return staged;
  const diff = await git(worktree, [
    ...JOB_GIT_CONFIG,
    "diff-index",
    "--cached",
    "--raw",
    "-z",
    "--no-renames",
    parent,
  ]);
  // `:<old mode> <new mode> <old id> <new id> <status>` NUL `<path>` NUL
  const fields = diff.stdout.split("\0");
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [oldMode, newMode, , , status] = (fields[i] ?? "").slice(1).split(" ");
    const path = fields[i + 1] ?? "";
    if (path === "") continue;
    if (status === "D") staged.removed.push(path);
    else if (
      status === "M" && isFileMode(oldMode) && isFileMode(newMode) && oldMode !== newMode &&
      // Only a file still there as one: git reads it again to set the bit, and the job may have removed it since.
      await isRegularFile(join(worktree, path))
    ) {
      (newMode === "100755" ? staged.executable : staged.notExecutable).push(path);
    }
  }
  return staged;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return false;
    throw error;
  }
}

function isFileMode(mode: string | undefined): boolean {
  return mode === "100644" || mode === "100755";
}

/**
 * Applies {@link Staged} to ork's index, before `git add -A` looks at the files: a removed path that is not
 * ignored is added again, as it would have been. Resolves whether anything was applied.
 */
async function carryOver(worktree: string, staged: Staged): Promise<boolean> {
  const runs: [string[], string[]][] = [
    [["--force-remove"], staged.removed],
    [["--chmod=+x"], staged.executable],
    [["--chmod=-x"], staged.notExecutable],
  ];
  let carried = false;
  for (const [flags, paths] of runs) {
    if (paths.length === 0) continue;
    await git(worktree, [...JOB_GIT_CONFIG, "update-index", ...flags, "-z", "--stdin"], {
      input: paths.map((path) => `${path}\0`).join(""),
    });
    carried = true;
  }
  return carried;
}

/**
 * Writes the index's tree and a commit of it on `parent`, and points the worktree's HEAD there: `write-tree`
 * and `commit-tree` rather than `git commit`, which would look at every file once more.
 */
async function writeCommit(
  worktree: string,
  gitDir: string,
  parent: string,
  message: string,
  identity: readonly string[] | undefined,
): Promise<{ commit: string; tree: string }> {
  const tree = (await git(worktree, [...JOB_GIT_CONFIG, "write-tree"])).stdout.trim();
  const created = await git(worktree, [
    ...identity ?? await identityArgs(worktree),
    "commit-tree",
    "--no-gpg-sign",
    "-p",
    parent,
    "-m",
    message,
    tree,
  ]);
  const commit = created.stdout.trim();
  await writeDetachedHead(gitDir, commit);
  return { commit, tree };
}

/**
 * A commit message cleaned as `git commit --cleanup=whitespace` cleans it: trailing whitespace off every line,
 * runs of empty lines made one, none at the start or the end, and a final newline. Lines starting with `#` stay
 * (a user's commit.cleanup=strip would drop "#12 fixed").
 */
export function stripSpace(text: string): string {
  const kept: string[] = [];
  let emptyBefore = false;
  for (const line of text.split("\n").map((l) => l.replace(/[ \t\n\v\f\r]+$/, ""))) {
    if (line === "") {
      emptyBefore = kept.length > 0;
      continue;
    }
    if (emptyBefore) kept.push("");
    emptyBefore = false;
    kept.push(line);
  }
  return kept.length === 0 ? "" : `${kept.join("\n")}\n`;
}

/**
 * The commit a worktree has checked out.
 *
 * @param worktree the top folder of a worktree (a job's or the main one)
 * @returns the full sha of HEAD
 * @throws {OrkError} `git-failed` when `worktree` is not a worktree's top or HEAD is unborn
 */
export async function headOf(worktree: string): Promise<string> {
  await worktreeGitDir(worktree);
  const result = await git(worktree, ["rev-parse", "--verify", "HEAD"]);
  return result.stdout.trim();
}

/**
 * Whether a worktree has nothing to commit: no staged or unstaged change, no untracked file (ignored files do not
 * count).
 *
 * @param worktree the top folder of a worktree
 * @returns true when `git status` would show nothing
 * @throws {OrkError} `git-failed` when `worktree` is not a worktree's top or git fails
 */
export async function isClean(worktree: string): Promise<boolean> {
  await worktreeGitDir(worktree);
  // -unormal overrides a user's status.showUntrackedFiles=no, which would hide new files.
  const result = await git(worktree, ["status", "--porcelain", "-z", "--untracked-files=normal"]);
  return result.stdout === "";
}
