/**
 * One job's full cycle through ork (claim, worktree, the command, commit, the candidate, one gate, landing with
 * compare-and-swap, the user's checkout brought forward, clean-up), on a small repository and on a 5,000-file
 * (58 MB) one, each beside two baselines in the same run:
 *
 * - (a) the naive cycle from a shell script: a new worktree per job, `git add -A && git commit`, a --no-ff merge
 *   into the checkout of `main`, the gate, `git worktree remove`;
 * - (b) the least git work a cycle needs: one worktree kept across jobs and moved to the tip, `git add -A`,
 *   `git commit`, `merge-tree --write-tree`, `commit-tree`, the gate, `update-ref` with the old value;
 * - (c) the least work a cycle needs while keeping ork's promises, as a shell script: (b) plus the sandbox, the
 *   user's checkout brought forward, the durable records, the worktree renamed for each job and wiped.
 *
 * Every job runs `echo $ORK_JOB_ID > bench-$ORK_JOB_ID.txt` (it changes one file, so it lands) and one gate,
 * `true`. Each bench iteration is one batch of 10 jobs back to back: `ork run --once --workers 1` (the real CLI
 * from source, start-up included) after 10 jobs were enqueued outside the timed part, or one script running the
 * 10 jobs in a loop. `ork run --once` on an empty queue is measured too, as the start-up (and fixed) cost of one
 * run. Targets on the 5,000-file repository: ork per job within 0.25x of (a) and within 1.5x of (b).
 *
 * Each repository's content is generated once (not measured) and cloned locally once per variant. Every batch
 * starts with an empty queue, no job worktree and nothing dirty waiting to be written back (`sync` first, outside
 * the timed part); (b) keeps its one worktree from the setup, as an ork worker reuses its own. After the benches
 * a markdown table of per-job times and ratios (means of the measured batches) is printed.
 *
 * Run with `deno task bench`; takes about two minutes. Times swing with disk write-back and with whatever else
 * the machine is doing; compare ratios within one run.
 *
 * @module
 */

import { git, type RunResult } from "../helpers/mod.ts";
import { beforeRemovingTempDirs, removeTempDirs } from "./_fixtures.ts";
import {
  BATCH,
  benchDir,
  checkLanded,
  checkOrkBatch,
  enqueueBatch,
  generateRepo,
  LARGE,
  MINIMAL_SCRIPT,
  NAIVE_SCRIPT,
  orkRunOnce,
  PROMISES_SCRIPT,
  type RepoShape,
  type Row,
  runScript,
  Samples,
  setUpDaemon,
  setUpMinimalRepo,
  setUpNaiveRepo,
  setUpOrkRepo,
  setUpPromisesRepo,
  SMALL,
  table,
  waitForArchived,
} from "./_cycle_fixtures.ts";

/** Measured batches per bench (Deno.bench adds its warm-up calls); fewer for (a) on 5,000 files (~15 s each). */
const N = 5;
const N_NAIVE_LARGE = 3;
const SHAPES = [SMALL, LARGE] as const;

async function sync(): Promise<void> {
  await new Deno.Command("sync").output();
}

type Repos = Awaited<ReturnType<typeof setUp>>[number];

async function setUp() {
  const start = performance.now();
  const repos = [];
  for (const shape of SHAPES) {
    const dir = benchDir(shape);
    const source = await generateRepo(shape, dir);
    repos.push({
      shape,
      ork: await setUpOrkRepo(source, dir),
      naive: await setUpNaiveRepo(source, dir),
      minimal: await setUpMinimalRepo(source, dir),
      promises: await setUpPromisesRepo(source, dir),
      daemon: await setUpDaemon(source, dir),
    });
  }
  await sync();
  console.log(
    `setup: ${SHAPES.map((s) => `${s.name} (${s.files} files of ${s.fileBytes} bytes)`).join(", ")}, ` +
      `4 clones each, in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  return repos;
}

let all: Repos[];
try {
  all = await setUp();
} catch (error) {
  removeTempDirs(); // a module that fails to load gets no unload event
  throw error;
}
// Killed outright before the temp dirs go, whatever it was doing.
beforeRemovingTempDirs(() => {
  for (const { daemon } of all) daemon.child.kill("SIGKILL");
});

const samples = new Samples();

/** Times `work` between b.start() and b.end(), after `sync`; records the time under `key`. */
async function timed(b: Deno.BenchContext, key: string, work: () => Promise<void>): Promise<void> {
  await sync();
  b.start();
  const start = performance.now();
  await work();
  const elapsed = performance.now() - start;
  b.end();
  samples.add(key, elapsed);
}

function key(shape: RepoShape, variant: string): string {
  return `${shape.name}: ${variant}`;
}

for (const { shape, ork } of all) {
  Deno.bench({
    name: `ork run --once, empty queue, ${shape.name}`,
    group: "ork start-up",
    n: N,
    warmup: 1,
    async fn(b) {
      let result: RunResult | undefined;
      await timed(b, key(shape, "startup"), async () => {
        result = await orkRunOnce(ork.repo);
      });
      if (result?.code !== 0) throw new Error(`ork run exited ${result?.code}: ${result?.stderr}`);
    },
  });
}

for (const { shape, ork, naive, minimal, daemon, promises } of all) {
  const group = `cycle, ${shape.name}, ${BATCH} jobs`;
  Deno.bench({
    name: `(b) minimal: reused worktree, merge-tree, update-ref, ${shape.name}`,
    group,
    baseline: true,
    n: N,
    warmup: 1,
    async fn(b) {
      const before = await git(minimal.repo, "rev-parse", "refs/heads/main");
      await timed(b, key(shape, "minimal"), async () => {
        await runScript(MINIMAL_SCRIPT, { REPO: minimal.repo, WT: minimal.wt });
      });
      await checkLanded(minimal.repo, before);
    },
  });
  Deno.bench({
    name: `(c) ork's promises by a script: sandbox, checkout, durable records, ${shape.name}`,
    group,
    n: N,
    warmup: 1,
    async fn(b) {
      const before = await git(promises.repo, "rev-parse", "refs/heads/main");
      await timed(b, key(shape, "promises"), async () => {
        await runScript(PROMISES_SCRIPT, {
          REPO: promises.repo,
          WT: promises.wt,
          GIT_DIR_OF_WT: promises.gitDir,
          RECORDS: promises.records,
        });
      });
      await checkLanded(promises.repo, before);
    },
  });
  Deno.bench({
    name: `ork run --once --workers 1, ${shape.name}`,
    group,
    n: N,
    warmup: 1,
    async fn(b) {
      enqueueBatch(ork.queue);
      const before = await git(ork.repo, "rev-parse", "refs/heads/main");
      let result: RunResult | undefined;
      await timed(b, key(shape, "ork"), async () => {
        result = await orkRunOnce(ork.repo);
      });
      await checkOrkBatch(ork.repo, result!);
      await checkLanded(ork.repo, before);
    },
  });
  let archived = 1;
  Deno.bench({
    name: `ork run --workers 1 (a running daemon, its worktree made), ${shape.name}`,
    group,
    n: N,
    warmup: 1,
    async fn(b) {
      const before = await git(daemon.repo, "rev-parse", "refs/heads/main");
      await timed(b, key(shape, "daemon"), async () => {
        enqueueBatch(daemon.queue);
        archived += BATCH;
        await waitForArchived(daemon, archived);
      });
      await checkLanded(daemon.repo, before);
    },
  });
  const nNaive = shape === LARGE ? N_NAIVE_LARGE : N;
  Deno.bench({
    name: `(a) naive: worktree add, commit, merge --no-ff, worktree remove, ${shape.name}`,
    group,
    n: nNaive,
    warmup: 1,
    async fn(b) {
      const before = await git(naive.repo, "rev-parse", "refs/heads/main");
      await timed(b, key(shape, "naive"), async () => {
        await runScript(NAIVE_SCRIPT, { REPO: naive.repo, WT_BASE: naive.wtBase });
      });
      await checkLanded(naive.repo, before);
    },
  });
}

globalThis.addEventListener("unload", () => {
  const rows: Row[] = SHAPES.map((shape) => ({
    name: shape.name,
    ork: samples.mean(key(shape, "ork")) / BATCH,
    naive: samples.mean(key(shape, "naive")) / BATCH,
    minimal: samples.mean(key(shape, "minimal")) / BATCH,
    startup: samples.mean(key(shape, "startup")),
    daemon: samples.mean(key(shape, "daemon")) / BATCH,
    promises: samples.mean(key(shape, "promises")) / BATCH,
  }));
  console.log(`\nper job, means of the measured batches of ${BATCH} jobs:\n\n${table(rows)}\n`);
});
