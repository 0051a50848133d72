import assert from "node:assert/strict";
import { ConfigError } from "../../src/errors/mod.ts";
import { assertGatesRunnable, type GateResult, landingAllowed } from "../../src/gates/mod.ts";
import { shellGate } from "./_gates.ts";

function result(name: string, passed: boolean, required = true): GateResult {
  return {
    name,
    passed,
    exit_code: passed ? 0 : 1,
    duration_ms: 5,
    required,
    error: passed ? null : "exit code 1",
  };
}

Deno.test("landing is allowed when every gate passed", () => {
  assert.deepEqual(landingAllowed([result("lint", true), result("test", true)]), {
    allowed: true,
    failedRequired: [],
    failedOptional: [],
  });
});

Deno.test("landing is allowed when there are no gates", () => {
  assert.deepEqual(landingAllowed([]), { allowed: true, failedRequired: [], failedOptional: [] });
});

Deno.test("a failed required gate blocks landing", () => {
  assert.deepEqual(landingAllowed([result("lint", true), result("test", false)]), {
    allowed: false,
    failedRequired: ["test"],
    failedOptional: [],
  });
});

Deno.test("a failed optional gate is reported but does not block landing", () => {
  assert.deepEqual(landingAllowed([result("style", false, false), result("test", true)]), {
    allowed: true,
    failedRequired: [],
    failedOptional: ["style"],
  });
});

Deno.test("failed required and optional gates are both reported, in order", () => {
  const decision = landingAllowed([
    result("style", false, false),
    result("lint", false),
    result("docs", false, false),
    result("test", false),
  ]);
  assert.deepEqual(decision, {
    allowed: false,
    failedRequired: ["lint", "test"],
    failedOptional: ["style", "docs"],
  });
});

Deno.test("with the configured gates given, a required gate without a result blocks landing", () => {
  const gates = [
    shellGate("lint", "true"),
    shellGate("test", "true"),
    shellGate("docs", "true", { required: false }),
  ];
  assert.deepEqual(landingAllowed([result("lint", true)], gates), {
    allowed: false,
    failedRequired: ["test"],
    failedOptional: [],
  });
  assert.equal(landingAllowed([result("lint", true), result("test", true)], gates).allowed, true);
});

Deno.test("landingAllowed does not change its input", () => {
  const results = Object.freeze([Object.freeze(result("test", false))]);
  landingAllowed(results);
});

Deno.test("assertGatesRunnable accepts shell gates", () => {
  assertGatesRunnable([]);
  assertGatesRunnable([shellGate("lint", "deno lint"), shellGate("test", "deno test", { required: false })]);
});

Deno.test("assertGatesRunnable accepts secrets and file_size gates", () => {
  assertGatesRunnable([
    shellGate("lint", "deno lint"),
    { name: "scan", type: "secrets", required: true, timeout: 300, allow: ["tests/fixtures/**"] },
    { name: "big", type: "file_size", required: false, timeout: 300, max_bytes: 10 },
  ]);
});

Deno.test("assertGatesRunnable refuses a built-in gate with a command, with a config error", () => {
  const gates = [
    shellGate("lint", "deno lint"),
    { name: "scan", type: "secrets", command: "gitleaks detect", required: true, timeout: 300 } as const,
  ];
  assert.throws(
    () => assertGatesRunnable(gates),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, "config-invalid");
      assert.equal(error.file, "config/orchestrator.yaml");
      assert.equal(error.line, undefined);
      assert.equal(
        error.message,
        'config/orchestrator.yaml: merge_gates: gate "scan" has type secrets, which runs inside ork and takes no command',
      );
      assert.equal(error.hint, "delete command:, or set type: shell");
      return true;
    },
  );
});

Deno.test("assertGatesRunnable refuses a file_size gate whose max_bytes is not a whole number > 0", () => {
  for (const max_bytes of [0, -1, 1.5]) {
    const gate = { name: "big", type: "file_size", required: false, timeout: 300, max_bytes } as const;
    assert.throws(
      () => assertGatesRunnable([gate]),
      /gate "big" has max_bytes .*, which is not a whole number > 0/,
    );
  }
});

Deno.test("assertGatesRunnable refuses a gate type it does not know", () => {
  const gate = {
    name: "odd",
    type: "lint" as unknown as "shell",
    required: true,
    timeout: 300,
    command: "x",
  };
  assert.throws(
    () => assertGatesRunnable([gate]),
    /gate "odd" has type lint, which this version of ork cannot run/,
  );
});

Deno.test("assertGatesRunnable refuses a shell gate without a command", () => {
  assert.throws(
    () => assertGatesRunnable([{ name: "empty", type: "shell", required: true, timeout: 300 }]),
    /gate "empty" has type shell but no command/,
  );
});
