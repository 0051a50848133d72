// A child process for the race tests: `enqueue <dir> <n>` enqueues n jobs and prints their ids; `claim <dir>`
// claims until the queue is empty and prints the ids it got; `cancel <dir> <id> <marker>` writes the marker
// file, cancels the job and prints its new status, or the error's code.
import { OrkError } from "../../src/errors/mod.ts";
import { FsQueue } from "../../src/queue/mod.ts";

const [mode, dir, count, marker] = Deno.args;
const queue = new FsQueue(dir!);
const ids: string[] = [];
if (mode === "cancel") {
  await Deno.writeTextFile(marker!, "about to cancel");
  try {
    console.log((await queue.cancel(count!)).status);
  } catch (error) {
    console.log(error instanceof OrkError ? error.code : String(error));
  }
  Deno.exit(0);
}
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
