/**
 * The pre-commit hook `ork hook install` writes: it runs `ork gates --staged`, so a commit that adds a secret
 * or an oversized file (or fails any other gate) is refused before it exists. The hook calls ork the way ork
 * was started, so it works without ork on the PATH.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError, isNotFound } from "../errors/mod.ts";
import { hooksDir } from "../git/mod.ts";
import { existsSync } from "../fs/paths.ts";

/** The line that marks a hook as ork's: only such a hook is replaced or removed without `--force`. */
export const HOOK_MARKER = "# ork pre-commit hook";

/** How this process was started, as far as the hook needs to know. */
export interface StartedAs {
  /** `Deno.execPath()`: the deno binary, or the compiled ork binary. */
  readonly execPath: string;
  /** `Deno.mainModule`: ork's entry point (main.ts, a bundle, or a path inside a compiled binary). */
  readonly mainModule: string;
  /** `Deno.build.standalone`: true in a binary made with `deno compile`. */
  readonly standalone: boolean;
}

/** This process's {@link StartedAs}. */
export function startedAs(): StartedAs {
  return { execPath: Deno.execPath(), mainModule: Deno.mainModule, standalone: Deno.build.standalone };
}

/**
 * The command that starts ork again the way it was started: the compiled binary itself; or deno running the
 * same entry point with every permission, and with the checkout's deno.json when run from source (a bundle is
 * run with `--no-config`, so a deno.json in the repository being committed cannot change how it loads).
 *
 * @param how how ork was started
 * @returns the program and its first arguments
 */
export function orkCommand(how: StartedAs): string[] {
  if (how.standalone) return [how.execPath];
  const run = [how.execPath, "run", "--allow-all", "--quiet"];
  if (!how.mainModule.startsWith("file:")) return [...run, how.mainModule];
  const main = fileURLToPath(how.mainModule);
  if (/\.[cm]?js$/.test(main)) return [...run, "--no-config", main];
  const config = join(dirname(main), "deno.json");
  return [...run, ...(existsSync(config) ? ["--config", config] : []), main];
}

/**
 * The hook's text: a POSIX shell script that runs `ork gates --staged` with the command from
 * {@link orkCommand}, and passes its exit code to git.
 *
 * @param command the command that starts ork
 * @returns the script
 */
export function preCommitHook(command: readonly string[]): string {
  return [
    "#!/bin/sh",
    HOOK_MARKER,
    "# Written by `ork hook install`; `ork hook uninstall` removes it. It runs the merge gates",
    "# (config/orchestrator.yaml) on what is being committed; `git commit --no-verify` skips it.",
    `exec ${command.map(shellQuote).join(" ")} gates --staged`,
    "",
  ].join("\n");
}

/**
 * Whether a hook file's text is ork's.
 *
 * @param text the file's content
 * @returns true when it has {@link HOOK_MARKER} as a line of its own
 */
export function isOrkHook(text: string): boolean {
  return text.split("\n").some((line) => line.trimEnd() === HOOK_MARKER);
}

/** What {@link installHook} did. */
export interface HookInstall {
  /** The hook's path. */
  readonly path: string;
  /** The hook that was there before: none, ork's (replaced), or another one (replaced with `force`). */
  readonly replaced: "none" | "ork" | "other";
}

/**
 * Writes the pre-commit hook into the folder git runs hooks from (`core.hooksPath` when set).
 *
 * @param root the top of the worktree
 * @param opts `force`: replace a hook that is not ork's; `command`: how to start ork (default: as now)
 * @returns where it went and what it replaced
 * @throws {OrkError} `bad-input` when a pre-commit hook that is not ork's exists and `force` is not set
 */
export async function installHook(
  root: string,
  opts: { force?: boolean; command?: readonly string[] } = {},
): Promise<HookInstall> {
  const path = join(await hooksDir(root), "pre-commit");
  const existing = await readOrNull(path);
  const replaced = existing === null ? "none" : isOrkHook(existing) ? "ork" : "other";
  if (replaced === "other" && !opts.force) {
    throw new InputError(
      `${path} exists and is not ork's pre-commit hook`,
      "add `ork gates --staged` to it yourself, or replace it with 'ork hook install --force'",
    );
  }
  await Deno.mkdir(dirname(path), { recursive: true });
  // Written beside and renamed, so that a commit starting meanwhile sees the old hook or the new, whole.
  const temp = `${path}.ork-${Deno.pid}.tmp`;
  await Deno.writeTextFile(temp, preCommitHook(opts.command ?? orkCommand(startedAs())), { mode: 0o755 });
  await Deno.chmod(temp, 0o755); // the umask may have taken bits away
  await Deno.rename(temp, path);
  return { path, replaced };
}

/**
 * Removes ork's pre-commit hook.
 *
 * @param root the top of the worktree
 * @param opts `force`: remove the pre-commit hook even when it is not ork's
 * @returns the hook's path, and whether there was one to remove
 * @throws {OrkError} `bad-input` when the hook there is not ork's and `force` is not set
 */
export async function uninstallHook(
  root: string,
  opts: { force?: boolean } = {},
): Promise<{ path: string; removed: boolean }> {
  const path = join(await hooksDir(root), "pre-commit");
  const existing = await readOrNull(path);
  if (existing === null) return { path, removed: false };
  if (!isOrkHook(existing) && !opts.force) {
    throw new InputError(
      `${path} is not ork's pre-commit hook; leaving it`,
      "remove it yourself, or with 'ork hook uninstall --force'",
    );
  }
  await Deno.remove(path);
  return { path, removed: true };
}

/** Quotes a word for `sh`: as it is when it is plainly safe, else in single quotes. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
