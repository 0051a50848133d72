import assert from "node:assert/strict";
import { join } from "node:path";
import { CHECKOUT, git, run, tempDir, tempRepo } from "../helpers/mod.ts";

Deno.test("the one-file bundle, copied outside the checkout and denied reading it, runs init, enqueue, list", async () => {
  await using build = await tempDir("ork-bundle-");
  const built = await run(Deno.execPath(), [
    "run",
    "--allow-all",
    join(CHECKOUT, "scripts/bundle.ts"),
    join(build.dir, "ork.js"),
  ]);
  assert.equal(built.code, 0, built.stderr);
  // Start-up: only cheap Node built-ins load eagerly; the rest (node:fs, node:child_process, node:process, ...)
  // are turned into bindings that load on first use, and Node's require is made lazy too.
  const bundleText = await Deno.readTextFile(join(build.dir, "ork.js"));
  const eager = [...bundleText.matchAll(/^import .* from "(node:[a-z_/]+)";$/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(eager)].sort(), ["node:events", "node:path"]);
  // mvdan-sh, yaml and secretlint travel compressed, compiled on first use.
  assert.ok(bundleText.includes("__ork_packed_module("));
  assert.doesNotMatch(bundleText, /function parseDocument\(/);

  await using empty = await tempDir("ork-bundle-run-");
  await Deno.copyFile(join(build.dir, "ork.js"), join(empty.dir, "ork.js"));
  await using repo = await tempRepo();
  // Reads and writes are allowed only in the repo and the bundle's folder: touching the checkout would fail.
  const ork = (...args: string[]) =>
    run(Deno.execPath(), [
      "run",
      "--no-config",
      `--allow-read=${repo.dir},${empty.dir}`,
      `--allow-write=${repo.dir}`,
      "--allow-env",
      "--allow-sys=hostname",
      join(empty.dir, "ork.js"),
      "-C",
      repo.dir,
      ...args,
    ], { cwd: empty.dir, env: { NO_COLOR: "1" } });

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
  assert.equal(await git(repo.dir, "status", "--porcelain", "--untracked-files=all", ".ork"), "");
  assert.deepEqual([...Deno.readDirSync(empty.dir)].map((e) => e.name), ["ork.js"]);
});
