/**
 * Giving a job worktree its environment before a job's command and before the gates (`environment:` in the
 * config): setup's result for what the commit holds at `inputs` (run setup once per key, in the sandbox, and
 * keep what it made), copied in; then the ignored files `copy` names, from the user's checkout.
 *
 * @module
 */

import { join } from "node:path";
import type { EnvironmentSettings } from "../config/mod.ts";
import {
  environmentKey,
  type EnvironmentMeta,
  findEnvironment,
  linkOnTheWay,
  restoreEnvironment,
  type StoredEnvironment,
  storeEnvironment,
} from "../environment/mod.ts";
import { isNotFound, OrkError } from "../errors/mod.ts";
import { type CleanIndex, filesAt, ignoredPaths, leftoversIn } from "../git/mod.ts";
import { acquire, acquireShared } from "../lock/mod.ts";
import { type ExecSandbox, sandboxHint } from "../sandbox/mod.ts";
import type { OrkConfig } from "../config/mod.ts";
import type { FsQueue } from "../queue/mod.ts";
import type { OrkPaths } from "../workspace/mod.ts";
import type { EventLog, JobRef } from "./events.ts";
import { execInGroup } from "../process/mod.ts";
import { errorLine, logTail } from "../process/mod.ts";

/** What preparing one worktree needs. */
export interface EnvironmentRequest {
  /** The main worktree's root: where `copy` comes from. */
  readonly root: string;
  /** `environment:` from the config ork loaded. */
  readonly settings: EnvironmentSettings;
  /** Where environments are kept (`.ork/env`). */
  readonly envDir: string;
  /** The most of setup's output kept in the log (`orchestrator.log_max_bytes`). */
  readonly maxLogBytes?: number;
  /** Where the per-key setup locks go (`.ork/locks`). */
  readonly locksDir: string;
  /** The job worktree, holding exactly `commit` (no untracked files). */
  readonly worktree: string;
  /** The commit it holds. */
  readonly commit: string;
  /** ork's copy of the worktree's index for that commit. */
  readonly clean: CleanIndex;
  /** The log setup's output goes to, with ork's lines about the environment. */
  readonly logPath: string;
  /** Variables for setup (the job's `ORK_*`). */
  readonly env: Record<string, string>;
  /** The worktree's confinement; setup runs in it, with the network. */
  readonly sandbox?: ExecSandbox;
  /** Aborting stops setup. */
  readonly signal?: AbortSignal;
  /** Told setup's process group when it starts. */
  readonly onStart?: (pid: number) => void;
  /** Run setup even when its result is kept (`ork setup --rebuild`). */
  readonly rebuild?: boolean;
}

/** How preparing a worktree went. */
export type EnvironmentResult =
  /**
   * `summary`: one line for the job's record and `ork status`, null when nothing is configured; `paths`: what
   * it put in the worktree (setup's entries and the copied files; a folder ends in `/`), all ignored.
   */
  | {
    readonly ok: true;
    readonly summary: string | null;
    readonly key: string | null;
    readonly built: boolean;
    readonly paths: readonly string[];
  }
  /** `cancelled`: stopped by the signal, not failed. */
  | { readonly ok: false; readonly error: string; readonly cancelled: boolean };

/**
 * Gives `request.worktree` its environment. Setup runs only when no result is kept for the key; runners that
 * need the same key at once wait for the first (a lock per key). A failed setup keeps nothing.
 *
 * @returns ok, or why the worktree cannot have its environment (setup failed or was stopped, it changed tracked
 *   files or made files the repository does not ignore, a `copy` file is not ignored)
 */
export async function prepareEnvironment(request: EnvironmentRequest): Promise<EnvironmentResult> {
  const { settings } = request;
  let result: EnvironmentResult = { ok: true, summary: null, key: null, built: false, paths: [] };
  if (settings.setup !== null) result = await withSetup(request, settings.setup);
  if (!result.ok || settings.copy.length === 0) return result;
  const copied = await copyFromCheckout(request);
  return typeof copied === "string"
    ? { ok: false, error: copied, cancelled: false }
    : { ...result, paths: [...result.paths, ...copied] };
}

/** What of a runner {@link prepareForJob} needs. */
export interface JobEnvironmentContext {
  /** The main worktree's root. */
  readonly root: string;
  /** The config ork loaded: `environment:`. */
  readonly config: OrkConfig;
  /** ork's folders: `.ork/env`, `.ork/locks`. */
  readonly paths: OrkPaths;
  /** Where the job records its `environment`. */
  readonly queue: FsQueue;
  /** Where the `environment` event goes. */
  readonly events: EventLog;
}

/**
 * Prepares a job's worktree (see {@link prepareEnvironment}) and records how in the job's `environment` field and
 * the event log: always (before its command), or only when setup ran (before its gates, where a kept
 * environment is the rule).
 */
export async function prepareForJob(
  ctx: JobEnvironmentContext,
  job: JobRef,
  request: Omit<EnvironmentRequest, "root" | "settings" | "envDir" | "locksDir" | "sandbox"> & {
    readonly sandbox: ExecSandbox | undefined;
  },
  options: { record: "always" | "built" },
): Promise<EnvironmentResult> {
  const { sandbox, ...rest } = request;
  const prepared = await prepareEnvironment({
    ...rest,
    ...(sandbox === undefined ? {} : { sandbox }),
    root: ctx.root,
    settings: ctx.config.environment,
    envDir: ctx.paths.env,
    locksDir: ctx.paths.locks,
    maxLogBytes: ctx.config.orchestrator.log_max_bytes,
  });
  if (prepared.ok && prepared.summary !== null && (options.record === "always" || prepared.built)) {
    await ctx.queue.record(job.id, { environment: prepared.summary });
    ctx.events.emit({ kind: "environment", job, summary: prepared.summary, built: prepared.built });
  }
  return prepared;
}

async function withSetup(request: EnvironmentRequest, setup: string): Promise<EnvironmentResult> {
  const key = await environmentKey(
    setup,
    await filesAt(request.root, request.commit, request.settings.inputs),
  );
  const lockPath = join(request.locksDir, `env-${key}.lock`);
  let setupMs: number | null = null;
  if (request.rebuild || (await findEnvironment(request.envDir, key)) === null) {
    // Held while setup runs and its result is stored: one setup per key, and no worktree is copying it then.
    await using _lock = await acquire(lockPath, {
      purpose: `environment setup ${key}`,
      timeoutMs: request.settings.timeout * 1000 + 60_000,
    });
    // Another runner may have built it while this one waited.
    if (request.rebuild || (await findEnvironment(request.envDir, key)) === null) {
      const ran = await runSetup(request, setup, key);
      if (typeof ran !== "number") return ran;
      setupMs = ran;
    }
  }
  const started = performance.now();
  let stored: StoredEnvironment | null;
  try {
    // Shared: worktrees copy it at once; a rebuild or a prune waits until none does.
    using _reading = await acquireShared(lockPath);
    stored = await findEnvironment(request.envDir, key);
    if (stored !== null) await restoreEnvironment(stored, request.worktree);
  } catch (error) {
    if (error instanceof OrkError && error.code === "job-failed") {
      return {
        ok: false,
        error: error.hint ? `${error.message}; ${error.hint}` : error.message,
        cancelled: false,
      };
    }
    throw error;
  }
  // (Pruned between its setup and this copy: rare, and running the job again sets it up again.)
  if (stored === null) {
    throw new OrkError("job-failed", `the environment ${key} is gone`, "ork retry the job");
  }
  const copied = `copied in ${seconds(performance.now() - started)}`;
  const short = key.slice(0, 12);
  const summary = setupMs === null
    ? `environment ${short}: kept (its setup took ${seconds(stored.meta.setup_ms)}), ${copied}`
    : `environment ${short}: setup ran in ${seconds(setupMs)}, ${copied}`;
  await note(request.logPath, summary);
  return { ok: true, summary, key, built: setupMs !== null, paths: stored.meta.entries };
}

/** Runs setup in the worktree and stores what it made; resolves its duration in ms, or why it cannot be used. */
async function runSetup(
  request: EnvironmentRequest,
  setup: string,
  key: string,
): Promise<number | EnvironmentResult> {
  const { worktree, logPath } = request;
  await note(logPath, `environment ${key.slice(0, 12)}: running setup: ${setup}`);
  const size = await Deno.stat(logPath).then((info) => info.size, () => 0);
  const outcome = await execInGroup({
    command: setup,
    cwd: worktree,
    env: request.env,
    logPath,
    timeoutSeconds: request.settings.timeout,
    sandbox: request.sandbox,
    signal: request.signal,
    onStart: request.onStart,
    ...(request.maxLogBytes === undefined ? {} : { maxLogBytes: request.maxLogBytes }),
  });
  const failure = (error: string): EnvironmentResult => ({ ok: false, error, cancelled: false });
  if (outcome.cancelled) return { ok: false, error: "stopped during environment setup", cancelled: true };
  if (outcome.timedOut) {
    return failure(
      `environment setup timed out after ${request.settings.timeout}s; raise environment.timeout if it needs longer`,
    );
  }
  if (outcome.exitCode !== 0) {
    const wrote = (await Deno.stat(logPath)).size > size;
    const said = wrote ? await errorLine(logPath) : "";
    const hint = wrote && request.sandbox !== undefined
      ? sandboxHint(await logTail(logPath), Deno.env.get("HOME") ?? "")
      : null;
    const how = outcome.startFailed
      ? `could not start: ${outcome.startError}`
      : outcome.exitCode === null
      ? `killed by ${outcome.signal ?? "a signal"}`
      : `exit code ${outcome.exitCode}`;
    return failure(`environment setup failed (${how})${said ? `: ${said}` : ""}${hint ? `; ${hint}` : ""}`);
  }
  const left = await leftoversIn(worktree, request.commit, request.clean);
  if (left.changed.length > 0) {
    return failure(
      `environment setup changed tracked files (${listed(left.changed)}); it must leave them as committed ` +
        "(npm ci rather than npm install)",
    );
  }
  if (left.notIgnored.length > 0) {
    return failure(
      `environment setup made files the repository does not ignore (${
        listed(left.notIgnored)
      }); add them to ` +
        ".gitignore, or a job would commit them",
    );
  }
  const meta: EnvironmentMeta = {
    key,
    setup,
    commit: request.commit,
    built_at: new Date().toISOString(),
    setup_ms: outcome.durationMs,
    entries: left.untracked,
  };
  await storeEnvironment(request.envDir, worktree, meta, { replace: request.rebuild === true });
  return outcome.durationMs;
}

/**
 * Copies the files `copy` names from the user's checkout into the worktree (following symlinks: the sandbox does
 * not show the checkout they point into). Each must be ignored there, or the job's commit would take it in (an
 * `.env` with secrets); one missing in the checkout is skipped, with a note in the log.
 *
 * @returns the paths copied (a folder's ending in `/`), or why not
 */
async function copyFromCheckout(request: EnvironmentRequest): Promise<string | string[]> {
  // What there is to copy, and whether each is a folder (a `dir/` pattern ignores only a folder).
  const present: { path: string; asked: string }[] = [];
  for (const path of request.settings.copy) {
    const info = await Deno.stat(join(request.root, path)).catch((error) => {
      if (isNotFound(error)) return null;
      throw error;
    });
    if (info === null) {
      await note(request.logPath, `environment.copy: ${path} is not in your checkout; not copied`);
      continue;
    }
    // ork copies as you, outside the sandbox: never through a symlink the commit or setup put on the way.
    const link = await linkOnTheWay(request.worktree, path);
    if (link !== null) {
      return `environment.copy: ${link}, on the way to ${path}, is not a folder in the worktree (the commit or ` +
        "setup made it); nothing is copied through it";
    }
    if (await Deno.lstat(join(request.worktree, path)).then(() => true, () => false)) {
      return `environment.copy: ${path} is in the worktree already (the commit or setup made it); ` +
        "copy only what neither makes";
    }
    present.push({ path, asked: info.isDirectory ? `${path}/` : path });
  }
  const ignored = new Set(await ignoredPaths(request.worktree, present.map((entry) => entry.asked)));
  const notIgnored = present.filter((entry) => !ignored.has(entry.asked)).map((entry) => entry.path);
  if (notIgnored.length > 0) {
    return `environment.copy names ${
      listed(notIgnored)
    }, which the repository does not ignore: a job would commit it; add it to .gitignore`;
  }
  for (const { path } of present) {
    const to = join(request.worktree, path);
    await Deno.mkdir(join(to, ".."), { recursive: true });
    const copied = await new Deno.Command("cp", {
      args: ["-R", "-L", "-p", "--", join(request.root, path), to],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!copied.success) {
      return `environment.copy: could not copy ${path}: ${new TextDecoder().decode(copied.stderr).trim()}`;
    }
  }
  return present.map((entry) => entry.asked);
}

/**
 * Whether a job's change keeps what the environment put in its worktree ignored: a `.gitignore` it edited may
 * not, and ork's commit would then take `node_modules/` or an `.env` in. Only the patterns decide.
 *
 * @param worktree the job's worktree, as the job left it
 * @param paths what the environment put there (see {@link EnvironmentResult})
 * @returns null, or the job's error
 */
export async function stillIgnored(worktree: string, paths: readonly string[]): Promise<string | null> {
  // What the job removed, or put behind a symlink (which git does not follow), cannot be committed.
  const present: string[] = [];
  for (const path of paths) {
    const bare = path.replace(/\/+$/, "");
    // (lstat of `dir/` would follow a symlink the job put there: the bare name says what is there.)
    const info = await Deno.lstat(join(worktree, bare)).catch(() => null);
    if (info === null || (path.endsWith("/") && !info.isDirectory)) continue;
    if ((await linkOnTheWay(worktree, bare)) === null) present.push(path);
  }
  const ignored = new Set(await ignoredPaths(worktree, present, { patternsOnly: true }));
  const exposed = present.filter((path) => !ignored.has(path));
  if (exposed.length === 0) return null;
  return `the job's change makes the repository stop ignoring ${
    listed(exposed)
  }, which the environment put in its worktree: ork would commit it; keep it ignored`;
}

/** ork's own line in a job's log. */
async function note(logPath: string, text: string): Promise<void> {
  await Deno.writeTextFile(logPath, `== ork: ${text}\n`, { append: true });
}

/** Up to three paths, and how many more. */
function listed(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).join(", ");
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
