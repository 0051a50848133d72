/**
 * A cache of the validated config in `.ork/cache/config.json`, so that a command whose config files have not
 * changed skips the YAML parser and the validator (together they cost more than the rest of `ork enqueue`).
 * The key is the exact text of both files and ork's version: an edited file can never be served stale, and
 * the cache needs no timestamps.
 *
 * @module
 */

import { join } from "node:path";
import { VERSION } from "../version.ts";
import type { OrkConfig } from "./types.ts";

/** Bump when the shape of a cached config changes without a version change. */
const CACHE_FORMAT = 3;

interface CacheEntry {
  key: string;
  config: OrkConfig;
}

function cachePath(repoRoot: string): string {
  return join(repoRoot, ".ork", "cache", "config.json");
}

/** The cache key for the two files' texts (undefined: the file is absent). */
export function configCacheKey(texts: ReadonlyArray<string | undefined>): string {
  return JSON.stringify([CACHE_FORMAT, VERSION, ...texts.map((text) => text ?? null)]);
}

/** The cached config for `key`, or undefined when there is none or it was made from other files. */
export function readCachedConfig(repoRoot: string, key: string): OrkConfig | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(cachePath(repoRoot));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const entry = JSON.parse(text) as CacheEntry;
    return entry.key === key ? entry.config : undefined;
  } catch {
    return undefined; // a torn or foreign cache file is just a miss; the next write replaces it
  }
}

/**
 * Stores the config for `key`. Only in a repository where `ork init` made `.ork/`: ork never creates state
 * that git would show as untracked. A read-only `.ork/` only costs speed, so that is not an error.
 */
export function writeCachedConfig(repoRoot: string, key: string, config: OrkConfig): void {
  const path = cachePath(repoRoot);
  const temp = `${path}.${Deno.pid}.tmp`;
  try {
    Deno.mkdirSync(join(repoRoot, ".ork", "cache"), { recursive: false });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) return;
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  try {
    // Not fsynced: losing it to a crash costs one parse, nothing else.
    Deno.writeTextFileSync(temp, JSON.stringify({ key, config } satisfies CacheEntry));
    Deno.renameSync(temp, path);
  } catch (error) {
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
  }
}
