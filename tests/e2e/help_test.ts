import assert from "node:assert/strict";
import { main } from "../../src/cli/mod.ts";
import type { Output } from "../../src/cli/output.ts";
import { ork } from "../helpers/mod.ts";

/** `ork <path> --help` run in this process: exit code and what it printed. */
async function help(path: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const output: Output = { out: (text) => out.push(text), err: (text) => err.push(text), color: false };
  const code = await main([...path, "--help"], output);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** The names in the `Commands:` section of a help text, without commander's own `help`. */
function subcommands(text: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf("Commands:");
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("  ")) break;
    // Entries start two spaces in; wrapped descriptions are indented further.
    if (line[2] !== " ") names.push(line.trim().split(/[\s|]/)[0]!);
  }
  return names.filter((name) => name !== "help");
}

/** Every command path of the program, `[]` (ork itself) first, found by walking the help texts. */
async function commandPaths(path: string[] = []): Promise<string[][]> {
  const paths = [path];
  for (const name of subcommands((await help(path)).stdout)) {
    paths.push(...await commandPaths([...path, name]));
  }
  return paths;
}

/**
 * The example lines a help text ends with, or a reason why it does not end with an `Examples:` block. An
 * example runs ork: it starts with `ork`, or captures its output (`id=$(ork enqueue ...)`).
 */
function examplesAtEnd(text: string): string[] | string {
  const lines = text.trimEnd().split("\n");
  const start = lines.lastIndexOf("Examples:");
  if (start < 0) return "no Examples: block";
  const examples = lines.slice(start + 1);
  if (examples.length < 2 || examples.length > 3) return `${examples.length} example lines, not 2 or 3`;
  const notOrk = examples.find((line) => !/^ {2}(ork |[A-Za-z_]\w*=\$\(ork )/.test(line));
  return notOrk === undefined ? examples : `not an ork command line at the end: ${JSON.stringify(notOrk)}`;
}

const PATHS = await commandPaths();

Deno.test("the walk finds the commands and their subcommands", () => {
  const names = PATHS.map((path) => path.join(" "));
  for (const name of ["", "enqueue", "completions", "lock check-stale", "hook install", "roles check"]) {
    assert.ok(names.includes(name), `ork ${name} is in ${names.join(", ")}`);
  }
});

Deno.test("every command's --help ends with 2 or 3 examples that run ork", async () => {
  const problems: string[] = [];
  for (const path of PATHS) {
    const result = await help(path);
    const command = ["ork", ...path].join(" ");
    assert.equal(result.code, 0, `${command} --help: ${result.stderr}`);
    assert.equal(result.stderr, "", `${command} --help prints to stdout only`);
    assert.match(result.stdout, new RegExp(`^Usage: ${command} `), command);
    const examples = examplesAtEnd(result.stdout);
    if (typeof examples === "string") problems.push(`${command} --help: ${examples}`);
  }
  assert.deepEqual(problems, []);
});

Deno.test("bare ork prints the overview on stdout and exits 0, as ork --help does", async () => {
  const [bare, flag] = await Promise.all([ork([]), ork(["--help"])]);
  for (const result of [bare, flag]) {
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.match(result.stdout, /^Usage: ork \[options\] \[command\]\n/);
    assert.match(result.stdout, /\nCommands:\n {2}init /);
    assert.equal(typeof examplesAtEnd(result.stdout), "object", result.stdout);
  }
  assert.equal(bare.stdout, flag.stdout);
  for (const path of PATHS.filter((path) => path.length === 1)) {
    assert.match(bare.stdout, new RegExp(`\n {2}${path[0]} `), `the overview lists ${path[0]}`);
  }
});
