/**
 * The `sandbox` check: would `ork run` confine jobs with bubblewrap, as `orchestrator.sandbox` asks?
 *
 * @module
 */

import { detectSandbox, type Sandbox, type SandboxMode } from "../sandbox/mod.ts";
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
