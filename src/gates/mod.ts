/**
 * Merge gates: the checks a job's work must pass before it lands. `runGates` runs them: `shell` gates each in
 * its own process group, the built-in `secrets` and `file_size` gates in ork's process on the change the
 * candidate makes to its base. `landingAllowed` judges the results; `assertGatesRunnable` refuses a config this
 * version cannot run.
 *
 * @module
 */

export type { GateResult, GateTry, LandingDecision } from "./decide.ts";
export { assertGatesRunnable, landingAllowed } from "./decide.ts";
export type { GateRunOptions } from "./shell.ts";
export { runShellGate } from "./shell.ts";
export { type GatesRunOptions, runGates } from "./run.ts";
export { runBuiltinGate } from "./builtin.ts";
export { globMatcher, globToRegExp } from "./glob.ts";
export { maskSecret } from "./mask.ts";
