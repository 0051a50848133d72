import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, ork, snapshot, tempRepo } from "../helpers/mod.ts";
import { spawnHolder } from "../lock/_helpers.ts";

const QUEUE_LOCK = ".ork/locks/queue.lock";

Deno.test("ork lock check-stale --json reports a missing lock file and exits 0", async () => {
  await using repo = await tempRepo();
  const result = await ork(["lock", "check-stale", QUEUE_LOCK, "--json"], { cwd: repo.dir });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.deepEqual(JSON.parse(result.stdout), {
    path: join(repo.dir, QUEUE_LOCK),
    exists: false,
    held: false,
    stale: false,
    holder: null,
  });
  assert.ok(!exists(join(repo.dir, ".ork", "locks")), "checking must not create the lock");
});

Deno.test("ork lock check-stale reports the lock of a SIGKILLed holder as stale", async () => {
  await using repo = await tempRepo();
  const path = join(repo.dir, QUEUE_LOCK);
  const holder = await spawnHolder(path, "claim");
  await holder.kill("SIGKILL");

  const json = await ork(["lock", "check-stale", QUEUE_LOCK, "--json"], { cwd: repo.dir });
  assert.equal(json.code, 0, json.stderr);
  const status = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(status), ["path", "exists", "held", "stale", "holder"]);
  assert.deepEqual([status.exists, status.held, status.stale, status.holder.pid], [
    true,
    false,
    true,
    holder.pid,
  ]);

  const human = await ork(["lock", "check-stale", QUEUE_LOCK], { cwd: repo.dir });
  assert.equal(human.code, 0, human.stderr);
  assert.equal(
    human.stdout,
    `${QUEUE_LOCK}: stale (pid ${holder.pid} on host ${Deno.hostname()} is dead, acquired ${status.holder.acquired_at})\n`,
  );
});

Deno.test("ork lock clear refuses a held lock with exit 3 and removes it with --force", async () => {
  await using repo = await tempRepo();
  const path = join(repo.dir, QUEUE_LOCK);
  await using holder = await spawnHolder(path, "claim");

  const check = await ork(["lock", "check-stale", QUEUE_LOCK], { cwd: repo.dir });
  assert.equal(check.code, 0, check.stderr);
  assert.match(
    check.stdout,
    new RegExp(`^${QUEUE_LOCK}: held by pid ${holder.pid} on host .* \\(purpose: claim\\)\\n$`),
  );

  const refused = await ork(["lock", "clear", QUEUE_LOCK], { cwd: repo.dir });
  assert.equal(refused.code, 3);
  assert.equal(refused.stdout, "");
  const lines = refused.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, refused.stderr);
  assert.match(lines[0]!, new RegExp(`^ork: lock .*queue\\.lock is held by pid ${holder.pid} `));
  assert.ok(exists(path), "a refused clear leaves the file");

  const forced = await ork(["lock", "clear", QUEUE_LOCK, "--force"], { cwd: repo.dir });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, new RegExp(`^removed ${QUEUE_LOCK} while pid ${holder.pid} `));
  assert.ok(!exists(path));
});

Deno.test("ork lock clear removes a stale lock, and a missing one is not an error", async () => {
  await using repo = await tempRepo();
  const path = join(repo.dir, QUEUE_LOCK);
  const holder = await spawnHolder(path, "claim");
  await holder.kill("SIGKILL");

  const cleared = await ork(["-C", repo.dir, "lock", "clear", QUEUE_LOCK], { cwd: Deno.cwd() });
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.match(cleared.stdout, new RegExp(`^removed stale ${QUEUE_LOCK} \\(pid ${holder.pid} .* is dead`));
  assert.ok(!exists(path));

  const again = await ork(["lock", "clear", QUEUE_LOCK], { cwd: repo.dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, `${QUEUE_LOCK}: missing, nothing to remove\n`);
});

/** Runs `ork lock <args>` in `dir` and checks it refused with exit 2, the one line `line` and nothing changed. */
async function refused(dir: string, args: string[], line: string): Promise<void> {
  const before = await snapshot(dir);
  const result = await ork(["lock", ...args], { cwd: dir });
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, `${line}\n`);
  assert.equal(result.code, 2);
  assert.deepEqual(await snapshot(dir), before, `ork lock ${args.join(" ")} changed files`);
}

const NOT_A_LOCK = "(ork's locks end in .lock, in .ork/locks/); name a lock file, e.g. .ork/locks/queue.lock";

Deno.test("ork lock clear and check-stale refuse a file that is not a lock (exit 2, one line) and delete nothing", async () => {
  await using repo = await tempRepo();
  assert.equal((await ork(["init"], { cwd: repo.dir })).code, 0);
  for (
    const args of [["clear", "README.md"], ["clear", "README.md", "--force"], ["check-stale", "README.md"]]
  ) {
    await refused(repo.dir, args, `ork: not a lock file: README.md ${NOT_A_LOCK}`);
  }
  assert.equal(await Deno.readTextFile(join(repo.dir, "README.md")), "# test repo\n");
});

Deno.test("ork lock refuses a folder with exit 2 and one line, not an internal error", async () => {
  await using repo = await tempRepo();
  assert.equal((await ork(["init"], { cwd: repo.dir })).code, 0);
  await refused(repo.dir, ["check-stale", ".ork"], `ork: not a lock file: .ork ${NOT_A_LOCK}`);
  await refused(repo.dir, ["clear", ".ork/locks"], `ork: not a lock file: .ork/locks ${NOT_A_LOCK}`);
  await Deno.mkdir(join(repo.dir, ".ork/locks/dir.lock"));
  await refused(
    repo.dir,
    ["clear", ".ork/locks/dir.lock", "--force"],
    "ork: not a lock file: .ork/locks/dir.lock (it is a directory; ork's locks are regular files in .ork/locks/); " +
      "name a lock file, e.g. .ork/locks/queue.lock",
  );
});

Deno.test("ork lock clear keeps a .lock file whose content ork did not write unless --force", async () => {
  await using repo = await tempRepo();
  assert.equal((await ork(["init"], { cwd: repo.dir })).code, 0);
  const path = join(repo.dir, ".ork/locks/mine.lock");
  await Deno.writeTextFile(path, "my own notes\n");
  await refused(
    repo.dir,
    ["clear", ".ork/locks/mine.lock"],
    "ork: not a lock file ork wrote: .ork/locks/mine.lock holds no holder's record (JSON with pid, hostname, " +
      "acquired_at, purpose); look at what it is; 'ork lock clear --force .ork/locks/mine.lock' removes it anyway",
  );
  const forced = await ork(["lock", "clear", ".ork/locks/mine.lock", "--force"], { cwd: repo.dir });
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(!exists(path));

  // An empty file is a lock whose holder never wrote its record: cleared without --force.
  await Deno.writeTextFile(path, "");
  const cleared = await ork(["lock", "clear", ".ork/locks/mine.lock"], { cwd: repo.dir });
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.ok(!exists(path));
});

Deno.test("a lock in the original tool's format (no purpose) of a dead pid: check-stale names the pid, clear removes it", async () => {
  await using repo = await tempRepo();
  assert.equal((await ork(["init"], { cwd: repo.dir })).code, 0);
  const path = join(repo.dir, ".ork/locks/old.lock");
  // A pid far above the kernel's default maximum: nobody has it.
  await Deno.writeTextFile(
    path,
    JSON.stringify({ pid: 4_000_000, hostname: Deno.hostname(), acquired_at: "2026-01-01T00:00:00Z" }),
  );
  const check = await ork(["lock", "check-stale", ".ork/locks/old.lock"], { cwd: repo.dir });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /^\.ork\/locks\/old\.lock: stale \(pid 4000000 on host .* is dead/);
  const clear = await ork(["lock", "clear", ".ork/locks/old.lock"], { cwd: repo.dir });
  assert.equal(clear.code, 0, clear.stderr);
  assert.ok(!exists(path), "what check-stale calls stale, clear removes");
});
