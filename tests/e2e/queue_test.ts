import assert from "node:assert/strict";
import { join } from "node:path";
import { FsQueue } from "../../src/queue/mod.ts";
import { buildBundle, git, ork, run, snapshot, tempDir, tempRepo } from "../helpers/mod.ts";

// One fixture repository for the whole file, initialised once.
const repo = await tempRepo();
const init = await ork(["init"], { cwd: repo.dir });
Deno.test.afterAll(async () => await repo[Symbol.asyncDispose]());

const enqueue = async (desc: string, ...extra: string[]) => {
  const result = await ork([
    "enqueue",
    "--role",
    "bug-catcher",
    "--desc",
    desc,
    "--cmd",
    `echo ${desc}`,
    ...extra,
  ], {
    cwd: repo.dir,
  });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
};

Deno.test("init lays down .ork/, the config files and the git exclude, and a second init changes nothing", async () => {
  assert.equal(init.code, 0, init.stderr);
  for (const dir of ["queue", "archive", "locks", "worktrees", "logs", "cache"]) {
    assert.ok((await Deno.stat(join(repo.dir, ".ork", dir))).isDirectory, dir);
  }
  assert.match(await Deno.readTextFile(join(repo.dir, "config/orchestrator.yaml")), /max_concurrent: 3/);
  assert.match(await Deno.readTextFile(join(repo.dir, "config/agent_roles.yaml")), /bug-catcher:/);
  assert.match(await Deno.readTextFile(join(repo.dir, ".git/info/exclude")), /^\/\.ork\/$/m);
  assert.equal(await git(repo.dir, "status", "--porcelain", "--", ".ork"), "");
  const before = await snapshot(repo.dir);
  const again = await ork(["init"], { cwd: repo.dir });
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already initialised/);
  assert.deepEqual(await snapshot(repo.dir), before);
});

Deno.test("enqueue prints the id; list, stats and --json show the job", async () => {
  const id = await enqueue("show me", "--priority", "7", "--timeout", "120", "--max-retries", "0");
  assert.match(id, /^[0-9a-z]{26}$/);
  const json = await ork(["list", "--status", "pending", "--json"], { cwd: repo.dir });
  const job = JSON.parse(json.stdout).find((j: { id: string }) => j.id === id);
  assert.deepEqual(
    [job.status, job.priority, job.timeout, job.max_retries, job.description, job.command],
    ["pending", 7, 120, 0, "show me", "echo show me"],
  );
  const table = await ork(["list"], { cwd: repo.dir });
  assert.match(table.stdout.split("\n")[0]!, /^ID\s+PRI\s+STATUS\s+ROLE\s+AGE\s+DESCRIPTION$/);
  assert.match(table.stdout, new RegExp(`^${id}\\s+7\\s+pending\\s+bug-catcher\\s+\\d+s\\s+show me$`, "m"));
  const stats = JSON.parse((await ork(["stats", "--json"], { cwd: repo.dir })).stdout);
  assert.deepEqual(Object.keys(stats), [
    "pending",
    "running",
    "awaiting_review",
    "completed",
    "failed",
    "cancelled",
    "total",
  ]);
  assert.ok(stats.pending >= 1);
  const withRecord = await ork([
    "enqueue",
    "--role",
    "style-warden",
    "--desc",
    "j",
    "--cmd",
    "true",
    "--json",
  ], {
    cwd: repo.dir,
  });
  assert.equal(JSON.parse(withRecord.stdout).role, "style-warden");
});

Deno.test("list --json gives pending jobs in the order they will run", async () => {
  const low = await enqueue("order low", "--priority", "200");
  const high = await enqueue("order high", "--priority", "150");
  const high2 = await enqueue("order high 2", "--priority", "150");
  const result = await ork(["list", "--status", "pending", "--json"], { cwd: repo.dir });
  const ids = JSON.parse(result.stdout).map((j: { id: string }) => j.id).filter((id: string) =>
    [low, high, high2].includes(id)
  );
  assert.deepEqual(ids, [high, high2, low]);
});

Deno.test("cancel takes a unique prefix or --job-id; retry brings a failed job back", async () => {
  const a = await enqueue("cancel me");
  const cancelled = await ork(["cancel", a.slice(0, 20)], { cwd: repo.dir });
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.equal(cancelled.stdout.trim(), `cancelled ${a} (cancel me)`);
  const b = await enqueue("cancel me too");
  assert.equal((await ork(["cancel", "--job-id", b], { cwd: repo.dir })).code, 0);

  const queue = new FsQueue(join(repo.dir, ".ork/queue"));
  const c = await enqueue("fail me", "--max-retries", "0", "--priority", "0");
  assert.equal((await queue.claim("test"))?.id, c);
  await queue.fail(c, "exit 1");
  const retried = await ork(["retry", c], { cwd: repo.dir });
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal((await queue.get(c)).status, "pending");
});

Deno.test("clear --max-age 0 deletes every archived job and keeps pending ones", async () => {
  const keep = await enqueue("keep me");
  const gone = await enqueue("clear me");
  await ork(["cancel", gone], { cwd: repo.dir });
  const result = await ork(["clear", "--max-age", "0", "--json"], { cwd: repo.dir });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(JSON.parse(result.stdout).some((j: { id: string }) => j.id === gone));
  const left = JSON.parse((await ork(["list", "--json"], { cwd: repo.dir })).stdout).map((
    j: { id: string },
  ) => j.id);
  assert.ok(left.includes(keep));
  assert.ok(!left.includes(gone));
  assert.deepEqual([...Deno.readDirSync(join(repo.dir, ".ork/archive"))], []);
});

Deno.test("-C works from another directory, before or after the command", async () => {
  await using elsewhere = await tempDir();
  const before = await ork(["-C", repo.dir, "stats", "--json"], { cwd: elsewhere.dir });
  const after = await ork(["stats", "--json", "-C", repo.dir], { cwd: elsewhere.dir });
  assert.equal(before.code, 0, before.stderr);
  assert.equal(after.stdout, before.stdout);
  const fromSubdir = await Deno.makeTempDir({ dir: repo.dir, prefix: "sub-" });
  const inside = await ork(["stats", "--json"], { cwd: fromSubdir });
  assert.equal(inside.stdout, before.stdout);
  await Deno.remove(fromSubdir);
});

Deno.test("each bad input is one stderr line, exit 2, and leaves the queue unchanged", async () => {
  const existing = await enqueue("bad input baseline");
  const twin = await enqueue("bad input twin");
  const common = [...existing].findIndex((ch, i) => ch !== twin[i]);
  const cases: [string[], RegExp][] = [
    [
      ["enqueue", "--role", "nope", "--desc", "d", "--cmd", "c"],
      /^ork: unknown role "nope"; use one of: bug-catcher, /,
    ],
    [
      ["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "c", "--priority", "-1"],
      /^ork: --priority must be a whole number >= 0, got "-1"; /,
    ],
    [
      ["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "c", "--priority", "high"],
      /^ork: --priority must be a whole number >= 0, got "high"; /,
    ],
    [["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "  "], /^ork: --cmd is empty; /],
    [["enqueue", "--role", "bug-catcher", "--desc", "", "--cmd", "c"], /^ork: --desc is empty; /],
    [
      ["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "c", "--timeout", "0"],
      /^ork: --timeout must be a number of seconds > 0 and <= 2147483, got "0"; /,
    ],
    [
      ["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "c", "--timeout", "-5"],
      /^ork: --timeout must be a number of seconds > 0 and <= 2147483, got "-5"; /,
    ],
    [
      ["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "c", "--timeout", "99999999999"],
      /^ork: --timeout must be a number of seconds > 0 and <= 2147483, got "99999999999"; /,
    ],
    [
      ["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "c", "--max-retries", "x"],
      /^ork: --max-retries must be a whole number from 0 to 100, got "x"; /,
    ],
    [
      ["enqueue", "--role", "bug-catcher", "--cmd", "c"],
      /^ork: required option '--desc <text>' not specified; see 'ork enqueue --help'$/,
    ],
    [
      ["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "c", "--bogus"],
      /^ork: unknown option '--bogus'; see 'ork enqueue --help'$/,
    ],
    [["cancel", "zzzzzzzz"], /^ork: no job with id "zzzzzzzz"; 'ork list' shows the jobs$/],
    [["cancel", existing.slice(0, common)], /^ork: job id prefix ".*" is ambiguous: /],
    [["cancel"], /^ork: no job id given; usage: ork cancel <id>$/],
    [["retry", existing], new RegExp(`^ork: job ${existing} is pending; only a failed job can be retried; `)],
    [
      ["list", "--status", "done"],
      /^ork: --status must be one of pending, running, awaiting_review, completed, failed, cancelled; got "done"$/,
    ],
    [["clear", "--max-age", "-1"], /^ork: --max-age must be a number of days >= 0, got "-1"; /],
    [["clear"], /^ork: required option '--max-age <days>' not specified; /],
    [["frobnicate"], /^ork: unknown command 'frobnicate'; see 'ork --help'$/],
  ];
  const before = await snapshot(join(repo.dir, ".ork"));
  const results = await Promise.all(cases.map(([args]) => ork(args, { cwd: repo.dir })));
  results.forEach((result, i) => {
    const [args, message] = cases[i]!;
    assert.equal(result.code, 2, `ork ${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, "", `ork ${args.join(" ")}`);
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `ork ${args.join(" ")}: ${result.stderr}`);
    assert.match(lines[0]!, message);
  });
  // Lock files record their last holder; everything else must be byte for byte as before.
  const after = await snapshot(join(repo.dir, ".ork"));
  delete before["locks/queue.lock"];
  delete after["locks/queue.lock"];
  assert.deepEqual(after, before);
});

Deno.test("outside a git repository, or before init, commands refuse with exit 2", async () => {
  await using plain = await tempDir();
  const outside = await ork(["list"], { cwd: plain.dir });
  assert.equal(outside.code, 2);
  assert.match(
    outside.stderr,
    /^ork: not a git repository \(or any parent up to \/\): .*; run ork inside a git repository, or pass -C <dir>/,
  );
  await using bare = await tempRepo();
  const uninitialised = await ork(["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "c"], {
    cwd: bare.dir,
  });
  assert.equal(uninitialised.code, 2);
  assert.match(
    uninitialised.stderr,
    /^ork: ork is not initialised in .* \(no \.ork\/queue folder\); run 'ork init' there first\n$/,
  );
  assert.deepEqual(await snapshot(join(bare.dir, ".ork")), {});
});

Deno.test("a broken config file is reported by every command, with file and line", async () => {
  await using broken = await tempRepo();
  assert.equal((await ork(["init"], { cwd: broken.dir })).code, 0);
  await Deno.writeTextFile(
    join(broken.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  max_concurrent: three\n",
  );
  const results = await Promise.all(
    [["list"], ["stats"], ["init"], ["enqueue", "--role", "bug-catcher", "--desc", "d", "--cmd", "c"], [
      "cancel",
      "x",
    ]]
      .map((args) => ork(args, { cwd: broken.dir })),
  );
  for (const result of results) {
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^ork: config\/orchestrator\.yaml:2: orchestrator\.max_concurrent: .*\n$/);
  }
  assert.deepEqual(await snapshot(join(broken.dir, ".ork/queue")), {});
});

/** A fresh repository with ork initialised and one pending job; returns the repository and the job's id. */
async function oneJobRepo(): Promise<{ dir: string; id: string } & AsyncDisposable> {
  const fresh = await tempRepo();
  assert.equal((await ork(["init"], { cwd: fresh.dir })).code, 0);
  const added = await ork(["enqueue", "--role", "bug-catcher", "--desc", "j", "--cmd", "true"], {
    cwd: fresh.dir,
  });
  assert.equal(added.code, 0, added.stderr);
  return {
    dir: fresh.dir,
    id: added.stdout.trim(),
    [Symbol.asyncDispose]: () => fresh[Symbol.asyncDispose](),
  };
}

Deno.test("cancel with .ork/archive not a folder is one line, exit 2, and leaves the job as it was", async () => {
  await using fresh = await oneJobRepo();
  const archive = join(fresh.dir, ".ork/archive");
  await Deno.remove(archive);
  await Deno.writeTextFile(archive, "");
  const before = await snapshot(fresh.dir);
  const result = await ork(["cancel", fresh.id], { cwd: fresh.dir });
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    `ork: cannot create the folder ${archive}: something that is not a folder is in its place; ` +
      "move that away (ork keeps jobs in folders under .ork), then run the command again\n",
  );
  assert.equal(result.code, 2);
  assert.deepEqual(await snapshot(fresh.dir), before);
});

Deno.test("a job file whose name is not the id inside it is quarantined, not listed as another job", async () => {
  await using fresh = await oneJobRepo();
  const misnamed = "01m86b0000dddd0000dddd0000";
  const queueDir = join(fresh.dir, ".ork/queue");
  await Deno.copyFile(join(queueDir, `${fresh.id}.json`), join(queueDir, `${misnamed}.json`));

  const cancel = await ork(["cancel", misnamed], { cwd: fresh.dir });
  assert.equal(cancel.code, 2);
  assert.equal(
    cancel.stderr,
    `ork: warning: quarantined ${join(queueDir, `${misnamed}.json`)} (moved to ` +
      `${
        join(fresh.dir, ".ork/quarantine", `${misnamed}.json`)
      }): its name says job ${misnamed} but the id in ` +
      `it is "${fresh.id}"\nork: no job with id "${misnamed}"; 'ork list' shows the jobs\n`,
  );
  const list = await ork(["list", "--json"], { cwd: fresh.dir });
  assert.equal(list.stderr, "");
  assert.deepEqual(JSON.parse(list.stdout).map((j: { id: string; status: string }) => [j.id, j.status]), [
    [fresh.id, "pending"],
  ]);
});

// Permission errors need another user than root: run the one-file bundle as nobody with setpriv.
const AS_ROOT = Deno.uid() === 0 && (await new Deno.Command("setpriv", { args: ["--help"] }).output().then(
  (result) => result.success,
  () => false,
));

/** Builds the bundle into a folder every user can read; the folder goes when disposed. */
async function bundleForNobody(): Promise<{ ork: string; home: string } & AsyncDisposable> {
  const place = await tempDir("ork-nobody-");
  await Deno.chmod(place.dir, 0o777);
  const output = join(place.dir, "ork.js");
  await buildBundle(output);
  await Deno.chmod(output, 0o644);
  return { ork: output, home: place.dir, [Symbol.asyncDispose]: () => place[Symbol.asyncDispose]() };
}

/** Runs the bundle as nobody on `repo`. */
function asNobody(bundle: { ork: string; home: string }, repo: string, ...args: string[]) {
  return run("setpriv", [
    "--reuid=nobody",
    "--regid=nogroup",
    "--clear-groups",
    Deno.execPath(),
    "run",
    "--allow-all",
    "--no-config",
    bundle.ork,
    "-C",
    repo,
    ...args,
  ], { env: { NO_COLOR: "1", HOME: bundle.home, DENO_DIR: join(bundle.home, "deno") } });
}

/** The repository's files but the queue lock, which records its last holder whatever the command did. */
async function jobFiles(dir: string): Promise<Record<string, string>> {
  const files = await snapshot(dir);
  delete files[".ork/locks/queue.lock"];
  return files;
}

/** Lets every user read and write every file and folder below `dir` (and reach `dir`). */
async function openToAll(dir: string): Promise<void> {
  await Deno.chmod(dir, 0o777);
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) await openToAll(path);
    else if (entry.isFile) await Deno.chmod(path, 0o666);
  }
}

Deno.test({
  name: "a cancel that cannot write to .ork/archive (another user) is one line, exit 2, and changes nothing",
  ignore: !AS_ROOT,
  async fn() {
    await using bundle = await bundleForNobody();
    await using fresh = await oneJobRepo();
    await openToAll(fresh.dir);
    const archive = join(fresh.dir, ".ork/archive");
    await Deno.chmod(archive, 0o555);
    const before = await jobFiles(fresh.dir);
    const result = await asNobody(bundle, fresh.dir, "cancel", fresh.id);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      `ork: could not move job ${fresh.id} to ${archive}: permission denied; the job is unchanged; let this ` +
        `user write to ${archive} (e.g. chmod u+w ${archive}, or run ork as its owner), then run the command again\n`,
    );
    assert.equal(result.code, 2);
    assert.deepEqual(await jobFiles(fresh.dir), before);

    await Deno.chmod(archive, 0o777);
    const cancelled = await asNobody(bundle, fresh.dir, "cancel", fresh.id);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(archive), (e) => e.name), [`${fresh.id}.json`]);
  },
});

Deno.test({
  name: "a job file this user cannot read makes list and cancel refuse with one line naming it, exit 2",
  ignore: !AS_ROOT,
  async fn() {
    await using bundle = await bundleForNobody();
    await using fresh = await oneJobRepo();
    await openToAll(fresh.dir);
    const file = join(fresh.dir, ".ork/queue", `${fresh.id}.json`);
    await Deno.chmod(file, 0o000);
    const before = await jobFiles(fresh.dir);
    for (const args of [["list"], ["cancel", fresh.id]]) {
      const result = await asNobody(bundle, fresh.dir, ...args);
      assert.equal(result.stdout, "");
      assert.equal(
        result.stderr,
        `ork: cannot read job file ${file}: permission denied; make it readable (e.g. chmod u+r,go+r ${file}) ` +
          "or run ork as its owner\n",
      );
      assert.equal(result.code, 2);
      assert.deepEqual(await jobFiles(fresh.dir), before, args.join(" "));
    }
  },
});
