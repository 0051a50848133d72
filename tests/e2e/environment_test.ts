/**
 * Environments: `environment.setup` runs once per content of `inputs` (real `npm ci` on a real Node project whose
 * dependencies are local tarballs, so no registry is needed), its result is copied into each worktree before the
 * job and before the gates, a job that adds a dependency lands, `copy` brings ignored files, and each slot has
 * its `ORK_PORT`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deadRunner, exists, git, ork, run, spawnOrk, tempDir, waitFor } from "../helpers/mod.ts";
import { commitFiles, outsideTempDir, type RunFixture, runFixture } from "./_setup.ts";

/** A package `name` that exports a function returning `says`, packed as `<dir>/vendor/<name>-1.0.0.tgz`. */
async function packPackage(dir: string, name: string, says: string): Promise<void> {
  await using source = await tempDir("ork-pkg-");
  await Deno.writeTextFile(
    join(source.dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", main: "index.js" }),
  );
  await Deno.writeTextFile(join(source.dir, "index.js"), `module.exports = () => ${JSON.stringify(says)};\n`);
  await Deno.mkdir(join(dir, "vendor"), { recursive: true });
  const packed = await run("npm", ["pack", "--silent", "--pack-destination", join(dir, "vendor")], {
    cwd: source.dir,
  });
  assert.equal(packed.code, 0, packed.stderr);
}

/** npm in a test: quiet, offline (every dependency is a local tarball), with a cache of the test's own. */
async function npm(dir: string, ...args: string[]): Promise<void> {
  const result = await run("npm", [...args, "--no-audit", "--no-fund", "--offline", "--silent"], {
    cwd: dir,
  });
  assert.equal(result.code, 0, result.stderr);
}

/**
 * A Node project on main: `greet` from a local tarball, its lock file, `node_modules/` ignored, and a test that
 * requires every dependency package.json lists. The user has run `npm install` in their checkout.
 */
async function nodeProject(s: RunFixture): Promise<void> {
  await packPackage(s.dir, "greet", "hello");
  await packPackage(s.dir, "shout", "HELLO");
  await Deno.writeTextFile(join(s.dir, "package.json"), JSON.stringify({ name: "app", version: "1.0.0" }));
  await npm(s.dir, "install", "./vendor/greet-1.0.0.tgz");
  await Deno.writeTextFile(join(s.dir, ".gitignore"), "node_modules/\n.env\n");
  await Deno.writeTextFile(
    join(s.dir, "test.js"),
    'const deps = Object.keys(require("./package.json").dependencies);\n' +
      "for (const dep of deps) if (typeof require(dep)() !== 'string') process.exit(1);\n" +
      'if (require("greet")() !== "hello") { console.error("greet is not greeting"); process.exit(1); }\n',
  );
  await Deno.writeTextFile(
    join(s.dir, "add-dep.sh"),
    "set -e\nnpm install --no-audit --no-fund --offline --silent ./vendor/shout-1.0.0.tgz\n",
  );
  await Deno.writeTextFile(
    join(s.dir, "tamper.sh"),
    "echo 'module.exports = () => \"evil\";' > node_modules/greet/index.js\necho x > tampered.txt\n",
  );
  await git(s.dir, "add", ".");
  await git(s.dir, "commit", "--quiet", "-m", "node project");
}

/** npm keeps its cache in ~/.npm: a job that runs `npm install` needs it writable in the sandbox. */
const NODE_CONFIG = "orchestrator:\n  sandbox_writable: [~/.npm]\n" +
  "environment:\n  setup: npm ci --no-audit --no-fund --offline\n" +
  "  inputs: [package.json, package-lock.json]\n" +
  "merge_gates:\n  - name: test\n    command: node test.js\n";

/** The keys of the environments kept in `.ork/env`. */
async function keptEnvironments(dir: string): Promise<string[]> {
  const keys: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(dir, ".ork", "env"))) {
      if (exists(join(dir, ".ork", "env", entry.name, "meta.json"))) keys.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return keys.sort();
}

async function logOf(s: RunFixture, id: string): Promise<string> {
  return await Deno.readTextFile((await s.queue.get(id)).log_path ?? "");
}

Deno.test("setup runs once per inputs content; a job that adds a dependency lands and the next job passes", async () => {
  await using s = await runFixture(NODE_CONFIG);
  await nodeProject(s);
  const plain = [
    await s.enqueue("one", "touch one.txt"),
    await s.enqueue("two", "touch two.txt"),
    await s.enqueue("three", "touch three.txt"),
  ];
  const first = await s.run("--once");
  assert.equal(first.code, 0, first.stderr);
  for (const id of plain) assert.equal((await s.queue.get(id)).status, "completed", await logOf(s, id));
  // Three jobs and three candidates with the same package files: setup ran once.
  assert.equal((await keptEnvironments(s.dir)).length, 1);
  const ran = (await Promise.all(plain.map((id) => logOf(s, id)))).join("\n").match(/running setup/g);
  assert.equal(ran?.length, 1);
  // Whichever worker got there first ran it; the other jobs say they had the kept one.
  const summaries = (await Promise.all(plain.map((id) => s.queue.get(id)))).map((job) =>
    job.environment ?? ""
  )
    .sort();
  assert.match(
    summaries[0] ?? "",
    /^environment [0-9a-f]{12}: kept \(its setup took \d+\.\ds\), copied in \d+\.\ds$/,
  );
  assert.match(summaries[1] ?? "", /^environment [0-9a-f]{12}: kept /);
  assert.match(summaries[2] ?? "", /^environment [0-9a-f]{12}: setup ran in \d+\.\ds, copied in \d+\.\ds$/);

  const adding = await s.enqueue("add shout", "bash add-dep.sh");
  const second = await s.run("--once");
  assert.equal(second.code, 0, second.stderr + await logOf(s, adding));
  assert.equal((await s.queue.get(adding)).status, "completed", await logOf(s, adding));
  assert.match(await s.show("package.json"), /"shout"/);
  // Its candidate's inputs differ: setup ran for it, before the gates.
  assert.equal((await keptEnvironments(s.dir)).length, 2);
  assert.match(await logOf(s, adding), /running setup[\s\S]*== gate test/);

  const next = await s.enqueue("after", "touch after.txt");
  const third = await s.run("--once");
  assert.equal(third.code, 0, third.stderr);
  assert.equal((await s.queue.get(next)).status, "completed", await logOf(s, next));
  assert.doesNotMatch(await logOf(s, next), /running setup/);
  assert.equal((await keptEnvironments(s.dir)).length, 2);
  // The user's checkout was not touched by any of it, node_modules included.
  assert.equal(await git(s.dir, "status", "--porcelain"), "");
  assert.equal(exists(join(s.dir, "node_modules", "shout")), false);
});

Deno.test("a job cannot change the environment the next job and the gates get", async () => {
  await using s = await runFixture(NODE_CONFIG);
  await nodeProject(s);
  const tamper = await s.enqueue("tamper", "bash tamper.sh");
  const after = await s.enqueue("after", "touch after.txt");
  const result = await s.run("--once", "--workers", "1");
  assert.equal(result.code, 0, result.stderr);
  // The gate of the tampering job saw the environment as setup made it, not as the job left it.
  assert.equal((await s.queue.get(tamper)).status, "completed", await logOf(s, tamper));
  assert.equal((await s.queue.get(after)).status, "completed", await logOf(s, after));
  const [key] = await keptEnvironments(s.dir);
  assert.equal(
    await Deno.readTextFile(join(s.dir, ".ork", "env", key!, "files", "node_modules", "greet", "index.js")),
    'module.exports = () => "hello";\n',
  );
});

Deno.test("a failed setup fails the job with setup's own error line, without retries", async () => {
  await using s = await runFixture(
    "environment:\n  setup: \"echo 'npm ERR! could not resolve dependency' >&2; echo done; exit 3\"\n",
  );
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("any", "touch a.txt", "--max-retries", "2");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.retry_count, 0);
  assert.equal(
    job.error,
    "environment setup failed (exit code 3): npm ERR! could not resolve dependency",
  );
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
  assert.deepEqual(await keptEnvironments(s.dir), []);
});

Deno.test("a setup that makes files the repository does not ignore, or changes tracked ones, is refused", async () => {
  for (
    const [setup, error] of [
      [
        "touch made.txt",
        /^environment setup made files the repository does not ignore \(made\.txt\); add them/,
      ],
      [
        "echo changed > README.md",
        /^environment setup changed tracked files \(README\.md\); it must leave them/,
      ],
    ] as const
  ) {
    await using s = await runFixture(`environment:\n  setup: ${setup}\n`);
    const id = await s.enqueue("any", "touch a.txt", "--max-retries", "0");
    assert.equal((await s.run("--once")).code, 1);
    const job = await s.queue.get(id);
    assert.equal(job.status, "failed");
    assert.match(job.error ?? "", error);
    assert.deepEqual(await keptEnvironments(s.dir), []);
  }
});

Deno.test("copy brings ignored files from the checkout into the job and its gates, and never commits them", async () => {
  await using s = await runFixture(
    "environment:\n  copy: [.env, missing.env]\n" +
      "merge_gates:\n  - name: env\n    command: grep -q TOKEN=abc .env\n",
  );
  await Deno.writeTextFile(join(s.dir, ".gitignore"), ".env\nmissing.env\n");
  await git(s.dir, "add", ".gitignore");
  await git(s.dir, "commit", "--quiet", "-m", "ignore");
  await Deno.writeTextFile(join(s.dir, ".env"), "TOKEN=abc\n");
  const id = await s.enqueue("read env", "grep -q TOKEN=abc .env && touch seen.txt");
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await s.queue.get(id)).status, "completed", await logOf(s, id));
  assert.equal(await s.show("seen.txt"), "");
  await assert.rejects(() => s.show(".env"));
  assert.match(await logOf(s, id), /environment\.copy: missing\.env is not in your checkout; not copied/);
});

Deno.test("copy of a file the repository does not ignore is refused: a job would commit it", async () => {
  await using s = await runFixture("environment:\n  copy: [.env]\n");
  await Deno.writeTextFile(join(s.dir, ".env"), "TOKEN=abc\n");
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("any", "touch a.txt", "--max-retries", "0");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(
    job.error,
    "environment.copy names .env, which the repository does not ignore: a job would commit it; add it to .gitignore",
  );
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
});

Deno.test("each job and its gates get the slot's ORK_PORT, a block of ports free on 127.0.0.1", async () => {
  await using s = await runFixture(
    'merge_gates:\n  - name: port\n    command: test "$(cat port.txt)" = "$ORK_PORT"\n',
  );
  await Deno.writeTextFile(join(s.dir, "port.sh"), 'echo "$ORK_PORT" > port.txt\n');
  await git(s.dir, "add", "port.sh");
  await git(s.dir, "commit", "--quiet", "-m", "port script");
  const id = await s.enqueue("port", "bash port.sh");
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await s.queue.get(id)).status, "completed", await logOf(s, id));
  const port = Number(await s.show("port.txt"));
  assert.ok(Number.isInteger(port) && port >= 20_000 && port % 10 === 0, String(port));
});

Deno.test("ork setup builds the target's environment once, --rebuild runs setup again; unset, it refuses", async () => {
  await using s = await runFixture(NODE_CONFIG);
  await nodeProject(s);
  const built = await ork(["setup"], { cwd: s.dir });
  assert.equal(built.code, 0, built.stderr);
  assert.match(
    built.stdout,
    /^environment [0-9a-f]{12}: setup ran in \d+\.\ds, copied in \d+\.\ds \(main at [0-9a-f]{12}\)\n$/,
  );
  const [key] = await keptEnvironments(s.dir);
  assert.ok(exists(join(s.dir, ".ork", "env", key!, "files", "node_modules", "greet", "index.js")));
  const kept = await ork(["setup"], { cwd: s.dir });
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stdout, /: kept \(its setup took/);
  const again = await ork(["setup", "--rebuild", "--json"], { cwd: s.dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).result.built, true);
  assert.deepEqual(await keptEnvironments(s.dir), [key]);
  // Its worktree is gone; the user's checkout is as it was.
  assert.equal((await git(s.dir, "worktree", "list", "--porcelain")).split("\n\n").length, 1);
  assert.equal(await git(s.dir, "status", "--porcelain"), "");

  await using bare = await runFixture();
  const refused = await ork(["setup"], { cwd: bare.dir });
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    "ork: environment.setup is not set in config/orchestrator.yaml: there is no environment to build; " +
      'set environment.setup to the command that prepares a worktree, such as "npm ci"\n',
  );
});

Deno.test("ork setup with a failing setup exits 1 naming setup's error and keeps nothing", async () => {
  await using s = await runFixture('environment:\n  setup: "echo fatal: no network >&2; exit 1"\n');
  const result = await ork(["setup"], { cwd: s.dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^ork: environment setup failed \(exit code 1\): fatal: no network\n/);
  assert.deepEqual(await keptEnvironments(s.dir), []);
});

Deno.test("copy never writes through a symlink a setup left in the worktree", async () => {
  await using s = await runFixture(
    "environment:\n  setup: bash setup.sh\n  inputs: [setup.sh]\n  copy: [.env]\n" +
      "merge_gates:\n  - name: ok\n    command: 'true'\n",
  );
  await using victim = await outsideTempDir("ork-outside-");
  await Deno.writeTextFile(join(victim.dir, "file"), "IMPORTANT USER DATA\n");
  await commitFiles(s.dir, {
    ".gitignore": ".env\nnode_modules/\n",
    "setup.sh": "mkdir -p node_modules; echo ok > node_modules/a\n",
    "attack.sh": `echo 'mkdir -p node_modules; ln -s ${victim.dir}/file .env' > setup.sh\n`,
  });
  await Deno.writeTextFile(join(s.dir, ".env"), "SECRET=hunter2\n");
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("attack", "bash attack.sh", "--max-retries", "0");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.match(job.error ?? "", /^environment\.copy: \.env is in the worktree already/);
  assert.equal(await Deno.readTextFile(join(victim.dir, "file")), "IMPORTANT USER DATA\n");
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
});

Deno.test("a kept environment is never copied through a symlink the commit has on its way", async () => {
  await using s = await runFixture(
    "environment:\n  setup: mkdir -p sub/gen && echo fromsetup > sub/gen/x\n  inputs: [lock.json]\n",
  );
  await using victim = await outsideTempDir("ork-outside-");
  await commitFiles(s.dir, {
    ".gitignore": "gen/\n",
    "lock.json": "{}\n",
    "sub/keep.txt": "keep\n",
    "attack.sh": `rm -rf sub && ln -s ${victim.dir} sub\n`,
  });
  const id = await s.enqueue("attack", "bash attack.sh", "--max-retries", "0");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.match(
    job.error ?? "",
    /^the commit has sub where the environment [0-9a-f]+ has a folder \(for sub\/gen\/\)/,
  );
  assert.deepEqual([...Deno.readDirSync(victim.dir)], []);
  assert.equal(exists(join(s.dir, "gen")), false);
});

Deno.test("a file setup hard-links to a tracked one is stored as a copy: no job can change it for the next", async () => {
  await using s = await runFixture(
    "environment:\n  setup: bash setup.sh\n  inputs: [setup.sh]\n" +
      "merge_gates:\n  - name: seed\n    command: grep -q original node_modules/seed\n",
  );
  await commitFiles(s.dir, {
    ".gitignore": "node_modules/\n",
    "seed.txt": "original\n",
    "setup.sh": "mkdir -p node_modules && ln seed.txt node_modules/seed\n",
    "poison.sh": "echo POISON > seed.txt && git checkout seed.txt && touch a.txt\n",
  });
  const poison = await s.enqueue("poison", "bash poison.sh", "--max-retries", "0");
  const after = await s.enqueue("after", "touch b.txt", "--max-retries", "0");
  const result = await s.run("--once", "--workers", "1");
  const said = async () =>
    `${result.stderr}\n${JSON.stringify(await s.queue.list())}\n${await logOf(s, poison)}\n${await logOf(
      s,
      after,
    )}`;
  assert.equal(result.code, 0, await said());
  for (const id of [poison, after]) assert.equal((await s.queue.get(id)).status, "completed", await said());
  const [key] = await keptEnvironments(s.dir);
  assert.equal(
    await Deno.readTextFile(join(s.dir, ".ork", "env", key!, "files", "node_modules", "seed")),
    "original\n",
  );
});

Deno.test("copy takes an ignored folder; a job that stops ignoring what the environment put there fails", async () => {
  await using s = await runFixture(
    "environment:\n  setup: mkdir -p node_modules && echo x > node_modules/x\n  copy: [secrets]\n" +
      "merge_gates:\n  - name: key\n    command: test -f secrets/key\n",
  );
  await commitFiles(s.dir, { ".gitignore": "secrets/\nnode_modules/\n" });
  await Deno.mkdir(join(s.dir, "secrets"));
  await Deno.writeTextFile(join(s.dir, "secrets", "key"), "k\n");
  const good = await s.enqueue("good", "touch good.txt", "--max-retries", "0");
  await Deno.writeTextFile(join(s.dir, "unignore.sh"), "printf 'secrets/\\n' > .gitignore\n");
  await git(s.dir, "add", "unignore.sh");
  await git(s.dir, "commit", "--quiet", "-m", "script");
  const bad = await s.enqueue("unignore", "bash unignore.sh", "--max-retries", "0");
  assert.equal((await s.run("--once", "--workers", "1")).code, 1);
  assert.equal((await s.queue.get(good)).status, "completed", await logOf(s, good));
  const job = await s.queue.get(bad);
  assert.equal(job.status, "failed");
  assert.equal(
    job.error,
    "the job's change makes the repository stop ignoring node_modules/, which the environment put in its " +
      "worktree: ork would commit it; keep it ignored",
  );
  await assert.rejects(() => s.show("node_modules/x"));
});

Deno.test("ork clean leaves a running ork setup's worktree alone, and removes one whose ork setup died", async () => {
  await using signal = await outsideTempDir("ork-outside-");
  await using s = await runFixture(
    `environment:\n  setup: "mkdir -p node_modules; while [ ! -e ${signal.dir}/go ]; do sleep 0.05; done"\n`,
  );
  await commitFiles(s.dir, { ".gitignore": "node_modules/\n" });
  const setup = spawnOrk(["setup"], { cwd: s.dir });
  const worktrees = () => [...Deno.readDirSync(join(s.dir, ".ork", "worktrees"))].map((entry) => entry.name);
  await waitFor("ork setup's worktree", () => Promise.resolve(worktrees().length === 1 ? true : undefined));
  const cleaned = await ork(["clean"], { cwd: s.dir });
  assert.equal(cleaned.code, 0, cleaned.stderr);
  assert.equal(worktrees().length, 1, cleaned.stdout);
  setup.kill("SIGKILL");
  await setup.output();
  const after = await ork(["clean"], { cwd: s.dir });
  assert.match(after.stdout, /^removed worktree \.ork\/worktrees\/ork-setup\.\d+\.[0-9a-z]+$/m);
  assert.deepEqual(worktrees(), []);
  await Deno.writeTextFile(join(signal.dir, "go"), "");
});

Deno.test("a writable path that holds or is in the repository is refused before anything runs", async () => {
  await using s = await runFixture('orchestrator:\n  sandbox_writable: ["~"]\n');
  const id = await s.enqueue("any", "touch a.txt");
  const result = await ork(["run", "--once"], { cwd: s.dir, env: { HOME: join(s.dir, "..") } });
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /^ork: a writable path, orchestrator\.sandbox_writable: ~, reaches .* \(it is .*\): jobs could write your repository; list only/,
  );
  assert.equal((await s.queue.get(id)).status, "pending");
});

Deno.test("ork clean keeps the three most recently used environments and removes the rest", async () => {
  await using s = await runFixture();
  const hourAgo = Date.now() - 2 * 60 * 60 * 1000;
  for (const [index, key] of ["a1", "b2", "c3", "d4", "e5"].entries()) {
    const dir = join(s.dir, ".ork", "env", key);
    await Deno.mkdir(join(dir, "files"), { recursive: true });
    const meta = {
      key,
      setup: "true",
      commit: "0",
      built_at: new Date(hourAgo).toISOString(),
      setup_ms: 1,
      entries: [],
    };
    await Deno.writeTextFile(join(dir, "meta.json"), JSON.stringify(meta));
    await Deno.writeTextFile(join(dir, "used"), "");
    // a1 was used last, e5 first.
    const used = new Date(hourAgo - index * 60_000);
    await Deno.utime(join(dir, "used"), used, used);
  }
  const dry = await ork(["clean", "--dry-run", "--json"], { cwd: s.dir });
  assert.deepEqual(JSON.parse(dry.stdout).environments, [".ork/env/d4", ".ork/env/e5"]);
  assert.deepEqual(await keptEnvironments(s.dir), ["a1", "b2", "c3", "d4", "e5"]);
  const cleaned = await ork(["clean"], { cwd: s.dir });
  assert.match(cleaned.stdout, /^removed environment \.ork\/env\/d4 \(not among the last used\)$/m);
  assert.deepEqual(await keptEnvironments(s.dir), ["a1", "b2", "c3"]);
});

Deno.test("a writable path that reaches the repository through a symlink, or its git dir kept elsewhere, is refused", async () => {
  await using s = await runFixture();
  await using home = await outsideTempDir("ork-outside-");
  await Deno.mkdir(join(s.dir, "src"));
  await Deno.symlink(join(s.dir, "src"), join(home.dir, "linksrc"));
  await Deno.symlink("/nonexistent/state", join(home.dir, "dangling"));
  const id = await s.enqueue("any", "touch a.txt");
  for (
    const [writable, message] of [
      [
        "~/linksrc",
        /^ork: a writable path, orchestrator\.sandbox_writable: ~\/linksrc, reaches .* \(it is .*\/src\): jobs could write your repository; /,
      ],
      [
        `${s.dir}/.git/refs`,
        /^ork: a writable path, orchestrator\.sandbox_writable: .*\/\.git\/refs, reaches .*\.git/,
      ],
    ] as const
  ) {
    await Deno.writeTextFile(
      join(s.dir, "config/orchestrator.yaml"),
      `orchestrator:\n  sandbox_writable: ["${writable}"]\n`,
    );
    const result = await ork(["run", "--once"], { cwd: s.dir, env: { HOME: home.dir } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.equal((await s.queue.get(id)).status, "pending");
  }
  // A symlink to nothing is refused when the job would get it, not run without it.
  await Deno.writeTextFile(
    join(s.dir, "config/orchestrator.yaml"),
    'orchestrator:\n  sandbox_writable: ["~/dangling"]\n',
  );
  const result = await ork(["run", "--once"], { cwd: s.dir, env: { HOME: home.dir } });
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /^ork: a writable path, orchestrator\.sandbox_writable: ~\/dangling, is a symlink to nothing; /,
  );
});

Deno.test("a job that puts a symlink where the environment has a folder fails, naming it, without an internal error", async () => {
  await using s = await runFixture("environment:\n  setup: mkdir -p deps && echo built > deps/lib.txt\n");
  await commitFiles(s.dir, {
    ".gitignore": "deps/\n",
    "src/a.txt": "a\n",
    "relink.sh": "rm -rf deps && ln -s src deps\n",
  });
  const id = await s.enqueue("relink", "bash relink.sh", "--max-retries", "0");
  assert.equal((await s.run("--once")).code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.doesNotMatch(job.error ?? "", /ork could not run the job/);
  assert.match(job.error ?? "", /deps/);
});

Deno.test("ork status shows how a running job's worktree got its environment", async () => {
  await using signal = await outsideTempDir("ork-signal-");
  await using s = await runFixture("environment:\n  setup: mkdir -p deps && touch deps/ok\n");
  await commitFiles(s.dir, {
    ".gitignore": "deps/\n",
    "wait.sh": `until [ -e ${signal.dir}/go ]; do sleep 0.05; done; touch done.txt\n`,
  });
  const id = await s.enqueue("wait", "bash wait.sh");
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  try {
    await waitFor("the job to run with its environment", async () => {
      const job = await s.queue.get(id);
      return job.status === "running" && job.environment !== null ? job : undefined;
    });
    const status = await ork(["status"], { cwd: s.dir });
    assert.match(
      status.stdout,
      new RegExp(`${id} .*environment [0-9a-f]{12}: setup ran in \\d+\\.\\ds, copied in`),
    );
  } finally {
    await Deno.writeTextFile(join(signal.dir, "go"), "");
    const done = await runner.output();
    assert.equal(done.code, 0, new TextDecoder().decode(done.stderr));
  }
  assert.equal((await s.queue.get(id)).status, "completed");
});

Deno.test("ork doctor points at an environment a killed ork left half-stored; ork clean removes it", async () => {
  await using s = await runFixture();
  const dead = (await deadRunner()).pid;
  const half = join(s.dir, ".ork", "env", `abc123.${dead}.1.tmp`);
  await Deno.mkdir(join(half, "files"), { recursive: true });
  const doctor = await ork(["doctor", "--json"], { cwd: s.dir });
  const worktrees = JSON.parse(doctor.stdout).checks.find((check: { name: string }) =>
    check.name === "worktrees"
  );
  assert.equal(worktrees.status, "warn");
  assert.match(
    worktrees.message,
    /\.ork\/env\/abc123\.\d+\.1\.tmp \(an environment a killed ork left half-stored\)/,
  );
  assert.equal(worktrees.fix, "ork clean");
  const cleaned = await ork(["clean"], { cwd: s.dir });
  assert.match(
    cleaned.stdout,
    /^removed \.ork\/env\/abc123\.\d+\.1\.tmp \(an environment a killed ork left half-stored\)$/m,
  );
  assert.equal(exists(half), false);
});
