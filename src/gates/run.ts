/**
 * Running a list of merge gates, of every type, in order.
 *
 * @module
 */

import type { GateConfig } from "../config/mod.ts";
import { runBuiltinGate } from "./builtin.ts";
import type { GateResult, GateTry } from "./decide.ts";
import { type GateRunOptions, runShellGate } from "./shell.ts";

/** How {@link runGates} runs a list. */
export interface GatesRunOptions extends GateRunOptions {
  /** Run every gate even after a required one failed (`ork gates` reports them all); default false. */
  keepGoing?: boolean;
  /** Called with each gate's result as it finishes. */
  onGate?: (result: GateResult) => void;
  /**
   * Runs a gate with `parallel: false` so that no other run of it overlaps (the merge train gives a lock per
   * gate name); without it such a gate runs like any other.
   */
  alone?: (gate: GateConfig, run: () => Promise<GateResult>) => Promise<GateResult>;
}

/**
 * Runs `gates` one after another, in order, and returns their results: shell gates in their own process
 * groups, `secrets` and `file_size` in this process on `opts.change`. Unless `keepGoing`, the first failed
 * required gate ends the run, since the work cannot land anyway: the gates after it are neither run nor
 * recorded. A failed optional gate is recorded and the run goes on.
 *
 * @param gates the gates, from the config ork loaded
 * @param opts where they run and log, and the change the built-in gates check
 * @returns one result per gate run, in order
 */
export async function runGates(gates: readonly GateConfig[], opts: GatesRunOptions): Promise<GateResult[]> {
  const results: GateResult[] = [];
  for (const gate of gates) {
    const run = () => runWithRetries(gate, opts);
    const result = gate.parallel === false && opts.alone ? await opts.alone(gate, run) : await run();
    results.push(result);
    opts.onGate?.(result);
    if (!result.passed && result.required && !opts.keepGoing) break;
  }
  return results;
}

/**
 * Runs one gate, and again on the same tree while it fails and has `retries` left (a flaky test suite). A run
 * stopped by the signal is not tried again. The result is the last run's, with the failed ones before it.
 */
async function runWithRetries(gate: GateConfig, opts: GatesRunOptions): Promise<GateResult> {
  const failedTries: GateTry[] = [];
  for (let attempt = 0;; attempt++) {
    const result = gate.type === "shell" ? await runShellGate(gate, opts) : await runBuiltinGate(gate, opts);
    if (result.passed || attempt >= (gate.retries ?? 0) || opts.signal?.aborted) {
      return failedTries.length === 0 ? result : { ...result, failed_tries: failedTries };
    }
    failedTries.push({ exit_code: result.exit_code, duration_ms: result.duration_ms, error: result.error });
  }
}
