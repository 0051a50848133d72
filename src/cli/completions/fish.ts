/**
 * The fish completion script: one `complete -c ork` line per command, option and argument, with conditions on
 * the command line seen so far.
 *
 * @module
 */
import { type CommandSpec, flagsOf, header, type ValueSource } from "./spec.ts";

/** Single-quoted for fish, where `\` and `'` are escaped inside single quotes. */
function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, "\\$&")}'`;
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

/**
 * The fish script. Long because it is the script's text, one `complete` line per command, option and
 * argument, in order; split up, the script could no longer be read whole.
 */
export function fishScript(specs: readonly CommandSpec[]): string {
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
