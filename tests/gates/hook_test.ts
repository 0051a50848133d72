import assert from "node:assert/strict";
import { join } from "node:path";
import {
  HOOK_MARKER,
  installHook,
  isOrkHook,
  orkCommand,
  preCommitHook,
  uninstallHook,
} from "../../src/gates/hook.ts";
import { OrkError } from "../../src/errors/mod.ts";
import { DENO_JSON, MAIN_TS, tempDir, tempRepo } from "../helpers/mod.ts";

Deno.test("from source, the hook runs deno on main.ts with the checkout's deno.json", () => {
  const command = orkCommand({ execPath: "/opt/deno", mainModule: `file://${MAIN_TS}`, standalone: false });
  assert.deepEqual(command, ["/opt/deno", "run", "--allow-all", "--quiet", "--config", DENO_JSON, MAIN_TS]);
});

Deno.test("from a bundle, the hook runs deno on the bundle with no config", () => {
  const command = orkCommand({
    execPath: "/opt/deno",
    mainModule: "file:///opt/ork/ork.js",
    standalone: false,
  });
  assert.deepEqual(command, ["/opt/deno", "run", "--allow-all", "--quiet", "--no-config", "/opt/ork/ork.js"]);
});

Deno.test("from a compiled binary, the hook runs the binary itself", () => {
  const command = orkCommand({
    execPath: "/usr/local/bin/ork",
    mainModule: "file:///tmp/deno-compile-ork/main.ts",
    standalone: true,
  });
  assert.deepEqual(command, ["/usr/local/bin/ork"]);
});

Deno.test("the hook is a marked sh script that quotes what needs quoting", () => {
  const text = preCommitHook(["/opt/my deno/deno", "run", "/it's/main.ts"]);
  const lines = text.split("\n");
  assert.equal(lines[0], "#!/bin/sh");
  assert.equal(lines[1], HOOK_MARKER);
  assert.equal(lines.at(-2), `exec '/opt/my deno/deno' run '/it'\\''s/main.ts' gates --staged`);
  assert.ok(isOrkHook(text));
  assert.ok(!isOrkHook("#!/bin/sh\nnpx lint-staged\n"));
});

Deno.test("installHook refuses another tool's hook unless forced, and uninstallHook leaves it", async () => {
  await using repo = await tempRepo();
  const path = join(repo.dir, ".git", "hooks", "pre-commit");
  await Deno.writeTextFile(path, "#!/bin/sh\nnpx lint-staged\n");
  await assert.rejects(() => installHook(repo.dir), (error: unknown) => {
    assert.ok(error instanceof OrkError);
    assert.equal(error.code, "bad-input");
    assert.equal(error.message, `${path} exists and is not ork's pre-commit hook`);
    return true;
  });
  await assert.rejects(() => uninstallHook(repo.dir), /is not ork's pre-commit hook; leaving it/);
  assert.equal(await Deno.readTextFile(path), "#!/bin/sh\nnpx lint-staged\n");

  const forced = await installHook(repo.dir, { force: true, command: ["ork"] });
  assert.deepEqual(forced, { path, replaced: "other" });
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o755);
  assert.deepEqual(await installHook(repo.dir, { command: ["ork"] }), { path, replaced: "ork" });
  assert.deepEqual(await uninstallHook(repo.dir), { path, removed: true });
  assert.deepEqual(await uninstallHook(repo.dir), { path, removed: false });
});

Deno.test("installHook writes into core.hooksPath, creating it", async () => {
  await using repo = await tempRepo();
  await using elsewhere = await tempDir();
  const { git } = await import("../helpers/mod.ts");
  await git(repo.dir, "config", "core.hooksPath", join(elsewhere.dir, "hooks"));
  const done = await installHook(repo.dir, { command: ["ork"] });
  assert.equal(done.path, join(elsewhere.dir, "hooks", "pre-commit"));
  assert.match(await Deno.readTextFile(done.path), /^exec ork gates --staged$/m);
});
