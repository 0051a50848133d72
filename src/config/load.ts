/**
 * Reads a repository's config files and turns them into an {@link OrkConfig}.
 *
 * @module
 */

import { join } from "node:path";
import { ConfigError, isNotFound, messageOf } from "../errors/mod.ts";
import { configCacheKey, readCachedConfig, writeCachedConfig } from "./cache.ts";
import { mergeConfig } from "./merge.ts";
import { CONFIG_FILES, type ConfigFile, type ConfigLayer, type OrkConfig } from "./types.ts";

/** True for text YAML reads as no document: only blank lines and comments. */
function isBlank(text: string): boolean {
  // A line whose first non-blank character is `#` is a comment anywhere outside a block scalar, and a block
  // scalar needs an indicator line (`key: |`) that is not a comment, so this cannot misread a value.
  return text.split(/\r?\n/).every((line) => /^\s*(?:#.*)?$/.test(line));
}

/**
 * A config file's text, or undefined when it does not exist.
 *
 * @throws {ConfigError} when the file exists but cannot be read, naming the file and the fix
 */
export async function readConfigText(repoRoot: string, file: ConfigFile): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(join(repoRoot, file));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new ConfigError(
      file,
      undefined,
      `cannot read: ${messageOf(error)}`,
      `make ${file} a readable file, or delete it to use the defaults`,
    );
  }
}

/**
 * Loads a repository's config: the embedded defaults, overridden by `config/orchestrator.yaml` and then
 * `config/agent_roles.yaml` as {@link mergeConfig} describes. Each file is optional; a missing, empty or
 * comments-only file means the defaults.
 *
 * The YAML parser and the validator are imported only when a file has content and differs from what the
 * config cache (`.ork/cache/config.json`, see cache.ts) was made from, so most commands do not pay for them.
 *
 * @param repoRoot the main worktree's root
 * @param options `writeCache: false` for commands that must write nothing (`ork run --dry-run`)
 * @returns a fresh config the caller may change
 * @throws {ConfigError} `config-invalid` for a file that cannot be read, does not parse or does not validate;
 *   the message names the file, the line and the key, and the hint says how to fix it
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CONFIG } from "./defaults.ts";
 * const root = await Deno.makeTempDir();
 * assert.deepEqual(await loadConfig(root), DEFAULT_CONFIG);
 * await Deno.remove(root);
 * ```
 */
export async function loadConfig(
  repoRoot: string,
  options: { writeCache?: boolean } = {},
): Promise<OrkConfig> {
  const files = [CONFIG_FILES.orchestrator, CONFIG_FILES.roles];
  const texts = await Promise.all(files.map((file) => readConfigText(repoRoot, file)));
  const present = files.flatMap((file, index) => {
    const text = texts[index];
    return text === undefined || isBlank(text) ? [] : [{ file, text }];
  });
  if (present.length === 0) return mergeConfig([]);
  const key = configCacheKey(texts);
  const cached = readCachedConfig(repoRoot, key);
  if (cached !== undefined) return cached;
  const { parseConfigText } = await import("./parse.ts");
  const layers: ConfigLayer[] = present.map(({ file, text }) => parseConfigText(file, text));
  const config = mergeConfig(layers);
  if (options.writeCache !== false) writeCachedConfig(repoRoot, key, config);
  return config;
}
