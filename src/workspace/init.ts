/**
 * `ork init`: lay down `.ork/` and the config files in a repository, and keep `.ork/` out of git. Idempotent.
 *
 * @module
 */

import { join, relative } from "node:path";
import { loadConfig, writeMissingConfig } from "../config/mod.ts";
import { isNotFound } from "../errors/mod.ts";
import { gitCommonDir } from "../git/root.ts";
import type { Workspace } from "./mod.ts";

/** What `ork init` did; empty lists when the repository was already set up. */
export interface InitReport {
  /** Folders created, relative to the root. */
  readonly createdDirs: string[];
  /** Config files written, relative to the root. */
  readonly wroteConfig: string[];
  /** Lines added to git's exclude file. */
  readonly excluded: string[];
  /** The exclude file (`.git/info/exclude`). */
  readonly excludeFile: string;
}

/**
 * Creates `.ork/{queue,archive,locks,worktrees,logs,cache}` (or the configured queue and worktree folders), writes the
 * config files that are absent, and adds `.ork/` to `.git/info/exclude` so git never shows or commits ork's state.
 *
 * @param ws the opened workspace (its config is already validated)
 * @returns what was done
 */
export async function initWorkspace(ws: Workspace): Promise<InitReport> {
  const { paths, root } = ws;
  const createdDirs: string[] = [];
  const cache = join(paths.ork, "cache");
  for (
    const dir of [paths.ork, paths.queue, paths.archive, paths.locks, paths.worktrees, paths.logs, cache]
  ) {
    try {
      await Deno.mkdir(dir, { recursive: false });
      createdDirs.push(relative(root, dir));
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue;
      if (!isNotFound(error)) throw error;
      await Deno.mkdir(dir, { recursive: true }); // a configured folder whose parents are missing
      createdDirs.push(relative(root, dir));
    }
  }
  const wroteConfig = await writeMissingConfig(root);
  // Validate what is now on disk and fill the config cache, so the commands that follow start fast.
  await loadConfig(root);

  const patterns = ["/.ork/"];
  for (const dir of [paths.queue, paths.worktrees]) {
    const rel = relative(root, dir);
    if (rel !== "" && !rel.startsWith("..") && !rel.startsWith(".ork")) patterns.push(`/${rel}/`);
  }
  const excludeFile = join(gitCommonDir(root), "info", "exclude");
  const excluded = await addExcludes(excludeFile, patterns);
  return { createdDirs, wroteConfig, excluded, excludeFile };
}

async function addExcludes(file: string, patterns: string[]): Promise<string[]> {
  let text = "";
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const present = new Set(text.split("\n").map((line) => line.trim()));
  const missing = patterns.filter((p) => !present.has(p) && !present.has(p.replace(/^\//, "")));
  if (missing.length === 0) return [];
  const separator = text === "" || text.endsWith("\n") ? "" : "\n";
  await Deno.mkdir(join(file, ".."), { recursive: true });
  await Deno.writeTextFile(file, `${text}${separator}# ork's state (ork init)\n${missing.join("\n")}\n`);
  return missing;
}
