import assert from "node:assert/strict";
import { delimiter, isAbsolute, join, relative } from "node:path";
import {
  buildBundle,
  CHECKOUT,
  deadRunner,
  git,
  run,
  type RunResult,
  tempDir,
  tempRepo,
} from "../helpers/mod.ts";
import { NO_BWRAP } from "../sandbox/_fixture.ts";

/**
 * The one-file bundle, built once for every test of this file (a build costs seconds) into a temp dir that goes
 * when the test process ends.
 */
let built: Promise<string> | undefined;
function bundle(): Promise<string> {
  return built ??= (async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ork-bundle-" }));
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    const output = join(dir, "ork.js");
    await buildBundle(output);
    return output;
  })();
}

/** A copy of the bundle alone in an empty temp dir outside the checkout; the dir goes when disposed. */
async function bundleCopy(): Promise<{ dir: string; ork: string } & AsyncDisposable> {
  const place = await tempDir("ork-bundle-run-");
  const ork = join(place.dir, "ork.js");
  await Deno.copyFile(await bundle(), ork);
  return { dir: place.dir, ork, [Symbol.asyncDispose]: () => place[Symbol.asyncDispose]() };
}

/** Runs the bundle with `flags` (Deno's permission flags) on `repo`, from the bundle's own dir. */
function bundled(
  copy: { dir: string; ork: string },
  flags: readonly string[],
  repo: string,
  env: Record<string, string> = {},
): (...args: string[]) => Promise<RunResult> {
  return (...args) =>
    run(Deno.execPath(), [
      "run",
      // A missing permission must fail the step, never wait for an answer.
      "--no-prompt",
      "--no-config",
      ...flags,
      copy.ork,
      "-C",
      repo,
      ...args,
    ], { cwd: copy.dir, env: { NO_COLOR: "1", ...env } });
}

/** What Deno prints when ork touched something it was not allowed to (or asked for it). */
const PERMISSION_TEXT =
  /Requires \w+ access|NotCapable|run again with the --allow|Granted \w+ access|Deno requests/;

/** The first `name` on PATH that is a file, as dax (git's runner) and the sandbox's detection look it up. */
function onPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    try {
      if (Deno.statSync(join(dir, name)).isFile) return join(dir, name);
    } catch {
      // Not there: the next entry.
    }
  }
  return undefined;
}

/** True when `path` is the checkout, inside it, or holds it. */
function touchesCheckout(path: string): boolean {
  const down = relative(CHECKOUT, path);
  const up = relative(path, CHECKOUT);
  return !down.startsWith("..") || !up.startsWith("..");
}

Deno.test("the one-file bundle, copied outside the checkout and denied reading it, runs init, enqueue, list", async () => {
  await using empty = await bundleCopy();
  await using repo = await tempRepo();
  // Reads and writes are allowed only in the repo and the bundle's folder: touching the checkout would fail.
  const ork = bundled(empty, [
    `--allow-read=${repo.dir},${empty.dir}`,
    `--allow-write=${repo.dir}`,
    "--allow-env",
    "--allow-sys=hostname",
  ], repo.dir);

  const init = await ork("init");
  assert.equal(init.code, 0, init.stderr);
  assert.match(await Deno.readTextFile(join(repo.dir, "config/agent_roles.yaml")), /code-planner:/);
  const enqueued = await ork(
    "enqueue",
    "--role",
    "style-warden",
    "--desc",
    "Format",
    "--cmd",
    "ruff format .",
  );
  assert.equal(enqueued.code, 0, enqueued.stderr);
  const id = enqueued.stdout.trim();
  const list = await ork("list");
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^${id}\\s+50\\s+pending\\s+style-warden\\s+\\d+s\\s+Format$`, "m"));
  const refused = await ork("enqueue", "--role", "nobody", "--desc", "x", "--cmd", "y");
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^ork: unknown role "nobody"; /);
  const help = await ork("enqueue", "--help");
  assert.ok(help.stdout.includes("Examples:\n  ork enqueue --role bug-catcher"), help.stdout);
  for (const result of [init, enqueued, list, refused, help]) {
    assert.doesNotMatch(result.stderr, PERMISSION_TEXT);
  }
  assert.equal(await git(repo.dir, "status", "--porcelain", "--untracked-files=all", ".ork"), "");
  assert.deepEqual([...Deno.readDirSync(empty.dir)].map((e) => e.name), ["ork.js"]);
});

Deno.test("the bundle, denied reading the checkout, runs a job that lands, then status, gates and clean", async () => {
  await using copy = await bundleCopy();
  await using repo = await tempRepo();
  // The temp dir ork may use (TMPDIR): `ork gates` keeps the gates' log in a Deno.makeTempDir while they run.
  await using tmp = await tempDir("ork-bundle-tmp-");
  const gitBinary = onPath("git");
  assert.ok(gitBinary, "git is not on PATH");
  const bwrap = onPath("bwrap");

  const reads = [
    repo.dir,
    copy.dir,
    tmp.dir,
    // dax, which runs ork's git commands, looks git up on PATH with stat(), which needs read access to it; a
    // refused stat is "not found" to dax ("dax: git: command not found").
    gitBinary,
    // The sandbox's detection (orchestrator.sandbox: auto) stats bwrap on PATH the same way; refused, ork would
    // quietly run jobs unconfined ("bwrap not found on PATH").
    ...(bwrap === undefined ? [] : [bwrap]),
  ];
  const writes = [repo.dir, tmp.dir];
  const flags = [
    `--allow-read=${reads.join(",")}`,
    `--allow-write=${writes.join(",")}`,
    // All of it: ork stops a job's process group (timeouts, cancels, leftovers, jobs of dead runners) with
    // Deno.kill, which Deno allows only with --allow-run as a whole, never with a list of programs. It runs
    // git, /bin/sh, bwrap, and pgrep and kill -0 where it cannot read /proc (Deno refuses /proc to anything but
    // --allow-all, so here), and those run with their own rights: the read limits bind ork's own code.
    "--allow-run",
    // All of it: ork hands its environment to git, jobs and gates (Deno.env.toObject()), and reads NO_COLOR,
    // ORK_DEBUG, PATH (for bwrap) and GIT_INDEX_FILE.
    "--allow-env",
    // Runner names and lock holders record the host name.
    "--allow-sys=hostname",
    // Each worker slot's ORK_PORT block is found free by binding its ports on 127.0.0.1 for a moment.
    "--allow-net=127.0.0.1",
  ];
  for (const path of [...reads, ...writes, copy.ork]) {
    assert.ok(!touchesCheckout(path), `${path} is in or around the checkout ${CHECKOUT}`);
  }
  // The flags deny the checkout: a script run with them cannot see it.
  const probe = await run(Deno.execPath(), [
    "run",
    "--no-prompt",
    "--no-config",
    ...flags,
    `data:text/javascript,try { Deno.statSync(${JSON.stringify(join(CHECKOUT, "deno.json"))}); ` +
    `console.log("read") } catch (e) { console.log(e.name) }`,
  ], { cwd: copy.dir });
  assert.equal(probe.stdout.trim(), "NotCapable", probe.stderr);

  const ork = bundled(copy, flags, repo.dir, { TMPDIR: tmp.dir });
  const results: RunResult[] = [];
  const step = async (...args: string[]): Promise<RunResult> => {
    const result = await ork(...args);
    results.push(result);
    assert.equal(result.code, 0, `ork ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
    return result;
  };

  await step("init");
  // A role for the job, one shell gate to run, and the sandbox left at its default (auto); committed, so that
  // the job's worktree has it.
  await Deno.writeTextFile(
    join(repo.dir, "config/agent_roles.yaml"),
    "roles:\n  tester:\n    description: Writes a file\n    allowed_tools: [printf]\n",
  );
  await Deno.writeTextFile(
    join(repo.dir, "config/orchestrator.yaml"),
    'merge_gates:\n  - name: always\n    type: shell\n    command: "true"\n',
  );
  await git(repo.dir, "add", "config");
  await git(repo.dir, "commit", "--quiet", "-m", "ork config");

  const id =
    (await step("enqueue", "--role", "tester", "--desc", "Write", "--cmd", "printf 'landed\\n' > out.txt"))
      .stdout.trim();
  const ran = await step("run", "--once");
  assert.match(ran.stdout, /1 completed, 0 failed/);
  assert.equal(await git(repo.dir, "show", "main:out.txt"), "landed");
  const job = JSON.parse(await Deno.readTextFile(join(repo.dir, ".ork/archive", `${id}.json`)));
  assert.equal(job.status, "completed");
  assert.equal(job.landed_commit, await git(repo.dir, "rev-parse", "main"));
  // Narrow reads did not turn the sandbox off where bubblewrap works.
  assert.equal(job.sandbox === "bwrap", !NO_BWRAP, job.sandbox);
  const log = await Deno.readTextFile(job.log_path);
  assert.doesNotMatch(log, PERMISSION_TEXT);
  assert.match(log, /^== gate always: passed/m);
  // Without /proc, groupAlive asks `ps` and leaves zombies out: a sandbox's init that PID 1 has not reaped
  // yet is no leftover to stop (with zombies counted, each command and gate waited ~2 s and said so here).
  assert.doesNotMatch(log, /left processes in group/);

  // A runner that died (SIGKILL, a crash) leaves its lock file behind; status and clean must judge it without
  // /proc too.
  const dead = await deadRunner();
  const deadLock = join(repo.dir, ".ork/locks", `${dead.name}.lock`);
  await Deno.writeTextFile(
    deadLock,
    JSON.stringify({
      pid: dead.pid,
      hostname: Deno.hostname(),
      acquired_at: new Date(Date.now() - 60_000).toISOString(),
      purpose: "runner",
    }),
  );

  const status = await step("status");
  assert.match(status.stdout, /^runners: none$/m);
  assert.match(status.stdout, /^jobs: 0 pending, 0 running, 1 completed, 0 failed, 0 cancelled$/m);
  assert.match(status.stdout, new RegExp(`${id}\\s+tester: Write$`, "m"));
  const counts = JSON.parse((await step("status", "--json")).stdout).counts;
  assert.deepEqual(counts, {
    pending: 0,
    running: 0,
    awaiting_review: 0,
    completed: 1,
    failed: 0,
    cancelled: 0,
    total: 1,
  });

  const gates = await step("gates");
  assert.match(gates.stdout, /^always\s+passed\s/m);

  // A job worktree no live runner owns, and a job branch already merged: clean removes both, and the dead
  // runner's lock.
  await git(
    repo.dir,
    "worktree",
    "add",
    "--quiet",
    "--detach",
    join(repo.dir, ".ork/worktrees/ork-tester-1795500000-deadbeef"),
  );
  await git(repo.dir, "branch", "ork/leftover");
  const clean = await step("clean");
  assert.match(clean.stdout, /^removed worktree \.ork\/worktrees\/ork-tester-1795500000-deadbeef$/m);
  assert.match(clean.stdout, /^deleted branch ork\/leftover \(merged, landed, or an earlier try's\)$/m);
  assert.match(clean.stdout, /^removed lock .*runner-\d+-\d+\.lock \(its runner is gone\)$/m);
  assert.equal(await git(repo.dir, "worktree", "list", "--porcelain").then((t) => t.split("\n\n").length), 1);
  assert.equal(await git(repo.dir, "branch", "--list", "ork/*"), "");
  assert.throws(() => Deno.statSync(deadLock), Deno.errors.NotFound);

  for (const result of results) assert.doesNotMatch(result.stderr, PERMISSION_TEXT);
  assert.deepEqual([...Deno.readDirSync(copy.dir)].map((e) => e.name), ["ork.js"]);
  assert.deepEqual([...Deno.readDirSync(tmp.dir)], [], "ork left files in its temp dir");
});

Deno.test("the bundle is minified ASCII: V8 holds its whole text, two bytes a character if one is not ASCII", async () => {
  const text = await Deno.readFile(await bundle());
  const wide = text.findIndex((byte) => byte > 0x7f);
  assert.equal(
    wide,
    -1,
    `a non-ASCII byte at ${wide}: ${new TextDecoder().decode(text.subarray(wide - 60, wide + 20))}`,
  );
  // Minified: a few hundred lines (deno bundle's plain output has about 168,000).
  assert.ok(text.filter((byte) => byte === 0x0a).length < 5_000);
});

Deno.test("the bundle, denied reading the checkout, serves the dashboard with its assets embedded", async () => {
  await using copy = await bundleCopy();
  await using repo = await tempRepo();
  const init = await bundled(copy, ["--allow-all"], repo.dir)("init");
  assert.equal(init.code, 0, init.stderr);
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--no-config",
      `--allow-read=${repo.dir},${copy.dir}`,
      `--allow-write=${repo.dir}`,
      "--allow-env",
      "--allow-sys=hostname",
      "--allow-net=127.0.0.1",
      "--allow-run=git",
      copy.ork,
      "-C",
      repo.dir,
      "serve",
    ],
    cwd: copy.dir,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) line += (await reader.read()).value ?? "";
  const url = new URL(/http:\/\/\S+/.exec(line)![0]);
  const auth = { authorization: `Bearer ${url.searchParams.get("token")}` };
  const diffScript = await fetch(`${url.origin}/assets/diff2html.js`, { headers: auth });
  assert.equal(diffScript.status, 200);
  assert.match(await diffScript.text(), /Diff2HtmlUI/);
  const page = await fetch(`${url.origin}/assets/app.js`, { headers: auth });
  assert.match(await page.text(), /EventSource/);
  const state = await (await fetch(`${url.origin}/api/state`, { headers: auth })).json();
  assert.deepEqual(state.jobs, []);
  server.kill("SIGTERM");
  await reader.cancel();
  const stderr = await new Response(server.stderr).text();
  await server.status;
  assert.doesNotMatch(stderr, PERMISSION_TEXT);
});
