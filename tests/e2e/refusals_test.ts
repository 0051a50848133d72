/**
 * Bad input met by the real CLI: each refusal is one stderr line `ork: <message>; <hint>`, exit 2, and the
 * repository as it was.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, ork, type RunResult, snapshot, tempRepo } from "../helpers/mod.ts";

const PATH_HINT =
  "check that this path is the kind ork expects (a file or a folder) and that you may read and write it";

// One initialised repository for the whole file; every test leaves it as it found it.
const repo = await tempRepo();
const init = await ork(["init"], { cwd: repo.dir });
assert.equal(init.code, 0, init.stderr);
const enqueued = await ork(["enqueue", "--role", "bug-catcher", "--desc", "one", "--cmd", "echo one"], {
  cwd: repo.dir,
});
assert.equal(enqueued.code, 0, enqueued.stderr);
const id = enqueued.stdout.trim();
Deno.test.afterAll(async () => await repo[Symbol.asyncDispose]());

/**
 * Every file below `dir` but the lock files, which a read of the queue makes on first use and whose holder
 * record it rewrites (locks are never deleted): the state a refusal must not change.
 */
async function state(dir: string): Promise<Record<string, string>> {
  const files = await snapshot(dir);
  for (const name of Object.keys(files)) if (name.startsWith(".ork/locks/")) delete files[name];
  return files;
}

/** Runs ork in `dir` and checks it refused: exit 2, nothing on stdout, `line` alone on stderr, `dir` unchanged. */
async function refuses(args: string[], line: string | RegExp, dir = repo.dir): Promise<RunResult> {
  const before = await state(dir);
  const result = await ork(args, { cwd: dir });
  const what = `ork ${args.join(" ")}`;
  assert.equal(result.stderr.split("\n").filter((l) => l !== "").length, 1, `${what}: ${result.stderr}`);
  if (typeof line === "string") assert.equal(result.stderr, `${line}\n`, what);
  else assert.match(result.stderr, line, what);
  assert.equal(result.code, 2, `${what}: ${result.stderr}`);
  assert.equal(result.stdout, "", what);
  assert.deepEqual(await state(dir), before, what);
  return result;
}

Deno.test("init where .ork is a file: the OS message and a hint, exit 2, not an internal error", async () => {
  await using other = await tempRepo();
  await Deno.writeTextFile(join(other.dir, ".ork"), "");
  await refuses(
    ["init"],
    `ork: Not a directory (os error 20): mkdir '${other.dir}/.ork/queue'; ${PATH_HINT}`,
    other.dir,
  );
});

Deno.test("list where .ork/archive is a file: one line, exit 2", async () => {
  const archive = join(repo.dir, ".ork/archive");
  await Deno.remove(archive);
  await Deno.writeTextFile(archive, "");
  try {
    await refuses(
      ["list"],
      `ork: cannot create the folder ${archive}: something that is not a folder is in its place; ` +
        "move that away (ork keeps jobs in folders under .ork), then run the command again",
    );
  } finally {
    await Deno.remove(archive);
    await Deno.mkdir(archive);
  }
});

Deno.test("logs whose log is a folder says the job's log is not a file", async () => {
  const log = join(repo.dir, ".ork/logs", `${id}.log`);
  await Deno.mkdir(log);
  try {
    await refuses(
      ["logs", id],
      `ork: the log of job ${id} is not a file: ${log} is a folder; ` +
        "move that folder away; the job's output is written there as a file",
    );
  } finally {
    await Deno.remove(log);
  }
});

Deno.test("hook install where core.hooksPath is a file, or pre-commit is a folder: one line, exit 2", async () => {
  await using other = await tempRepo();
  await Deno.writeTextFile(join(other.dir, "hooks"), "");
  await git(other.dir, "config", "core.hooksPath", "hooks");
  await refuses(
    ["hook", "install"],
    `ork: Not a directory (os error 20): readfile '${other.dir}/hooks/pre-commit'; ${PATH_HINT}`,
    other.dir,
  );
  await git(other.dir, "config", "--unset", "core.hooksPath");
  const preCommit = join(other.dir, ".git/hooks/pre-commit");
  await Deno.mkdir(preCommit, { recursive: true });
  await refuses(
    ["hook", "install"],
    `ork: Is a directory (os error 21): readfile '${preCommit}'; ${PATH_HINT}`,
    other.dir,
  );
});

Deno.test("a missing subcommand or help for an unknown command is one line and exit 2", async () => {
  await refuses(["hook"], "ork: 'ork hook' needs a command: install, uninstall; see 'ork hook --help'");
  await refuses(["lock"], "ork: 'ork lock' needs a command: check-stale, clear; see 'ork lock --help'");
  await refuses(["help", "nope"], "ork: no help for 'nope': not an ork command; see 'ork --help'");
});

Deno.test("seconds and days are plain decimal numbers: hex, binary and exponents are refused", async () => {
  for (const value of ["0x10", "0b11", "1e3", "Infinity", " 1.5 "]) {
    await refuses(
      ["clear", "--max-age", value],
      `ork: --max-age must be a number of days >= 0, got "${value}"; e.g. --max-age 7; 0 deletes all archived jobs`,
    );
    await refuses(
      ["enqueue", "--role", "bug-catcher", "--desc", "t", "--cmd", "echo t", "--timeout", value],
      `ork: --timeout must be a number of seconds > 0 and <= 2147483, got "${value}"; e.g. --timeout 600`,
    );
    await refuses(
      ["run", "--once", "--poll", value],
      `ork: --poll must be a number of seconds > 0 and <= 2147483, got "${value}"; e.g. --poll 1`,
    );
  }
  const plain = await ork(["run", "--dry-run", "--poll", "1.5"], { cwd: repo.dir });
  assert.equal(plain.code, 0, plain.stderr);
});

Deno.test("run --workers -1 and 0 get the same message, naming the minimum 1", async () => {
  for (const value of ["-1", "0"]) {
    await refuses(
      ["run", "--once", "--workers", value],
      `ork: --workers must be a whole number >= 1, got "${value}"; e.g. --workers 3`,
    );
  }
});

Deno.test("enqueue refuses a description with escapes, a newline or a tab", async () => {
  for (
    const [desc, shown] of [
      ["a\x1b[31mred\x07", "U+001B at character 2"],
      ["first\nsecond", "U+000A at character 6"],
      ["a\tb", "U+0009 at character 2"],
    ]
  ) {
    await refuses(
      ["enqueue", "--role", "bug-catcher", "--desc", desc!, "--cmd", "echo x"],
      `ork: --desc must be one line without control characters (newlines, tabs, escapes), but has ${shown}; ` +
        "say in one plain line what the job does; it becomes the commit's subject",
    );
  }
});
