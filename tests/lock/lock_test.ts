import assert from "node:assert/strict";
import { join } from "node:path";
import { LockBusyError } from "../../src/errors/mod.ts";
import { acquire, checkStale, readHolder, tryAcquire } from "../../src/lock/mod.ts";
import { exists, tempDir } from "../helpers/mod.ts";
import { spawnHolder } from "./_helpers.ts";

const RACER_TS = join(import.meta.dirname!, "_racer.ts");

Deno.test("acquire takes the lock, records the holder, and release lets the next one in", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "a.lock");
  const lock = await acquire(path, { purpose: "unit" });
  assert.equal(lock.path, path);
  const holder = readHolder(path);
  assert.equal(holder?.pid, Deno.pid);
  assert.equal(holder?.hostname, Deno.hostname());
  assert.equal(holder?.purpose, "unit");
  assert.match(holder?.acquired_at ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(tryAcquire(path), null);
  lock.release();
  lock.release(); // idempotent
  const again = tryAcquire(path);
  assert.ok(again !== null);
  again.release();
});

Deno.test("tryAcquire creates the lock file and its missing parent directories", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "deep", "er", "q.lock");
  using lock = tryAcquire(path, { purpose: "mkdir" });
  assert.ok(lock !== null);
  assert.equal(readHolder(path)?.purpose, "mkdir");
});

Deno.test("tryAcquire returns null while another fd of the same process holds the lock", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  using first = tryAcquire(path, { purpose: "first" });
  assert.ok(first !== null);
  assert.equal(tryAcquire(path, { purpose: "second" }), null);
  // The loser must not have overwritten the holder's record.
  assert.equal(readHolder(path)?.purpose, "first");
});

Deno.test("tryAcquire returns null while another process holds the lock", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  await using holder = await spawnHolder(path, "elsewhere");
  assert.equal(tryAcquire(path), null);
  assert.equal(readHolder(path)?.pid, holder.pid);
});

Deno.test("await using releases the lock at the end of the scope", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  {
    await using _lock = await acquire(path);
    assert.equal(tryAcquire(path), null);
  }
  using after = tryAcquire(path);
  assert.ok(after !== null);
});

Deno.test("release never deletes the lock file and leaves the last holder's record", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  {
    using _lock = tryAcquire(path, { purpose: "last" })!;
  }
  assert.ok(exists(path));
  assert.equal(readHolder(path)?.purpose, "last");
  assert.deepEqual(checkStale(path, { staleAfterSeconds: 3600 }), {
    path,
    exists: true,
    held: false,
    stale: false,
    holder: readHolder(path),
  });
});

Deno.test("acquire times out with a LockBusyError naming the holder's pid and purpose", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  using _held = tryAcquire(path, { purpose: "claim" })!;
  const started = Date.now();
  await assert.rejects(acquire(path, { timeoutMs: 100 }), (error: unknown) => {
    assert.ok(error instanceof LockBusyError);
    assert.equal(error.code, "lock-busy");
    assert.equal(error.path, path);
    assert.match(error.message, new RegExp(`^lock ${path} is held by pid ${Deno.pid} on host `));
    assert.match(error.message, /\(purpose: claim\)$/);
    assert.match(error.hint, /ork lock check-stale/);
    return true;
  });
  const waited = Date.now() - started;
  assert.ok(waited >= 100 && waited < 2000, `waited ${waited} ms`);
});

Deno.test("acquire with timeoutMs 0 tries once and fails at once", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  using _held = tryAcquire(path)!;
  const started = Date.now();
  await assert.rejects(acquire(path, { timeoutMs: 0 }), LockBusyError);
  assert.ok(Date.now() - started < 500);
});

Deno.test("acquire waits for a holder that releases before the timeout", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  const held = tryAcquire(path)!;
  const timer = setTimeout(() => held.release(), 60);
  try {
    await using lock = await acquire(path, { timeoutMs: 5_000, purpose: "waiter" });
    assert.equal(readHolder(lock.path)?.purpose, "waiter");
  } finally {
    clearTimeout(timer);
    held.release();
  }
});

Deno.test("readHolder returns null for a missing, empty or corrupt lock file", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  assert.equal(readHolder(path), null);
  for (
    const text of [
      "",
      "{not json",
      "[]",
      '{"pid":"1","hostname":"h","acquired_at":"2026-01-01T00:00:00.000Z","purpose":""}',
      '{"pid":1,"hostname":"h","acquired_at":"yesterday","purpose":""}',
      '{"pid":-4,"hostname":"h","acquired_at":"2026-01-01T00:00:00.000Z","purpose":""}',
    ]
  ) {
    Deno.writeTextFileSync(path, text);
    assert.equal(readHolder(path), null, text);
  }
});

Deno.test("eight processes racing for one lock never overlap in 200 critical sections", async () => {
  await using tmp = await tempDir();
  const lockPath = join(tmp.dir, "locks", "race.lock");
  const tracePath = join(tmp.dir, "trace.log");
  const counterPath = join(tmp.dir, "counter");
  const racers = 8;
  const each = 25;
  const children = Array.from({ length: racers }, () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", RACER_TS, lockPath, tracePath, counterPath, String(each)],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn());
  try {
    // Wait until every racer is loaded, then start them together so that they really contend.
    await Promise.all(children.map(async (child) => {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      while (!seen.includes("ready\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`racer ${child.pid} exited before it was ready`);
        seen += value;
      }
      await reader.cancel();
    }));
    await Promise.all(children.map(async (child) => {
      const writer = child.stdin.getWriter();
      await writer.write(new Uint8Array([1]));
      await writer.close();
    }));
    const statuses = await Promise.all(children.map((child) => child.status));
    assert.deepEqual(statuses.map((s) => s.code), Array(racers).fill(0));
  } finally {
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
    }
    await Promise.all(children.map((child) => child.status));
  }

  const lines = Deno.readTextFileSync(tracePath).trimEnd().split("\n");
  assert.equal(lines.length, 2 * racers * each);
  const pids = new Set(children.map((child) => String(child.pid)));
  for (let i = 0; i < lines.length; i += 2) {
    const [enter, enterPid] = lines[i]!.split(" ");
    const [exit, exitPid] = lines[i + 1]!.split(" ");
    assert.equal(enter, "enter", `line ${i + 1}: ${lines[i]}`);
    assert.equal(exit, "exit", `line ${i + 2}: ${lines[i + 1]}`);
    assert.equal(exitPid, enterPid, `lines ${i + 1}-${i + 2} overlap`);
    assert.ok(pids.has(enterPid!));
  }
  assert.equal(Deno.readTextFileSync(counterPath), String(racers * each));
  assert.ok(exists(lockPath), "the lock file is still there after the last release");
});
