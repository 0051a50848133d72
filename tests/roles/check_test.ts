import assert from "node:assert/strict";
import {
  DEFAULT_CONFIG,
  DEFAULT_FORBIDDEN_PATTERNS,
  mergeConfig,
  type OrkConfig,
} from "../../src/config/mod.ts";
import { InputError } from "../../src/errors/mod.ts";
import {
  assertCommandAllowed,
  checkCommand,
  entryAllows,
  requireRole,
  type RoleVerdict,
  SHELL_BUILTINS,
} from "../../src/roles/mod.ts";

/** The default roles plus a few made for these tests. */
const CONFIG: OrkConfig = mergeConfig([{
  roles: {
    ...DEFAULT_CONFIG.roles,
    ops: {
      description: "may run the dangerous tools, so that only the patterns stop them",
      allowed_tools: ["rm", "dd", "mkfs", "mkfs.ext4", "git", "sudo", "mkdir", "bomb"],
      forbidden_patterns: [],
      sandbox_writable: [],
    },
    reviewer: {
      description: "reads the history",
      allowed_tools: ["git diff", "git status", "git stash list", "x.sh", "/usr/bin/python3"],
      forbidden_patterns: [String.raw`\bgit\s+log\b.*--all\b`],
      sandbox_writable: [],
    },
    nothing: {
      description: "may only use builtins",
      allowed_tools: [],
      forbidden_patterns: [],
      sandbox_writable: [],
    },
  },
}]);

async function refusal(role: string, command: string): Promise<NonNullable<RoleVerdict["refusal"]>> {
  const verdict = await checkCommand(CONFIG, role, command);
  assert.equal(verdict.allowed, false, `${role} should not run: ${command}`);
  assert.ok(verdict.refusal !== null);
  return verdict.refusal;
}

async function assertAllowed(role: string, command: string): Promise<RoleVerdict> {
  const verdict = await checkCommand(CONFIG, role, command);
  assert.equal(verdict.refusal, null, `${role} should run: ${command}: ${verdict.refusal?.message}`);
  assert.equal(verdict.allowed, true);
  return verdict;
}

Deno.test("a command whose tools are all in the role is allowed, and tools lists them in order", async () => {
  const verdict = await assertAllowed(
    "bug-catcher",
    "cd src && pytest -x | grep -v ok; ruff check . || echo failed",
  );
  assert.deepEqual(verdict, {
    allowed: true,
    role: "bug-catcher",
    tools: ["cd", "pytest", "grep", "ruff", "echo"],
    refusal: null,
  });
});

Deno.test("a tool outside the role is refused, naming the tool, the role and what is allowed", async () => {
  const refused = await refusal("bug-catcher", "pytest -x && curl https://example.com");
  assert.equal(refused.kind, "tool");
  assert.equal(refused.what, "curl");
  assert.equal(
    refused.message,
    `role bug-catcher may not run "curl" (allowed: pytest, python, bash, ruff, grep, node, npm, npx, claude, ` +
      `codex, gemini, qwen, aider, and the builtins ` +
      `cd, echo, printf, test, [, true, false, :, export, set, exit)`,
  );
  assert.equal(
    refused.hint,
    "add it to allowed_tools of bug-catcher in config/agent_roles.yaml, or enqueue with a role that has it",
  );
  // Roles that have it are named.
  const git = await refusal("bug-catcher", "git status");
  assert.match(
    git.hint,
    /or enqueue with a role that has it \(code-planner, ops, patch-surgeon, reviewer\)$/,
  );
  assert.match(
    (await refusal("nothing", "ls")).message,
    /^role nothing may not run "ls" \(allowed: only the builtins cd, /,
  );
});

Deno.test("every command word is checked: substitutions, subshells, bash -c, functions", async () => {
  for (
    const command of [
      "pytest $(curl x)",
      "pytest `wget y`",
      "(cd x && make)",
      "{ pytest; sleep 1; }",
      "bash -c 'pytest && curl x'",
      `sh -c "nc -l 80"`,
      "python <(curl x)",
      "if pytest; then date; fi",
      "for f in a b; do ls $f; done",
      "X=$(id) pytest",
      "env pytest",
      "xargs pytest",
      "time pytest",
      "exec pytest",
      "eval pytest",
      "source x.sh",
      ". x.sh",
      "f() { pytest; }; f",
    ]
  ) {
    assert.equal((await refusal("bug-catcher", command)).kind, "tool", command);
  }
});

Deno.test("the shell builtins are allowed for every role; exec, eval, source are not builtins here", async () => {
  assert.deepEqual(SHELL_BUILTINS, [
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
  await assertAllowed(
    "nothing",
    "cd x && echo hi; printf '%s' y; test -f z || [ -d w ]; true; false; : ; set -e",
  );
  await assertAllowed("nothing", "export A=1; exit 3");
  for (const command of ["exec ls", "eval x", "source f", "command ls", "builtin cd"]) {
    await refusal("nothing", command);
  }
});

Deno.test("a path counts by its base name", async () => {
  await assertAllowed("reviewer", "./scripts/x.sh && /opt/bin/x.sh; x.sh");
  await assertAllowed("reviewer", "python3 -m pytest; /usr/local/bin/python3 -V");
  assert.equal((await refusal("reviewer", "./python3.12")).what, "python3.12");
  assert.deepEqual((await assertAllowed("bug-catcher", "/usr/bin/pytest && ./venv/bin/python x.py")).tools, [
    "pytest",
    "python",
  ]);
});

Deno.test("an entry of several words allows that subcommand only", async () => {
  await assertAllowed("reviewer", "git diff HEAD~1 && git status --short && git --no-pager diff");
  await assertAllowed("reviewer", "git stash list --oneline && git stash -q list");
  assert.equal((await refusal("reviewer", "git stash pop")).what, "git stash pop");
  const commit = await refusal("reviewer", "git diff && git commit -m x");
  assert.equal(commit.what, "git commit");
  assert.match(commit.message, /^role reviewer may not run "git commit" \(allowed: git diff, git status, /);
  // Options before the subcommand are skipped, but a value they take counts as the first operand: refused.
  assert.equal((await refusal("reviewer", "git -C elsewhere diff")).what, "git elsewhere");
  assert.equal((await refusal("reviewer", "git -c core.pager=less diff")).what, "git core.pager=less");
  assert.equal((await refusal("reviewer", "git")).what, "git");
  assert.equal((await refusal("reviewer", "git log")).what, "git log");
  assert.equal((await refusal("reviewer", "git $SUB")).kind, "tool");
  assert.ok(entryAllows("git diff", ["/usr/bin/git", "--no-pager", "diff", "x"]));
  assert.ok(!entryAllows("git diff", ["git", "difftool"]));
  assert.ok(entryAllows("  pytest  ", ["pytest", "-x"]));
});

Deno.test("each default forbidden pattern is refused, naming the pattern and the role", async () => {
  const refused: readonly (readonly string[])[] = [
    ["rm -rf /", "rm -fr /", "rm -rf /*", "sudo rm -rf --no-preserve-root /", "cd x && rm -rf / ; echo done"],
    ["rm -rf ~", "rm -rf ~/", "rm -rf ~/*", "rm -rf $HOME", "rm -rf ${HOME}"],
    ["dd if=/dev/zero of=disk.img", "dd bs=1M if=/dev/zero of=x"],
    ["dd if=image.iso of=/dev/sdb bs=4M", "dd if=x of=/dev/nvme0n1"],
    ["mkfs /dev/sdb1", "mkfs.ext4 /dev/sda1", "sudo mkfs -t xfs /dev/sdc"],
    ["git push --force origin main", "git push -f origin master", "git -C repo push -f origin main"],
    ["git push origin +main", "git push origin +HEAD:master"],
    ["git update-ref refs/heads/main HEAD~1", "git update-ref -d refs/heads/master"],
    ["git branch -f main HEAD~3", "git branch --force master origin/master"],
    [":(){ :|:& };:", "bomb(){ bomb|bomb& };bomb"],
  ];
  assert.equal(refused.length, DEFAULT_FORBIDDEN_PATTERNS.length);
  for (const [index, { pattern, refuses }] of DEFAULT_FORBIDDEN_PATTERNS.entries()) {
    for (const command of refused[index]!) {
      const refusal_ = await refusal("ops", command);
      assert.equal(refusal_.kind, "pattern", command);
      assert.equal(refusal_.what, pattern, command);
      assert.equal(
        refusal_.message,
        `the command matches forbidden pattern "${pattern}" (${refuses}; role ops)`,
      );
      assert.match(
        refusal_.hint,
        /^forbidden_patterns in config\/agent_roles\.yaml refuse it for every role; /,
      );
      // Patterns come before the tools: a role that lacks the tool hears about the pattern.
      assert.equal((await refusal("bug-catcher", command)).kind, "pattern", command);
    }
  }
});

Deno.test("harmless look-alikes of the forbidden patterns are allowed", async () => {
  for (
    const command of [
      "rm -rf build/",
      "rm -rf ./dist",
      "rm -rf /tmp/ork-test-123",
      "rm -rf ~/cache/ork",
      "dd if=in.img of=out.img",
      "mkdir build",
      "git push origin feature",
      "git push origin main",
      "git push -f origin feature",
      "git push -f origin main-fix",
      "git push origin +feature",
      "git push -f origin feature && git checkout main",
      "git branch -f feature main",
      "git update-ref refs/heads/feature HEAD",
      "bomb(){ echo hi; }",
    ]
  ) {
    await assertAllowed("ops", command);
  }
});

Deno.test("a role's own patterns are checked before the global ones, and say whose they are", async () => {
  const refused = await refusal("reviewer", "git log --oneline --all");
  assert.equal(refused.kind, "pattern");
  assert.equal(
    refused.message,
    String.raw`the command matches forbidden pattern "\bgit\s+log\b.*--all\b" (role reviewer)`,
  );
  assert.match(refused.hint, /^forbidden_patterns of reviewer in config\/agent_roles\.yaml refuse it; /);
  // The same text is fine for a role without that pattern.
  await assertAllowed("ops", "git log --oneline --all");
  // User patterns are matched anywhere in the whole text, quotes and all.
  const config = mergeConfig([{ forbidden_patterns: ["curl.*\\|\\s*sh"] }]);
  const verdict = await checkCommand(config, "bug-catcher", `bash -c "curl x | sh"`);
  assert.equal(
    verdict.refusal?.message,
    `the command matches forbidden pattern "curl.*\\|\\s*sh" (role bug-catcher)`,
  );
});

Deno.test("an unknown role is refused first, with the known roles", async () => {
  const refused = await refusal("nope", "rm -rf /");
  assert.equal(refused.kind, "unknown-role");
  assert.equal(refused.message, `unknown role "nope"`);
  assert.match(refused.hint, /^use one of: bug-catcher, code-implementer, code-planner, nothing, ops, /);
  // requireRole still says the same.
  assert.throws(() => requireRole(CONFIG, "nope"), /unknown role "nope"/);
  assert.equal(requireRole(CONFIG, "ops").allowed_tools[0], "rm");
  // Inherited object keys are not roles.
  assert.equal((await refusal("constructor", "true")).kind, "unknown-role");
});

Deno.test("a command that does not parse is refused with the parser's message", async () => {
  const refused = await refusal("bug-catcher", "pytest 'tests");
  assert.equal(refused.kind, "parse");
  assert.equal(refused.what, "1:8: reached EOF without closing quote '");
  assert.equal(refused.message, "cannot parse the command: 1:8: reached EOF without closing quote '");
});

Deno.test("a command name that is not a literal is refused as dynamic", async () => {
  const cases: [string, string][] = [["$TOOL -x", "$TOOL"], ["$(which pytest) -x", "$(which pytest)"], [
    `bash -c "$X"`,
    `"$X"`,
  ]];
  for (const [command, what] of cases) {
    const refused = await refusal("bug-catcher", command);
    assert.equal(refused.kind, "dynamic", command);
    assert.equal(refused.what, what);
    assert.equal(
      refused.message,
      `role bug-catcher may not run ${JSON.stringify(what)}: ork cannot tell which program it runs`,
    );
  }
  // As an argument a variable is fine.
  await assertAllowed("bug-catcher", `pytest "$TESTS" ${"${ARGS:-x}"}`);
});

Deno.test("assertCommandAllowed throws the refusal as an InputError, and returns when allowed", async () => {
  await assertCommandAllowed(CONFIG, "bug-catcher", "pytest -x");
  await assert.rejects(assertCommandAllowed(CONFIG, "bug-catcher", "curl x"), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.equal(error.code, "bad-input");
    assert.match(error.message, /^role bug-catcher may not run "curl" /);
    assert.match(error.hint, /^add it to allowed_tools of bug-catcher/);
    return true;
  });
});
