/**
 * The one way ork runs git: through dax, with an environment that makes git's output parseable and its target
 * the directory ork names, and with failures turned into {@link OrkError}s.
 *
 * dax rather than `Deno.Command`, by measurement (2 cores, 2026-12-06, the test suite running beside it):
 * `git rev-parse HEAD` 12.6-16.8 ms a call through dax against 14.1-14.5 ms through `Deno.Command`, and a 13.8 MB
 * `git diff` 504-508 ms against 539-580 ms. Neither is faster; dax's quoting and piping are kept.
 *
 * Not re-exported from `mod.ts`: callers outside `src/git/` ask for what they need, never for raw git.
 *
 * @module
 */

import $ from "dax";
import { join, resolve } from "node:path";
import { isNotFound, OrkError } from "../errors/mod.ts";
import { lstatOrNull } from "../fs/paths.ts";

/** What a finished git command left behind. */
export interface GitResult {
  /** Exit code. */
  code: number;
  /** Everything git wrote to stdout, untrimmed (`-z` output keeps its NULs). */
  stdout: string;
  /** Everything git wrote to stderr. */
  stderr: string;
}

/** How to run one git command. */
export interface GitOptions {
  /** Exit codes that are answers rather than failures (0 is always accepted). */
  ok?: readonly number[];
  /** The hint of the error thrown on failure; by default, check the repository with `git status`. */
  hint?: string;
  /** Run no hooks at all: `--no-verify` still runs post-commit, post-checkout and prepare-commit-msg. */
  noHooks?: boolean;
  /** Text for git's stdin (`--stdin` commands); none by default. */
  input?: string;
  /** A file streamed to git's stdin (a pack for `unpack-objects`), instead of `input`. */
  inputFile?: string;
  /** Variables on top of {@link GIT_ENV} (undefined removes one): a command that takes no literal pathspecs. */
  env?: Record<string, string | undefined>;
}

/**
 * Set on every call. A hook or `git rebase --exec` that starts ork exports GIT_DIR and friends, which would
 * beat `-C` and point git at the wrong repository; ork parses some of git's messages, so they must be English;
 * paths ork passes are file names, never patterns; and git must never wait for a password.
 */
export const GIT_ENV: Record<string, string | undefined> = {
  GIT_DIR: undefined,
  GIT_WORK_TREE: undefined,
  GIT_INDEX_FILE: undefined,
  GIT_COMMON_DIR: undefined,
  GIT_PREFIX: undefined,
  LC_ALL: "C",
  LANGUAGE: undefined,
  GIT_LITERAL_PATHSPECS: "1",
  GIT_TERMINAL_PROMPT: "0",
};

/**
 * Runs `git -C <cwd> <args>` to the end.
 *
 * @param cwd the directory git runs in (a worktree or the main worktree)
 * @param args git's arguments; each is passed as one argument, never split or expanded
 * @param opts exit codes to accept, the failure hint, and whether hooks may run
 * @returns the exit code and both outputs
 * @throws {OrkError} `git-failed` when git exits with a code not in `opts.ok`, naming the command and git's
 * first stderr line
 */
export async function git(cwd: string, args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  const full = opts.noHooks ? ["-c", "core.hooksPath=/dev/null", ...args] : [...args];
  const command = $`${await gitProgram()} -C ${cwd} ${full}`.env(
    opts.env ? { ...GIT_ENV, ...opts.env } : GIT_ENV,
  );
  const fed = opts.inputFile !== undefined
    ? command.stdin($.path(opts.inputFile))
    : opts.input === undefined
    ? command.stdin("null")
    : command.stdinText(opts.input);
  const result = await fed.quiet().noThrow();
  const out: GitResult = { code: result.code, stdout: result.stdout, stderr: result.stderr };
  if (out.code !== 0 && !(opts.ok ?? []).includes(out.code)) throw gitError(cwd, args, out, opts.hint);
  return out;
}

/**
 * Runs `git -C <cwd> <args>` on the user's terminal (stdout and stderr inherited), with the user's own settings
 * (pager, colours, language): for what ork shows a person, never for what it reads. Only the variables that
 * would point git at another repository are removed.
 *
 * @returns git's exit code
 */
export async function gitOnTerminal(cwd: string, args: readonly string[]): Promise<number> {
  const env = Object.fromEntries(
    Object.entries(GIT_ENV).filter(([name, value]) => value === undefined && name.startsWith("GIT_")),
  );
  const result = await $`${await gitProgram()} -C ${cwd} ${[...args]}`.env(env).stdin("null").stdout(
    "inherit",
  )
    .stderr("inherit").noThrow();
  return result.code;
}

/**
 * The first `maxBytes` of what `git -C <cwd> <args>` writes to stdout: git is stopped once that much is read, so
 * a huge output costs no more than its start (a diff for a page). Same environment as {@link git}.
 *
 * @returns the text, cut at the last line end within `maxBytes`, and whether there was more
 * @throws {OrkError} `git-failed` when git fails before writing what was asked
 */
export async function gitPrefix(
  cwd: string,
  args: readonly string[],
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const env = { ...Deno.env.toObject() };
  for (const [name, value] of Object.entries(GIT_ENV)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = new Deno.Command(await gitProgram(), {
    args: ["-C", cwd, ...args],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of child.stdout) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > maxBytes) {
      truncated = true;
      break;
    }
  }
  if (truncated) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Ended meanwhile.
    }
  }
  const { code } = await child.status;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const text = new TextDecoder().decode(bytes.subarray(0, Math.min(size, maxBytes)));
  if (!truncated && code !== 0) throw gitError(cwd, args, { code, stdout: text, stderr: await stderr });
  await stderr;
  return truncated ? { text: text.slice(0, text.lastIndexOf("\n") + 1), truncated } : { text, truncated };
}

let gitPath: Promise<string> | undefined;

/**
 * git's full path, looked up on PATH once per process: dax looks a bare command name up on every call, which
 * cost more than a millisecond per git process (17 per job), more than dax's own work. Where PATH has no git,
 * the bare name, so that dax reports it missing as before.
 */
function gitProgram(): Promise<string> {
  return gitPath ??= $.which("git").then((path) => path ?? "git");
}

/**
 * The error for a git command that failed.
 *
 * @param cwd where git ran
 * @param args git's arguments
 * @param result what git left behind
 * @param hint what the user should check; a generic one when omitted
 * @returns an `OrkError` with code `git-failed`
 */
export function gitError(cwd: string, args: readonly string[], result: GitResult, hint?: string): OrkError {
  const said = firstLine(result.stderr) || firstLine(result.stdout) || "no message";
  return new OrkError(
    "git-failed",
    `'git ${describe(args)}' failed (exit ${result.code}) in ${cwd}: ${said}`,
    hint ?? `check the repository with 'git -C ${cwd} status'; another git process may hold a lock`,
  );
}

/**
 * The line of git's output that says what went wrong: the first `fatal:` or `error:` line (a `warning:` or a
 * progress line may come before it), else the first non-empty one; without the prefix, which the message replaces.
 *
 * @param text git's stderr (or stdout)
 * @returns that line, or "" when `text` is empty
 */
export function firstLine(text: string): string {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const line = lines.find((l) => /^(fatal|error): /.test(l)) ?? lines[0] ?? "";
  return line.replace(/^(fatal|error): /, "");
}

/** The command as a reader would type it: `-c` settings dropped, long arguments (messages) and lists shortened. */
function describe(args: readonly string[]): string {
  const rest = [...args];
  while (rest[0] === "-c") rest.splice(0, 2);
  const shown = rest.map((arg) => {
    const short = arg.length > 200 || arg.includes("\n") ? `${arg.split("\n")[0]?.slice(0, 60)}…` : arg;
    return /[\s'"]/.test(short) || short === "" ? JSON.stringify(short) : short;
  }).join(" ");
  return shown.length > 300 ? `${shown.slice(0, 299)}…` : shown;
}

/**
 * A ref file's trimmed text (HEAD, a loose ref), or null when it cannot be trusted to say what git would: not a
 * regular file (git follows a symlinked HEAD, `core.preferSymlinkRefs`, or one a job planted, to whatever it
 * points at), missing or unreadable. Callers then ask git, which also says why when something is wrong.
 */
export async function readRefFile(path: string): Promise<string | null> {
  try {
    if (!(await Deno.lstat(path)).isFile) return null;
    return (await Deno.readTextFile(path)).trim();
  } catch {
    return null;
  }
}

/** A full object name: 40 hex digits (SHA-1) or 64 (SHA-256). */
export const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Whether an object name is git's all-zero "no commit" (an unborn HEAD).
 *
 * @param oid an object name from git's output
 * @returns true for `0000…`
 */
export function isZeroOid(oid: string): boolean {
  return /^0+$/.test(oid);
}

/**
 * The git dir of the worktree whose top is `path`, read from its `.git` file or directory without starting
 * git. Calls that act on "this worktree" check it first: if a job deleted its `.git` file, git would walk up to
 * the main worktree around `.ork/` and `git add -A` or `checkout --force` would act on the user's checkout.
 *
 * @param path the worktree's top folder
 * @returns the absolute git dir, and whether it belongs to a linked worktree (rather than a main one)
 * @throws {OrkError} `git-failed` when `path` has no `.git` of its own
 */
export async function worktreeGitDir(path: string): Promise<{ gitDir: string; linked: boolean }> {
  const dotGit = join(path, ".git");
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(dotGit);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw new OrkError(
      "git-failed",
      `not the top of a git worktree (no .git): ${path}`,
      "remove the worktree and let ork create it again",
    );
  }
  if (info.isDirectory) return { gitDir: dotGit, linked: false };
  const match = /^gitdir:\s*(.+)$/m.exec(await Deno.readTextFile(dotGit));
  if (!match?.[1]) {
    throw new OrkError(
      "git-failed",
      `not a git worktree (unreadable .git file): ${path}`,
      "remove the worktree",
    );
  }
  const gitDir = resolve(path, match[1].trim());
  const linked = (await lstatOrNull(join(gitDir, "commondir"))) !== null;
  return { gitDir, linked };
}
