/**
 * The merge train against one candidate at a time, in the same run: 8 jobs on 4 workers, each changing one
 * file, with one gate that sleeps G seconds (`sleep G`, then a check), through `ork run --once --workers 4`.
 *
 * - serial: `landing.parallel: 1`, every gate in turn (the baseline: about 8 x G);
 * - train: `landing.parallel` left to the number of workers;
 * - batched: `landing.parallel: 1` (one test suite at a time, as on a machine that can run only one) with
 *   `landing.batch: 4`, against serial;
 * - each with all jobs passing, and with job 3 failing its gate (`--max-retries 0`);
 * - ork's own cost: the train with a gate that takes no time (`true`), for the goal below.
 *
 * Goals: all passing, the train within 1.25x of (8/4) x G plus ork's own cost; with job 3 failing, at most 0.5x
 * the serial time. A summary with the times, the ratios and the landings per hour they imply for G = 60 s and
 * G = 300 s is printed after the benches. Run with `deno task bench` (or
 * `deno bench --allow-all tests/bench/train_bench.ts`); `ORK_BENCH_GATE_SECONDS` sets G (default 3).
 *
 * @module
 */

import { join } from "node:path";
import { git, ork } from "../helpers/mod.ts";
import { makeTempDir } from "./_fixtures.ts";

const JOBS = 8;
const WORKERS = 4;
const GATE_SECONDS = Number(Deno.env.get("ORK_BENCH_GATE_SECONDS") ?? "3");

/** Seconds of each variant's run. */
const seconds: Record<string, number> = {};

/** A repository with ork's config and the jobs enqueued; returns the seconds `ork run --once` took. */
async function batch(
  options: { parallel: number | null; gateSeconds: number; failing: boolean; batch?: number },
): Promise<number> {
  const dir = makeTempDir("ork-bench-train-");
  await git(dir, "init", "--quiet", "--initial-branch=main");
  await git(dir, "config", "user.name", "bench");
  await git(dir, "config", "user.email", "bench@localhost");
  await ork(["init"], { cwd: dir });
  const gate = options.gateSeconds > 0
    ? `sleep ${options.gateSeconds} && test ! -e fail-me`
    : "test ! -e fail-me";
  await Deno.writeTextFile(
    join(dir, "config/orchestrator.yaml"),
    (options.parallel === null ? "" : `landing:\n  parallel: ${options.parallel}\n`) +
      (options.batch === undefined ? "" : `  batch: ${options.batch}\n`) +
      `merge_gates:\n  - name: suite\n    command: ${JSON.stringify(gate)}\n`,
  );
  await git(dir, "add", "-A");
  await git(dir, "commit", "--quiet", "-m", "project");
  for (let i = 1; i <= JOBS; i++) {
    const failing = options.failing && i === 3;
    const command = `echo ${i} > f${i}.txt${failing ? " && echo 1 > fail-me" : ""}`;
    const enqueued = await ork([
      "enqueue",
      "--role",
      "bug-catcher",
      "--desc",
      `job ${i}`,
      "--cmd",
      command,
      ...(failing ? ["--max-retries", "0"] : []),
    ], { cwd: dir });
    if (enqueued.code !== 0) throw new Error(`enqueue failed: ${enqueued.stderr}`);
  }
  const started = performance.now();
  const ran = await ork(["run", "--once", "--workers", String(WORKERS)], { cwd: dir });
  const took = (performance.now() - started) / 1000;
  const trailers = await git(
    dir,
    "log",
    "--first-parent",
    "--format=%(trailers:key=Ork-Job,valueonly)",
    "main",
  );
  const landed = trailers.split("\n").filter((line) => line.trim() !== "").length;
  const expected = options.failing ? JOBS - 1 : JOBS;
  if (ran.code !== (options.failing ? 1 : 0) || landed !== expected) {
    throw new Error(`ork run: exit ${ran.code}, ${landed} of ${expected} landed: ${ran.stderr}`);
  }
  return took;
}

const VARIANTS = [
  { name: "serial", parallel: 1, failing: false },
  { name: "train", parallel: null, failing: false },
  { name: "serial, job 3 failing", parallel: 1, failing: true },
  { name: "train, job 3 failing", parallel: null, failing: true },
  { name: "batched", parallel: 1, failing: false, batch: 4 },
  { name: "batched, job 3 failing", parallel: 1, failing: true, batch: 4 },
] as const;

for (const variant of VARIANTS) {
  Deno.bench(`${JOBS} jobs, ${WORKERS} workers, a ${GATE_SECONDS} s gate: ${variant.name}`, {
    n: 1,
    warmup: 0,
  }, async () => {
    seconds[variant.name] = await batch({ ...variant, gateSeconds: GATE_SECONDS });
  });
}

Deno.bench(`${JOBS} jobs, ${WORKERS} workers, a gate that takes no time: train (ork's own cost)`, {
  n: 1,
  warmup: 0,
}, async () => {
  seconds.own = await batch({ parallel: null, gateSeconds: 0, failing: false });
});

globalThis.addEventListener("unload", () => {
  const own = seconds.own ?? 0;
  const floor = (JOBS / WORKERS) * GATE_SECONDS + own;
  console.log(`\nmerge train, ${JOBS} jobs, ${WORKERS} workers, G = ${GATE_SECONDS} s:`);
  for (const variant of VARIANTS) {
    console.log(`  ${variant.name.padEnd(24)} ${(seconds[variant.name] ?? 0).toFixed(1).padStart(6)} s`);
  }
  console.log(`  ${"ork's own (G = 0)".padEnd(24)} ${own.toFixed(1).padStart(6)} s`);
  const train = seconds.train ?? 0;
  const ratio = train / floor;
  console.log(
    `all passing: train ${train.toFixed(1)} s = ${ratio.toFixed(2)}x of (8/4) x G + own = ${
      floor.toFixed(1)
    } s ` +
      `(goal <= 1.25x: ${ratio <= 1.25 ? "met" : "MISSED"}); serial/train ${
        ((seconds.serial ?? 0) / train).toFixed(2)
      }x`,
  );
  const failing = (seconds["train, job 3 failing"] ?? 0) / (seconds["serial, job 3 failing"] ?? 1);
  console.log(
    `job 3 failing: train/serial ${failing.toFixed(2)}x (goal <= 0.5x: ${failing <= 0.5 ? "met" : "MISSED"})`,
  );
  for (const suffix of ["", ", job 3 failing"]) {
    const ratio = (seconds[`batched${suffix}`] ?? 0) / (seconds[`serial${suffix}`] ?? 1);
    console.log(`one test at a time${suffix || ", all passing"}: batched/serial ${ratio.toFixed(2)}x`);
  }
  // A run's time is G-bound: the gate rounds measured here (the time beyond ork's own, in G's), at a real G.
  for (const realG of [60, 300]) {
    const perHour = (name: string) => {
      const rounds = Math.max(0, (seconds[name] ?? 0) - own) / GATE_SECONDS;
      return `${name} ${(JOBS * 3600 / (rounds * realG + own)).toFixed(0)}`;
    };
    console.log(
      `  G = ${realG} s: landings per hour, ${perHour("serial")}, ${perHour("train")}, ${perHour("batched")}`,
    );
  }
});
