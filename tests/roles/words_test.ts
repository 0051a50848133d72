import assert from "node:assert/strict";
import {
  baseName,
  CommandParseError,
  commandWords,
  DYNAMIC_MARK,
  isDynamicWord,
  wordText,
} from "../../src/roles/mod.ts";
import { shellScript } from "../../src/roles/words.ts";

/** A dynamic-word marker, as commandWords returns it. */
const dyn = (source: string) => DYNAMIC_MARK + source;

/** The command names only. */
async function names(command: string): Promise<string[]> {
  return (await commandWords(command)).map((words) => wordText(words[0]!));
}

Deno.test("lists, pipelines and && / || give each simple command with its words, in order", async () => {
  assert.deepEqual(await commandWords("pytest -x && ruff check . | grep E; echo done || false"), [
    ["pytest", "-x"],
    ["ruff", "check", "."],
    ["grep", "E"],
    ["echo", "done"],
    ["false"],
  ]);
  assert.deepEqual(await commandWords("a & b"), [["a"], ["b"]]);
  assert.deepEqual(await commandWords("a |& b"), [["a"], ["b"]]);
  assert.deepEqual(await commandWords("! a\nb # c"), [["a"], ["b"]]);
});

Deno.test("subshells, blocks, $(...), backticks and process substitution are followed", async () => {
  assert.deepEqual(await names("(a; b) && { c; d; }"), ["a", "b", "c", "d"]);
  assert.deepEqual(await commandWords("echo $(date +%s)"), [["echo", dyn("$(date +%s)")], ["date", "+%s"]]);
  assert.deepEqual(await names("echo `curl x`"), ["echo", "curl"]);
  assert.deepEqual(await names("echo $(a `b`)"), ["echo", "a", "b"]);
  assert.deepEqual(await names("diff <(a) >(b)"), ["diff", "a", "b"]);
  assert.deepEqual(await names(`echo "in quotes $(a)" \${x:-$(b)} $((1 + $(c)))`), ["echo", "a", "b", "c"]);
  assert.deepEqual(await names("cat <<EOF\n$(curl x)\nEOF"), ["cat", "curl"]);
  assert.deepEqual(await names("cat <<'EOF'\n$(curl x)\nEOF"), ["cat"]);
});

Deno.test("if, while, until, for, case bodies and functions are followed; the keywords are not commands", async () => {
  assert.deepEqual(await names("if a; then b; elif c; then d; else e; fi"), ["a", "b", "c", "d", "e"]);
  assert.deepEqual(await names("while a; do b; done; until c; do d; done"), ["a", "b", "c", "d"]);
  assert.deepEqual(await names("for f in *.py; do ruff $f; done"), ["ruff"]);
  assert.deepEqual(await names("case $x in a) b;; *) c;; esac"), ["b", "c"]);
  assert.deepEqual(await names("[[ -f x ]] && (( n > 1 )) && y"), ["y"]);
  // A function's body is checked, and calling it is a command by the function's name.
  assert.deepEqual(await names("f() { curl x; }; f"), ["curl", "f"]);
  assert.deepEqual(await names("function g { h; }"), ["h"]);
});

Deno.test("assignments are not commands; their substitutions are", async () => {
  assert.deepEqual(await commandWords("FOO=1 BAR=2 make -j4"), [["make", "-j4"]]);
  assert.deepEqual(await commandWords("x=1"), []);
  assert.deepEqual(await names("x=$(curl y) make"), ["make", "curl"]);
});

Deno.test("time, export, declare and let are commands of their own", async () => {
  assert.deepEqual(await commandWords("time pytest"), [["time"], ["pytest"]]);
  assert.deepEqual(await commandWords("export A=1 B"), [["export", "A", "B"]]);
  assert.deepEqual(await names("local x; declare -a y; readonly z; let n=1"), [
    "local",
    "declare",
    "readonly",
    "let",
  ]);
  // Wrappers are ordinary commands: their own name is what is checked.
  assert.deepEqual(await names("env A=1 curl x; xargs rm; nohup a; exec b; sudo c; command d"), [
    "env",
    "xargs",
    "nohup",
    "exec",
    "sudo",
    "command",
  ]);
});

Deno.test("quoting and escapes give the literal word", async () => {
  assert.deepEqual(await commandWords(`'py'"test" "a b" 'c d' py\\test`), [[
    "pytest",
    "a b",
    "c d",
    "pytest",
  ]]);
  assert.deepEqual(await commandWords(`echo "a\\"b" 'x\\y' $'z'`), [["echo", 'a"b', "x\\y", "z"]]);
  assert.deepEqual(await commandWords("echo été"), [["echo", "été"]]);
});

Deno.test("a command name the shell would expand is a dynamic marker with its source text", async () => {
  for (
    const [line, source] of [
      ["$X a", "$X"],
      ['"$X" a', '"$X"'],
      ["${TOOL} a", "${TOOL}"],
      ["$(which curl) x", "$(which curl)"],
      ["`which curl` x", "`which curl`"],
      ["cur? x", "cur?"],
      ["/usr/bin/py* x", "/usr/bin/py*"],
      ["{curl,x}", "{curl,x}"],
      ["~ x", "~"],
      ["~user x", "~user"],
      ["$'\\x63url' x", "$'\\x63url'"],
    ] as const
  ) {
    const first = (await commandWords(line))[0]![0]!;
    assert.ok(isDynamicWord(first), line);
    assert.equal(wordText(first), source, line);
  }
  // A home directory in front of a path does not change its base name, which is all that is checked.
  assert.deepEqual(await commandWords("~/bin/x ~user/y"), [["~/bin/x", "~user/y"]]);
  assert.deepEqual(await commandWords("[ -f x ]"), [["[", "-f", "x", dyn("]")]]);
});

Deno.test("bash -c and sh -c scripts are parsed one level deep", async () => {
  assert.deepEqual(await commandWords("bash -c 'curl x && wget y'"), [
    ["bash", "-c", "curl x && wget y"],
    ["curl", "x"],
    ["wget", "y"],
  ]);
  assert.deepEqual(await names(`sh -ec "git diff | grep x" name arg`), ["sh", "git", "grep"]);
  assert.deepEqual(await names("/bin/bash -euo pipefail -c 'a; b'"), ["/bin/bash", "a", "b"]);
  assert.deepEqual(await names("bash --norc -c 'a'"), ["bash", "a"]);
  assert.deepEqual(await names("bash -c pytest"), ["bash", "pytest"]);
  assert.deepEqual(await names("echo $(bash -c 'curl x')"), ["echo", "bash", "curl"]);
  // Deeper scripts are not parsed: bash is allowed there, and bash runs anything anyway.
  assert.deepEqual(await names(`bash -c 'bash -c "curl x"'`), ["bash", "bash"]);
  // A script file is not read; a script that is not a literal cannot be told.
  assert.deepEqual(await names("bash scripts/x.sh -c y"), ["bash"]);
  assert.deepEqual(await commandWords(`bash -c "$X"`), [["bash", "-c", dyn('"$X"')], [dyn('"$X"')]]);
  assert.deepEqual(await commandWords("bash $FLAGS x"), [["bash", dyn("$FLAGS"), "x"], [dyn("$FLAGS")]]);
});

Deno.test("shellScript finds the -c operand after the options", () => {
  assert.equal(shellScript(["bash", "-c", "x"]), "x");
  assert.equal(shellScript(["sh", "-xc", "x", "y"]), "x");
  assert.equal(shellScript(["bash", "-o", "pipefail", "-c", "x"]), "x");
  assert.equal(shellScript(["bash", "--rcfile", "f", "-c", "x"]), "x");
  assert.equal(shellScript(["bash", "-c", "--", "x"]), "x");
  assert.equal(shellScript(["bash", "script.sh", "-c", "x"]), undefined);
  assert.equal(shellScript(["bash", "-c"]), undefined);
  assert.equal(shellScript(["python", "-c", "x"]), undefined);
});

Deno.test("a syntax error is a CommandParseError with the parser's message", async () => {
  for (
    const [line, message] of [
      ["echo 'x", /^cannot parse the command: 1:6: reached EOF without closing quote '$/],
      ["a &&", /^cannot parse the command: 1:3: && must be followed by a statement$/],
      ["if a; then b", /^cannot parse the command: 1:1: /],
      ["bash -c 'a ('", /^cannot parse the command: in the bash -c script: 1:1: /],
    ] as const
  ) {
    await assert.rejects(commandWords(line), (error: unknown) => {
      assert.ok(error instanceof CommandParseError);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("baseName takes what follows the last slash", () => {
  assert.equal(baseName("./scripts/x.sh"), "x.sh");
  assert.equal(baseName("/usr/bin/python3"), "python3");
  assert.equal(baseName("pytest"), "pytest");
  assert.equal(baseName("dir/"), "dir");
});
