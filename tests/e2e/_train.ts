/**
 * What the merge train's end-to-end tests share: a gate that records the trees it passed, jobs writing a file
 * each, and checks that every tree main moved to was gated and each job landed once.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git } from "../helpers/mod.ts";
import type { RunFixture } from "./_setup.ts";

/**
 * A gate (YAML text) that marks it started, waits for `until` (a shell test) if given, fails on a `fail-me` file
 * in the candidate, and otherwise records the tree it passed.
 */
export function recordingGate(trace: string, options: { until?: string; extra?: string } = {}): string {
  const command = [
    `touch ${trace}/started.$ORK_JOB_ID.$$`,
    `echo "$ORK_GATE_SLOT" >> ${trace}/slots`,
    options.until ? `until ${options.until}; do sleep 0.05; done` : "",
    "if [ -e fail-me ]; then exit 1; fi",
    `git rev-parse 'HEAD^{tree}' >> ${trace}/trees`,
  ].filter((line) => line !== "").join("; ");
  return `merge_gates:\n  - name: suite\n    command: ${JSON.stringify(command)}\n    timeout: 60\n` +
    (options.extra ?? "");
}

/** Puts `gate` (YAML) in the config, with the sandbox off, commits it and enqueues `jobs` jobs writing f<i>.txt. */
export async function withJobs(
  s: RunFixture,
  gate: string,
  jobs: number,
): Promise<{ from: string; ids: string[] }> {
  await Deno.writeTextFile(join(s.dir, "config/orchestrator.yaml"), "orchestrator:\n  sandbox: off\n" + gate);
  await git(s.dir, "commit", "--quiet", "-am", "gate");
  const from = await git(s.dir, "rev-parse", "main");
  const ids: string[] = [];
  for (let i = 1; i <= jobs; i++) ids.push(await s.enqueue(`job ${i}`, `echo ${i} > f${i}.txt`));
  return { from, ids };
}

/** True once at least `n` gate runs have started. */
export function started(trace: string, n: number): string {
  return `[ $(ls ${trace} | grep -c '^started\\.') -ge ${n} ]`;
}

export async function startedCount(trace: string): Promise<number> {
  let count = 0;
  for await (const entry of Deno.readDir(trace)) if (entry.name.startsWith("started.")) count++;
  return count;
}

/** Main's first-parent commits since `from`, oldest first: each one's tree and the job it landed. */
export async function landings(dir: string, from: string): Promise<{ tree: string; job: string }[]> {
  const log = await git(
    dir,
    "log",
    "--first-parent",
    "--reverse",
    "--format=%T %(trailers:key=Ork-Job,valueonly,separator=)",
    `${from}..main`,
  );
  return log.split("\n").filter((line) => line !== "").map((line) => {
    const [tree = "", job = ""] = line.trim().split(" ");
    return { tree, job };
  });
}

/** Every landing's tree was passed by the gate, and each job landed at most once. */
export async function assertAllGated(s: RunFixture, from: string): Promise<{ tree: string; job: string }[]> {
  const passed = new Set((await Deno.readTextFile(join(s.trace, "trees"))).split("\n").filter(Boolean));
  const landed = await landings(s.dir, from);
  for (const landing of landed) {
    if (landing.job === "") continue;
    assert.ok(
      passed.has(landing.tree),
      `main got tree ${landing.tree} (job ${landing.job}) that no gate passed`,
    );
  }
  const jobs = landed.map((landing) => landing.job).filter(Boolean);
  assert.deepEqual(jobs, [...new Set(jobs)], "a job landed twice");
  return landed;
}

/** The jobs in the order the train first built their candidates (its landing order). */
export async function trainOrder(dir: string): Promise<string[]> {
  const log = await Deno.readTextFile(join(dir, ".ork/orchestrator.log"));
  const order: string[] = [];
  for (const match of log.matchAll(/train: built (\S+)'s candidate/g)) {
    if (!order.includes(match[1]!)) order.push(match[1]!);
  }
  return order;
}

/**
 * Every commit main pointed to since `from` (its reflog) has a tree the gate passed, and each job is recorded
 * landed once: with `landing.batch`, main moves past the candidates of a batch's first jobs to its last one's.
 */
export async function assertEveryMoveGated(s: RunFixture, from: string): Promise<string[]> {
  const passed = new Set((await Deno.readTextFile(join(s.trace, "trees"))).split("\n").filter(Boolean));
  const moves = (await git(s.dir, "reflog", "show", "--format=%H %T", "main")).split("\n");
  const since = moves.slice(0, moves.findIndex((line) => line.startsWith(from)));
  for (const move of since) {
    const [commit = "", tree = ""] = move.split(" ");
    assert.ok(passed.has(tree), `main moved to ${commit}, whose tree ${tree} no gate passed`);
  }
  return since.map((move) => move.split(" ")[0]!).reverse();
}
