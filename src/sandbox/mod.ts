/**
 * Confining jobs and gates with bubblewrap: `detectSandbox` decides once per process whether it works here
 * (`orchestrator.sandbox`), `sandboxFor` gives the `sandbox` field of an `execInGroup` spec for one job
 * worktree, `describeSandbox` says in a word which was used, and `sandboxHint` what to do when a job failed on
 * the sandbox's walls.
 *
 * @module
 */

export {
  describeSandbox,
  type DetectOptions,
  detectSandbox,
  type Sandbox,
  type SandboxMode,
} from "./detect.ts";
export {
  BWRAP_BASE_ARGS,
  bwrapArgs,
  type ExecSandbox,
  sandboxFor,
  type SandboxPaths,
  sandboxPaths,
} from "./bwrap.ts";
export { sandboxHint } from "./hint.ts";
