import assert from "node:assert/strict";
import { join } from "node:path";
import { runGates } from "../../src/gates/mod.ts";
import { formatBytes, oversizedFiles } from "../../src/gates/file_size.ts";
import type { ChangedFile } from "../../src/git/mod.ts";
import { git, tempRepo } from "../helpers/mod.ts";
import { commitFiles, fileSizeGate } from "./_gates.ts";

async function setup(files: Record<string, string> = {}) {
  const repo = await tempRepo();
  const first = await git(repo.dir, "rev-parse", "HEAD");
  const base = Object.keys(files).length === 0 ? first : await commitFiles(repo.dir, first, files);
  const logPath = join(repo.dir, ".git", "gates.log");
  return {
    dir: repo.dir,
    base,
    commit: (changes: Record<string, string | Uint8Array | null>) => commitFiles(repo.dir, base, changes),
    run: (head: string, gate = fileSizeGate("small_files", { max_bytes: 1000 })) =>
      runGates([gate], { cwd: repo.dir, logPath, env: {}, change: { kind: "commits", base, head } }),
    log: () => Deno.readTextFile(logPath),
    [Symbol.asyncDispose]: repo[Symbol.asyncDispose],
  };
}

const bytes = (n: number) => new Uint8Array(n).fill(120);

Deno.test("a file over max_bytes fails the gate, naming each file and its size", async () => {
  await using s = await setup();
  const head = await s.commit({
    "big.bin": bytes(1500),
    "huge.dat": bytes(3 * 1024 * 1024),
    "ok.txt": bytes(1000),
  });
  const [result] = await s.run(head);
  assert.equal(result?.passed, false);
  assert.equal(result?.exit_code, null);
  assert.equal(result?.error, "2 files over 1000 bytes: big.bin (1.5 KiB), huge.dat (3 MiB)");
  const log = (await s.log()).split("\n");
  assert.match(log[0]!, /^== gate small_files: file_size on the changes from [0-9a-f]{12} to [0-9a-f]{12}$/);
  assert.deepEqual(log.slice(1, 4), [
    "== gate small_files: checked 3 added or changed files against max_bytes 1000 bytes",
    "== gate small_files: big.bin: 1.5 KiB (1500 bytes) is over 1000 bytes",
    "== gate small_files: huge.dat: 3 MiB (3145728 bytes) is over 1000 bytes",
  ]);
  assert.match(log[4]!, /^== gate small_files: failed \(2 files over 1000 bytes: .*\) in \d+ ms$/);
});

Deno.test("a file at exactly max_bytes passes, and so do large files the change does not touch or deletes", async () => {
  await using s = await setup({ "old-big.bin": "x".repeat(5000), "gone.bin": "y".repeat(5000) });
  const [result] = await s.run(await s.commit({ "exact.bin": bytes(1000), "gone.bin": null }));
  assert.equal(result?.passed, true, result?.error ?? "");
  assert.match(await s.log(), /checked 1 added or changed file against/);
});

Deno.test("a changed file is judged by its new size", async () => {
  await using s = await setup({ "grows.txt": "small\n" });
  const [result] = await s.run(await s.commit({ "grows.txt": "z".repeat(2048) }));
  assert.equal(result?.error, "1 file over 1000 bytes: grows.txt (2 KiB)");
});

Deno.test("files matching the gate's exclude globs are not checked", async () => {
  await using s = await setup();
  const head = await s.commit({
    "assets/video.mp4": bytes(4000),
    "data/x.big": bytes(4000),
    "src/blob.bin": bytes(4000),
  });
  const gate = fileSizeGate("small_files", { max_bytes: 1000, exclude: ["assets/**", "*.big"] });
  const [result] = await s.run(head, gate);
  assert.equal(result?.error, "1 file over 1000 bytes: src/blob.bin (3.9 KiB)");
});

Deno.test("max_bytes defaults to 10 MiB", async () => {
  await using s = await setup();
  const head = await s.commit({
    "ten.bin": bytes(10 * 1024 * 1024),
    "more.bin": bytes(10 * 1024 * 1024 + 1),
  });
  const [result] = await s.run(head, fileSizeGate("small_files"));
  assert.equal(result?.error, "1 file over 10 MiB: more.bin (10 MiB)");
});

Deno.test("the working tree's files count, untracked ones included, and the index's staged sizes", async () => {
  await using s = await setup({ "tracked.txt": "a\n" });
  await git(s.dir, "reset", "--quiet", "--hard", s.base);
  await Deno.writeFile(join(s.dir, "tracked.txt"), bytes(2000));
  await Deno.writeFile(join(s.dir, "new.bin"), bytes(3000));
  const gate = [fileSizeGate("small_files", { max_bytes: 1000 })];
  const opts = { cwd: s.dir, logPath: join(s.dir, ".git", "x.log"), env: {} };
  const [worktree] = await runGates(gate, { ...opts, change: { kind: "worktree", base: s.base } });
  assert.equal(worktree?.error, "2 files over 1000 bytes: tracked.txt (2 KiB), new.bin (2.9 KiB)");
  await git(s.dir, "add", "new.bin");
  const [staged] = await runGates(gate, { ...opts, change: { kind: "index", base: s.base } });
  assert.equal(staged?.error, "1 file over 1000 bytes: new.bin (2.9 KiB)");
});

Deno.test("oversizedFiles judges a listing without git", () => {
  const file = (path: string): ChangedFile => ({
    path,
    status: "added",
    mode: "100644",
    oid: null,
    untracked: true,
  });
  const files = [file("a"), file("b/c"), file("d")];
  const sizes = new Map([["a", 10], ["b/c", 11], ["d", 12]]);
  assert.deepEqual(oversizedFiles(files, sizes, 10), [{ path: "b/c", size: 11 }, { path: "d", size: 12 }]);
  assert.deepEqual(oversizedFiles(files, sizes, 10, ["b"]), [{ path: "d", size: 12 }]);
  assert.deepEqual(oversizedFiles([file("gone")], sizes, 0), []);
});

Deno.test("formatBytes says sizes as people read them", () => {
  assert.equal(formatBytes(0), "0 bytes");
  assert.equal(formatBytes(1023), "1023 bytes");
  assert.equal(formatBytes(1024), "1 KiB");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(10 * 1024 * 1024), "10 MiB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3 GiB");
});
