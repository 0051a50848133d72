/**
 * Queue benchmarks: enqueue and claim with 10, 10 000 and 100 000 pending jobs, each beside a baseline in the
 * same run. Enqueue is compared with one bare durable write (write, fsync, rename) of a job-sized file; claim at
 * each size with claim at 10 pending. Targets: enqueue within 2x the durable write; claim at 100 000 pending
 * within 3x claim at 10.
 *
 * Every size has its own folders, one for enqueue and one for claim, filled before the benches without fsync.
 * Each timed operation leaves the pending count at its size: the work that restores it (removing the enqueued
 * file; replacing the claimed job with a new one) is outside the timed part. Claims are measured at steady
 * state: each queue's first claim, which reads every job file to build its index, is done before the benches
 * and printed on its own.
 *
 * fsync times swing with whatever else the machine is doing; compare ratios within one run, and over a few runs.
 *
 * Run with `deno task bench`.
 *
 * @module
 */

import { join } from "node:path";
import { type FsQueue, type Job, newJobId } from "../../src/queue/mod.ts";
import {
  durableWrite,
  JOB,
  jobText,
  makeTempDir,
  removeSettled,
  removeTempDirs,
  seededQueue,
} from "./_fixtures.ts";

const SIZES = [10, 10_000, 100_000] as const;

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 0)} ms`;
}

async function claimOne(queue: FsQueue): Promise<Job> {
  const job = await queue.claim("bench");
  if (job === null) throw new Error(`nothing to claim in ${queue.dir}`);
  return job;
}

/** Puts a new pending job in place of a claimed one (now running), so that the pending count stays the same. */
function replaceClaimed(queue: FsQueue, job: Job): void {
  Deno.removeSync(join(queue.dir, `${job.id}.json`));
  queue.enqueueSync(JOB);
}

/** Fills the folders and makes each claim queue's first claim, printing what both took. */
async function setUp(): Promise<{ enqueueQueues: FsQueue[]; claimQueues: FsQueue[]; baselineDir: string }> {
  const start = performance.now();
  const enqueueQueues = SIZES.map((n) => seededQueue(`ork-bench-enqueue-${n}-`, n));
  const claimQueues = SIZES.map((n) => seededQueue(`ork-bench-claim-${n}-`, n));
  const baselineDir = makeTempDir("ork-bench-write-");
  console.log(
    `setup: ${SIZES.join(", ")} pending jobs, for enqueue and for claim, in ${ms(performance.now() - start)}`,
  );

  // The first claim of a fresh queue reads every job file to build its index; later claims follow the journal.
  // A claim from a throwaway queue first loads what the queue loads lazily and warms up the claim code, so that
  // each measurement is the cost of its own folder, not a one-time cost of the process.
  await claimOne(seededQueue("ork-bench-warmup-", 1));
  const firstClaims: string[] = [];
  for (const [i, n] of SIZES.entries()) {
    const queue = claimQueues[i]!;
    const claimStart = performance.now();
    const job = await claimOne(queue);
    firstClaims.push(`${n} pending ${ms(performance.now() - claimStart)}`);
    replaceClaimed(queue, job);
  }
  console.log(`first claim of a fresh queue (full scan): ${firstClaims.join(", ")}`);
  return { enqueueQueues, claimQueues, baselineDir };
}

let folders: Awaited<ReturnType<typeof setUp>>;
try {
  folders = await setUp();
} catch (error) {
  removeTempDirs(); // a module that fails to load gets no unload event
  throw error;
}
const { enqueueQueues, claimQueues, baselineDir } = folders;

Deno.bench({
  name: "durable write (write, fsync, rename)",
  group: "enqueue",
  baseline: true,
  fn(b) {
    const path = join(baselineDir, `${newJobId()}.json`);
    const text = jobText();
    b.start();
    durableWrite(path, text);
    b.end();
    removeSettled(path);
  },
});

for (const [i, n] of SIZES.entries()) {
  const queue = enqueueQueues[i]!;
  Deno.bench({
    name: `enqueue, ${n} pending`,
    group: "enqueue",
    async fn(b) {
      b.start();
      const id = await queue.enqueue(JOB);
      b.end();
      removeSettled(join(queue.dir, `${id}.json`));
    },
  });
}

for (const [i, n] of SIZES.entries()) {
  const queue = claimQueues[i]!;
  Deno.bench({
    name: `claim, ${n} pending`,
    group: "claim",
    baseline: i === 0,
    async fn(b) {
      b.start();
      const job = await claimOne(queue);
      b.end();
      replaceClaimed(queue, job);
    },
  });
}
