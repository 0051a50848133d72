/**
 * The command line: parses, calls the domain, prints. Each command is one file in `commands/`, listed once in
 * {@link COMMANDS}; heavy modules (YAML, zod, git helpers) are loaded inside the actions that need them, so
 * `ork --version` or `ork stats` do not pay for what they do not use.
 *
 * @module
 */

import { Command, CommanderError, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { InputError, messageOf, OrkError } from "../errors/mod.ts";
import { BUILD_COMMIT, VERSION } from "../version.ts";
import { errorLine, ExitCode, exitCodeFor, pathProblem } from "./exit.ts";
import { type Output, processOutput } from "./output.ts";
import { type CliContext, examples } from "./context.ts";
import { initCommand } from "./commands/init.ts";
import { enqueueCommand } from "./commands/enqueue.ts";
import { listCommand } from "./commands/list.ts";
import { statsCommand } from "./commands/stats.ts";
import { cancelCommand } from "./commands/cancel.ts";
import { retryCommand } from "./commands/retry.ts";
import { clearCommand } from "./commands/clear.ts";
import { lockCommand } from "./commands/lock.ts";
import { runCommand } from "./commands/run.ts";
import { statusCommand } from "./commands/status.ts";
import { logsCommand } from "./commands/logs.ts";
import { showCommand } from "./commands/show.ts";
import { diffCommand } from "./commands/diff.ts";
import { approveCommand, rejectCommand } from "./commands/review.ts";
import { serveCommand } from "./commands/serve.ts";
import { pauseCommand, resumeCommand } from "./commands/pause.ts";
import { cleanCommand } from "./commands/clean.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { rolesCommand } from "./commands/roles.ts";
import { gatesCommand } from "./commands/gates.ts";
import { hookCommand } from "./commands/hook.ts";
import { makefileCommand } from "./commands/makefile.ts";
import { completionsCommand } from "./commands/completions.ts";
import { setupCommand } from "./commands/setup.ts";

/** Every command, in the order `ork --help` lists them, by the name it is called with. */
export const COMMANDS: ReadonlyArray<{ name: string; build: (ctx: CliContext) => CommandUnknownOpts }> = [
  { name: "init", build: initCommand },
  { name: "enqueue", build: enqueueCommand },
  { name: "list", build: listCommand },
  { name: "stats", build: statsCommand },
  { name: "cancel", build: cancelCommand },
  { name: "retry", build: retryCommand },
  { name: "clear", build: clearCommand },
  { name: "run", build: runCommand },
  { name: "pause", build: pauseCommand },
  { name: "resume", build: resumeCommand },
  { name: "setup", build: setupCommand },
  { name: "status", build: statusCommand },
  { name: "logs", build: logsCommand },
  { name: "show", build: showCommand },
  { name: "diff", build: diffCommand },
  { name: "approve", build: approveCommand },
  { name: "reject", build: rejectCommand },
  { name: "serve", build: serveCommand },
  { name: "clean", build: cleanCommand },
  { name: "doctor", build: doctorCommand },
  { name: "roles", build: rolesCommand },
  { name: "gates", build: gatesCommand },
  { name: "hook", build: hookCommand },
  { name: "makefile", build: makefileCommand },
  { name: "completions", build: completionsCommand },
  { name: "lock", build: lockCommand },
];

/** Commands whose action reads the whole program (every command and option), not only their own. */
const NEEDS_EVERY_COMMAND = new Set(["completions", "help"]);

/** The exit code for something that is not an {@link OrkError}: a bug in ork. */
export const INTERNAL_ERROR_EXIT = 70;

/**
 * Runs ork with `args` (without the program name) and returns the exit code.
 *
 * @param args the command line after `ork`
 * @param output where to print; the process's stdout and stderr by default
 * @returns 0 ok, 1 a job or gate failed, 2 bad input or config, 3 lock busy, 70 internal error
 */
export async function main(args: readonly string[], output: Output = processOutput()): Promise<number> {
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    // Asked by scripts and bug reports alike: answered without building the program.
    output.out(versionLine());
    return ExitCode.ok;
  }
  const ctx: CliContext = { output, cwd: Deno.cwd(), exitCode: ExitCode.ok };
  const program = new Command("ork")
    .description("Run queued jobs in parallel git worktrees and land only work that passed the merge gates.")
    .option("-C, --repo <dir>", "work on the git repository at <dir> (as git -C)")
    .version(versionLine(), "-V, --version", "print ork's version")
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      examples(
        "ork init",
        `ork enqueue --role style-warden --desc "Format" --cmd "ruff format ."`,
        "ork list --status pending",
      ),
    );
  // Building every command costs each run about a millisecond and a half of start-up: when the command line
  // names one, only that one is built (the others matter only to help, suggestions and completions).
  const named = invokedCommand(args);
  const only = COMMANDS.find((command) => command.name === named && !NEEDS_EVERY_COMMAND.has(named));
  for (const command of only ? [only] : COMMANDS) program.addCommand(command.build(ctx));
  const failing: Failing = { usage: "ork --help" };
  configureForCli(program, output, failing);

  try {
    if (args.length === 0) {
      // Bare `ork` is a question, not a mistake: answer with the overview on stdout.
      program.outputHelp();
      return ExitCode.ok;
    }
    await program.parseAsync([...args], { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    return reportError(error, output, failing);
  }
}

/** What `ork --version` prints: ork's version, the commit it was built from, and the Deno inside. */
export function versionLine(): string {
  return `ork ${VERSION} (commit ${BUILD_COMMIT}, deno ${Deno.version.deno})`;
}

/** The command word of a command line: the first argument after the global `-C <dir>`, unless an option. */
function invokedCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-C" || arg === "--repo") i++;
    else if (!(arg.startsWith("--repo=") || /^-C./.test(arg))) return arg.startsWith("-") ? undefined : arg;
  }
  return undefined;
}

/** Where an error points the user, and the one line for help commander would have printed to stderr. */
interface Failing {
  /** The help to point to: `ork --help`, or the command's whose parsing failed. */
  usage: string;
  /** Set when commander wanted to print a command's whole help as an error (it then throws `commander.help`). */
  helpError?: string;
}

function configureForCli(command: CommandUnknownOpts, output: Output, failing: Failing): void {
  const path: string[] = [];
  for (let c: CommandUnknownOpts | null = command; c; c = c.parent) path.unshift(c.name());
  command.exitOverride();
  command.helpOption("-h, --help", "show help");
  command.configureOutput({
    writeOut: (text) => output.out(text.replace(/\n$/, "")),
    // Commander writes to stderr only a whole help as an error (a missing subcommand, `help <unknown>`);
    // reportError prints one line for it instead.
    writeErr: () => (failing.helpError = helpErrorLine(command, path.join(" "))),
    // Errors are printed once, as one line, by reportError; remember whose help to point to.
    outputError: () => (failing.usage = `${path.join(" ")} --help`),
  });
  guardOptionValues(command);
  for (const sub of command.commands) configureForCli(sub, output, failing);
}

/**
 * Refuses what commander would take silently: an option given twice (it keeps the last value) and an option
 * whose value is another of the command's options (`--desc --cmd true` would make `--cmd` the description).
 */
function guardOptionValues(command: CommandUnknownOpts): void {
  const names = new Set(command.options.flatMap((option) => [option.long, option.short]).filter(Boolean));
  for (const option of command.options) {
    if (!(option.required || option.optional) || option.variadic) continue;
    const flag = option.long ?? option.short ?? option.name();
    const parse = option.parseArg;
    let given = false;
    // The global -C may also follow the command (an alias `ork -C ~/repo` used with -C again): the last wins.
    const once = option.attributeName() !== "repo";
    option.argParser((value: string, previous: unknown) => {
      if (given && once) {
        throw new InputError(`${flag} was given twice`, `give ${flag} once, with the value you mean`);
      }
      given = true;
      if (names.has(value)) {
        throw new InputError(
          `${flag} needs a value, got the option ${value}`,
          `put ${flag}'s value right after it, quoted if it has spaces (${flag} "...")`,
        );
      }
      return parse ? parse(value, previous) : value;
    });
  }
}

/** The one line for `ork help <not a command>` or a command that needs a subcommand and was given none. */
function helpErrorLine(command: CommandUnknownOpts, path: string): string {
  const [first, topic] = command.args;
  if (first === "help" && topic !== undefined) {
    const whose = command.parent ? `a command of '${path}'` : "an ork command";
    return `ork: no help for '${topic}': not ${whose}; see '${path} --help'`;
  }
  const names = command.commands.map((sub) => sub.name()).join(", ");
  return `ork: '${path}' needs a command: ${names}; see '${path} --help'`;
}

function reportError(error: unknown, output: Output, failing: Failing): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
    if (error.code === "commander.help") {
      // Asked for (`ork help`, `ork help list`): printed to stdout. Otherwise it stands for a mistake.
      if (error.exitCode === 0) return ExitCode.ok;
      output.err(failing.helpError ?? `ork: a command is missing; see '${failing.usage}'`);
      return ExitCode.badInput;
    }
    const message = error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ").trim();
    output.err(`ork: ${message}; see '${failing.usage}'`);
    return ExitCode.badInput;
  }
  if (error instanceof Deno.errors.BrokenPipe) {
    // The reader went away (`ork list | head -1`): it has what it wanted, as with any Unix filter.
    return ExitCode.ok;
  }
  const known = error instanceof OrkError ? error : pathProblem(error);
  if (known) {
    output.err(errorLine(known));
    return exitCodeFor(known);
  }
  const message = messageOf(error);
  output.err(
    `ork: internal error: ${message.replace(/\s*\n\s*/g, " ")}; please report it with ORK_DEBUG=1 output`,
  );
  if (Deno.env.get("ORK_DEBUG") && error instanceof Error && error.stack) output.err(error.stack);
  return INTERNAL_ERROR_EXIT;
}
