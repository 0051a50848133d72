/**
 * `ork show` and `ork diff`, end to end: a landed job, a failed one whose work is on its branch, and the
 * refusals (no id, an unknown one, a job with no change yet), each leaving the queue as it was.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, ork } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";

const GATE = 'merge_gates:\n  - name: suite\n    command: "test -e f.txt"\n';

Deno.test("ork show and ork diff of a landed job: the record, its try, the gate with its time, the files with counts, the landing's diff", async () => {
  await using s = await runFixture(GATE);
  const id = await s.enqueue("write two files", "echo hi > f.txt && printf 'a\\nb\\n' > g.txt");
  const ran = await s.run("--once");
  assert.equal(ran.code, 0, ran.stderr);
  const job = await s.queue.get(id);

  const shown = await ork(["show", id.slice(0, 12)], { cwd: s.dir });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`^job ${id}: completed\\n`));
  assert.match(shown.stdout, /^ {2}description {2}write two files$/m);
  assert.match(shown.stdout, new RegExp(`^ {2}landed +${job.landed_commit}$`, "m"));
  assert.match(shown.stdout, /^tries:\n {2}1\. +completed/m);
  assert.match(shown.stdout, /^gates:\n {2}suite +passed +\d+\.\ds$/m);
  assert.match(
    shown.stdout,
    new RegExp(
      `^change: landed as ${job.landed_commit!.slice(0, 12)}, 2 file\\(s\\), \\+3 -0 \\(ork diff ${id}\\)$`,
      "m",
    ),
  );
  assert.match(shown.stdout, /^ {2}f\.txt +\+1 +-0\n {2}g\.txt +\+2 +-0$/m);

  const json = await ork(["show", id, "--json"], { cwd: s.dir });
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.job.id, id);
  assert.deepEqual(report.change.files, [
    { path: "f.txt", added: 1, deleted: 0 },
    { path: "g.txt", added: 2, deleted: 0 },
  ]);
  assert.equal(report.change.to, job.landed_commit);
  assert.equal(report.change.from, await git(s.dir, "rev-parse", `${job.landed_commit}^1`));
  assert.deepEqual(report.gates.map((gate: { name: string; passed: boolean }) => [gate.name, gate.passed]), [
    ["suite", true],
  ]);

  const stat = await ork(["diff", id, "--stat"], { cwd: s.dir });
  assert.equal(stat.code, 0, stat.stderr);
  assert.match(stat.stdout, /f\.txt \| 1 \+\n g\.txt \| 2 \+\+\n 2 files changed, 3 insertions\(\+\)/);
  const diff = await ork(["diff", id], { cwd: s.dir });
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /^diff --git a\/f\.txt b\/f\.txt\n/m);
  assert.match(diff.stdout, /^\+hi$/m);
});

Deno.test("ork show and ork diff of a failed job: its error and tries, and its work on its branch against its base", async () => {
  await using s = await runFixture();
  const id = await s.enqueue("half done", "echo partial > h.txt && exit 3", "--max-retries", "0");
  const ran = await s.run("--once");
  assert.equal(ran.code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");

  const shown = await ork(["show", id], { cwd: s.dir });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`^job ${id}: failed \\(exit code 3`));
  assert.match(shown.stdout, /^tries:\n {2}1\. +failed +exit code 3/m);
  assert.match(
    shown.stdout,
    new RegExp(`^change: branch ${job.branch} against ${job.base!.slice(0, 12)}, 1 file`, "m"),
  );
  const diff = await ork(["diff", id], { cwd: s.dir });
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /^\+partial$/m);
});

Deno.test("ork show and ork diff refuse no id, an unknown id, and a job with no change yet, in one line, exit 2, queue unchanged", async () => {
  await using s = await runFixture();
  const id = await s.enqueue("waiting", "true");
  const before = await Deno.readTextFile(join(s.dir, ".ork/queue", `${id}.json`));
  for (
    const [args, message] of [
      [["show"], /^ork: no job id given; usage: ork show <id>$/],
      [["diff"], /^ork: no job id given; usage: ork diff <id>$/],
      [["show", "zzzz"], /zzzz/],
      [["diff", id], new RegExp(`^ork: job ${id} has no change to show: it has not run yet; wait for it`)],
      [["diff", id, "--bogus"], /unknown option '--bogus'/],
    ] as const
  ) {
    const result = await ork([...args], { cwd: s.dir });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr.trim(), message);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.equal(result.stdout, "");
  }
  assert.equal(await Deno.readTextFile(join(s.dir, ".ork/queue", `${id}.json`)), before);
  const shown = await ork(["show", id], { cwd: s.dir });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^change: none to show \(it has not run yet\)$/m);
});
