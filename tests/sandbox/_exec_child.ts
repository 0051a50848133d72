/**
 * A stand-in for a runner, for the tests that SIGKILL one: runs one command with `execInGroup` (sandboxed when
 * the spec has a sandbox), prints `started <pid>` once it runs, and waits for it.
 *
 * Usage: `deno run --allow-all _exec_child.ts '<ExecSpec as JSON, without signal and onStart>'`
 *
 * @module
 */

import { execInGroup, type ExecSpec } from "../../src/runner/exec.ts";

const spec = JSON.parse(Deno.args[0] ?? "{}") as ExecSpec;
await execInGroup({
  ...spec,
  onStart: (pid) => console.log(`started ${pid}`),
});
console.log("ended");
