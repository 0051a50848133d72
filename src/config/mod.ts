/**
 * ork's configuration: two optional YAML files in the repository, `config/orchestrator.yaml` and
 * `config/agent_roles.yaml`, laid over defaults embedded in the binary.
 *
 * Parsing and validation (`parse.ts`, with `yaml` and `zod`) are not re-exported here: importing this module
 * must stay cheap, and {@link loadConfig} imports them only when a config file has content. Tests that want
 * the parser import `./parse.ts` directly.
 *
 * @module
 */

export type {
  AgentPreset,
  ConfigFile,
  ConfigLayer,
  EnvironmentSettings,
  GateConfig,
  GateType,
  HookEvent,
  HookSettings,
  OrchestratorSettings,
  OrkConfig,
  RateLimitSettings,
  RetryKind,
  RoleConfig,
} from "./types.ts";
export { CONFIG_FILES } from "./types.ts";
export type { ForbiddenPattern } from "./defaults.ts";
export {
  DEFAULT_CONFIG,
  DEFAULT_FORBIDDEN_PATTERNS,
  DEFAULT_GATE_TIMEOUT,
  DEFAULT_MAX_BYTES,
} from "./defaults.ts";
export { configTemplates } from "./templates.ts";
export { mergeConfig } from "./merge.ts";
export { loadConfig, readConfigText } from "./load.ts";
export { writeMissingConfig } from "./write.ts";
