/**
 * Environment benchmarks: giving a worktree a kept environment of 100 MB in 10,000 files, as ork does it
 * (`restoreEnvironment`: `cp -a --reflink=auto`), against a plain copy (`cp -a`), hard links (`cp -al`, which ork
 * does not use: a job could change the store through them) and running setup again (extracting the same files
 * from a tarball, the least any setup does; `npm ci` also resolves and fetches). And ten jobs with unchanged
 * inputs through `ork run --once`, with a setup that takes 2 s: setup runs once (counted from the logs).
 *
 * A summary with the means and the ratios is printed after the benches. Run with `deno task bench` (or
 * `deno bench --allow-all tests/bench/environment_bench.ts`).
 *
 * @module
 */

import { join } from "node:path";
import { type EnvironmentMeta, findEnvironment, restoreEnvironment } from "../../src/environment/mod.ts";
import { git, ork } from "../helpers/mod.ts";
import { makeTempDir } from "./_fixtures.ts";

const FILES = 10_000;
const FILE_BYTES = 10 * 1024;

/** A kept environment of {@link FILES} files of {@link FILE_BYTES} in `node_modules/`, and a tarball of it. */
async function keptEnvironment(): Promise<{ envDir: string; key: string; tarball: string }> {
  const envDir = makeTempDir("ork-bench-env-");
  const key = "bench000000000000000000";
  const files = join(envDir, key, "files");
  const bytes = new Uint8Array(FILE_BYTES);
  for (let i = 0; i < FILES; i++) {
    const folder = join(files, "node_modules", `pkg${Math.floor(i / 100)}`);
    if (i % 100 === 0) await Deno.mkdir(folder, { recursive: true });
    crypto.getRandomValues(bytes.subarray(0, 1024));
    await Deno.writeFile(join(folder, `f${i}.js`), bytes);
  }
  const meta: EnvironmentMeta = {
    key,
    setup: "bench",
    commit: "0".repeat(40),
    built_at: new Date().toISOString(),
    setup_ms: 0,
    entries: ["node_modules/"],
  };
  await Deno.writeTextFile(join(envDir, key, "meta.json"), JSON.stringify(meta));
  const tarball = join(makeTempDir("ork-bench-tar-"), "env.tar");
  const tar = await new Deno.Command("tar", { args: ["-cf", tarball, "-C", files, "node_modules"] }).output();
  if (!tar.success) throw new Error("tar failed");
  return { envDir, key, tarball };
}

const fixture = await keptEnvironment();
const stored = await findEnvironment(fixture.envDir, fixture.key);
if (stored === null) throw new Error("the bench's environment is not stored");
const source = join(stored.dir, "files", "node_modules");
const targets = makeTempDir("ork-bench-targets-");
let counter = 0;

/** Wall times per bench, for the summary. */
const times: Record<string, number[]> = {};

async function timed(name: string, run: (dir: string) => Promise<void>): Promise<void> {
  const dir = join(targets, `t${++counter}`);
  await Deno.mkdir(dir);
  const started = performance.now();
  await run(dir);
  (times[name] ??= []).push(performance.now() - started);
  await Deno.remove(dir, { recursive: true });
}

async function cp(args: string[]): Promise<void> {
  const done = await new Deno.Command("cp", { args }).output();
  if (!done.success) throw new Error(`cp ${args.join(" ")} failed`);
}

const options = { n: 5, warmup: 1 };
Deno.bench("restore: ork's copy (cp -a --reflink=auto)", options, async () => {
  await timed("ork", (dir) => restoreEnvironment(stored, dir));
});
Deno.bench("baseline: plain copy (cp -a)", options, async () => {
  await timed("copy", (dir) => cp(["-a", source, `${dir}/`]));
});
Deno.bench("baseline: hard links (cp -al; not safe)", options, async () => {
  await timed("links", (dir) => cp(["-al", source, `${dir}/`]));
});
Deno.bench("baseline: setup again (tar -x of the same files)", options, async () => {
  await timed("setup", async (dir) => {
    const done = await new Deno.Command("tar", { args: ["-xf", fixture.tarball, "-C", dir] }).output();
    if (!done.success) throw new Error("tar -x failed");
  });
});

/** Ten jobs, unchanged inputs, a 2-second setup: how often setup ran and the whole run's time. */
async function tenJobs(): Promise<{ setups: number; seconds: number }> {
  const dir = makeTempDir("ork-bench-tenjobs-");
  await git(dir, "init", "--quiet", "--initial-branch=main");
  await git(dir, "config", "user.name", "bench");
  await git(dir, "config", "user.email", "bench@localhost");
  await ork(["init"], { cwd: dir });
  await Deno.writeTextFile(join(dir, ".gitignore"), "deps/\n");
  await Deno.writeTextFile(join(dir, "lock.json"), "{}\n");
  await Deno.writeTextFile(
    join(dir, "config/orchestrator.yaml"),
    "environment:\n  setup: sleep 2 && mkdir -p deps && echo ok > deps/ok\n  inputs: [lock.json]\n" +
      "merge_gates:\n  - name: deps\n    command: test -f deps/ok\n",
  );
  await git(dir, "add", "-A");
  await git(dir, "commit", "--quiet", "-m", "project");
  for (let i = 0; i < 10; i++) {
    await ork(["enqueue", "--role", "bug-catcher", "--desc", `job ${i}`, "--cmd", `echo ${i} > f${i}.txt`], {
      cwd: dir,
    });
  }
  const started = performance.now();
  const ran = await ork(["run", "--once"], { cwd: dir });
  const seconds = (performance.now() - started) / 1000;
  if (ran.code !== 0) throw new Error(`ork run failed: ${ran.stderr}`);
  let setups = 0;
  for await (const entry of Deno.readDir(join(dir, ".ork", "logs"))) {
    const text = await Deno.readTextFile(join(dir, ".ork", "logs", entry.name));
    setups += text.match(/running setup/g)?.length ?? 0;
  }
  return { setups, seconds };
}

Deno.bench("ten jobs, unchanged inputs, a 2 s setup (ork run --once)", { n: 1, warmup: 0 }, async () => {
  const { setups, seconds } = await tenJobs();
  (times.tenJobs ??= []).push(seconds * 1000);
  console.log(
    `ten jobs: setup ran ${setups} time(s); the run took ${seconds.toFixed(1)} s (10 setups: 20 s)`,
  );
});

globalThis.addEventListener("unload", () => {
  const mean = (name: string) => {
    const list = times[name] ?? [];
    return list.reduce((sum, value) => sum + value, 0) / Math.max(1, list.length);
  };
  const ork = mean("ork");
  console.log(
    `\nenvironment of ${FILES} files, ${(FILES * FILE_BYTES / 1e6).toFixed(0)} MB, into a worktree:`,
  );
  for (
    const [name, label] of [["ork", "ork's copy"], ["copy", "plain copy"], ["links", "hard links"], [
      "setup",
      "setup again (tar -x)",
    ]] as const
  ) {
    console.log(
      `  ${label.padEnd(22)} ${mean(name).toFixed(0).padStart(6)} ms  (${
        (mean(name) / ork).toFixed(2)
      }x ork's)`,
    );
  }
});
