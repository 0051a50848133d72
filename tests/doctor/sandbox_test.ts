import assert from "node:assert/strict";
import { sandboxVerdict } from "../../src/doctor/mod.ts";

const missing = { kind: "none", reason: "bwrap not found on PATH" } as const;
const works = { kind: "bwrap", bwrap: "/usr/bin/bwrap" } as const;

Deno.test("sandbox off is ok whatever is installed", () => {
  assert.deepEqual(sandboxVerdict("off", missing, "linux"), {
    name: "sandbox",
    status: "ok",
    message: "off: jobs and gates run unconfined (orchestrator.sandbox: off)",
  });
});

Deno.test("a working bwrap is ok under auto and required", () => {
  for (const mode of ["auto", "required"] as const) {
    assert.equal(sandboxVerdict(mode, works, "linux").status, "ok");
  }
});

Deno.test("without bwrap, auto warns and required fails, each with its fix", () => {
  const auto = sandboxVerdict("auto", missing, "linux");
  assert.equal(auto.status, "warn");
  assert.match(auto.fix!, /^install bubblewrap .*, or set orchestrator\.sandbox: off/);
  const required = sandboxVerdict("required", missing, "linux");
  assert.equal(required.status, "fail");
  assert.match(required.message, /'ork run' refuses to start/);
  assert.match(required.fix!, /or set orchestrator\.sandbox: auto$/);
});

Deno.test("on macOS the fix does not suggest installing bubblewrap", () => {
  const reason = { kind: "none", reason: "bubblewrap needs Linux, this is darwin" } as const;
  assert.equal(
    sandboxVerdict("auto", reason, "darwin").fix,
    "set orchestrator.sandbox: off to run unconfined on purpose (bubblewrap is Linux only)",
  );
  assert.equal(sandboxVerdict("required", reason, "darwin").fix, "set orchestrator.sandbox: auto");
});
