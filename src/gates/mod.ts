/**
 * Merge gates: the checks a job's work must pass before it lands. `runGates` runs them (only `shell` gates,
 * each in its own process group); `landingAllowed` judges the results; `assertGatesRunnable` refuses a config
 * this version cannot run.
 *
 * @module
 */

export type { GateResult, LandingDecision } from "./decide.ts";
export { assertGatesRunnable, landingAllowed } from "./decide.ts";
export type { GateRunOptions } from "./shell.ts";
export { runGates, runShellGate } from "./shell.ts";
