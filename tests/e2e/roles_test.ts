import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_CONFIG, DEFAULT_FORBIDDEN_PATTERNS } from "../../src/config/mod.ts";
import { ork, snapshot, tempRepo } from "../helpers/mod.ts";

// One fixture repository for the whole file, initialised once.
const repo = await tempRepo();
const init = await ork(["init"], { cwd: repo.dir });
Deno.test.afterAll(async () => await repo[Symbol.asyncDispose]());

/** `.ork/` without the queue lock, whose file records its last holder. */
async function state(): Promise<Record<string, string>> {
  const files = await snapshot(join(repo.dir, ".ork"));
  delete files["locks/queue.lock"];
  return files;
}

/** Asserts a refusal: exit 2, nothing on stdout, one stderr line matching `message`. */
function assertRefused(result: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, message);
}

Deno.test("enqueue refuses a tool outside the role: exit 2, one line naming tool and role, queue unchanged", async () => {
  assert.equal(init.code, 0, init.stderr);
  const before = await state();
  const result = await ork(
    ["enqueue", "--role", "bug-catcher", "--desc", "fetch", "--cmd", "pytest -x && curl https://example.com"],
    { cwd: repo.dir },
  );
  assertRefused(
    result,
    /^ork: role bug-catcher may not run "curl" \(allowed: pytest, python, bash, ruff, grep, node, npm, npx, claude, codex, gemini, qwen, aider, and the builtins cd, .*\); add it to allowed_tools of bug-catcher in config\/agent_roles\.yaml, or enqueue with a role that has it$/,
  );
  // Hidden in a substitution or a bash -c script, or behind a variable, it is refused all the same.
  const cases: [role: string, cmd: string, message: RegExp][] = [
    ["bug-catcher", "pytest $(curl x)", /may not run "curl"/],
    ["bug-catcher", `bash -c "ruff check . && wget y"`, /may not run "wget"/],
    [
      "bug-catcher",
      "$TOOL -x",
      /^ork: role bug-catcher may not run "\$TOOL": ork cannot tell which program it runs; /,
    ],
    [
      "bug-catcher",
      "pytest 'x",
      /^ork: cannot parse the command: 1:8: reached EOF without closing quote '; /,
    ],
    ["patch-surgeon", "git status && python -c 1", /role patch-surgeon may not run "python"/],
  ];
  const results = await Promise.all(
    cases.map(([role, cmd]) =>
      ork(["enqueue", "--role", role, "--desc", "d", "--cmd", cmd], { cwd: repo.dir })
    ),
  );
  results.forEach((result, i) => assertRefused(result, cases[i]![2]));
  assert.deepEqual(await state(), before);

  // An allowed command is queued as before.
  const ok = await ork([
    "enqueue",
    "--role",
    "bug-catcher",
    "--desc",
    "ok",
    "--cmd",
    "cd src && pytest -x | grep -v ok",
  ], {
    cwd: repo.dir,
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout.trim(), /^[0-9a-z]{26}$/);
});

Deno.test("each default forbidden pattern is refused at enqueue, naming the pattern and the role", async () => {
  const examples = [
    "rm -rf /",
    "rm -rf ~",
    "dd if=/dev/zero of=disk.img",
    "dd if=image.iso of=/dev/sdb bs=4M",
    "mkfs.ext4 /dev/sda1",
    "git push --force origin main",
    "git push origin +main",
    "git update-ref refs/heads/main HEAD~1",
    "git branch -f main HEAD~3",
    ":(){ :|:& };:",
  ];
  assert.equal(examples.length, DEFAULT_FORBIDDEN_PATTERNS.length);
  const before = await state();
  const results = await Promise.all(
    examples.map((cmd) =>
      ork(["enqueue", "--role", "code-planner", "--desc", "danger", "--cmd", cmd], { cwd: repo.dir })
    ),
  );
  results.forEach((result, i) => {
    const { pattern, refuses } = DEFAULT_FORBIDDEN_PATTERNS[i]!;
    const escaped = `the command matches forbidden pattern "${pattern}" (${refuses}; role code-planner)`
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    assertRefused(result, new RegExp(`^ork: ${escaped}; forbidden_patterns in config/agent_roles\\.yaml `));
  });
  assert.deepEqual(await state(), before);
});

Deno.test("roles check says allowed (exit 0) or gives the refusal (exit 2), and --json gives the verdict", async () => {
  const allowed = await ork(
    ["roles", "check", "--role", "bug-catcher", "--cmd", "pytest -x && ruff check ."],
    {
      cwd: repo.dir,
    },
  );
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(
    allowed.stdout,
    "allowed: role bug-catcher may run pytest -x && ruff check . (tools: pytest, ruff)\n",
  );

  const refused = await ork(
    ["roles", "check", "--role", "code-planner", "--cmd", "git push -f origin main"],
    {
      cwd: repo.dir,
    },
  );
  assertRefused(refused, /^ork: the command matches forbidden pattern ".*" \(.*; role code-planner\); /);

  const json = await ork([
    "-C",
    repo.dir,
    "roles",
    "check",
    "--role",
    "style-warden",
    "--cmd",
    "sleep 1",
    "--json",
  ]);
  assert.equal(json.code, 2, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), {
    allowed: false,
    role: "style-warden",
    tools: ["sleep"],
    refusal: {
      kind: "tool",
      what: "sleep",
      message:
        `role style-warden may not run "sleep" (allowed: ruff, black, isort, bash, npx, prettier, eslint, claude, codex, gemini, qwen, aider, and the builtins cd, echo, printf, test, [, true, false, :, export, set, exit)`,
      hint:
        "add it to allowed_tools of style-warden in config/agent_roles.yaml, or enqueue with a role that has it",
    },
  });
  const jsonOk = await ork([
    "roles",
    "check",
    "--json",
    "--role",
    "code-planner",
    "--cmd",
    "git diff | grep x",
  ], {
    cwd: repo.dir,
  });
  assert.equal(jsonOk.code, 0, jsonOk.stderr);
  assert.deepEqual(JSON.parse(jsonOk.stdout), {
    allowed: true,
    role: "code-planner",
    tools: ["git", "grep"],
    refusal: null,
  });

  const unknown = await ork(["roles", "check", "--role", "nope", "--cmd", "true"], { cwd: repo.dir });
  assertRefused(unknown, /^ork: unknown role "nope"; use one of: bug-catcher, /);
  const missing = await ork(["roles", "check", "--role", "bug-catcher"], { cwd: repo.dir });
  assertRefused(
    missing,
    /^ork: required option '--cmd <command>' not specified; see 'ork roles check --help'$/,
  );
});

Deno.test("roles lists the roles, the builtins and the patterns; --json has roles, forbidden_patterns, builtins", async () => {
  const text = await ork(["roles"], { cwd: repo.dir });
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.split("\n");
  assert.match(lines[0]!, /^ROLE\s+DESCRIPTION\s+ALLOWED TOOLS$/);
  assert.match(
    text.stdout,
    /^bug-catcher\s+Reproduce, diagnose, and fix bugs\s+pytest, python, bash, ruff, grep, node, npm, npx, claude, codex, gemini, qwen, aider$/m,
  );
  assert.match(
    text.stdout,
    /^every role may also use the shell builtins cd, echo, printf, test, \[, true, /m,
  );
  for (const { pattern, refuses } of DEFAULT_FORBIDDEN_PATTERNS) {
    assert.ok(lines.includes(`  ${refuses}`), refuses);
    assert.ok(lines.includes(`      ${pattern}`), pattern);
  }

  const json = await ork(["roles", "--json"], { cwd: repo.dir });
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(report), ["roles", "forbidden_patterns", "builtins"]);
  assert.deepEqual(Object.keys(report.roles), Object.keys(DEFAULT_CONFIG.roles).sort());
  assert.deepEqual(report.roles["code-planner"], DEFAULT_CONFIG.roles["code-planner"]);
  assert.deepEqual(
    report.forbidden_patterns,
    DEFAULT_FORBIDDEN_PATTERNS.map(({ pattern, refuses }) => ({ pattern, refuses })),
  );
  assert.deepEqual(report.builtins, [
    "cd",
    "echo",
    "printf",
    "test",
    "[",
    "true",
    "false",
    ":",
    "export",
    "set",
    "exit",
  ]);

  const help = await ork(["roles", "--help"], { cwd: repo.dir });
  assert.match(help.stdout, /Examples:\n {2}ork roles\n/);
});

Deno.test("the repository's own roles and patterns are what roles and enqueue use", async () => {
  await using custom = await tempRepo();
  assert.equal((await ork(["init"], { cwd: custom.dir })).code, 0);
  await Deno.writeTextFile(
    join(custom.dir, "config/agent_roles.yaml"),
    [
      "roles:",
      "  reviewer:",
      "    description: Reads diffs",
      "    allowed_tools: [git diff, git status, ./scripts/lint.sh]",
      "    forbidden_patterns: ['--output']",
      "forbidden_patterns: ['\\bsecret\\b']",
      "",
    ].join("\n"),
  );
  const enqueue = (cmd: string) =>
    ork(["enqueue", "--role", "reviewer", "--desc", "d", "--cmd", cmd], { cwd: custom.dir });
  assert.equal((await enqueue("git diff HEAD && git status && scripts/lint.sh")).code, 0);
  assertRefused(
    await enqueue("git commit -m x"),
    /^ork: role reviewer may not run "git commit" \(allowed: git diff, /,
  );
  assertRefused(
    await enqueue("git diff --output=x"),
    /^ork: the command matches forbidden pattern "--output" \(role reviewer\); forbidden_patterns of reviewer /,
  );
  assertRefused(
    await enqueue("git diff secret"),
    /^ork: the command matches forbidden pattern "\\bsecret\\b" \(role reviewer\); /,
  );
  const json = JSON.parse((await ork(["roles", "--json"], { cwd: custom.dir })).stdout);
  assert.deepEqual(json.forbidden_patterns, [{ pattern: "\\bsecret\\b", refuses: null }]);
  const text = (await ork(["roles"], { cwd: custom.dir })).stdout;
  assert.match(text, /^forbidden for reviewer:\n {2}--output$/m);
});
