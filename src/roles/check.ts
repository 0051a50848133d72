/**
 * Whether a role may run a command line: the decision, as a plain function of the config, the role and the
 * text. It guards against mistakes and runaway agents; it is not a sandbox (a role with `bash` can run any
 * script), so nothing here tries to be one.
 *
 * @module
 */

import { posix } from "node:path";
import { InputError } from "../errors/mod.ts";
import { CONFIG_FILES, DEFAULT_FORBIDDEN_PATTERNS, type OrkConfig } from "../config/mod.ts";
import { baseName, CommandParseError, commandWords, isDynamicWord, wordText } from "./words.ts";

/**
 * Shell builtins every role may use: they cannot start a program. (`exec`, `eval`, `command`, `source` and `.`
 * can, so they are not here.)
 */
export const SHELL_BUILTINS: readonly string[] = Object.freeze([
  "cd",
  "echo",
  "printf",
  "test",
  "[",
  "true",
  "false",
  ":",
  "export",
  "set",
  "exit",
]);

/** Why a command was refused. */
export type RefusalKind = "unknown-role" | "tool" | "pattern" | "parse" | "dynamic";

/** A refusal: what was refused and the one line that says so. */
export interface Refusal {
  /** `unknown-role`, `tool` (not in allowed_tools), `pattern` (forbidden), `parse`, or `dynamic` (`$X` run). */
  kind: RefusalKind;
  /** The role, tool (`curl`, `git commit`), pattern, parser message, or dynamic word refused. */
  what: string;
  /** One line naming what was refused and the role. */
  message: string;
  /** How to get it accepted, in one line. */
  hint: string;
}

/** What {@link checkCommand} decided. */
export interface RoleVerdict {
  /** True when the role may run the command. */
  allowed: boolean;
  /** The role asked about. */
  role: string;
  /**
   * The distinct command names the line runs, in order (base names for paths, the source text of a dynamic
   * one such as `$X`); empty when the command was refused before it was parsed (unknown role, pattern).
   */
  tools: string[];
  /** Why not, when not allowed; null when allowed. */
  refusal: null | Refusal;
}

/** The refusal of an unknown role; the same words as {@link requireRole}. */
function unknownRole(config: OrkConfig, role: string): Refusal {
  const known = Object.keys(config.roles).sort();
  return {
    kind: "unknown-role",
    what: role,
    message: `unknown role ${JSON.stringify(role)}`,
    hint: known.length > 0
      ? `use one of: ${known.join(", ")} (roles are defined in ${CONFIG_FILES.roles})`
      : `define roles in ${CONFIG_FILES.roles}`,
  };
}

/** What a default pattern refuses, for the message; user patterns have no description. */
export function patternDescription(pattern: string): string | undefined {
  return DEFAULT_FORBIDDEN_PATTERNS.find((entry) => entry.pattern === pattern)?.refuses;
}

/**
 * A word as a forbidden pattern should see it: a dynamic word's source without its double quotes (`"$HOME"/`
 * is `$HOME/`), a path from the root or the home folder normalised (`/.` and `//` are `/`, `~/.` is `~`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plainWord } from "./check.ts";
 * import { DYNAMIC_MARK } from "./words.ts";
 *
 * assert.equal(plainWord(`${DYNAMIC_MARK}"\${HOME}"`), "${HOME}");
 * assert.equal(plainWord("/."), "/");
 * assert.equal(plainWord("build/"), "build/");
 * ```
 */
export function plainWord(word: string): string {
  // A word is one argument: whitespace inside it (`"push -f"`) must not read as two, so it becomes \x01.
  const text = (isDynamicWord(word) ? wordText(word).replaceAll('"', "") : word).replace(/\s/g, "\x01");
  return /^(?:\/|~|\$HOME\b|\$\{HOME\})/.test(text) ? posix.normalize(text) : text;
}

/** The first forbidden pattern (the role's, then the global ones) found anywhere in `command`. */
function forbiddenPattern(config: OrkConfig, role: string, command: string): Refusal | null {
  const own = config.roles[role]!.forbidden_patterns.map((pattern) => ({ pattern, global: false }));
  const global = config.forbidden_patterns.map((pattern) => ({ pattern, global: true }));
  for (const { pattern, global: isGlobal } of [...own, ...global]) {
    // The config loader has already checked that each pattern compiles.
    if (!new RegExp(pattern).test(command)) continue;
    const refuses = patternDescription(pattern);
    const why = refuses === undefined ? `role ${role}` : `${refuses}; role ${role}`;
    return {
      kind: "pattern",
      what: pattern,
      message: `the command matches forbidden pattern "${pattern}" (${why})`,
      hint: isGlobal
        ? `forbidden_patterns in ${CONFIG_FILES.roles} refuse it for every role; run it yourself if you mean it`
        : `forbidden_patterns of ${role} in ${CONFIG_FILES.roles} refuse it; run it yourself if you mean it`,
    };
  }
  return null;
}

/** The words of `words` after the command name that do not start with `-`. */
function operands(words: readonly string[]): string[] {
  return words.slice(1).filter((word) => !word.startsWith("-"));
}

/**
 * Whether an `allowed_tools` entry allows a simple command. An entry of one word allows the program of that
 * base name with any arguments. An entry of several words (`git diff`) allows it only with that subcommand:
 * the words after the program that do not start with `-` must begin with the entry's other words. So
 * `git --no-pager diff` is allowed and `git -C dir diff` is not (`dir` comes first): options before the
 * subcommand are not understood, and refusing the ones that take a value is the safe way to be wrong.
 */
export function entryAllows(entry: string, words: readonly string[]): boolean {
  const [tool, ...sub] = entry.trim().split(/\s+/);
  const name = words[0];
  if (tool === undefined || name === undefined || isDynamicWord(name)) return false;
  if (baseName(name) !== baseName(tool)) return false;
  const given = operands(words);
  return sub.every((word, i) => given[i] === word);
}

/** Whether a role's tools (or the builtins) allow one simple command. */
function allows(tools: readonly string[], words: readonly string[]): boolean {
  const name = words[0];
  if (name === undefined) return true;
  if (!isDynamicWord(name) && SHELL_BUILTINS.includes(baseName(name))) return true;
  return tools.some((entry) => entryAllows(entry, words));
}

/** A command's name as shown: the base name of a literal one, the source text of a dynamic one. */
function commandName(word: string): string {
  return isDynamicWord(word) ? wordText(word) : baseName(word);
}

/** `allowed: a, b, and the builtins cd, ...` for a refusal. */
function allowedList(tools: readonly string[]): string {
  const builtins = `the builtins ${SHELL_BUILTINS.join(", ")}`;
  return tools.length > 0 ? `allowed: ${tools.join(", ")}, and ${builtins}` : `allowed: only ${builtins}`;
}

/**
 * What to call a refused command: its name, and when the role has entries with subcommands for it, its
 * operands up to the first one no entry allows (`git commit`, `git stash pop` next to `git stash list`).
 */
function refusedTool(tools: readonly string[], words: readonly string[]): string {
  const name = baseName(words[0]!);
  const given = operands(words);
  let shown = 0;
  for (const entry of tools) {
    const [tool, ...sub] = entry.trim().split(/\s+/);
    if (tool === undefined || baseName(tool) !== name || sub.length === 0) continue;
    let matched = 0;
    while (matched < sub.length && given[matched] === sub[matched]) matched++;
    shown = Math.max(shown, Math.min(matched + 1, given.length));
  }
  return [name, ...given.slice(0, shown).map(wordText)].join(" ");
}

/**
 * Decides whether `role` may run `command`. In order: the role must exist; no forbidden pattern (the role's,
 * then the global ones; JavaScript regular expressions matched anywhere in the whole text) may match; the line
 * must parse; and every command it would run must be a shell builtin ({@link SHELL_BUILTINS}) or allowed by
 * the role's `allowed_tools` (see {@link entryAllows}), with a literal name (not `$X` or `$(...)`).
 *
 * @param config the loaded config
 * @param role the job's role
 * @param command the job's command line
 * @returns the verdict; the first reason to refuse, if any
 */
export async function checkCommand(config: OrkConfig, role: string, command: string): Promise<RoleVerdict> {
  const refuse = (refusal: Refusal, tools: string[] = []): RoleVerdict => ({
    allowed: false,
    role,
    tools,
    refusal,
  });
  if (!Object.hasOwn(config.roles, role)) return refuse(unknownRole(config, role));
  const pattern = forbiddenPattern(config, role, command);
  if (pattern !== null) return refuse(pattern);

  let commands: string[][];
  try {
    commands = await commandWords(command);
  } catch (error) {
    if (!(error instanceof CommandParseError)) throw error;
    return refuse({ kind: "parse", what: error.parserMessage, message: error.message, hint: error.hint });
  }
  // The patterns again on each command as the shell will run it: quotes gone (`rm -rf "$HOME"`, `rm -rf "/"`),
  // a path to the root written another way (`/.`, `//`) as `/`.
  for (const words of commands) {
    const seen = forbiddenPattern(config, role, words.map(plainWord).join(" "));
    // (The first pass saw the text as written: a pattern that matches only there is the text's.)
    if (seen !== null) return refuse(seen);
  }
  const tools = [...new Set(commands.map((words) => commandName(words[0]!)))];

  const allowed = config.roles[role]!.allowed_tools;
  for (const words of commands) {
    if (allows(allowed, words)) continue;
    const name = words[0]!;
    if (isDynamicWord(name)) {
      return refuse({
        kind: "dynamic",
        what: wordText(name),
        message: `role ${role} may not run ${
          JSON.stringify(wordText(name))
        }: ork cannot tell which program it runs`,
        hint: "write the program's name literally, or put the logic in a script the role may run",
      }, tools);
    }
    const tool = refusedTool(allowed, words);
    const others = Object.keys(config.roles).sort().filter((other) =>
      other !== role && allows(config.roles[other]!.allowed_tools, words)
    );
    return refuse({
      kind: "tool",
      what: tool,
      message: `role ${role} may not run ${JSON.stringify(tool)} (${allowedList(allowed)})`,
      hint:
        `add it to allowed_tools of ${role} in ${CONFIG_FILES.roles}, or enqueue with a role that has it` +
        (others.length > 0 ? ` (${others.join(", ")})` : ""),
    }, tools);
  }
  return { allowed: true, role, tools, refusal: null };
}

/**
 * Refuses a command the role may not run, as {@link checkCommand} decides.
 *
 * @throws {InputError} with the refusal's one-line message and hint
 */
export async function assertCommandAllowed(config: OrkConfig, role: string, command: string): Promise<void> {
  const verdict = await checkCommand(config, role, command);
  if (verdict.refusal !== null) throw new InputError(verdict.refusal.message, verdict.refusal.hint);
}
