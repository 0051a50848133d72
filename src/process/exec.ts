/**
 * Running one command line (a job's or a gate's) in a process group of its own, with its output appended to a
 * log file, a timeout and cancellation.
 *
 * The group is what makes stopping reliable: a command line starts shells, pipelines and background children,
 * and signalling only the `sh` at the top would leave the rest running (and holding the output pipe open).
 * `detached: true` makes Deno start the child with `setsid()`, so its pid is also its process group id (and
 * session id), and `kill(-pgid, sig)` reaches everything it started unless a process moved itself out.
 *
 * In a sandbox (`spec.sandbox`) the group's leader is `bwrap`, then bwrap's child (the init of the sandbox's PID
 * namespace), then `sh`: all in the same group, since bwrap gets no `--new-session`. Two things differ there.
 * SIGTERM goes to every process of the group but bwrap: bwrap does not handle it, and its death would SIGKILL
 * the whole sandbox at once (`--die-with-parent`), leaving the command no grace. And nothing of the command
 * outlives `sh`: when it exits, the namespace's init exits and the kernel kills whatever is left inside.
 *
 * @module
 */

import type { ExecSandbox } from "../sandbox/mod.ts";
import { LogWriter } from "./log_writer.ts";
import { groupAlive, GroupStopper, waitGroupGone } from "./group.ts";
import { messageOf } from "../errors/mod.ts";

/** What to run and how; see {@link execInGroup}. */
export interface ExecSpec {
  /** The command line, run with `/bin/sh -c`. */
  command: string;
  /** The working directory; it must exist, or the outcome is `startFailed`. */
  cwd: string;
  /** Variables added to (or overriding) the inherited environment. */
  env: Record<string, string>;
  /** Output goes here, appended: stdout and stderr interleaved in the order the command wrote them. */
  logPath: string;
  /** Seconds before the group is stopped and the outcome is `timedOut`; > 0. */
  timeoutSeconds: number;
  /** Milliseconds between SIGTERM and SIGKILL to the group (default 5000). */
  killGraceMs?: number;
  /** Aborting cancels: the group is stopped as on a timeout, at once. */
  signal?: AbortSignal;
  /** Called with the pid (which is also the pgid) right after the spawn, e.g. to record it. */
  onStart?: (pid: number) => void;
  /**
   * Run confined (see `sandboxFor` in `src/sandbox/`): `bwrap <args> --chdir <cwd> -- /bin/sh -c ...`. The pid
   * reported is then bwrap's, still the group's id; a command killed by a signal comes back as exit code
   * 128 + its number, as bwrap reports it. Absent: the command runs unconfined.
   */
  sandbox?: ExecSandbox;
  /**
   * The most output kept in the log (`orchestrator.log_max_bytes`): past it the head and the last part are
   * kept, with a line saying how much was cut between them. Default: no limit.
   */
  maxLogBytes?: number;
}

/** How a run of {@link execInGroup} ended. */
export interface ExecOutcome {
  /** The exit code of `sh` (of `bwrap` in a sandbox); `null` when it was killed by a signal or never started. */
  exitCode: number | null;
  /** The signal that killed `sh`, if one did. */
  signal: Deno.Signal | null;
  /** The timeout expired and the group was stopped. */
  timedOut: boolean;
  /** The abort signal fired (before or during the run) and the group was stopped or never started. */
  cancelled: boolean;
  /** `sh` could not be started (e.g. the cwd is missing); a failure, never a success. */
  startFailed: boolean;
  /** Why the start failed, when `startFailed`; otherwise `null`. */
  startError: string | null;
  /** Wall time from just before the spawn until the group was gone and the log flushed. */
  durationMs: number;
  /** The pid of `sh` (of `bwrap` in a sandbox), which is also the group's id; 0 when nothing was started. */
  pid: number;
}

/** The default time between SIGTERM and SIGKILL to a group. */
export const DEFAULT_KILL_GRACE_MS = 5000;
/** How long to wait for the end of the output once the group is gone, in case a process outside it holds it. */
const DRAIN_MS = 500;
/** How long the rest of a sandbox may take to die once bwrap has exited (it takes milliseconds). */
const SANDBOX_SETTLE_MS = 1000;
/** The largest delay setTimeout accepts; longer timeouts would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The script that runs the command. Two separate pipes for stdout and stderr cannot keep the order the
 * command wrote in (the reader sees each pipe on its own schedule; in a trial 126 of 200 runs of
 * `echo out; echo err >&2; echo out2` came back reordered), so fd 2 is pointed at fd 1 before anything runs.
 * The command itself then runs as `sh -c "$1"` with `exec`, which keeps the pid (and so the group) and gives
 * the command exactly the shell, `$0`, line numbers and 126/127 exit codes it would have had on its own.
 */
const WRAPPER = 'exec 2>&1; exec /bin/sh -c "$1"';

/**
 * Runs `spec.command` in a new process group and resolves once it has ended, no process of its group is alive
 * any more, and everything it printed is in the log.
 *
 * Stopping (timeout, abort, or processes left behind after `sh` exited) sends SIGTERM (and SIGCONT, so that
 * stopped processes see it) to the group, then SIGKILL after `killGraceMs`. Lines starting with `ork:` are
 * added to the log when ork had to step in.
 *
 * Longer than most: spawning, the timeout, the abort, the log and the stop share the child and its group, and
 * every way out of here must leave no process of it behind, which one function can show in one place.
 *
 * @throws RangeError for a timeout that is not > 0 or a negative grace; the log's errors (e.g. its directory
 *   is missing) and whatever `onStart` throws, the latter after the group has been stopped
 */
export async function execInGroup(spec: ExecSpec): Promise<ExecOutcome> {
  const graceMs = spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  if (!(spec.timeoutSeconds > 0) || !Number.isFinite(spec.timeoutSeconds)) {
    throw new RangeError(`timeoutSeconds must be a number > 0, got ${spec.timeoutSeconds}`);
  }
  if (!(graceMs >= 0) || !Number.isFinite(graceMs)) {
    throw new RangeError(`killGraceMs must be a number >= 0, got ${graceMs}`);
  }

  const started = performance.now();
  // Append, so that another writer (the gates' header lines, the runner's notes) can add lines between runs.
  using log = await Deno.open(spec.logPath, { append: true, create: true, write: true });
  const writer = new LogWriter(log, spec.maxLogBytes);
  const outcome = (fields: Partial<ExecOutcome>): ExecOutcome => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: false,
    startFailed: false,
    startError: null,
    durationMs: Math.round(performance.now() - started),
    pid: 0,
    ...fields,
  });

  // An abort that came before the start means the caller no longer wants the run: starting it only to kill
  // it would still run its first instructions.
  if (spec.signal?.aborted) return outcome({ cancelled: true });

  const shellArgs = ["-c", WRAPPER, "sh", spec.command];
  const sandbox = spec.sandbox;
  await sandbox?.prepare();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(sandbox === undefined ? "/bin/sh" : sandbox.bwrap, {
      args: sandbox === undefined
        ? shellArgs
        : [...sandbox.args, "--chdir", spec.cwd, "--", "/bin/sh", ...shellArgs],
      // Also for bwrap, which starts from here: a missing cwd is a start failure in both cases.
      cwd: spec.cwd,
      env: spec.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
  } catch (error) {
    // Deno reports a failed chdir or exec in the child as an error from spawn; no process is left.
    const message = messageOf(error);
    await writer.line(`ork: could not start: ${message}`);
    await writer.flush();
    return outcome({ startFailed: true, startError: message });
  }

  const pid = child.pid;
  const stopper = new GroupStopper(pid, graceMs, sandbox !== undefined, (text) => void writer.line(text));
  const pumps = [pump(child.stdout, writer), pump(child.stderr, writer)];
  let timedOut = false;
  let cancelled = false;

  const timer = setTimeout(() => {
    timedOut = true;
    void writer.line(`ork: timed out after ${spec.timeoutSeconds}s; stopping the process group ${pid}`);
    stopInBackground(stopper);
  }, Math.min(spec.timeoutSeconds * 1000, MAX_TIMER_MS));
  const onAbort = (): void => {
    cancelled = true;
    void writer.line(`ork: cancelled; stopping the process group ${pid}`);
    stopInBackground(stopper);
  };
  spec.signal?.addEventListener("abort", onAbort, { once: true });

  let onStartError: { error: unknown } | null = null;
  try {
    spec.onStart?.(pid);
  } catch (error) {
    // The caller could not record the pid; a process nobody knows about must not keep running.
    onStartError = { error };
    stopInBackground(stopper);
  }

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    clearTimeout(timer);
    spec.signal?.removeEventListener("abort", onAbort);
  }

  // Each look at the group reads every process's /proc entry, so a group seen empty is not looked at again.
  let leftBehind = false;
  if (!stopper.started) {
    // bwrap exits as soon as `sh` does; a moment later its init gets SIGKILL (`--die-with-parent`) and the
    // kernel kills whatever `sh` left in the sandbox's PID namespace. That is no leftover worth a note.
    leftBehind = sandbox !== undefined ? !(await waitGroupGone(pid, SANDBOX_SETTLE_MS)) : groupAlive(pid);
    // `sh` is gone, but a background child it left behind may still run (and hold the pipe open, so the
    // output would never end).
    if (leftBehind) {
      await writer.line(`ork: the command exited but left processes in group ${pid}; stopping them`);
    }
  }
  // When we already stopped the group (or do now) this waits for it to be empty.
  if (stopper.started || leftBehind) {
    const gone = await stopper.stop();
    if (!gone) await writer.line(`ork: processes of group ${pid} survived SIGKILL; giving up on them`);
  }

  await drain(pumps, writer);
  await writer.flush();

  if (onStartError !== null) throw onStartError.error;
  return outcome({
    // Deno reports 128 + signal number as the code of a killed process; the signal says more.
    exitCode: status.signal === null ? status.code : null,
    signal: status.signal,
    timedOut,
    cancelled,
    pid,
  });
}

interface Pump {
  done: Promise<void>;
  reader: ReadableStreamDefaultReader<Uint8Array>;
}

function pump(stream: ReadableStream<Uint8Array>, writer: LogWriter): Pump {
  const reader = stream.getReader();
  const done = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        // Waiting for the write gives the pipe back-pressure instead of buffering without bound.
        await writer.write(value);
      }
    } catch {
      // A cancelled or broken pipe just ends the output.
    } finally {
      reader.releaseLock();
    }
  })();
  return { done, reader };
}

/**
 * Waits for the end of the output. With the group gone the pipes normally end at once; a process that moved
 * out of the group (`setsid`) may still hold them, and waiting for it would hang the run, so after
 * {@link DRAIN_MS} the reading stops.
 */
async function drain(pumps: Pump[], writer: LogWriter): Promise<void> {
  const all = Promise.all(pumps.map((p) => p.done));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = await Promise.race([
    all.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), DRAIN_MS))),
  ]);
  clearTimeout(timer);
  if (!timedOut) return;
  await writer.line("ork: a process outside the group still holds the output open; stopped reading it");
  await Promise.all(pumps.map((p) => p.reader.cancel().catch(() => {})));
  await all;
}

/**
 * Starts stopping the group from a callback. The shared promise is awaited (and its error thrown) after `sh`
 * ends; the empty handler only keeps a failure from counting as unhandled before then.
 */
function stopInBackground(stopper: GroupStopper): void {
  stopper.stop().catch(() => {});
}
