/**
 * What the completion scripts are written from: each command of the commander program, with its options and
 * arguments and where their values come from (read from the placeholders: `--role <role>`, `[id]`, see
 * {@link SOURCES}), and what the bash, zsh and fish writers share.
 *
 * @module
 */

import type { CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { JOB_STATUSES, type JobStatus } from "../../queue/status.ts";
import { VERSION } from "../../version.ts";

/** The shells `ork completions` writes a script for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** One of {@link SHELLS}. */
export type Shell = (typeof SHELLS)[number];

/** True when `name` is one of {@link SHELLS}. */
export function isShell(name: string): name is Shell {
  return (SHELLS as readonly string[]).includes(name);
}

/** Where the values of an option or a positional argument come from when completing. */
export type ValueSource =
  /** Free text (a description, a command line, a number): nothing to offer. */
  | { readonly kind: "text" }
  /** A fixed set of words, known when the script is written. */
  | { readonly kind: "words"; readonly words: readonly string[] }
  /** Values that live in the repository, from `ork completions --list <list>` at completion time. */
  | { readonly kind: "list"; readonly list: string }
  /** A directory. */
  | { readonly kind: "dirs" }
  /** A file. */
  | { readonly kind: "files" };

/** What `ork completions --list` prints: the roles, the merge gates, or the ids of jobs with some statuses. */
export type ValueList =
  | { readonly what: "roles" }
  | { readonly what: "gates" }
  | { readonly what: "jobs"; readonly statuses: readonly JobStatus[] };

/**
 * Reads the name of a list the scripts ask for: `roles`, `gates`, `jobs` (every job) or `jobs:<status>,...`.
 *
 * @param name the value of `ork completions --list`
 * @returns the list, or null for a name ork does not know (a script from another version)
 */
export function parseValueList(name: string): ValueList | null {
  if (name === "roles" || name === "gates") return { what: name };
  if (name === "jobs") return { what: "jobs", statuses: JOB_STATUSES };
  const match = /^jobs:([a-z_,]+)$/.exec(name);
  if (match === null) return null;
  const statuses = match[1]!.split(",");
  const known = (s: string): s is JobStatus => (JOB_STATUSES as readonly string[]).includes(s);
  return statuses.every(known) ? { what: "jobs", statuses } : null;
}

/** Only words that need no quoting in any shell, so the bash script can carry them comma-separated. */
function words(list: readonly string[]): ValueSource {
  return { kind: "words", words: list.filter((w) => /^[\w.@+:-]+$/.test(w)) };
}

function list(name: string): ValueSource {
  return { kind: "list", list: name };
}

/**
 * Values by the placeholder an option or argument is declared with, so that a new command's `<role>` or `[id]`
 * completes with no change here. A `command:placeholder` entry is read first: it narrows one command's values
 * (`cancel` can only act on pending or running jobs, `retry` only on failed ones).
 */
const SOURCES: Readonly<Record<string, ValueSource>> = {
  role: list("roles"),
  id: list("jobs"),
  "cancel:id": list("jobs:pending,running,awaiting_review"),
  "approve:id": list("jobs:awaiting_review"),
  "reject:id": list("jobs:awaiting_review"),
  "retry:id": list("jobs:failed"),
  "gates:names": list("gates"),
  status: words(JOB_STATUSES),
  shell: words(SHELLS),
  dir: { kind: "dirs" },
  path: { kind: "files" },
};

const TEXT: ValueSource = { kind: "text" };

/** An option as the scripts see it. */
export interface OptionSpec {
  /** The short flag (`-C`), if any. */
  readonly short: string | null;
  /** The long flag (`--repo`), if any. */
  readonly long: string | null;
  /** Its help text, on one line. */
  readonly description: string;
  /** Null for a flag that takes no value; else where its value comes from. */
  readonly value: ValueSource | null;
}

/** A positional argument as the scripts see it. */
export interface ArgumentSpec {
  /** Its placeholder (`id`). */
  readonly name: string;
  /** Where its values come from. */
  readonly value: ValueSource;
  /** True when it takes every remaining word (`[names...]`). */
  readonly variadic: boolean;
}

/** One command of the program, with what can follow it. */
export interface CommandSpec {
  /** The command names below `ork`: `[]` for `ork` itself, `["lock", "clear"]` for `ork lock clear`. */
  readonly path: readonly string[];
  /** Its subcommands with their help text, in help order. */
  readonly subcommands: readonly { readonly name: string; readonly description: string }[];
  /** Its options, the help option included. */
  readonly options: readonly OptionSpec[];
  /** Its positional arguments, in order. */
  readonly args: readonly ArgumentSpec[];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function sourceFor(
  command: string,
  placeholder: string,
  choices: readonly string[] | undefined,
): ValueSource {
  if (choices !== undefined) return words(choices);
  return SOURCES[`${command}:${placeholder}`] ?? SOURCES[placeholder] ?? TEXT;
}

function optionSpec(command: string, option: Option): OptionSpec {
  const takesValue = option.required || option.optional;
  const placeholder = /[<[]([^>\]]+?)(?:\.\.\.)?[>\]]/.exec(option.flags)?.[1] ?? "";
  return {
    short: option.short ?? null,
    long: option.long ?? null,
    description: oneLine(option.description),
    value: takesValue ? sourceFor(command, placeholder, option.argChoices) : null,
  };
}

/**
 * Every command of the program, parents before children, as its help shows them: hidden commands and options
 * are left out, commander's own `help [command]` is in (its argument completes with its sibling commands).
 *
 * @param program the root `ork` command, with its subcommands added
 * @returns one spec per command, the program itself first
 */
export function commandSpecs(program: CommandUnknownOpts): CommandSpec[] {
  const specs: CommandSpec[] = [];
  // `siblings` is set only for commander's own `help` command, which is not in its parent's `commands`.
  const walk = (command: CommandUnknownOpts, path: readonly string[], siblings: readonly string[] | null) => {
    const help = command.createHelp();
    const subs = help.visibleCommands(command);
    const own = subs.filter((sub) => command.commands.includes(sub)).map((sub) => sub.name());
    specs.push({
      path,
      subcommands: subs.map((sub) => ({ name: sub.name(), description: oneLine(sub.description()) })),
      options: help.visibleOptions(command).map((option) => optionSpec(command.name(), option)),
      args: command.registeredArguments.map((arg) => ({
        name: arg.name(),
        // `help [command]` takes one of the commands next to it.
        value: siblings !== null && arg.name() === "command"
          ? words(siblings)
          : sourceFor(command.name(), arg.name(), arg.argChoices),
        variadic: arg.variadic,
      })),
    });
    for (const sub of subs) walk(sub, [...path, sub.name()], command.commands.includes(sub) ? null : own);
  };
  walk(program, [], null);
  return specs;
}

/** Single-quoted for bash and zsh. */
export function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A source as one word for the bash and zsh scripts: `-`, `words:a,b`, `list:roles`, `dirs` or `files`. */
export function sourceWord(source: ValueSource): string {
  switch (source.kind) {
    case "text":
      return "-";
    case "words":
      return `words:${source.words.join(",")}`;
    case "list":
      return `list:${source.list}`;
    case "dirs":
    case "files":
      return source.kind;
  }
}

/** The option's flags, short first: `-C`, `--repo`. */
export function flagsOf(option: OptionSpec): string[] {
  return [option.short, option.long].filter((flag): flag is string => flag !== null);
}

/** `--role=list:roles -C=dirs ...`: the options of a command that take a value, with the value's source. */
export function valueOptions(spec: CommandSpec): string[] {
  return spec.options.flatMap((option) =>
    option.value === null ? [] : flagsOf(option).map((flag) => `${flag}=${sourceWord(option.value!)}`)
  );
}

/** Shared by the bash and zsh scripts (the same syntax in both): the value source of an option. */
export const VALUE_OF_FUNCTION = [
  "# Sets _ork_src to the source of option $1's value; fails for an option that takes none.",
  "_ork_value_of() {",
  "  local v",
  "  for v in $_ork_vals; do",
  '    if [[ ${v%%=*} == "$1" ]]; then',
  "      _ork_src=${v#*=}",
  "      return 0",
  "    fi",
  "  done",
  "  return 1",
  "}",
];

/** `list:jobs:failed` or `list:gates...` (the last one repeats). */
export function argumentWords(spec: CommandSpec): string[] {
  return spec.args.map((arg) => sourceWord(arg.value) + (arg.variadic ? "..." : ""));
}

/** The comment lines a script starts with: what wrote it, how to install it (`install`), what it asks of ork. */
export function header(shell: Shell, install: string[]): string[] {
  return [
    `# ${shell} completion for ork, written by \`ork completions ${shell}\` (ork ${VERSION}).`,
    ...install.map((line) => `# ${line}`),
    "# Commands and options are in this script; roles, gates and job ids are asked of",
    "# `ork completions --list` when completing, in the repository of the command line.",
    "",
  ];
}
