/**
 * Child process for the tests: takes the lock at `Deno.args[0]` (purpose `Deno.args[1]`), prints "locked", then
 * sleeps until it is killed.
 *
 * @module
 */

import { acquire } from "../../src/lock/mod.ts";

const [path, purpose = "test-holder"] = Deno.args;
if (path === undefined) throw new Error("usage: _holder.ts <lockpath> [purpose]");
const lock = await acquire(path, { purpose, timeoutMs: 30_000 });
console.log("locked");
// Keeps the process (and so the lock) alive; the test ends it with a signal.
setTimeout(() => lock.release(), 120_000);
