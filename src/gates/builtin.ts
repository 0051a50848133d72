/**
 * Running the built-in gates (`secrets`, `file_size`) in ork's own process: no shell, and only the change
 * between the candidate and its base is read. They write to the log as shell gates do (a header, their
 * findings, a footer) and fail closed the same way: a check that cannot run, times out or is cancelled fails.
 *
 * @module
 */

import type { GateConfig } from "../config/mod.ts";
import type { ChangeSource } from "../git/mod.ts";
import type { GateResult } from "./decide.ts";
import type { GateRunOptions } from "./shell.ts";
import { messageOf } from "../errors/mod.ts";

/** What a built-in check came to. */
export interface CheckOutcome {
  /** Lines for the log, each after `== gate <name>: `; never a secret in clear. */
  readonly lines: readonly string[];
  /** Why the gate failed, in one line (`2 findings: a.env:3 (AWS access key), ...`), or null when it passed. */
  readonly error: string | null;
}

/** A built-in check: looks at `change` from the worktree `cwd`, stopping between steps once `signal` aborts. */
export type BuiltinCheck = (
  gate: GateConfig,
  cwd: string,
  change: ChangeSource,
  signal: AbortSignal,
) => Promise<CheckOutcome>;

const encoder = new TextEncoder();

/**
 * Runs one built-in gate and judges it. Never throws for the gate's sake: a check that throws, or a gate run
 * without a change to look at, comes back failed with the reason in `error`.
 *
 * @param gate a gate of type `secrets` or `file_size`
 * @param opts where to log, and the change (`opts.change`); `cwd` is where git runs
 * @returns the result; `exit_code` is always null, since no process ran
 */
export async function runBuiltinGate(gate: GateConfig, opts: GateRunOptions): Promise<GateResult> {
  const started = performance.now();
  let error: string | null;
  try {
    await appendLine(opts.logPath, `== gate ${gate.name}: ${gate.type} ${describeChange(opts.change)}`);
    const check = await checkFor(gate.type);
    const change = opts.change;
    if (check === null) error = `gate type ${gate.type} is not a built-in gate`;
    else if (change === undefined) {
      error = "no change to check (a built-in gate needs a base to compare with)";
    } else {
      const outcome = await withDeadline(
        gate,
        opts.signal,
        (signal) => check(gate, opts.cwd, change, signal),
      );
      for (const line of outcome.lines) await appendLine(opts.logPath, `== gate ${gate.name}: ${line}`);
      error = outcome.error;
    }
  } catch (thrown) {
    error = thrown instanceof GateStopped ? thrown.message : `could not run: ${messageOf(thrown)}`;
  }
  const duration_ms = Math.round(performance.now() - started);
  try {
    const verdict = error === null ? "passed" : `failed (${error})`;
    await appendLine(opts.logPath, `== gate ${gate.name}: ${verdict} in ${duration_ms} ms`);
  } catch {
    // As for shell gates: the result is what counts.
  }
  return {
    name: gate.name,
    passed: error === null,
    exit_code: null,
    duration_ms,
    required: gate.required,
    error,
  };
}

/** The check of a built-in gate type, loaded on first use (the secrets scan brings in secretlint). */
async function checkFor(type: GateConfig["type"]): Promise<BuiltinCheck | null> {
  switch (type) {
    case "secrets":
      return (await import("./secrets.ts")).checkSecrets;
    case "file_size":
      return (await import("./file_size.ts")).checkFileSizes;
    default:
      return null;
  }
}

/** A built-in gate that was stopped: timed out or cancelled; the message is the gate's error. */
class GateStopped extends Error {}

/**
 * Runs `work` until it settles or the gate's timeout or `outer` stops it. Work in this process cannot be
 * killed, so a stopped check is abandoned: it sees its signal aborted and stops at its next step, and its
 * result is ignored.
 */
async function withDeadline<T>(
  gate: GateConfig,
  outer: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const stop = (why: string) => controller.abort(new GateStopped(why));
  const timer = setTimeout(
    () => stop(`timed out after ${gate.timeout}s`),
    Math.min(gate.timeout * 1000, 2 ** 31 - 1),
  );
  const onAbort = () => stop("cancelled");
  if (outer?.aborted) onAbort();
  outer?.addEventListener("abort", onAbort, { once: true });
  try {
    controller.signal.throwIfAborted();
    const running = work(controller.signal);
    running.catch(() => {}); // abandoned after a stop: its failure has nobody to tell
    const stopped = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
    });
    return await Promise.race([running, stopped]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
  }
}

/** The header's description of what is checked. */
function describeChange(change: ChangeSource | undefined): string {
  const short = (oid: string) => (/^[0-9a-f]{40,64}$/.test(oid) ? oid.slice(0, 12) : oid);
  switch (change?.kind) {
    case undefined:
      return "(no change given)";
    case "commits":
      return `on the changes from ${short(change.base)} to ${short(change.head)}`;
    case "index":
      return `on the staged changes against ${short(change.base)}`;
    case "worktree":
      return `on the working tree's changes against ${short(change.base)}`;
  }
}

async function appendLine(path: string, line: string): Promise<void> {
  await Deno.writeFile(path, encoder.encode(`${line}\n`), { append: true, create: true });
}
