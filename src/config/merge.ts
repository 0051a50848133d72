/**
 * How config layers combine. A plain function of plain values, so the rule is testable without files.
 *
 * @module
 */

import { DEFAULT_CONFIG } from "./defaults.ts";
import type { ConfigLayer, OrkConfig } from "./types.ts";

/**
 * Lays config layers over {@link DEFAULT_CONFIG}, later layers winning:
 *
 * - `orchestrator:` settings override their defaults key by key: a file that sets only `max_concurrent` keeps
 *   every other default.
 * - `landing` and `environment` keys likewise override one by one, and `agents` name by name (a preset of the
 *   built-ins' name replaces it; the other built-ins stay);
 * - `merge_gates`, `roles` and `forbidden_patterns`, when a layer has them, replace the earlier value
 *   wholesale: the file is the whole statement, so a role removed from it is gone (`ork init` writes the
 *   defaults into the file for that reason). A layer without the key keeps the earlier value.
 *
 * @param layers what each config file set, in the order they apply
 * @returns a fresh config that shares nothing with the defaults or the layers
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CONFIG } from "./defaults.ts";
 * const config = mergeConfig([{ orchestrator: { max_concurrent: 8 } }]);
 * assert.equal(config.orchestrator.max_concurrent, 8);
 * assert.equal(config.orchestrator.job_timeout, DEFAULT_CONFIG.orchestrator.job_timeout);
 * ```
 */
export function mergeConfig(layers: readonly ConfigLayer[]): OrkConfig {
  let merged: OrkConfig = DEFAULT_CONFIG;
  for (const layer of layers) {
    merged = {
      orchestrator: { ...merged.orchestrator, ...layer.orchestrator },
      landing: { ...merged.landing, ...layer.landing },
      environment: { ...merged.environment, ...layer.environment },
      hooks: { ...merged.hooks, ...layer.hooks },
      rate_limit: { ...merged.rate_limit, ...layer.rate_limit },
      agents: { ...merged.agents, ...layer.agents },
      merge_gates: layer.merge_gates ?? merged.merge_gates,
      roles: layer.roles ?? merged.roles,
      forbidden_patterns: layer.forbidden_patterns ?? merged.forbidden_patterns,
    };
  }
  // A copy, so callers can neither change the frozen defaults nor see their later edits to a layer.
  return structuredClone(merged);
}
