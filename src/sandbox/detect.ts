/**
 * Whether jobs and gates can run confined: finding bubblewrap (`bwrap`) and checking, once per process, that it
 * can really build the sandbox ork asks of it. Having the binary is not enough: bwrap needs either root or
 * unprivileged user namespaces, and containers and some distributions (AppArmor's userns restriction) forbid
 * those, so only a trial run tells.
 *
 * @module
 */

import type { OrchestratorSettings } from "../config/mod.ts";
import { messageOf, OrkError } from "../errors/mod.ts";
import { BWRAP_BASE_ARGS } from "./bwrap.ts";
import { findOnPath } from "../fs/paths.ts";

/** `orchestrator.sandbox`: `auto` (bubblewrap when it works), `off`, or `required`. */
export type SandboxMode = OrchestratorSettings["sandbox"];

/** What {@link detectSandbox} found: bubblewrap to confine with, or why there is none. */
export type Sandbox =
  | {
    /** Jobs and gates run inside bubblewrap. */
    readonly kind: "bwrap";
    /** The absolute path of the `bwrap` binary that passed the trial run. */
    readonly bwrap: string;
  }
  | {
    /** Jobs and gates run unconfined. */
    readonly kind: "none";
    /** Why, in a few words (`orchestrator.sandbox is off`, `bwrap not found on PATH`, bwrap's own error). */
    readonly reason: string;
  };

/** How {@link detectSandbox} looks; only tests need more than the defaults. */
export interface DetectOptions {
  /** The search path for `bwrap` (default: this process's `PATH`). */
  path?: string;
}

/** How long the trial run may take; bwrap starts in milliseconds, so this only guards against a hang. */
const PROBE_TIMEOUT_MS = 10_000;

/** The trial runs, one per `bwrap` binary: every runner worker and gate asks, but only the first one waits. */
const probes = new Map<string, Promise<string | null>>();

/**
 * Decides how jobs and gates run for `mode`.
 *
 * - `off`: never confined.
 * - `auto`: confined when a `bwrap` on the search path runs the trial sandbox (the same namespaces, mounts and
 *   capability drop a job gets) and exits 0; otherwise unconfined, with the reason.
 * - `required`: as `auto`, but refusing to go on unconfined.
 *
 * The trial runs once per process and binary; later calls reuse its verdict.
 *
 * @param mode `orchestrator.sandbox`
 * @param options where to look for `bwrap`
 * @returns the sandbox to use, or why there is none
 * @throws {OrkError} `bad-input` when `mode` is `required` and bubblewrap is missing or does not work here
 */
export async function detectSandbox(mode: SandboxMode, options: DetectOptions = {}): Promise<Sandbox> {
  if (mode === "off") return { kind: "none", reason: "orchestrator.sandbox is off" };
  const found = await findBwrap(options.path ?? Deno.env.get("PATH") ?? "");
  const sandbox: Sandbox = "reason" in found
    ? { kind: "none", reason: found.reason }
    : await probeOnce(found.bwrap).then((failure): Sandbox =>
      failure === null ? { kind: "bwrap", bwrap: found.bwrap } : { kind: "none", reason: failure }
    );
  if (mode === "required" && sandbox.kind === "none") {
    throw new OrkError(
      "bad-input",
      `orchestrator.sandbox is required but bubblewrap does not work here: ${sandbox.reason}`,
      "install bubblewrap (apt-get install bubblewrap) or set orchestrator.sandbox: auto",
    );
  }
  return sandbox;
}

/**
 * What a job record and `ork status` show: `bwrap`, or `none (<reason>)`.
 *
 * @param sandbox what {@link detectSandbox} returned
 * @returns one short line
 */
export function describeSandbox(sandbox: Sandbox): string {
  return sandbox.kind === "bwrap" ? "bwrap" : `none (${sandbox.reason})`;
}

/** The first executable `bwrap` on `searchPath`, as `execvp` would pick it. */
async function findBwrap(searchPath: string): Promise<{ bwrap: string } | { reason: string }> {
  if (Deno.build.os !== "linux") return { reason: `bubblewrap needs Linux, this is ${Deno.build.os}` };
  const bwrap = await findOnPath("bwrap", searchPath);
  return bwrap === null ? { reason: "bwrap not found on PATH" } : { bwrap };
}

function probeOnce(bwrap: string): Promise<string | null> {
  let probe = probes.get(bwrap);
  if (probe === undefined) {
    probe = runProbe(bwrap);
    probes.set(bwrap, probe);
  }
  return probe;
}

/** Runs the trial sandbox; resolves null when it worked, else why not (bwrap's first line of complaint). */
async function runProbe(bwrap: string): Promise<string | null> {
  try {
    const { code, stderr } = await new Deno.Command(bwrap, {
      args: [...BWRAP_BASE_ARGS, "--", "/bin/sh", "-c", "exit 0"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    }).output();
    if (code === 0) return null;
    const said = new TextDecoder().decode(stderr).split("\n").map((line) => line.trim()).find((line) => line);
    return `${bwrap} failed its trial run (exit ${code})${said ? `: ${said}` : ""}`;
  } catch (error) {
    return `${bwrap} could not be run: ${messageOf(error)}`;
  }
}
