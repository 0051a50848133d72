/**
 * A stand-in for a runner, for the tests that SIGKILL one: runs one command with `execInGroup` (sandboxed when
 * the spec has a sandbox), prints `started <pid>` once it runs, and waits for it.
 *
 * Usage: `deno run --allow-all _exec_child.ts '<ExecSpec as JSON, without signal and onStart>'`
 *
 * @module
 */

import { prepareJobObjects } from "../../src/git/mod.ts";
import { execInGroup, type ExecSpec } from "../../src/process/mod.ts";

const spec = JSON.parse(Deno.args[0] ?? "{}") as ExecSpec;
// JSON has no functions: the sandbox's preparation is made again from its paths.
const sandbox = spec.sandbox &&
  {
    ...spec.sandbox,
    prepare: () => prepareJobObjects(spec.sandbox!.store.worktreeGitDir, spec.sandbox!.store.objectsDir),
  };
await execInGroup({
  ...spec,
  ...(sandbox ? { sandbox } : {}),
  onStart: (pid) => console.log(`started ${pid}`),
});
console.log("ended");
