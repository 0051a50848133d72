/**
 * Agent roles: which roles exist and what a job of each may run. The Foundation only checks that a role exists;
 * checking a command against the role's tools and forbidden patterns builds on this.
 *
 * @module
 */

import { InputError } from "../errors/mod.ts";
import type { OrkConfig, RoleConfig } from "../config/mod.ts";

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
