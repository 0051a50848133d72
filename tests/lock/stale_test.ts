import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError, LockBusyError } from "../../src/errors/mod.ts";
import {
  checkStale,
  clearLock,
  type LockHolder,
  readHolder,
  staleReason,
  tryAcquire,
} from "../../src/lock/mod.ts";
import { exists, tempDir } from "../helpers/mod.ts";
import { spawnHolder } from "./_helpers.ts";

function writeHolder(path: string, holder: LockHolder): void {
  Deno.writeTextFileSync(path, JSON.stringify(holder));
}

const HOUR_AGO = () => new Date(Date.now() - 3_600_000).toISOString();
/** The stale timeout of the tests of refusals: an hour (it plays no part in them). */
const HOUR = { staleAfterSeconds: 3600 };

/** The pid of a process that has run and been reaped. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true", { stdin: "null", stdout: "null", stderr: "null" }).spawn();
  await child.status;
  return child.pid;
}

Deno.test("checkStale on a missing file reports it missing and does not create it", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "locks", "q.lock");
  assert.deepEqual(checkStale(path, { staleAfterSeconds: 60 }), {
    path,
    exists: false,
    held: false,
    stale: false,
    holder: null,
  });
  assert.ok(!exists(join(tmp.dir, "locks")));
});

Deno.test("a holder killed with SIGKILL leaves a stale lock that tryAcquire takes at once", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  const holder = await spawnHolder(path, "doomed");
  const status = await holder.kill("SIGKILL");
  assert.equal(status.signal, "SIGKILL");

  const seen = checkStale(path, { staleAfterSeconds: 3600 });
  assert.equal(seen.exists, true);
  assert.equal(seen.held, false);
  assert.equal(seen.stale, true);
  assert.equal(seen.holder?.pid, holder.pid);
  assert.equal(seen.holder?.purpose, "doomed");
  assert.match(staleReason(seen.holder, { staleAfterSeconds: 3600 }) ?? "", /is dead/);

  using lock = tryAcquire(path, { purpose: "successor" });
  assert.ok(lock !== null);
  assert.equal(readHolder(path)?.pid, Deno.pid);
});

Deno.test("a live holder is held and not stale, and clearLock refuses it unless forced", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  await using holder = await spawnHolder(path, "busy");

  const seen = checkStale(path, { staleAfterSeconds: 0 });
  assert.equal(seen.exists, true);
  assert.equal(seen.held, true);
  assert.equal(seen.stale, false);
  assert.equal(seen.holder?.pid, holder.pid);
  // The probe must not have taken the lock away from the holder.
  assert.equal(tryAcquire(path), null);

  assert.throws(() => clearLock(path, { staleAfterSeconds: 0 }), (error: unknown) => {
    assert.ok(error instanceof LockBusyError);
    assert.match(error.message, new RegExp(`held by pid ${holder.pid} .*\\(purpose: busy\\)`));
    return true;
  });
  assert.ok(exists(path));

  const before = clearLock(path, { staleAfterSeconds: 0, force: true });
  assert.equal(before.held, true);
  assert.equal(before.holder?.pid, holder.pid);
  assert.ok(!exists(path));
});

Deno.test("an unheld lock of a live pid is stale once older than staleAfterSeconds", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  writeHolder(path, { pid: Deno.pid, hostname: Deno.hostname(), acquired_at: HOUR_AGO(), purpose: "old" });
  assert.equal(checkStale(path, { staleAfterSeconds: 60 }).stale, true);
  assert.match(staleReason(readHolder(path), { staleAfterSeconds: 60 }) ?? "", /more than 60 s ago/);
  assert.equal(checkStale(path, { staleAfterSeconds: 7200 }).stale, false);
});

Deno.test("an unheld lock of a dead pid on this host is stale however young", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  const pid = await deadPid();
  writeHolder(path, { pid, hostname: Deno.hostname(), acquired_at: new Date().toISOString(), purpose: "" });
  const seen = checkStale(path, { staleAfterSeconds: 3600 });
  assert.deepEqual([seen.held, seen.stale, seen.holder?.pid], [false, true, pid]);
});

Deno.test("two looks at once do not take each other for the holder (two ork doctor, status beside clean)", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "runner.lock");
  const pid = await deadPid();
  writeHolder(path, { pid, hostname: Deno.hostname(), acquired_at: new Date().toISOString(), purpose: "" });
  // Another look, in the middle of its probe, as checkStale holds the file for a moment.
  using other = Deno.openSync(path, { read: true });
  assert.equal(other.tryLockSync(false), true);
  const seen = checkStale(path, { staleAfterSeconds: 3600 });
  assert.deepEqual([seen.held, seen.stale], [false, true]);
  // A real holder's lock still shows.
  other.unlockSync();
  await using holder = await spawnHolder(path, "run");
  assert.equal(checkStale(path, HOUR).held, true);
  await holder.kill();
});

Deno.test("a pid from another host is judged by age alone", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  const pid = await deadPid();
  const hostname = `not-${Deno.hostname()}`;
  writeHolder(path, { pid, hostname, acquired_at: new Date().toISOString(), purpose: "" });
  assert.equal(checkStale(path, { staleAfterSeconds: 3600 }).stale, false);
  writeHolder(path, { pid, hostname, acquired_at: HOUR_AGO(), purpose: "" });
  assert.equal(checkStale(path, { staleAfterSeconds: 60 }).stale, true);
});

Deno.test("an unheld lock with an unreadable record is stale", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  Deno.writeTextFileSync(path, "");
  assert.deepEqual(checkStale(path, { staleAfterSeconds: 3600 }), {
    path,
    exists: true,
    held: false,
    stale: true,
    holder: null,
  });
});

Deno.test("clearLock removes a stale lock and returns what it saw before", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  const pid = await deadPid();
  writeHolder(path, {
    pid,
    hostname: Deno.hostname(),
    acquired_at: new Date().toISOString(),
    purpose: "gone",
  });
  const before = clearLock(path, { staleAfterSeconds: 3600 });
  assert.deepEqual([before.exists, before.held, before.stale, before.holder?.pid], [true, false, true, pid]);
  assert.ok(!exists(path));
});

Deno.test("clearLock removes an unheld lock that is not stale", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  tryAcquire(path, { purpose: "released" })!.release();
  const before = clearLock(path, { staleAfterSeconds: 3600 });
  assert.deepEqual([before.held, before.stale], [false, false]);
  assert.ok(!exists(path));
});

Deno.test("clearLock refuses a lock held by another fd of this process", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  using _lock = tryAcquire(path, { purpose: "mine" })!;
  assert.throws(() => clearLock(path, { staleAfterSeconds: 0 }), LockBusyError);
  assert.ok(exists(path));
});

Deno.test("clearLock on a missing file does nothing and says so", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "q.lock");
  assert.equal(clearLock(path, { staleAfterSeconds: 60 }).exists, false);
  assert.equal(clearLock(path, { staleAfterSeconds: 60, force: true }).exists, false);
});

Deno.test("checkStale and clearLock refuse a path whose name does not end in .lock, and remove nothing", async () => {
  await using tmp = await tempDir();
  const path = join(tmp.dir, "README.md");
  Deno.writeTextFileSync(path, "# not a lock\n");
  for (const look of [() => checkStale(path, HOUR), () => clearLock(path, { ...HOUR, force: true })]) {
    assert.throws(look, (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, `not a lock file: ${path} (ork's locks end in .lock, in .ork/locks/)`);
      assert.equal(error.hint, "name a lock file, e.g. .ork/locks/queue.lock");
      return true;
    });
  }
  assert.equal(Deno.readTextFileSync(path), "# not a lock\n");
});

Deno.test("a folder, even one named .lock, is refused as not a lock file, with the name as shown", async () => {
  await using tmp = await tempDir();
  const dir = join(tmp.dir, "odd.lock");
  Deno.mkdirSync(join(dir, "inside"), { recursive: true });
  assert.throws(
    () => clearLock(dir, { ...HOUR, force: true, shown: "odd.lock" }),
    (error: unknown) =>
      error instanceof InputError &&
      error.message ===
        "not a lock file: odd.lock (it is a directory; ork's locks are regular files in .ork/locks/)",
  );
  assert.throws(() => checkStale(dir, HOUR), InputError);
  assert.ok(exists(join(dir, "inside")), "nothing below the folder goes");
});

Deno.test("clearLock leaves a .lock file ork did not write unless forced, and clears an empty one", async () => {
  await using tmp = await tempDir();
  const foreign = join(tmp.dir, "notes.lock");
  Deno.writeTextFileSync(foreign, "keep me\n");
  assert.throws(
    () => clearLock(foreign, { ...HOUR, shown: "notes.lock" }),
    (error: unknown) =>
      error instanceof InputError &&
      error.message ===
        "not a lock file ork wrote: notes.lock holds no holder's record (JSON with pid, hostname, acquired_at, purpose)" &&
      error.hint === "look at what it is; 'ork lock clear --force notes.lock' removes it anyway",
  );
  assert.equal(Deno.readTextFileSync(foreign), "keep me\n");
  assert.equal(clearLock(foreign, { ...HOUR, force: true }).exists, true);
  assert.ok(!exists(foreign));

  const empty = join(tmp.dir, "fresh.lock");
  Deno.writeTextFileSync(empty, "");
  assert.equal(clearLock(empty, HOUR).stale, true);
  assert.ok(!exists(empty));
});
