/**
 * The config checks, one per file. Unlike every other command, doctor must not stop at a broken file: each
 * file is parsed on its own with config's parser (`parseConfigText`, no cache read or written), a broken one
 * fails its check with the `file:line: key: problem` message, and the rest of doctor goes on with what did load.
 *
 * @module
 */

import {
  CONFIG_FILES,
  type ConfigLayer,
  mergeConfig,
  type OrkConfig,
  readConfigText,
} from "../config/mod.ts";
import { ConfigError } from "../errors/mod.ts";
import { type Check, failed, passed } from "./check.ts";

/** What the config checks found, and the config the other checks go on with. */
export interface ConfigOutcome {
  /** One check per config file, `config/orchestrator.yaml` first. */
  readonly checks: Check[];
  /** The defaults overridden by the files that loaded (a broken file counts as absent). */
  readonly config: OrkConfig;
  /** True when `config/orchestrator.yaml` did not load, so the settings other checks use are the defaults. */
  readonly settingsAreDefaults: boolean;
}

/**
 * Checks both config files of the repository at `root`.
 *
 * @param root the main worktree's root
 * @returns a check per file and the config to go on with
 */
export async function checkConfig(root: string): Promise<ConfigOutcome> {
  const files = [CONFIG_FILES.orchestrator, CONFIG_FILES.roles];
  const layers: ConfigLayer[] = [];
  const checks: Check[] = [];
  let settingsAreDefaults = false;
  for (const file of files) {
    try {
      const text = await readConfigText(root, file);
      if (text === undefined) {
        checks.push(passed(file, "absent: the built-in defaults apply"));
        continue;
      }
      const { parseConfigText } = await import("../config/parse.ts");
      layers.push(parseConfigText(file, text));
      checks.push(passed(file, "valid"));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      checks.push(failed(file, error.message, error.hint || `fix ${file}`));
      if (file === CONFIG_FILES.orchestrator) settingsAreDefaults = true;
    }
  }
  return { checks, config: mergeConfig(layers), settingsAreDefaults };
}
