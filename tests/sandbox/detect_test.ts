import assert from "node:assert/strict";
import { join } from "node:path";
import { OrkError } from "../../src/errors/mod.ts";
import { describeSandbox, detectSandbox } from "../../src/sandbox/mod.ts";
import { run, tempDir } from "../helpers/mod.ts";

/** A folder holding only a fake `bwrap` with the given shell body. */
async function fakeBwrap(body: string): Promise<{ dir: string } & AsyncDisposable> {
  const tmp = await tempDir("ork-fake-bwrap-");
  const path = join(tmp.dir, "bwrap");
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return tmp;
}

Deno.test("off never confines, whatever is installed", async () => {
  const sandbox = await detectSandbox("off");
  assert.deepEqual(sandbox, { kind: "none", reason: "orchestrator.sandbox is off" });
  assert.equal(describeSandbox(sandbox), "none (orchestrator.sandbox is off)");
});

Deno.test("auto without bwrap on PATH runs unconfined and says why", async () => {
  await using empty = await tempDir();
  const sandbox = await detectSandbox("auto", { path: `${empty.dir}:relative/bin:` });
  assert.deepEqual(sandbox, { kind: "none", reason: "bwrap not found on PATH" });
  assert.equal(describeSandbox(sandbox), "none (bwrap not found on PATH)");
});

Deno.test("required without bwrap on PATH refuses, with what to do", async () => {
  await using empty = await tempDir();
  const error = await detectSandbox("required", { path: empty.dir }).then(
    () => assert.fail("detectSandbox did not throw"),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof OrkError);
  assert.equal(error.code, "bad-input");
  assert.equal(
    error.message,
    "orchestrator.sandbox is required but bubblewrap does not work here: bwrap not found on PATH",
  );
  assert.match(error.hint, /apt-get install bubblewrap/);
  assert.match(error.hint, /orchestrator\.sandbox: auto/);
});

Deno.test("a bwrap that fails its trial run is not used; its complaint is the reason", async () => {
  await using fake = await fakeBwrap('echo "bwrap: setting up uid map: Permission denied" >&2; exit 1');
  const sandbox = await detectSandbox("auto", { path: fake.dir });
  assert.deepEqual(sandbox, {
    kind: "none",
    reason: `${fake.dir}/bwrap failed its trial run (exit 1): bwrap: setting up uid map: Permission denied`,
  });
  await assert.rejects(
    () => detectSandbox("required", { path: fake.dir }),
    /is required but bubblewrap does not work here: .*uid map: Permission denied/,
  );
});

Deno.test("the trial runs once per binary, with the sandbox's own namespaces and mounts", async () => {
  await using fake = await fakeBwrap(`echo "$@" >> "$(dirname "$0")/calls"; exit 0`);
  const first = await detectSandbox("auto", { path: fake.dir });
  const second = await detectSandbox("required", { path: fake.dir });
  assert.deepEqual(first, { kind: "bwrap", bwrap: join(fake.dir, "bwrap") });
  assert.deepEqual(second, first);
  assert.equal(describeSandbox(first), "bwrap");
  const calls = (await Deno.readTextFile(join(fake.dir, "calls"))).trim().split("\n");
  assert.equal(calls.length, 1);
  assert.match(
    calls[0] ?? "",
    /--die-with-parent --unshare-pid --cap-drop ALL --ro-bind \/ \/ .* -- \/bin\/sh -c exit 0$/,
  );
});

Deno.test({
  name: "auto finds the bwrap installed here and it works",
  ignore: (await run("sh", ["-c", "command -v bwrap"])).code !== 0,
  async fn() {
    const sandbox = await detectSandbox("auto");
    assert.equal(sandbox.kind, "bwrap", describeSandbox(sandbox));
    assert.deepEqual(await detectSandbox("required"), sandbox);
  },
});
