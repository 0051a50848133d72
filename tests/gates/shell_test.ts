import assert from "node:assert/strict";
import { join } from "node:path";
import { runGates, runShellGate } from "../../src/gates/mod.ts";
import { exists, tempDir } from "../helpers/mod.ts";
import { shellGate } from "./_gates.ts";

/** A worktree stand-in and a log path inside a fresh temp dir. */
async function workspace(): Promise<{ cwd: string; logPath: string } & AsyncDisposable> {
  const tmp = await tempDir();
  return { cwd: tmp.dir, logPath: join(tmp.dir, "job.log"), [Symbol.asyncDispose]: tmp[Symbol.asyncDispose] };
}

Deno.test("a gate whose command exits 0 passes", async () => {
  await using ws = await workspace();
  const result = await runShellGate(shellGate("lint", "echo linting; true"), { ...ws, env: {} });
  assert.equal(result.name, "lint");
  assert.equal(result.passed, true);
  assert.equal(result.exit_code, 0);
  assert.equal(result.required, true);
  assert.equal(result.error, null);
  assert.ok(result.duration_ms >= 0);
});

Deno.test("the log has each gate's header, output and footer", async () => {
  await using ws = await workspace();
  await Deno.writeTextFile(ws.logPath, "job output\n");
  await runGates([shellGate("test", "echo out; echo err >&2"), shellGate("check", "exit 3")], {
    ...ws,
    env: {},
  });
  const lines = (await Deno.readTextFile(ws.logPath)).split("\n");
  assert.equal(lines[0], "job output");
  assert.equal(lines[1], "== gate test: echo out; echo err >&2");
  assert.equal(lines[2], "out");
  assert.equal(lines[3], "err");
  assert.match(lines[4] ?? "", /^== gate test: passed in \d+ ms$/);
  assert.equal(lines[5], "== gate check: exit 3");
  assert.match(lines[6] ?? "", /^== gate check: failed \(exit code 3\) in \d+ ms$/);
  assert.equal(lines[7], "");
  assert.equal(lines.length, 8);
});

Deno.test("the gate runs in the given cwd with the given env", async () => {
  await using ws = await workspace();
  const gate = shellGate("where", 'test "$(pwd)" = "$EXPECTED_DIR"');
  const result = await runShellGate(gate, { ...ws, env: { EXPECTED_DIR: ws.cwd } });
  assert.equal(result.passed, true, result.error ?? "");
});

Deno.test("a failing required gate stops the run and later gates are not run", async () => {
  await using ws = await workspace();
  const results = await runGates(
    [shellGate("first", "true"), shellGate("breaks", "exit 3"), shellGate("later", "touch later-ran")],
    { ...ws, env: {} },
  );
  assert.deepEqual(results.map((r) => [r.name, r.passed, r.exit_code, r.error]), [
    ["first", true, 0, null],
    ["breaks", false, 3, "exit code 3"],
  ]);
  assert.equal(exists(join(ws.cwd, "later-ran")), false);
  assert.doesNotMatch(await Deno.readTextFile(ws.logPath), /gate later/);
});

Deno.test("a failing optional gate is recorded and the run goes on", async () => {
  await using ws = await workspace();
  const results = await runGates(
    [shellGate("style", "exit 1", { required: false }), shellGate("later", "touch later-ran")],
    { ...ws, env: {} },
  );
  assert.deepEqual(results.map((r) => [r.name, r.passed, r.required, r.error]), [
    ["style", false, false, "exit code 1"],
    ["later", true, true, null],
  ]);
  assert.equal(exists(join(ws.cwd, "later-ran")), true);
});

Deno.test("a gate whose command is missing fails with exit code 127", async () => {
  await using ws = await workspace();
  const result = await runShellGate(shellGate("missing", "ork-test-no-such-tool --check"), {
    ...ws,
    env: {},
  });
  assert.equal(result.passed, false);
  assert.equal(result.exit_code, 127);
  assert.match(result.error ?? "", /^exit code 127/);
});

Deno.test("a gate that is not executable fails with exit code 126", async () => {
  await using ws = await workspace();
  await Deno.writeTextFile(join(ws.cwd, "check.sh"), "#!/bin/sh\nexit 0\n", { mode: 0o644 });
  const result = await runShellGate(shellGate("noexec", "./check.sh"), { ...ws, env: {} });
  assert.equal(result.passed, false);
  assert.equal(result.exit_code, 126);
  assert.match(result.error ?? "", /^exit code 126/);
});

Deno.test("a gate that runs past its timeout fails as timed out", async () => {
  await using ws = await workspace();
  const result = await runShellGate(shellGate("slow", "sleep 100", { timeout: 0.3 }), { ...ws, env: {} });
  assert.equal(result.passed, false);
  assert.equal(result.exit_code, null);
  assert.equal(result.error, "timed out after 0.3s");
  assert.match(
    await Deno.readTextFile(ws.logPath),
    /== gate slow: failed \(timed out after 0\.3s\) in \d+ ms/,
  );
});

Deno.test("a gate killed by a signal fails", async () => {
  await using ws = await workspace();
  const result = await runShellGate(shellGate("killed", "kill -9 $$"), { ...ws, env: {} });
  assert.equal(result.passed, false);
  assert.equal(result.exit_code, null);
  assert.equal(result.error, "killed by SIGKILL");
});

Deno.test("a gate that cannot start because its cwd is missing fails", async () => {
  await using ws = await workspace();
  const result = await runShellGate(shellGate("nowhere", "true"), {
    cwd: join(ws.cwd, "missing"),
    logPath: ws.logPath,
    env: {},
  });
  assert.equal(result.passed, false);
  assert.equal(result.exit_code, null);
  assert.match(result.error ?? "", /^could not start: .*cwd/);
});

Deno.test("a gate that cannot write its log fails instead of throwing", async () => {
  await using ws = await workspace();
  const result = await runShellGate(shellGate("nolog", "true"), {
    cwd: ws.cwd,
    logPath: join(ws.cwd, "missing-dir", "job.log"),
    env: {},
  });
  assert.equal(result.passed, false);
  assert.match(result.error ?? "", /^could not start: /);
});

Deno.test("a gate of another type fails closed when run anyway", async () => {
  await using ws = await workspace();
  const result = await runShellGate({ name: "scan", type: "secrets", required: true, timeout: 5 }, {
    ...ws,
    env: {},
  });
  assert.equal(result.passed, false);
  assert.match(result.error ?? "", /secrets/);
});

Deno.test("cancelled gates fail, and the first required one ends the run", async () => {
  await using ws = await workspace();
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 200);
  const results = await runGates(
    [shellGate("long", "sleep 100"), shellGate("later", "touch later-ran")],
    { ...ws, env: {}, signal: controller.signal },
  );
  assert.ok(performance.now() - started < 2000);
  assert.deepEqual(results.map((r) => [r.name, r.passed, r.error]), [["long", false, "cancelled"]]);
  assert.equal(exists(join(ws.cwd, "later-ran")), false);
});

Deno.test("gates after a cancelled optional gate do not run and fail", async () => {
  await using ws = await workspace();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const results = await runGates(
    [shellGate("long", "sleep 100", { required: false }), shellGate("later", "touch later-ran")],
    { ...ws, env: {}, signal: controller.signal },
  );
  assert.deepEqual(results.map((r) => [r.name, r.passed, r.error]), [
    ["long", false, "cancelled"],
    ["later", false, "cancelled"],
  ]);
  assert.equal(exists(join(ws.cwd, "later-ran")), false);
});
