import assert from "node:assert/strict";
import { delimiter, join } from "node:path";
import { main } from "../../src/cli/mod.ts";
import type { Output } from "../../src/cli/output.ts";
import { FsQueue } from "../../src/queue/mod.ts";
import { CHECKOUT, ork, run, tempDir, tempRepo } from "../helpers/mod.ts";

// `ork` on PATH is a wrapper that runs ork from source, as the scripts call back into whatever `ork` is.
const bin = await tempDir("ork-completions-");
const wrapper = join(bin.dir, "ork");
await Deno.writeTextFile(
  wrapper,
  `#!/bin/sh\nexec "${Deno.execPath()}" run --allow-all --quiet --config "${join(CHECKOUT, "deno.json")}" ` +
    `"${join(CHECKOUT, "main.ts")}" "$@"\n`,
);
await Deno.chmod(wrapper, 0o755);
const PATH = `${bin.dir}${delimiter}${Deno.env.get("PATH") ?? ""}`;
// By its path, so that a test can give bash a PATH on which there is no ork at all.
const BASH = (await run("sh", ["-c", "command -v bash"])).stdout.trim();
const NOWHERE = join(bin.dir, "empty");
await Deno.mkdir(NOWHERE);

const scripts: Record<string, string> = {};
for (const shell of ["bash", "zsh", "fish"]) {
  const result = await ork(["completions", shell]);
  assert.equal(result.code, 0, result.stderr);
  scripts[shell] = result.stdout;
  await Deno.writeTextFile(join(bin.dir, `ork.${shell}`), result.stdout);
}

// A repository with ork initialised and a job in each status but completed.
const repo = await tempRepo();
const init = await ork(["init"], { cwd: repo.dir });
assert.equal(init.code, 0, init.stderr);
const enqueue = async (desc: string, ...extra: string[]) => {
  const args = ["enqueue", "--role", "bug-catcher", "--desc", desc, "--cmd", "pytest -x", ...extra];
  const result = await ork(args, { cwd: repo.dir });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
};
const pending = await enqueue("still to do");
const cancelled = await enqueue("given up");
assert.equal((await ork(["cancel", cancelled], { cwd: repo.dir })).code, 0);
// Claimed in priority order, as a runner would: the first fails for good, the second stays running.
const failed = await enqueue("broken", "--priority", "0", "--max-retries", "0");
const running = await enqueue("busy", "--priority", "1");
const queue = new FsQueue(join(repo.dir, ".ork/queue"));
assert.equal((await queue.claim("test-runner"))?.id, failed);
assert.equal((await queue.fail(failed, "exit 1")).status, "failed");
assert.equal((await queue.claim("test-runner"))?.id, running);

Deno.test.afterAll(async () => {
  await repo[Symbol.asyncDispose]();
  await bin[Symbol.asyncDispose]();
});

// Loads the script in a non-interactive bash, fills COMP_* as bash does before it calls a completion function,
// calls it, and prints COMPREPLY one a line.
const DRIVER = `source "$1"; shift
if [[ -n $ORK_ALIAS ]]; then alias ork="$ORK_ALIAS"; fi
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}; COMPREPLY=()
_ork
if ((\${#COMPREPLY[@]})); then printf '%s\\n' "\${COMPREPLY[@]}"; fi`;

/**
 * What bash offers for the command line `words` (the last one is the word under the cursor), with the wrapper
 * on PATH, or with `env` instead (`ORK_ALIAS`: define `alias ork=...` first).
 */
async function complete(cwd: string, ...words: string[]): Promise<string[]> {
  return await completeWith({ PATH }, cwd, ...words);
}

async function completeWith(env: Record<string, string>, cwd: string, ...words: string[]): Promise<string[]> {
  const result = await run(
    BASH,
    ["--noprofile", "--norc", "-c", DRIVER, "bash", join(bin.dir, "ork.bash"), ...words],
    { cwd, env: { NO_COLOR: "1", ORK_ALIAS: "", ...env } },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "", "completion printed nothing to the terminal");
  return result.stdout.split("\n").filter((line) => line !== "");
}

/** A help section (`Commands:`, `Options:`): the first column of each entry. */
function helpSection(help: string, title: string): string[] {
  const lines = help.split("\n");
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const entries: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("  ")) break;
    // Entries start two spaces in; wrapped descriptions are indented further.
    if (line[2] !== " ") entries.push(line.trim().split(/\s{2,}/)[0]!);
  }
  return entries;
}

/** `ork <path> --help`, run in this process. */
async function helpOf(path: string[]): Promise<string> {
  const out: string[] = [];
  const output: Output = { out: (text) => out.push(text), err: (text) => out.push(text), color: false };
  assert.equal(await main([...path, "--help"], output), 0);
  return out.join("\n");
}

/** Every command path of the program, as its help lists them (without commander's `help`). */
async function commandPaths(path: string[] = []): Promise<string[][]> {
  const names = helpSection(await helpOf(path), "Commands:").map((entry) => entry.split(/[\s|]/)[0]!);
  const paths = [path];
  for (const name of names.filter((name) => name !== "help")) {
    paths.push(...await commandPaths([...path, name]));
  }
  return paths;
}

const PATHS = await commandPaths();
const TOP = PATHS.filter((path) => path.length === 1).map((path) => path[0]!);

Deno.test("bash: ork en<TAB> completes to enqueue", async () => {
  assert.deepEqual(await complete(repo.dir, "ork", "en"), ["enqueue"]);
});

Deno.test("bash: ork <TAB> offers every command of the program, help included", async () => {
  assert.ok(TOP.includes("enqueue") && TOP.includes("lock") && TOP.includes("completions"), TOP.join(" "));
  assert.deepEqual(await complete(repo.dir, "ork", ""), [...TOP, "help"]);
  assert.deepEqual(await complete(repo.dir, "ork", "help", ""), TOP);
});

Deno.test("bash: ork enqueue --ro<TAB> completes to --role", async () => {
  assert.deepEqual(await complete(repo.dir, "ork", "enqueue", "--ro"), ["--role"]);
});

Deno.test("bash: after -- every command and subcommand offers exactly the long options its help lists", async () => {
  for (const path of PATHS) {
    const listed = helpSection(await helpOf(path), "Options:").flatMap((flags) =>
      flags.match(/--[\w-]+/g) ?? []
    );
    assert.ok(listed.includes("--help"), `ork ${path.join(" ")}`);
    assert.deepEqual(
      (await complete(repo.dir, "ork", ...path, "--")).sort(),
      listed.sort(),
      `ork ${path.join(" ")} --<TAB>`,
    );
  }
});

Deno.test("bash: ork lock <TAB> offers its subcommands, not the top-level commands", async () => {
  const offered = await complete(repo.dir, "ork", "lock", "");
  assert.ok(offered.includes("check-stale") && offered.includes("clear"), offered.join(" "));
  assert.ok(!offered.includes("enqueue"), offered.join(" "));
  assert.deepEqual(await complete(repo.dir, "ork", "lock", "check-stale", "--js"), ["--json"]);
});

Deno.test("bash: --role <TAB> offers the repository's roles, read from its config when completing", async () => {
  const roles = async () =>
    Object.keys(JSON.parse((await ork(["roles", "--json"], { cwd: repo.dir })).stdout).roles);
  const before = await complete(repo.dir, "ork", "enqueue", "--role", "");
  assert.ok(before.includes("bug-catcher"), before.join(" "));
  assert.deepEqual(before, await roles());
  // bash splits --role=bu at "="; the value is completed all the same.
  assert.deepEqual(await complete(repo.dir, "ork", "enqueue", "--role", "=", "bug"), ["bug-catcher"]);
  // -C names the repository to ask, from anywhere.
  assert.deepEqual(await complete(bin.dir, "ork", "-C", repo.dir, "roles", "check", "--role", ""), before);

  // A role added to the config is offered at the next TAB: nothing is baked into the script.
  const file = join(repo.dir, "config/agent_roles.yaml");
  const original = await Deno.readTextFile(file);
  try {
    await Deno.writeTextFile(
      file,
      "roles:\n" +
        "  docs-scribe:\n    description: Writes the docs\n    allowed_tools: [vale]\n" +
        "  data-miner:\n    description: Digs\n    allowed_tools: [duckdb]\n",
    );
    const after = await complete(repo.dir, "ork", "enqueue", "--role", "d");
    assert.deepEqual(after, ["data-miner", "docs-scribe"]);
    assert.deepEqual(after, await roles());
  } finally {
    await Deno.writeTextFile(file, original);
  }
});

Deno.test("bash: with ork as an alias (the README's install from source), values are asked of what it names", async () => {
  const roles = await complete(repo.dir, "ork", "enqueue", "--role", "");
  assert.ok(roles.length > 0);
  assert.deepEqual(
    await completeWith({ PATH: NOWHERE, ORK_ALIAS: wrapper }, repo.dir, "ork", "enqueue", "--role", ""),
    roles,
  );
  // Without the alias there is no ork to ask: nothing is offered, and nothing is printed.
  assert.deepEqual(await completeWith({ PATH: NOWHERE }, repo.dir, "ork", "enqueue", "--role", ""), []);
});

Deno.test("bash: job ids: cancel offers pending and running jobs, retry failed ones, logs every job", async () => {
  const sorted = (ids: string[]) => [...ids].sort();
  assert.deepEqual(sorted(await complete(repo.dir, "ork", "cancel", "")), sorted([pending, running]));
  assert.deepEqual(
    sorted(await complete(repo.dir, "ork", "cancel", "--job-id", "")),
    sorted([pending, running]),
  );
  assert.deepEqual(await complete(repo.dir, "ork", "retry", ""), [failed]);
  assert.deepEqual(
    sorted(await complete(repo.dir, "ork", "logs", "")),
    sorted([pending, running, failed, cancelled]),
  );
  // The word typed so far narrows them, as a prefix (20 characters: the time and 50 random bits).
  assert.deepEqual(await complete(repo.dir, "ork", "logs", pending.slice(0, 20)), [pending]);
});

Deno.test("bash: outside a repository the lookups offer nothing and print nothing", async () => {
  await using outside = await tempDir();
  assert.deepEqual(await complete(outside.dir, "ork", "cancel", ""), []);
  assert.deepEqual(await complete(outside.dir, "ork", "enqueue", "--role", ""), []);
  // Commands and options need no repository.
  assert.deepEqual(await complete(outside.dir, "ork", "en"), ["enqueue"]);
  const list = await ork(["completions", "--list", "roles"], { cwd: outside.dir });
  assert.deepEqual([list.code, list.stdout, list.stderr], [0, "", ""]);
});

Deno.test("ork completions with an unknown shell: exit 2 and one line naming the three shells", async () => {
  for (const args of [["completions", "tcsh"], ["completions"]]) {
    const result = await ork(args);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^ork: (unknown shell "tcsh"|no shell given); .*bash, zsh or fish/);
  }
});

/** True when `name` is an executable on PATH. */
function onPath(name: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(delimiter).some((dir) => {
    try {
      return Deno.statSync(join(dir, name)).isFile;
    } catch {
      return false;
    }
  });
}

for (const shell of ["zsh", "fish"]) {
  Deno.test(`${shell}: the script names every top-level command and reads the command tree`, () => {
    const script = scripts[shell]!;
    if (shell === "zsh") assert.ok(script.startsWith("#compdef ork\n"));
    for (const name of TOP) assert.match(script, new RegExp(`'${name}[':]`), name);
    for (const path of PATHS.filter((path) => path.length === 2)) {
      assert.ok(script.includes(`'${shell === "fish" ? "ork " : ""}${path.join(" ")}'`), path.join(" "));
    }
    assert.ok(script.includes("completions --list"), "roles and job ids are asked of ork when completing");
  });

  Deno.test({
    name: `${shell} -n accepts the script`,
    ignore: !onPath(shell),
    fn: async () => {
      const result = await run(shell, ["-n", join(bin.dir, `ork.${shell}`)]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
    },
  });
}
