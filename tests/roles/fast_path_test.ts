/**
 * The fast path (`plainCommandWords`) must say exactly what the parser says, or step aside. Three checks:
 * generated well-formed plain lines take the fast path and match the parser; random strings over the plain
 * alphabet match the parser whenever the fast path takes them; and tricky lines go to the parser.
 */

import assert from "node:assert/strict";
import { CommandParseError } from "../../src/roles/mod.ts";
import { parsedCommandWords, plainCommandWords } from "../../src/roles/words.ts";

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  "pytest",
  "ruff",
  "git",
  "./scripts/x.sh",
  "/usr/bin/python3",
  "python3.12",
  "a-b_c",
  ":",
  "true",
  "echo",
  "cd",
  "bash",
  "sh",
  "x,y",
  "@x",
  "%1",
  "a+b",
  "v1.2",
  "^x",
];
const ARGS = [
  "-x",
  "--flag=value",
  "tests/",
  ".",
  "..",
  "-c",
  "pytest",
  "a=b",
  "if",
  "then",
  "time",
  "export",
  "%",
  "^",
  "@",
  ",",
  "+x",
  "-",
  "--",
  "x:y",
  "FOO=1",
  "done",
];
/** Arguments of `bash`/`sh`: a `-c` script is a line of its own, which must be plain too. */
const SHELL_ARGS = ["-c", "-e", "-x", "--", "pytest", "ruff", "./x.sh"];
const OPERATORS = ["&&", "||", "|", ";", " && ", " || ", " | ", "; ", " ;"];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

/** A well-formed plain line: commands of a name and arguments, joined by operators, spaced at random. */
function plainLine(next: () => number): string {
  const commands = 1 + Math.floor(next() * 4);
  let line = next() < 0.2 ? "  " : "";
  for (let c = 0; c < commands; c++) {
    if (c > 0) line += pick(next, OPERATORS);
    const words = [pick(next, NAMES)];
    const args = words[0] === "bash" || words[0] === "sh" ? SHELL_ARGS : ARGS;
    for (let a = Math.floor(next() * 4); a > 0; a--) words.push(pick(next, args));
    line += words.join(next() < 0.2 ? "   " : " ");
  }
  if (next() < 0.15) line += ";";
  if (next() < 0.15) line += " ";
  return line;
}

/** What the parser says: the words, or the parse error. */
async function parsed(line: string): Promise<string[][] | string> {
  try {
    return await parsedCommandWords(line);
  } catch (error) {
    if (error instanceof CommandParseError) return `parse error: ${error.parserMessage}`;
    throw error;
  }
}

Deno.test("generated plain lines take the fast path and give what the parser gives", async () => {
  const next = random(20240611);
  let count = 0;
  for (let i = 0; i < 500; i++) {
    const line = plainLine(next);
    const fast = plainCommandWords(line);
    assert.notEqual(fast, undefined, `the fast path refused a plain line: ${JSON.stringify(line)}`);
    assert.deepEqual(fast, await parsed(line), JSON.stringify(line));
    count++;
  }
  assert.equal(count, 500);
});

Deno.test("random strings over the plain alphabet: whenever the fast path answers, the parser agrees", async () => {
  const next = random(7);
  const alphabet = "ab=-./:,+@%^ ;|&";
  const words = [
    "if",
    "then",
    "fi",
    "do",
    "time",
    "export",
    "let",
    "bash -c",
    "sh -c a",
    "x=1",
    "in",
    "{",
    "!",
  ];
  let fastCount = 0;
  for (let i = 0; i < 3000; i++) {
    let line = "";
    for (let n = Math.floor(next() * 14); n > 0; n--) {
      line += next() < 0.15 ? ` ${pick(next, words)} ` : pick(next, [...alphabet]);
    }
    const fast = plainCommandWords(line);
    if (fast === undefined) continue;
    fastCount++;
    if (Deno.env.get("ORK_TEST_VERBOSE")) console.log(JSON.stringify(line), JSON.stringify(fast));
    assert.deepEqual(fast, await parsed(line), JSON.stringify(line));
  }
  // Enough of them took the fast path for the comparison to mean something.
  assert.ok(fastCount > 500, `only ${fastCount} took the fast path`);
  if (Deno.env.get("ORK_TEST_VERBOSE")) console.log(`${fastCount} of 3000 took the fast path`);
});

Deno.test("tricky lines go to the parser", () => {
  const tricky = [
    `echo "a b"`,
    "echo 'a'",
    "echo $HOME",
    "echo `date`",
    "echo $(date)",
    "(a)",
    "{ a; }",
    "a > f",
    "a < f",
    "a 2>&1",
    "a *.py",
    "a ?",
    "a [x]",
    "a\\ b",
    "a # b",
    "a\nb",
    "a\tb",
    "a & b",
    "a &",
    "a |& b",
    "FOO=1 make",
    "x=1",
    "x+=1 make",
    "export X=1",
    "declare -a x",
    "let x=1",
    "time a",
    "if a; then b; fi",
    "while a; do b; done",
    "for x in a; do b; done",
    "case a in b) c;; esac",
    "function f { a; }",
    "coproc a",
    "! a",
    "a && && b",
    "a &&",
    "a |",
    "| a",
    "; a",
    "a;; b",
    "a ; ; b",
    "~/bin/x",
    "a ~",
    "[ -f x ]",
    "[[ -f x ]]",
    "echo ${x}",
    "echo é",
    "bash -c 'a b'",
    "bash -c a\\;b",
  ];
  for (const line of tricky) assert.equal(plainCommandWords(line), undefined, JSON.stringify(line));
});

Deno.test("bash -c with a plain script is followed by the fast path as by the parser", async () => {
  for (const line of ["bash -c pytest", "sh -ec ruff && bash -c git", "bash -c bash", "bash -c"]) {
    assert.deepEqual(plainCommandWords(line), await parsed(line), line);
  }
  // `bash -c "a b"` cannot be plain (the script needs quotes), so the script of a plain `bash -c` has no spaces.
  assert.deepEqual(plainCommandWords("bash -c a;b"), [["bash", "-c", "a"], ["a"], ["b"]]);
});
