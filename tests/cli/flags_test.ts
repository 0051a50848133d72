import assert from "node:assert/strict";
import { plainDecimal, secondsFlag, wholeNumberFlag } from "../../src/cli/flags.ts";
import { InputError } from "../../src/errors/mod.ts";
import { checkNewJob } from "../../src/queue/mod.ts";

Deno.test("plainDecimal reads plain decimal numbers only, not what Number() also takes", () => {
  for (const [text, value] of [["30", 30], ["1.5", 1.5], ["0", 0], ["007", 7]] as const) {
    assert.equal(plainDecimal(text), value, text);
  }
  for (
    const text of [
      " 5 ",
      " 5",
      "0x10",
      "0b11",
      "0o7",
      "1e3",
      "1E3",
      "",
      " ",
      "-1",
      "+1",
      ".5",
      "5.",
      "Infinity",
      "1_000",
      "9".repeat(400),
    ]
  ) {
    assert.equal(plainDecimal(text), undefined, text);
  }
});

Deno.test("secondsFlag refuses hex, binary and exponents with the flag's one-line message", () => {
  assert.equal(secondsFlag("--timeout", "1.5", 600), 1.5);
  assert.equal(secondsFlag("--timeout", "30", 600), 30);
  assert.equal(secondsFlag("--timeout", undefined, 600), undefined);
  for (const text of ["0x10", "0b11", "1e3", "0", "-1", "abc", " 30 "]) {
    assert.throws(
      () => secondsFlag("--poll", text, 1),
      (error: unknown) =>
        error instanceof InputError &&
        error.message ===
          `--poll must be a number of seconds > 0 and <= 2147483, got ${JSON.stringify(text)}` &&
        error.hint === "e.g. --poll 1",
      text,
    );
  }
});

Deno.test("wholeNumberFlag states the minimum it enforces, so --workers -1 and 0 get the same message", () => {
  assert.equal(wholeNumberFlag("--tail", "0", "e.g. --tail 20"), 0);
  assert.equal(wholeNumberFlag("--workers", "1", "e.g. --workers 3", 1), 1);
  for (const text of ["-1", "0", "1.5", "0x2"]) {
    assert.throws(
      () => wholeNumberFlag("--workers", text, "e.g. --workers 3", 1),
      (error: unknown) =>
        error instanceof InputError &&
        error.message === `--workers must be a whole number >= 1, got ${JSON.stringify(text)}`,
      text,
    );
  }
  assert.throws(
    () => wholeNumberFlag("--tail", "-1", "e.g. --tail 20"),
    /--tail must be a whole number >= 0/,
  );
});

Deno.test("checkNewJob refuses a description with a newline, tab, escape or other control character", () => {
  const job = { role: "r", command: "true" };
  assert.equal(
    checkNewJob({ ...job, description: "Fix the parser — ümlauts ok" }).description,
    "Fix the parser — ümlauts ok",
  );
  for (
    const [description, shown] of [
      ["a\x1b[31mred\x07", "U+001B at character 2"],
      ["line one\nline two", "U+000A at character 9"],
      ["a\tb", "U+0009 at character 2"],
      ["x\r", "U+000D at character 2"],
      ["del\x7f", "U+007F at character 4"],
      ["csi\u009b31m", "U+009B at character 4"],
      ["para\u2029graph", "U+2029 at character 5"],
      ["😀\x00", "U+0000 at character 2"],
    ] as const
  ) {
    assert.throws(
      () => checkNewJob({ ...job, description }, {}, { description: "--desc" }),
      (error: unknown) =>
        error instanceof InputError &&
        error.message ===
          `--desc must be one line without control characters (newlines, tabs, escapes), but has ${shown}` &&
        error.hint !== "",
      JSON.stringify(description),
    );
  }
});
