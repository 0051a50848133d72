/**
 * The zsh completion script: a `#compdef ork` function using `_describe` for commands and options (with their
 * descriptions) and the same value sources as bash's.
 *
 * @module
 */
import {
  argumentWords,
  type CommandSpec,
  flagsOf,
  header,
  shQuote,
  VALUE_OF_FUNCTION,
  valueOptions,
} from "./spec.ts";

/** `name:description` for zsh's `_describe`, the name's colons escaped. */
function described(name: string, description: string): string {
  return `${name.replaceAll(":", "\\:")}:${description}`;
}

function zshArray(items: readonly string[]): string {
  return `(${items.map(shQuote).join(" ")})`;
}

/**
 * The zsh script. Long because it is the script's text, one array of lines in the order zsh reads them;
 * split up, the script could no longer be read whole.
 */
export function zshScript(specs: readonly CommandSpec[]): string {
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
