/**
 * Shell completion scripts for `ork completions`, written from the commander program itself: a new command,
 * subcommand or option completes without a change here. What an option's or argument's value can be is read
 * from its placeholder (`--role <role>`, `[id]`, see {@link SOURCES}); values that live in the repository
 * (roles, merge gates, job ids) are not in the script but asked of `ork completions --list <list>` at
 * completion time, so they follow the repository the user is in.
 *
 * Loaded only by `ork completions`, so no other command pays for it.
 *
 * @module
 */

import type { CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { JOB_STATUSES, type JobStatus } from "../queue/status.ts";
import { VERSION } from "../version.ts";

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
  const match = /^jobs:([a-z,]+)$/.exec(name);
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
  "cancel:id": list("jobs:pending,running"),
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

/**
 * The completion script for `shell`.
 *
 * @param shell bash, zsh or fish
 * @param program the root `ork` command, with its subcommands added
 * @returns the script, ending in a newline
 */
export function completionScript(shell: Shell, program: CommandUnknownOpts): string {
  const specs = commandSpecs(program);
  switch (shell) {
    case "bash":
      return bashScript(specs);
    case "zsh":
      return zshScript(specs);
    case "fish":
      return fishScript(specs);
  }
}

/** Single-quoted for bash and zsh. */
function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Single-quoted for fish, where `\` and `'` are escaped inside single quotes. */
function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, "\\$&")}'`;
}

/** A source as one word for the bash and zsh scripts: `-`, `words:a,b`, `list:roles`, `dirs` or `files`. */
function sourceWord(source: ValueSource): string {
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

function flagsOf(option: OptionSpec): string[] {
  return [option.short, option.long].filter((flag): flag is string => flag !== null);
}

/** `--role=list:roles -C=dirs ...`: the options of a command that take a value, with the value's source. */
function valueOptions(spec: CommandSpec): string[] {
  return spec.options.flatMap((option) =>
    option.value === null ? [] : flagsOf(option).map((flag) => `${flag}=${sourceWord(option.value!)}`)
  );
}

/** Shared by the bash and zsh scripts (the same syntax in both): the value source of an option. */
const VALUE_OF_FUNCTION = [
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
function argumentWords(spec: CommandSpec): string[] {
  return spec.args.map((arg) => sourceWord(arg.value) + (arg.variadic ? "..." : ""));
}

function header(shell: Shell, install: string[]): string[] {
  return [
    `# ${shell} completion for ork, written by \`ork completions ${shell}\` (ork ${VERSION}).`,
    ...install.map((line) => `# ${line}`),
    "# Commands and options are in this script; roles, gates and job ids are asked of",
    "# `ork completions --list` when completing, in the repository of the command line.",
    "",
  ];
}

function bashScript(specs: readonly CommandSpec[]): string {
  const set = (name: string, values: string[]) =>
    values.length === 0 ? [] : [`    ${name}=${shQuote(values.join(" "))}`];
  const cases = specs.flatMap((spec) => [
    `  ${shQuote(spec.path.join(" "))})`,
    ...set("_ork_subs", spec.subcommands.map((sub) => sub.name)),
    ...set("_ork_opts", spec.options.flatMap(flagsOf)),
    ...set("_ork_vals", valueOptions(spec)),
    ...set("_ork_args", argumentWords(spec)),
    "    ;;",
  ]);
  return [
    ...header("bash", [
      "Install: ork completions bash > ~/.local/share/bash-completion/completions/ork",
      "or, without the bash-completion package, in ~/.bashrc: source <(ork completions bash)",
    ]),
    "# What may follow the command path $1 ('' for ork itself, 'lock clear'): its subcommands, its options,",
    "# the options that take a value (as option=source) and its positional arguments' sources (the last ending",
    "# in ... when it repeats). A source is - (free text), words:a,b, list:<ork completions --list>, dirs, files.",
    "_ork_spec() {",
    "  _ork_subs='' _ork_opts='' _ork_vals='' _ork_args=''",
    "  case $1 in",
    ...cases,
    "  esac",
    "}",
    "",
    ...VALUE_OF_FUNCTION,
    "",
    "# Adds to COMPREPLY the values of source $1 that start with $2. Values are compared, never expanded: a role",
    "# name is text, not shell code.",
    "_ork_values() {",
    "  local src=$1 cur=$2 v line",
    "  local -a values=()",
    "  case $src in",
    '  words:*) IFS=, read -r -a values <<<"${src#words:}" ;;',
    "  list:*)",
    "    # ork prints value<TAB>description lines, or nothing at all when it cannot tell (outside a repository).",
    "    while IFS= read -r line; do",
    "      values+=(\"${line%%$'\\t'*}\")",
    '    done < <("${_ork_run[@]}" "${_ork_repo[@]}" completions --list "${src#list:}" 2>/dev/null)',
    "    ;;",
    "  dirs | files)",
    "    compopt -o filenames 2>/dev/null",
    '    if [[ $src == dirs ]]; then mapfile -t values < <(compgen -d -- "$cur"); else mapfile -t values < <(compgen -f -- "$cur"); fi',
    "    ;;",
    "  esac",
    '  for v in "${values[@]}"; do',
    '    if [[ $v == "$cur"* ]]; then COMPREPLY+=("$v"); fi',
    "  done",
    "}",
    "",
    "_ork() {",
    "  local -a words=() _ork_repo=() args=()",
    "  local i w cword=0 glue=0",
    '  # Bash splits --option=value at "=" (COMP_WORDBREAKS): glue such words back together.',
    "  for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do",
    "    w=${COMP_WORDS[i]}",
    "    if ((glue)); then",
    "      words[${#words[@]} - 1]+=$w",
    "      glue=0",
    "    elif [[ $w == = && ${#words[@]} -gt 1 && ${words[${#words[@]} - 1]} == --* ]]; then",
    "      words[${#words[@]} - 1]+='='",
    "      glue=1",
    "    else",
    '      words+=("$w")',
    "    fi",
    "    if ((i == COMP_CWORD)); then cword=$((${#words[@]} - 1)); fi",
    "  done",
    "  local cur=${words[cword]} _ork_src='' _ork_subs _ork_opts _ork_vals _ork_args",
    "  local path='' expect='' src npos=0",
    '  local -a _ork_run=("${words[0]}")',
    "  # An alias (alias ork=~/src/ork/scripts/ork) is not expanded in a function: run what it stands for.",
    "  if [[ -n ${words[0]} && -n ${BASH_ALIASES[${words[0]}]-} ]]; then",
    '    read -r -a _ork_run <<<"${BASH_ALIASES[${words[0]}]}"',
    "  fi",
    "  if [[ ${_ork_run[0]} == '~/'* ]]; then _ork_run[0]=$HOME/${_ork_run[0]#'~/'}; fi",
    "  # Walk the words before the cursor: subcommands make up the command path, the rest are options, their",
    "  # values and positional arguments. A -C/--repo is kept, to ask ork about that repository.",
    "  for ((i = 1; i < cword; i++)); do",
    "    w=${words[i]}",
    "    if [[ $w == '~/'* ]]; then w=$HOME/${w#'~/'}; fi",
    "    if [[ -n $expect ]]; then",
    '      if [[ $expect == -C || $expect == --repo ]]; then _ork_repo=(-C "$w"); fi',
    "      expect=''",
    "      continue",
    "    fi",
    "    case $w in",
    '    --repo=*) _ork_repo=(-C "${w#--repo=}") ;;',
    "    -*=*) ;;",
    "    -*)",
    '      _ork_spec "$path"',
    '      if _ork_value_of "$w"; then expect=$w; fi',
    "      ;;",
    "    *)",
    '      _ork_spec "$path"',
    '      if ((npos == 0)) && [[ " $_ork_subs " == *" $w "* ]]; then',
    "        path=${path:+$path }$w",
    "      else",
    "        npos=$((npos + 1))",
    "      fi",
    "      ;;",
    "    esac",
    "  done",
    '  _ork_spec "$path"',
    "  COMPREPLY=()",
    "  if [[ -n $expect ]]; then",
    '    if _ork_value_of "$expect"; then _ork_values "$_ork_src" "$cur"; fi',
    "    return 0",
    "  fi",
    "  case $cur in",
    "  -*=*)",
    '    if _ork_value_of "${cur%%=*}"; then _ork_values "$_ork_src" "${cur#*=}"; fi',
    "    return 0",
    "    ;;",
    "  -*)",
    '    _ork_values "words:${_ork_opts// /,}" "$cur"',
    "    return 0",
    "    ;;",
    "  esac",
    "  if ((npos == 0)) && [[ -n $_ork_subs ]]; then",
    '    _ork_values "words:${_ork_subs// /,}" "$cur"',
    "    return 0",
    "  fi",
    '  read -r -a args <<<"$_ork_args"',
    "  if ((npos < ${#args[@]})); then",
    "    src=${args[npos]}",
    "  elif ((${#args[@]} > 0)) && [[ ${args[${#args[@]} - 1]} == *... ]]; then",
    "    src=${args[${#args[@]} - 1]}",
    "  else",
    "    return 0",
    "  fi",
    '  _ork_values "${src%...}" "$cur"',
    "}",
    "",
    "complete -F _ork ork",
    "",
  ].join("\n");
}

/** `name:description` for zsh's `_describe`, the name's colons escaped. */
function described(name: string, description: string): string {
  return `${name.replaceAll(":", "\\:")}:${description}`;
}

function zshArray(items: readonly string[]): string {
  return `(${items.map(shQuote).join(" ")})`;
}

function zshScript(specs: readonly CommandSpec[]): string {
  const set = (name: string, values: string[]) =>
    values.length === 0 ? [] : [`    ${name}=${zshArray(values)}`];
  const cases = specs.flatMap((spec) => [
    `  (${shQuote(spec.path.join(" "))})`,
    ...set("_ork_subs", spec.subcommands.map((sub) => described(sub.name, sub.description))),
    ...set(
      "_ork_opts",
      spec.options.flatMap((option) => flagsOf(option).map((flag) => described(flag, option.description))),
    ),
    ...set("_ork_vals", valueOptions(spec)),
    ...set("_ork_args", argumentWords(spec)),
    "    ;;",
  ]);
  return [
    "#compdef ork",
    ...header("zsh", [
      'Install: ork completions zsh > "${fpath[1]}/_ork", then start a new shell',
      "or, after compinit in ~/.zshrc: source <(ork completions zsh)",
    ]),
    "# What may follow the command path $1 ('' for ork itself, 'lock clear'): its subcommands and options as",
    "# name:description, the options that take a value (as option=source) and its positional arguments' sources",
    "# (the last ending in ... when it repeats). A source is - (free text), words:a,b, list:<ork completions",
    "# --list>, dirs or files.",
    "_ork_spec() {",
    "  _ork_subs=() _ork_opts=() _ork_vals=() _ork_args=()",
    "  case $1 in",
    ...cases,
    "  esac",
    "}",
    "",
    ...VALUE_OF_FUNCTION,
    "",
    "# Offers the values of source $1.",
    "_ork_values() {",
    "  local src=$1 line",
    "  local -a values",
    "  case $src in",
    "  (words:*)",
    "    values=(${(s:,:)${src#words:}})",
    "    compadd -a values",
    "    ;;",
    "  (list:*)",
    "    # ork prints value<TAB>description lines, or nothing at all when it cannot tell (outside a repository).",
    '    for line in ${(f)"$("${_ork_run[@]}" "${_ork_repo[@]}" completions --list "${src#list:}" 2>/dev/null)"}; do',
    "      values+=(\"${${line%%$'\\t'*}//:/\\\\:}:${line#*$'\\t'}\")",
    "    done",
    "    _describe -t values value values",
    "    ;;",
    "  (dirs) _directories ;;",
    "  (files) _files ;;",
    "  esac",
    "}",
    "",
    "_ork() {",
    "  local -a _ork_subs _ork_opts _ork_vals _ork_args _ork_repo",
    "  local _ork_src='' cmdpath='' expect='' w src cur=${words[CURRENT]}",
    '  local -a _ork_run=("${words[1]}")',
    "  # An alias (alias ork=~/src/ork/scripts/ork) is not expanded in a function: run what it stands for.",
    "  if (( ${+aliases[${words[1]}]} )); then _ork_run=(${(Q)${(z)aliases[${words[1]}]}}); fi",
    "  _ork_run[1]=${_ork_run[1]/#\\~/$HOME}",
    "  integer i npos=0",
    "  # Walk the words before the cursor: subcommands make up the command path, the rest are options, their",
    "  # values and positional arguments. A -C/--repo is kept, to ask ork about that repository.",
    "  for ((i = 2; i < CURRENT; i++)); do",
    "    w=${words[i]/#\\~/$HOME}",
    "    if [[ -n $expect ]]; then",
    '      if [[ $expect == (-C|--repo) ]]; then _ork_repo=(-C "$w"); fi',
    "      expect=''",
    "      continue",
    "    fi",
    "    case $w in",
    '    (--repo=*) _ork_repo=(-C "${w#--repo=}") ;;',
    "    (-*=*) ;;",
    "    (-*)",
    '      _ork_spec "$cmdpath"',
    '      if _ork_value_of "$w"; then expect=$w; fi',
    "      ;;",
    "    (*)",
    '      _ork_spec "$cmdpath"',
    "      if ((npos == 0 && ${_ork_subs[(I)${(b)w}:*]})); then",
    "        cmdpath=${cmdpath:+$cmdpath }$w",
    "      else",
    "        ((npos += 1))",
    "      fi",
    "      ;;",
    "    esac",
    "  done",
    '  _ork_spec "$cmdpath"',
    "  if [[ -n $expect ]]; then",
    '    _ork_value_of "$expect" && _ork_values "$_ork_src"',
    "    return",
    "  fi",
    "  if [[ $cur == -*=* ]]; then",
    '    if _ork_value_of "${cur%%=*}"; then',
    "      compset -P '*='",
    '      _ork_values "$_ork_src"',
    "    fi",
    "    return",
    "  fi",
    "  if [[ $cur == -* ]]; then",
    "    _describe -t options option _ork_opts",
    "    return",
    "  fi",
    "  if ((npos == 0 && $#_ork_subs)); then",
    "    _describe -t commands 'ork command' _ork_subs",
    "    return",
    "  fi",
    "  if ((npos < $#_ork_args)); then",
    "    src=${_ork_args[npos + 1]}",
    "  elif (($#_ork_args)) && [[ ${_ork_args[-1]} == *... ]]; then",
    "    src=${_ork_args[-1]}",
    "  else",
    "    return 1",
    "  fi",
    '  _ork_values "${src%...}"',
    "}",
    "",
    "# Autoloaded from $fpath this file is the body of _ork; sourced, it registers _ork.",
    "if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then",
    '  _ork "$@"',
    "else",
    "  compdef _ork ork",
    "fi",
    "",
  ].join("\n");
}

/** The fish `complete` arguments that offer the values of `source`. */
function fishValues(source: ValueSource): string {
  switch (source.kind) {
    case "text":
      return "";
    case "words":
      return ` -a ${fishQuote(source.words.join(" "))}`;
    case "list":
      return ` -a ${fishQuote(`(__ork_list ${source.list})`)}`;
    case "dirs":
      return ` -a '(__fish_complete_directories (commandline -ct))'`;
    case "files":
      return " -F";
  }
}

function fishScript(specs: readonly CommandSpec[]): string {
  const at = (spec: CommandSpec) => ["ork", ...spec.path].join(" ");
  const switchOf = (name: string, lines: (spec: CommandSpec) => string[]) => [
    `function ${name}`,
    '    switch "$argv[1]"',
    ...specs.flatMap((spec) => {
      const words = lines(spec);
      return words.length === 0
        ? []
        : [`        case ${fishQuote(at(spec))}`, `            printf '%s\\n' ${words.join(" ")}`];
    }),
    "    end",
    "end",
  ];
  const completes = specs.flatMap((spec) => {
    const where = fishQuote(at(spec));
    const lines: string[] = [];
    for (const sub of spec.subcommands) {
      lines.push(
        `complete -c ork -n ${fishQuote(`__ork_sub_at ${where}`)} -a ${fishQuote(sub.name)} -d ${
          fishQuote(sub.description)
        }`,
      );
    }
    for (const option of spec.options) {
      const flags = [
        option.short === null ? "" : ` -s ${option.short.replace(/^-/, "")}`,
        option.long === null ? "" : ` -l ${option.long.replace(/^--/, "")}`,
      ].join("");
      const value = option.value === null ? "" : option.value.kind === "files" ? " -r" : " -x";
      lines.push(
        `complete -c ork -n ${fishQuote(`__ork_at ${where}`)}${flags}${value}${
          option.value === null ? "" : fishValues(option.value)
        } -d ${fishQuote(option.description)}`,
      );
    }
    spec.args.forEach((arg, index) => {
      const values = fishValues(arg.value);
      if (values === "") return;
      const test = `__ork_arg ${where} ${index}${arg.variadic ? " more" : ""}`;
      lines.push(`complete -c ork -n ${fishQuote(test)}${values}`);
    });
    return lines;
  });
  return [
    ...header("fish", ["Install: ork completions fish > ~/.config/fish/completions/ork.fish"]),
    "# The subcommands of the command path $argv[1] ('ork', 'ork lock'), one a line.",
    ...switchOf("__ork_subs", (spec) => spec.subcommands.map((sub) => fishQuote(sub.name))),
    "",
    "# The options of the command path $argv[1] that take a value, one a line.",
    ...switchOf(
      "__ork_value_opts",
      (spec) => spec.options.filter((option) => option.value !== null).flatMap(flagsOf).map(fishQuote),
    ),
    "",
    "# The command path before the cursor ('ork lock clear'), the number of positional arguments after it and,",
    "# if the command line has one, the -C/--repo directory: one a line.",
    "function __ork_state",
    "    set -l tokens (commandline -opc)",
    "    set -e tokens[1]",
    "    set -l path ork",
    "    set -l npos 0",
    "    set -l expect ''",
    "    set -l repo",
    "    for t in $tokens",
    '        if test -n "$expect"',
    "            contains -- $expect -C --repo; and set repo $t",
    "            set expect ''",
    "            continue",
    "        end",
    "        switch $t",
    "            case '--repo=*'",
    "                set repo (string replace -- '--repo=' '' $t)",
    "            case '-*=*'",
    "            case '-*'",
    "                contains -- $t (__ork_value_opts $path); and set expect $t",
    "            case '*'",
    "                if test $npos -eq 0; and contains -- $t (__ork_subs $path)",
    '                    set path "$path $t"',
    "                else",
    "                    set npos (math $npos + 1)",
    "                end",
    "        end",
    "    end",
    "    printf '%s\\n' $path $npos $repo",
    "end",
    "",
    "# True when the cursor follows the command path $argv[1].",
    "function __ork_at",
    "    set -l state (__ork_state)",
    '    test "$state[1]" = "$argv[1]"',
    "end",
    "",
    "# True when the cursor follows the command path $argv[1] and no positional argument yet: a subcommand may come.",
    "function __ork_sub_at",
    "    set -l state (__ork_state)",
    '    test "$state[1]" = "$argv[1]" -a "$state[2]" -eq 0',
    "end",
    "",
    "# True when the cursor is at positional argument $argv[2] (from 0) of the command path $argv[1]; with a third",
    "# argument, at it or any later one.",
    "function __ork_arg",
    "    set -l state (__ork_state)",
    '    test "$state[1]" = "$argv[1]"; or return 1',
    "    if set -q argv[3]",
    "        test $state[2] -ge $argv[2]",
    "    else",
    "        test $state[2] -eq $argv[2]",
    "    end",
    "end",
    "",
    "# Values that live in the repository, as value<TAB>description lines from ork itself; none when ork cannot",
    "# tell (outside a repository), and never an error message.",
    "function __ork_list",
    "    set -l state (__ork_state)",
    "    set -l cmd (commandline -opc)[1]",
    "    set -l repo",
    "    set -q state[3]; and set repo -C $state[3]",
    "    $cmd $repo completions --list $argv[1] 2>/dev/null",
    "end",
    "",
    "# No file names unless an option or argument asks for them.",
    "complete -c ork -f",
    ...completes,
    "",
  ].join("\n");
}
