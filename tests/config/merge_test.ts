import assert from "node:assert/strict";
import { DEFAULT_CONFIG, mergeConfig } from "../../src/config/mod.ts";

Deno.test("no layers give a copy of the defaults", () => {
  const config = mergeConfig([]);
  assert.deepEqual(config, DEFAULT_CONFIG);
  assert.notEqual(config.orchestrator, DEFAULT_CONFIG.orchestrator);
  assert.ok(!Object.isFrozen(config.orchestrator));
});

Deno.test("orchestrator settings override key by key across layers", () => {
  const config = mergeConfig([{ orchestrator: { max_concurrent: 5 } }, { orchestrator: { max_retries: 0 } }]);
  assert.deepEqual(config.orchestrator, {
    ...DEFAULT_CONFIG.orchestrator,
    max_concurrent: 5,
    max_retries: 0,
  });
});

Deno.test("a later list replaces an earlier one instead of adding to it", () => {
  const config = mergeConfig([
    { forbidden_patterns: ["a"], merge_gates: [{ name: "x", type: "secrets", required: true, timeout: 1 }] },
    { forbidden_patterns: ["b"] },
  ]);
  assert.deepEqual(config.forbidden_patterns, ["b"]);
  assert.deepEqual(config.merge_gates, [{ name: "x", type: "secrets", required: true, timeout: 1 }]);
});

Deno.test("empty roles leave no roles at all", () => {
  assert.deepEqual(mergeConfig([{ roles: {} }]).roles, {});
});

Deno.test("the merged config shares nothing with the layers", () => {
  const layer = {
    roles: { r: { description: "d", allowed_tools: ["git"], forbidden_patterns: [], sandbox_writable: [] } },
  };
  const config = mergeConfig([layer]);
  layer.roles.r.allowed_tools.push("rm");
  assert.deepEqual(config.roles.r?.allowed_tools, ["git"]);
});
