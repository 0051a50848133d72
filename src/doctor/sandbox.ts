/**
 * The `sandbox` check: would `ork run` confine jobs with bubblewrap, as `orchestrator.sandbox` asks? And the
 * `isolation` check: could a gate, unconfined, test the user's checkout instead of the candidate?
 *
 * @module
 */

import { type CheckoutLeak, checkoutLeaks, describeLeaks } from "../environment/mod.ts";
import { detectSandbox, type Sandbox, type SandboxMode } from "../sandbox/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { type Check, failed, passed, warned } from "./check.ts";

const NAME = "sandbox";

/**
 * The verdict for a mode and what detection found: with `off` always ok; a working bwrap ok; without one, a
 * warning under `auto` (jobs run unconfined) and a failure under `required` (`ork run` refuses to start).
 *
 * @param mode `orchestrator.sandbox`
 * @param found what {@link detectSandbox} found under `auto`; ignored for `off`
 * @param os the operating system, for the fix (bubblewrap is Linux only)
 * @returns the `sandbox` check
 */
export function sandboxVerdict(mode: SandboxMode, found: Sandbox, os: string = Deno.build.os): Check {
  const setting = `orchestrator.sandbox: ${mode}`;
  if (mode === "off") return passed(NAME, `off: jobs and gates run unconfined (${setting})`);
  if (found.kind === "bwrap") {
    return passed(NAME, `bwrap works (${found.bwrap}); jobs and gates run in it (${setting})`);
  }
  const install = os === "linux"
    ? "install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap)"
    : "";
  if (mode === "required") {
    return failed(
      NAME,
      `bubblewrap does not work here: ${found.reason}; 'ork run' refuses to start (${setting})`,
      `${install ? `${install} or ` : ""}set orchestrator.sandbox: auto`,
    );
  }
  return warned(
    NAME,
    `jobs and gates would run unconfined: ${found.reason} (${setting})`,
    install
      ? `${install}, or set orchestrator.sandbox: off to run unconfined on purpose`
      : "set orchestrator.sandbox: off to run unconfined on purpose (bubblewrap is Linux only)",
  );
}

/**
 * Detects bubblewrap as `ork run` would (a trial run of the same sandbox) and judges it for `mode`.
 *
 * @param mode `orchestrator.sandbox`
 * @returns the `sandbox` check
 */
export async function checkSandbox(mode: SandboxMode): Promise<Check> {
  // Detected as `auto` even for `required`, which would throw instead of saying why.
  const found: Sandbox = mode === "off" ? { kind: "none", reason: "off" } : await detectSandbox("auto");
  return sandboxVerdict(mode, found);
}

/** What to do when jobs run unconfined and the environment points into the checkout. */
export const LEAK_FIX =
  "install bubblewrap so that jobs and gates cannot see your checkout, or make the gates use " +
  "the worktree's own files (PYTHONPATH=src in the gate command; environment.setup to install dependencies " +
  "into each worktree) and deactivate the venv or remove the node_modules named";

/**
 * The `isolation` check: can a gate end up testing the user's checkout instead of the candidate? Not in the
 * sandbox (it hides the checkout); without it, only if the environment points into the checkout.
 *
 * @param confined whether jobs and gates run in the sandbox here
 * @param leaks what {@link checkoutLeaks} found (looked for only when not confined)
 */
export function isolationVerdict(confined: boolean, leaks: readonly CheckoutLeak[]): Check {
  const name = "isolation";
  if (confined) return passed(name, "the sandbox hides your checkout from jobs and gates");
  if (leaks.length === 0) {
    return passed(name, "unconfined, but nothing in the environment points into your checkout");
  }
  return warned(
    name,
    `jobs and gates run unconfined and ${
      describeLeaks(leaks)
    }: a gate may test your checkout, not the candidate`,
    LEAK_FIX,
  );
}

/** The `isolation` check for a repository, as `ork run` would start there now. */
export async function checkIsolation(ws: Workspace): Promise<Check> {
  const found: Sandbox = ws.config.orchestrator.sandbox === "off"
    ? { kind: "none", reason: "off" }
    : await detectSandbox("auto");
  const confined = found.kind === "bwrap";
  return isolationVerdict(
    confined,
    confined ? [] : await checkoutLeaks(ws.root, ws.paths.worktrees, Deno.env.toObject()),
  );
}
