import type { GateConfig } from "../../src/config/mod.ts";

/** A shell gate with the config's defaults (required, 300 s) unless overridden. */
export function shellGate(name: string, command: string, fields: Partial<GateConfig> = {}): GateConfig {
  return { name, type: "shell", command, required: true, timeout: 300, ...fields };
}
