// A child process for the race tests: `enqueue <dir> <n>` enqueues n jobs and prints their ids; `claim <dir>`
// claims until the queue is empty and prints the ids it got.
import { FsQueue } from "../../src/queue/mod.ts";

const [mode, dir, count] = Deno.args;
const queue = new FsQueue(dir!);
const ids: string[] = [];
if (mode === "enqueue") {
  for (let i = 0; i < Number(count); i++) {
    ids.push(await queue.enqueue({ role: "r", description: `job ${i}`, command: "true", priority: i % 3 }));
  }
} else {
  for (let job = await queue.claim(`pid-${Deno.pid}`); job; job = await queue.claim(`pid-${Deno.pid}`)) {
    ids.push(job.id);
  }
}
console.log(ids.join("\n"));
