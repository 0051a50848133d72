/**
 * Agent roles: which roles exist and what a job of each may run. {@link checkCommand} decides whether a role
 * may run a command line (its `allowed_tools`, the forbidden patterns, the programs the line starts);
 * `enqueue` refuses what it refuses, and the runner checks again when it claims a job.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import type { OrkConfig, RoleConfig } from "../config/mod.ts";

export {
  assertCommandAllowed,
  checkCommand,
  entryAllows,
  patternDescription,
  type Refusal,
  type RefusalKind,
  type RoleVerdict,
  SHELL_BUILTINS,
} from "./check.ts";
export { baseName, CommandParseError, commandWords, DYNAMIC_MARK, isDynamicWord, wordText } from "./words.ts";

/**
 * The role's config.
 *
 * @param config the loaded config
 * @param role a role name
 * @returns the role
 * @throws {InputError} naming the role and the known ones when it is not configured
 */
export function requireRole(config: OrkConfig, role: string): RoleConfig {
  const found = Object.hasOwn(config.roles, role) ? config.roles[role] : undefined;
  if (found === undefined) {
    const known = Object.keys(config.roles).sort();
    throw new InputError(
      `unknown role ${JSON.stringify(role)}`,
      known.length > 0
        ? `use one of: ${known.join(", ")} (roles are defined in config/agent_roles.yaml)`
        : "define roles in config/agent_roles.yaml",
    );
  }
  return found;
}
