import assert from "node:assert/strict";
import { sandboxHint } from "../../src/sandbox/mod.ts";
import { errorLine } from "../../src/process/mod.ts";

const HOME = "/home/u";
const opens = (setting: string) =>
  `add ${setting} to orchestrator.sandbox_writable (or to the role's sandbox_writable)`;

Deno.test("sandboxHint names the read-only path under HOME and the setting, in each tool's words", () => {
  const cases: [string, string, string][] = [
    [
      "npm error rofs EROFS: read-only file system, mkdtemp '/home/u/.npm/_cacache/tmp/Tn7B3x'",
      "/home/u/.npm/_cacache/tmp/Tn7B3x",
      "~/.npm",
    ],
    [
      "touch: cannot touch '/home/u/.codex/installation_id': Read-only file system",
      "/home/u/.codex/installation_id",
      "~/.codex",
    ],
    [
      "OSError: [Errno 30] Read-only file system: '/home/u/.cache/pip/http'",
      "/home/u/.cache/pip/http",
      "~/.cache/pip",
    ],
    [
      "mkdir: cannot create directory ‘/home/u/.claude/projects’: Read-only file system",
      "/home/u/.claude/projects",
      "~/.claude",
    ],
    [
      "Error: EROFS: read-only file system, open '/home/u/.claude.json'",
      "/home/u/.claude.json",
      "~/.claude.json",
    ],
  ];
  for (const [line, path, setting] of cases) {
    assert.equal(
      sandboxHint(["some output", line, "    at stack frame"], HOME),
      `${path} is read-only in the sandbox; to let jobs write there, ${opens(setting)}`,
      line,
    );
  }
});

Deno.test("sandboxHint says /tmp is private for a missing path below it, and nothing for the rest", () => {
  assert.equal(
    sandboxHint(["bash: /tmp/agent/run.sh: No such file or directory"], HOME),
    "/tmp/agent/run.sh is not there in the sandbox: its /tmp is private and empty; keep what jobs need outside " +
      "/tmp (in the repository, or a path in orchestrator.sandbox_writable)",
  );
  assert.match(sandboxHint(["sh: 1: /tmp/x/tool: not found"], HOME) ?? "", /^\/tmp\/x\/tool is not there/);
  // Read-only outside HOME (the system), no path, or nothing about the sandbox at all: no hint.
  for (
    const lines of [
      ["touch: cannot touch '/usr/lib/x': Read-only file system"],
      ["Error: Read-only file system (os error 30)"],
      ["cat: missing.txt: No such file or directory"],
      ["FAILED tests/test_calc.py::test_add - AssertionError"],
      [],
    ]
  ) {
    assert.equal(sandboxHint(lines, HOME), null, lines.join("|"));
  }
  assert.equal(sandboxHint(["touch: cannot touch '/home/u/x': Read-only file system"], ""), null);
});

Deno.test("errorLine prefers the last line that looks like an error over the last line of output", async () => {
  const log = await Deno.makeTempFile();
  try {
    const cases: [string, string][] = [
      [
        "TypeError: x is not a function\n    at main (app.js:3:5)\n    at node:internal/main:1:1\n",
        "TypeError: x is not a function",
      ],
      [
        "Traceback (most recent call last):\n  File \"a.py\", line 1\nModuleNotFoundError: No module named 'calc'\n",
        "ModuleNotFoundError: No module named 'calc'",
      ],
      [
        "collected 3 items\n\nFAILED tests/test_a.py::test_x - assert 1 == 2\n=== 1 failed, 2 passed ===\n",
        "FAILED tests/test_a.py::test_x - assert 1 == 2",
      ],
      ["building...\ndone, bye\n", "done, bye"],
      [
        "error: something\nork: the command exited but left processes in group 7; stopping them\n",
        "error: something",
      ],
      ["", ""],
      [
        "npm error code EROFS\nnpm error rofs EROFS: read-only file system, mkdtemp '/r/.npm/x'\n" +
        "npm error rofs Often virtualized file systems give this error.\n" +
        "npm error You can rerun the command with `--loglevel=verbose` to see the logs in your terminal\n",
        "npm error rofs EROFS: read-only file system, mkdtemp '/r/.npm/x'",
      ],
      ["Summary: 3 passed\n1 failed\nbye\n", "1 failed"],
    ];
    for (const [text, expected] of cases) {
      await Deno.writeTextFile(log, text);
      assert.equal(await errorLine(log), expected, text);
    }
  } finally {
    await Deno.remove(log);
  }
});
