/**
 * Recording a job's work as a commit in its worktree, and reading a worktree's state.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import { git, gitError, worktreeGitDir } from "./git.ts";
import { isDetached, scrubJobGitDir, writeDetachedHead } from "./worktree.ts";

/** What `commitAll` writes. */
export interface CommitOptions {
  /** The commit message (subject, then an optional body). */
  message: string;
  /** Trailers appended to the message, e.g. `{ "Ork-Job": "<id>" }`. */
  trailers: Record<string, string>;
  /** The identity arguments (see {@link identityArgs}), when the caller has them; else looked up here. */
  identity?: readonly string[];
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

/**
 * Commits everything in a job's worktree: modified, deleted and new files (not ignored ones). Commits the job
 * made itself stay; this one goes on top of them. No hook runs, not even post-commit, and the commit is never
 * signed: a job's commit is ork's bookkeeping, and a hook or a pinentry prompt would stall the queue.
 *
 * @param worktree the top folder of the job's worktree
 * @param opts the message and the trailers (`Ork-Job`) to record
 * @returns the new commit's sha, or null when there was nothing to commit (HEAD, maybe the job's own commit, is
 * then the job's work)
 * @throws {OrkError} `bad-input` for an empty message or a trailer that is not `Key: one line`; `git-failed`
 * when `worktree` is not a worktree's top or git fails
 */
export async function commitAll(worktree: string, opts: CommitOptions): Promise<string | null> {
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
  const { gitDir, linked } = await worktreeGitDir(worktree);
  // ork commits outside the sandbox: a HEAD the job pointed at a shared branch (`git symbolic-ref HEAD
  // refs/heads/main`, a symlink) would have this commit move that branch past every gate. Detached first, at
  // whatever HEAD resolves to, the commit only ever moves the worktree's own HEAD; and whatever else the job
  // left in its git dir for git to follow goes (see scrubJobGitDir).
  if (linked) {
    const at = (await isDetached(gitDir))
      ? null
      : (await git(worktree, ["rev-parse", "--verify", "HEAD"])).stdout.trim();
    await scrubJobGitDir(gitDir);
    if (at !== null) await writeDetachedHead(gitDir, at);
  }
  // --verbose names each path whose index entry changed: when it names none, only a change the job staged
  // itself can be there, and only then is it worth a look (a git process) before committing.
  const added = await git(worktree, ["add", "--all", "--verbose"]);
  if (added.stdout.trim() === "" && !(await hasStagedChanges(worktree))) return null;
  const committed = await git(worktree, [
    ...opts.identity ?? await identityArgs(worktree),
    "commit",
    "--no-verify",
    "--no-gpg-sign",
    "--quiet",
    // Spelled out: a user's commit.cleanup=strip would drop message lines starting with '#' ("#12 fixed").
    "--cleanup=whitespace",
    "-m",
    message,
  ], { noHooks: true, ok: [1] });
  // Exit 1: nothing to commit after all (the job staged a change and then undid it in the file).
  if (committed.code === 1) {
    if (!(await hasStagedChanges(worktree))) return null;
    throw gitError(worktree, ["commit"], committed);
  }
  return await headOf(worktree);
}

async function hasStagedChanges(worktree: string): Promise<boolean> {
  return (await git(worktree, ["diff", "--cached", "--quiet", "--no-ext-diff"], { ok: [1] })).code === 1;
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
