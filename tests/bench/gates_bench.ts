/**
 * Built-in gate benchmarks: the `secrets` and `file_size` gates on a 1-file change in a 10-file repository and
 * in a 5,000-file one (targets: the large repository within 1.5x of the small one, since both gates read only
 * the change), and the secrets scan of a 10 MB change (target: at least 40 MB/s).
 *
 * Each gate runs whole, as the runner runs it on a candidate: listing the change, reading sizes or added lines
 * from git, scanning, and writing its log lines (to /dev/null here). The repositories are generated before the
 * benches, outside the timed part. After the benches a summary with the ratios and the scan's MB/s (means of the
 * measured runs) is printed.
 *
 * Run with `deno task bench` (or `deno bench --allow-all tests/bench/gates_bench.ts`).
 *
 * @module
 */

import { join } from "node:path";
import type { GateConfig } from "../../src/config/mod.ts";
import { runBuiltinGate } from "../../src/gates/mod.ts";
import type { ChangeSource } from "../../src/git/mod.ts";
import { git } from "../helpers/mod.ts";
import { commitFiles } from "../gates/_gates.ts";
import { makeTempDir, removeTempDirs } from "./_fixtures.ts";

const SECRETS: GateConfig = { name: "no_secrets", type: "secrets", required: true, timeout: 300 };
const FILE_SIZE: GateConfig = { name: "small_files", type: "file_size", required: true, timeout: 300 };

/** A repository of `count` source files (about 2 KB each) on `main`, and a commit changing one of them. */
async function repoWithOneFileChange(count: number): Promise<{ dir: string; change: ChangeSource }> {
  const dir = makeTempDir(`ork-bench-gates-${count}-`);
  await git(dir, "init", "--quiet", "--initial-branch=main");
  for (let i = 0; i < count; i++) {
    const folder = join(dir, "src", `m${Math.floor(i / 100)}`);
    if (i % 100 === 0) await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(join(folder, `f${i}.ts`), sourceText(i, 40));
  }
  await git(dir, "add", "-A");
  await git(
    dir,
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@localhost",
    "commit",
    "--quiet",
    "-m",
    "base",
  );
  const base = await git(dir, "rev-parse", "HEAD");
  const path = "src/m0/f0.ts";
  const text = sourceText(0, 40).replace("retries: 0", "retries: 1") + "export const added = 1;\n";
  const head = await commitFiles(dir, base, { [path]: text });
  return { dir, change: { kind: "commits", base, head } };
}

/** Lines of plausible TypeScript, about 50 bytes each, with words that the secrets rules look for. */
function sourceText(seed: number, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = seed * 1000 + i;
    out.push(
      [
        `export function handler${n}(req: Request, opts = { retries: ${i % 7}, name: "item-${n}" }) {`,
        `  const url = new URL("https://example.com/api/v1/items/${n}?q=" + encodeURIComponent(req.url));`,
        `  // compare the payload's hash with the token from the header (${n})`,
        `  const token = req.headers.get("x-token") ?? Deno.env.get("TOKEN_${i % 10}");`,
        `  return fetch(url, { method: "POST", body: JSON.stringify({ id: ${n}, token }) });`,
        `}`,
      ][i % 6]!,
    );
  }
  return out.join("\n") + "\n";
}

/** A change that adds about `megabytes` MB of new source, in files of 100 KB. */
async function repoWithLargeChange(
  megabytes: number,
): Promise<{ dir: string; change: ChangeSource; bytes: number }> {
  const dir = makeTempDir("ork-bench-gates-10mb-");
  await git(dir, "init", "--quiet", "--initial-branch=main");
  await Deno.writeTextFile(join(dir, "README.md"), "# bench\n");
  await git(dir, "add", "-A");
  await git(
    dir,
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@localhost",
    "commit",
    "--quiet",
    "-m",
    "base",
  );
  const base = await git(dir, "rev-parse", "HEAD");
  const files: Record<string, string> = {};
  let bytes = 0;
  for (let i = 0; bytes < megabytes * 1_000_000; i++) {
    const text = sourceText(i, 1200); // about 100 KB
    files[`gen/part${i}.ts`] = text;
    bytes += text.length;
  }
  const head = await commitFiles(dir, base, files);
  return { dir, change: { kind: "commits", base, head }, bytes };
}

/** Wall times of one bench's runs, kept for the summary (Deno.bench does not hand its numbers out). */
const samples = new Map<string, number[]>();
function timed(name: string, run: () => Promise<unknown>): (b: Deno.BenchContext) => Promise<void> {
  return async (b) => {
    const started = performance.now();
    b.start();
    const result = await run();
    b.end();
    samples.set(name, [...(samples.get(name) ?? []), performance.now() - started]);
    if (typeof result === "object" && result !== null && "error" in result && result.error !== null) {
      throw new Error(`${name}: the gate failed: ${String(result.error)}`);
    }
  };
}

const mean = (name: string) => {
  const values = samples.get(name) ?? [];
  return values.reduce((sum, v) => sum + v, 0) / Math.max(values.length, 1);
};

let setup: Awaited<ReturnType<typeof prepare>>;
async function prepare() {
  const started = performance.now();
  const small = await repoWithOneFileChange(10);
  const large = await repoWithOneFileChange(5_000);
  const big = await repoWithLargeChange(10);
  console.log(
    `setup: 10- and 5,000-file repositories with a 1-file change, and a ${(big.bytes / 1e6).toFixed(1)} MB ` +
      `change, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  // Load secretlint and warm the code up, so that the first measured run is not the one that pays for it.
  await runBuiltinGate(SECRETS, { cwd: small.dir, logPath: "/dev/null", env: {}, change: small.change });
  return { small, large, big };
}
try {
  setup = await prepare();
} catch (error) {
  removeTempDirs();
  throw error;
}

const gate = (config: GateConfig, repo: { dir: string; change: ChangeSource }) => () =>
  runBuiltinGate(config, { cwd: repo.dir, logPath: "/dev/null", env: {}, change: repo.change });

Deno.bench({
  name: "secrets, 1-file change, 10-file repo",
  group: "secrets",
  baseline: true,
  fn: timed("secrets-small", gate(SECRETS, setup.small)),
});
Deno.bench({
  name: "secrets, 1-file change, 5,000-file repo",
  group: "secrets",
  fn: timed("secrets-large", gate(SECRETS, setup.large)),
});
Deno.bench({
  name: "file_size, 1-file change, 10-file repo",
  group: "file_size",
  baseline: true,
  fn: timed("size-small", gate(FILE_SIZE, setup.small)),
});
Deno.bench({
  name: "file_size, 1-file change, 5,000-file repo",
  group: "file_size",
  fn: timed("size-large", gate(FILE_SIZE, setup.large)),
});
Deno.bench({
  name: "secrets, 10 MB change",
  group: "10 MB",
  n: 10,
  warmup: 2,
  fn: timed("secrets-10mb", gate(SECRETS, setup.big)),
});

globalThis.addEventListener("unload", () => {
  if (samples.size > 0) {
    const ratio = (large: string, small: string) => (mean(large) / mean(small)).toFixed(2);
    const rate = setup.big.bytes / 1e6 / (mean("secrets-10mb") / 1000);
    console.log(
      [
        "",
        "| measure | result | target |",
        "|---|---|---|",
        `| secrets, 5,000-file / 10-file repo | ${ratio("secrets-large", "secrets-small")}x ` +
        `(${mean("secrets-large").toFixed(1)} / ${mean("secrets-small").toFixed(1)} ms) | <= 1.5x |`,
        `| file_size, 5,000-file / 10-file repo | ${ratio("size-large", "size-small")}x ` +
        `(${mean("size-large").toFixed(1)} / ${mean("size-small").toFixed(1)} ms) | <= 1.5x |`,
        `| secrets scan of a ${(setup.big.bytes / 1e6).toFixed(1)} MB change | ${rate.toFixed(0)} MB/s ` +
        `(${mean("secrets-10mb").toFixed(0)} ms) | >= 40 MB/s |`,
      ].join("\n"),
    );
  }
  removeTempDirs();
});
