/**
 * Child process for the race test: `_racer.ts <lockpath> <tracefile> <counterfile> <n>`. Prints "ready", waits
 * for a byte on stdin (so that all racers start together), then n times: acquire, append `enter <pid>` to the
 * trace, bump the counter file (a read-modify-write that loses updates without the lock), append `exit <pid>`,
 * release.
 *
 * @module
 */

import { acquire } from "../../src/lock/mod.ts";

const [lockPath, tracePath, counterPath, times] = Deno.args;
if (lockPath === undefined || tracePath === undefined || counterPath === undefined || times === undefined) {
  throw new Error("usage: _racer.ts <lockpath> <tracefile> <counterfile> <n>");
}
const encoder = new TextEncoder();
// O_APPEND: each line is one write, appended atomically even with the other racers writing.
using trace = Deno.openSync(tracePath, { append: true, create: true });
const line = (text: string) => trace.writeSync(encoder.encode(`${text} ${Deno.pid}\n`));

console.log("ready");
await Deno.stdin.readable.getReader().read();

for (let i = 0; i < Number(times); i++) {
  using _lock = await acquire(lockPath, { purpose: "race", timeoutMs: 60_000 });
  line("enter");
  let count = 0;
  try {
    count = Number(Deno.readTextFileSync(counterPath));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  Deno.writeTextFileSync(counterPath, String(count + 1));
  line("exit");
}
