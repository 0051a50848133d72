import assert from "node:assert/strict";
import { COMMANDS, main, versionLine } from "../../src/cli/mod.ts";
import type { CliContext } from "../../src/cli/context.ts";
import type { Output } from "../../src/cli/output.ts";
import { ExitCode } from "../../src/cli/exit.ts";

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const output: Output = { out: (text) => out.push(text), err: (text) => err.push(text), color: false };
  const code = await main(args, output);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

Deno.test("every command is listed under the name it is built with, once", () => {
  const ctx: CliContext = {
    output: { out: () => {}, err: () => {}, color: false },
    cwd: Deno.cwd(),
    exitCode: ExitCode.ok,
  };
  const names = COMMANDS.map((command) => command.name);
  assert.deepEqual(COMMANDS.map((command) => command.build(ctx).name()), names);
  assert.equal(new Set(names).size, names.length);
});

Deno.test("--version and -V print ork's version, its commit and the Deno inside", async () => {
  for (const flag of ["--version", "-V"]) {
    const { code, out, err } = await capture([flag]);
    assert.equal(code, 0);
    assert.equal(out, versionLine());
    assert.equal(err, "");
  }
  assert.match(
    versionLine(),
    new RegExp(`^ork \\d+\\.\\d+\\.\\d+ \\(commit \\S+, deno ${Deno.version.deno}\\)$`),
  );
});

Deno.test("a command line naming one command still gets help, suggestions and the global -C", async () => {
  const help = await capture(["-C", "/nonexistent", "enqueue", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: ork enqueue \[options\]/);
  // A misspelt command is not one of ours: every command is built, so commander can suggest the right one.
  const typo = await capture(["enqeue"]);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /unknown command 'enqeue'.*Did you mean enqueue\?/);
  const overview = await capture(["--help"]);
  for (const { name } of COMMANDS) assert.match(overview.out, new RegExp(`^  ${name}\\b`, "m"));
});

Deno.test("a command that needs a subcommand, given none, is one line on stderr and exit 2", async () => {
  for (
    const [args, line] of [
      [["lock"], "ork: 'ork lock' needs a command: check-stale, clear; see 'ork lock --help'"],
      [["hook"], "ork: 'ork hook' needs a command: install, uninstall; see 'ork hook --help'"],
      [
        ["-C", "."],
        `ork: 'ork' needs a command: ${COMMANDS.map((c) => c.name).join(", ")}; see 'ork --help'`,
      ],
    ] as const
  ) {
    const { code, out, err } = await capture([...args]);
    assert.deepEqual([code, out, err], [ExitCode.badInput, "", line], args.join(" "));
  }
});

Deno.test("help for what is not a command is one line on stderr and exit 2; help for a command is stdout, exit 0", async () => {
  const nope = await capture(["help", "nope"]);
  assert.deepEqual(
    [nope.code, nope.out, nope.err],
    [ExitCode.badInput, "", "ork: no help for 'nope': not an ork command; see 'ork --help'"],
  );
  const lockNope = await capture(["lock", "help", "nope"]);
  assert.deepEqual(
    [lockNope.code, lockNope.out, lockNope.err],
    [ExitCode.badInput, "", "ork: no help for 'nope': not a command of 'ork lock'; see 'ork lock --help'"],
  );
  for (
    const args of [["help"], ["help", "list"], ["list", "--help"], ["lock", "help", "clear"], [
      "lock",
      "--help",
    ]]
  ) {
    const { code, out, err } = await capture(args);
    assert.equal(code, ExitCode.ok, args.join(" "));
    assert.match(out, /^Usage: ork/, args.join(" "));
    assert.equal(err, "", args.join(" "));
  }
});
