// The runner's peak memory: `ork run --once --workers 5` on 10 one-file jobs, a fresh copy of the same repository
// each run, from the one-file bundle with the V8 settings the binaries use, beside a `deno run` of an empty file
// in the same run. The peak resident set of the runner process (git's are separate processes) as GNU time
// reports it. Target: at most 100 MiB. Printed when the bench process ends; skipped without /usr/bin/time.
import { join } from "node:path";
import { CHECKOUT, git, run } from "../helpers/mod.ts";
import { makeTempDir } from "./_fixtures.ts";

/** The V8 settings of `scripts/compile.ts` and `scripts/ork`. */
const V8_FLAGS = "--v8-flags=--max-semi-space-size=1";
const TARGET_MIB = 100;
const TIME = "/usr/bin/time";
const haveTime = await Deno.stat(TIME).then(() => true, () => false);

const work = makeTempDir("ork-bench-memory-");
const bundle = join(work, "ork.js");
const built = await run(Deno.execPath(), ["run", "--allow-all", join(CHECKOUT, "scripts/bundle.ts"), bundle]);
if (built.code !== 0) throw new Error(`bundle failed: ${built.stderr}`);
const empty = join(work, "empty.js");
await Deno.writeTextFile(empty, "");

// The repository, with ork initialised and 10 jobs, copied afresh for each run.
const template = join(work, "template");
await Deno.mkdir(template);
await git(template, "init", "--quiet", "--initial-branch=main");
await git(template, "commit", "--quiet", "--allow-empty", "-m", "init");
const ork = (cwd: string, ...args: string[]) =>
  run(Deno.execPath(), ["run", "--allow-all", "--no-config", bundle, ...args], { cwd });
await ork(template, "init");
await Deno.writeTextFile(join(template, "config/orchestrator.yaml"), "orchestrator:\n  sandbox: off\n");
await git(template, "add", "-A");
await git(template, "commit", "--quiet", "-m", "ork");
for (let i = 1; i <= 10; i++) {
  const enqueued = await ork(
    template,
    "enqueue",
    "--role",
    "style-warden",
    "--desc",
    `job ${i}`,
    "--cmd",
    `echo ${i} > f${i}.txt`,
  );
  if (enqueued.code !== 0) throw new Error(`enqueue failed: ${enqueued.stderr}`);
}

/** The peak resident set of `args` run by Deno in `cwd`, in MiB. */
async function peakMiB(cwd: string, args: string[]): Promise<number> {
  const result = await run(
    TIME,
    ["-f", "%M", Deno.execPath(), "run", "--allow-all", "--no-config", ...args],
    {
      cwd,
    },
  );
  const kib = Number(result.stderr.trim().split("\n").at(-1));
  if (!Number.isFinite(kib)) throw new Error(`no peak from GNU time: ${result.stderr}`);
  return kib / 1024;
}

const runner: number[] = [];
const baseline: number[] = [];
let copies = 0;

Deno.bench(
  { name: "ork run --once --workers 5, 10 jobs (bundle)", n: 5, warmup: 1, ignore: !haveTime },
  async () => {
    const repo = join(work, `repo-${++copies}`);
    const copied = await run("cp", ["-a", template, repo]);
    if (copied.code !== 0) throw new Error(copied.stderr);
    runner.push(await peakMiB(repo, [V8_FLAGS, bundle, "run", "--once", "--workers", "5"]));
    baseline.push(await peakMiB(repo, [empty]));
    await Deno.remove(repo, { recursive: true });
  },
);

globalThis.addEventListener("unload", () => {
  if (!haveTime) return console.log(`memory: skipped, ${TIME} (GNU time) is not installed`);
  // The warm-up's pair is the first: a bundle file Deno has not seen yet costs more the first time.
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const peak = median(runner.slice(1));
  const empty = median(baseline.slice(1));
  console.log(
    `memory: runner peak ${peak.toFixed(1)} MiB (median of the ${
      runner.length - 1
    } runs after the first), an empty deno run ` +
      `${empty.toFixed(1)} MiB, ${(peak / empty).toFixed(2)}x; target <= ${TARGET_MIB} MiB: ` +
      (peak <= TARGET_MIB ? "met" : "missed"),
  );
});
