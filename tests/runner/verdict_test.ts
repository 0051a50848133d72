import assert from "node:assert/strict";
import type { GateConfig } from "../../src/config/mod.ts";
import type { GateResult } from "../../src/gates/mod.ts";
import { landingFailure } from "../../src/runner/verdict.ts";

const facts = { target: "main", job: "01jobid", gates: [] as GateConfig[] };

function gate(name: string, passed: boolean): GateResult {
  return { name, passed, required: true, exit_code: passed ? 0 : 1, duration_ms: 5 } as unknown as GateResult;
}

Deno.test("a conflict and a target moving outside ork are retried as conflicts; the message names the files or the count", () => {
  assert.deepEqual(landingFailure({ kind: "conflict", files: ["a.txt", "b/c.ts"] }, facts), {
    error: "conflicts with main in a.txt, b/c.ts",
    retry: "conflict",
  });
  assert.deepEqual(landingFailure({ kind: "target-moving", attempts: 3 }, facts), {
    error: "main moved outside ork 3 times while the gates ran",
    retry: "conflict",
  });
});

Deno.test("changing ork's own config, or meeting the user's uncommitted work, is never retried and says the fix", () => {
  const protectedPaths = landingFailure(
    { kind: "changes-protected", files: ["config/orchestrator.yaml"] },
    facts,
  );
  assert.equal(protectedPaths.retry, false);
  assert.match(
    protectedPaths.error,
    /^changes ork's own config \(config\/orchestrator\.yaml\), which no job may/,
  );
  assert.match(protectedPaths.error, /ork retry 01jobid if the rest is wanted$/);
  const gates = [gate("test", true)];
  assert.deepEqual(landingFailure({ kind: "checkout-would-lose-work", files: ["notes.md"], gates }, facts), {
    error: "would overwrite uncommitted changes in notes.md; commit or stash them, then ork retry 01jobid",
    result: { landed: false, gates },
    retry: false,
  });
});

Deno.test("failed gates: the ones that ran and failed are named, those not run after them too; a secrets finding alone is its own kind", () => {
  const configured = [
    { name: "secrets", type: "secrets", required: true },
    { name: "test", type: "shell", required: true },
    { name: "lint", type: "shell", required: true },
  ] as unknown as GateConfig[];
  const ran = [gate("secrets", true), gate("test", false)];
  assert.deepEqual(
    landingFailure({ kind: "gates-failed", failed: ["test", "lint"], gates: ran }, {
      ...facts,
      gates: configured,
    }),
    {
      error: "required gate test failed (not run after it: lint)",
      result: { landed: false, gates: ran },
      retry: "gate",
    },
  );
  const secrets = [gate("secrets", false)];
  assert.equal(
    landingFailure({ kind: "gates-failed", failed: ["secrets"], gates: secrets }, {
      ...facts,
      gates: configured,
    })
      .retry,
    "secrets",
  );
  assert.equal(
    landingFailure({ kind: "gates-failed", failed: ["test"], gates: [] }, { ...facts, gates: configured })
      .error,
    "required gate test did not run",
  );
});
