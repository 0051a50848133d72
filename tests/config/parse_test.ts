import assert from "node:assert/strict";
import { ConfigError } from "../../src/errors/mod.ts";
import { parseConfigText } from "../../src/config/parse.ts";
import { CONFIG_FILES, type ConfigFile, DEFAULT_MAX_BYTES, mergeConfig } from "../../src/config/mod.ts";

const ORCHESTRATOR = CONFIG_FILES.orchestrator;
const ROLES = CONFIG_FILES.roles;

/** Parses `text` expecting one ConfigError, and checks its line, whole message and hint. */
function assertRefused(
  file: ConfigFile,
  text: string,
  expected: { line: number | undefined; message: string; hint: string },
): void {
  let caught: unknown;
  try {
    parseConfigText(file, text);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${caught}`);
  assert.equal(caught.code, "config-invalid");
  assert.equal(caught.file, file);
  assert.deepEqual(
    { line: caught.line, message: caught.message, hint: caught.hint },
    expected,
  );
}

Deno.test("an empty file sets nothing", () => {
  assert.deepEqual(parseConfigText(ORCHESTRATOR, ""), {});
});

Deno.test("a file with only comments sets nothing", () => {
  assert.deepEqual(parseConfigText(ROLES, "# roles:\n#   x: {}\n\n"), {});
});

Deno.test("an orchestrator section sets only the keys it names", () => {
  assert.deepEqual(
    parseConfigText(ORCHESTRATOR, "orchestrator:\n  max_concurrent: 5\n  target_branch: develop\n"),
    { orchestrator: { max_concurrent: 5, target_branch: "develop" } },
  );
});

Deno.test("an orchestrator section with every key commented out sets nothing", () => {
  assert.deepEqual(parseConfigText(ORCHESTRATOR, "orchestrator:\n  # max_concurrent: 5\n"), {});
});

Deno.test("target_branch may be set back to null explicitly", () => {
  assert.deepEqual(parseConfigText(ORCHESTRATOR, "orchestrator:\n  target_branch: null\n"), {
    orchestrator: { target_branch: null },
  });
});

Deno.test("gates get their defaults filled in, and max_bytes only on file_size gates", () => {
  const text = [
    "merge_gates:",
    "  - name: tests",
    "    command: make test",
    "  - name: docs",
    "    command: make docs",
    "    required: false",
    "    timeout: 60",
    "  - name: no_secrets",
    "    type: secrets",
    "  - name: sizes",
    "    type: file_size",
    "",
  ].join("\n");
  assert.deepEqual(parseConfigText(ORCHESTRATOR, text), {
    merge_gates: [
      { name: "tests", type: "shell", command: "make test", required: true, timeout: 300 },
      { name: "docs", type: "shell", command: "make docs", required: false, timeout: 60 },
      { name: "no_secrets", type: "secrets", required: true, timeout: 300 },
      { name: "sizes", type: "file_size", required: true, timeout: 300, max_bytes: DEFAULT_MAX_BYTES },
    ],
  });
});

Deno.test("an empty gate list means no gates", () => {
  assert.deepEqual(parseConfigText(ORCHESTRATOR, "merge_gates: []\n"), { merge_gates: [] });
});

Deno.test("roles get an empty forbidden_patterns list unless they set one", () => {
  const text = [
    "roles:",
    "  reviewer:",
    "    description: Review changes",
    "    allowed_tools: [git]",
    "  deployer:",
    "    description: Deploy",
    "    allowed_tools: []",
    "    forbidden_patterns: ['\\bkubectl\\s+delete\\b']",
    "",
  ].join("\n");
  assert.deepEqual(parseConfigText(ROLES, text), {
    roles: {
      reviewer: {
        description: "Review changes",
        allowed_tools: ["git"],
        forbidden_patterns: [],
        sandbox_writable: [],
      },
      deployer: {
        description: "Deploy",
        allowed_tools: [],
        forbidden_patterns: [String.raw`\bkubectl\s+delete\b`],
        sandbox_writable: [],
      },
    },
  });
});

Deno.test("a value of the wrong type names the file, line, key and what was expected", () => {
  assertRefused(ORCHESTRATOR, "orchestrator:\n  worktree_base: .ork/wt\n  max_concurrent: three\n", {
    line: 3,
    message: 'config/orchestrator.yaml:3: orchestrator.max_concurrent: expected an integer >= 1, got "three"',
    hint: "set it to a whole number such as 3",
  });
});

Deno.test("a value out of range is refused", () => {
  assertRefused(ORCHESTRATOR, "orchestrator:\n  max_concurrent: 0\n", {
    line: 2,
    message: "config/orchestrator.yaml:2: orchestrator.max_concurrent: expected an integer >= 1, got 0",
    hint: "set it to a whole number such as 3",
  });
});

Deno.test("a fractional count is refused", () => {
  assertRefused(ORCHESTRATOR, "orchestrator:\n  max_retries: 1.5\n", {
    line: 2,
    message: "config/orchestrator.yaml:2: orchestrator.max_retries: expected an integer >= 0, got 1.5",
    hint: "set it to a whole number such as 2, or 0 for no retries",
  });
});

Deno.test("a timeout too long for a timer is refused with the maximum", () => {
  assertRefused(ORCHESTRATOR, "orchestrator:\n  job_timeout: 99999999\n", {
    line: 2,
    message:
      "config/orchestrator.yaml:2: orchestrator.job_timeout: expected a number of seconds > 0 and <= 2147483, got 99999999",
    hint: "set it to a number of seconds such as 1800 (30 minutes)",
  });
});

Deno.test("an empty target branch is refused", () => {
  assertRefused(ORCHESTRATOR, "orchestrator:\n  target_branch: ''\n", {
    line: 2,
    message: 'config/orchestrator.yaml:2: orchestrator.target_branch: expected a branch name or null, got ""',
    hint: 'set it to a branch name such as "main", or null for the branch checked out in the main worktree',
  });
});

Deno.test("an unknown key points at the key and suggests the near miss", () => {
  const text = "# ork\n\norchestrator:\n  job_timeout: 60\n  max_concurrency: 4\n";
  assertRefused(ORCHESTRATOR, text, {
    line: 5,
    message: 'config/orchestrator.yaml:5: orchestrator: unknown key "max_concurrency"',
    hint:
      'did you mean "max_concurrent"? known keys: max_concurrent, worktree_base, queue_dir, job_timeout, ' +
      "stale_lock_timeout, max_retries, log_max_bytes, retry_on, target_branch, sandbox, sandbox_writable",
  });
});

Deno.test("an unknown key far from every known key lists the known keys only", () => {
  assertRefused(ORCHESTRATOR, "foo: 1\n", {
    line: 1,
    message: 'config/orchestrator.yaml:1: unknown key "foo"',
    hint:
      "known keys in config/orchestrator.yaml: orchestrator, landing, environment, hooks, rate_limit, agents, merge_gates",
  });
});

Deno.test("a key of the other file says which file it belongs in", () => {
  assertRefused(ORCHESTRATOR, "orchestrator: {}\nroles: {}\n", {
    line: 2,
    message: 'config/orchestrator.yaml:2: unknown key "roles"',
    hint:
      '"roles" belongs in config/agent_roles.yaml; known keys in config/orchestrator.yaml: orchestrator, ' +
      "landing, environment, hooks, rate_limit, agents, merge_gates",
  });
});

Deno.test("a setting at the top level is told to go under orchestrator:", () => {
  assertRefused(ORCHESTRATOR, "max_concurrent: 3\n", {
    line: 1,
    message: 'config/orchestrator.yaml:1: unknown key "max_concurrent"',
    hint:
      'indent "max_concurrent" under orchestrator:; known keys in config/orchestrator.yaml: orchestrator, ' +
      "landing, environment, hooks, rate_limit, agents, merge_gates",
  });
});

Deno.test("of several problems the one nearest the top is reported", () => {
  assertRefused(ORCHESTRATOR, "orchestrator:\n  bogus: 1\n  max_concurrent: x\n", {
    line: 2,
    message: 'config/orchestrator.yaml:2: orchestrator: unknown key "bogus"',
    hint:
      "known keys: max_concurrent, worktree_base, queue_dir, job_timeout, stale_lock_timeout, max_retries, " +
      "log_max_bytes, retry_on, target_branch, sandbox, sandbox_writable",
  });
});

Deno.test("a YAML syntax error gives yaml's message without its code frame", () => {
  assertRefused(ORCHESTRATOR, "orchestrator:\n  job_timeout: 60\n  max_concurrent: [3,\n\n", {
    line: 5,
    message:
      "config/orchestrator.yaml:5: YAML syntax error: Flow sequence in block collection must be sufficiently " +
      "indented and end with a ]",
    hint: "fix the YAML syntax at that line",
  });
});

Deno.test("a key given twice is a YAML error on the second one", () => {
  assertRefused(ORCHESTRATOR, "orchestrator:\n  max_concurrent: 2\n  max_concurrent: 3\n", {
    line: 3,
    message: "config/orchestrator.yaml:3: YAML syntax error: Map keys must be unique",
    hint: "fix the YAML syntax at that line",
  });
});

Deno.test("a file that is a list rather than a mapping is refused, naming the file", () => {
  assertRefused(ROLES, "# roles\n- bug-catcher\n- style-warden\n", {
    line: 2,
    message:
      "config/agent_roles.yaml:2: expected a mapping at the top level (roles:, forbidden_patterns:), got a list",
    hint: "start the file with roles: or forbidden_patterns: at the left margin",
  });
});

Deno.test("a file that is a lone word is refused", () => {
  assertRefused(ORCHESTRATOR, "hello\n", {
    line: 1,
    message:
      "config/orchestrator.yaml:1: expected a mapping at the top level (orchestrator:, landing:, environment:, " +
      'hooks:, rate_limit:, agents:, merge_gates:), got "hello"',
    hint:
      "start the file with orchestrator: or landing: or environment: or hooks: or rate_limit: or agents: or merge_gates: " +
      "at the left margin",
  });
});

Deno.test("an empty merge_gates key is refused rather than guessed", () => {
  assertRefused(ORCHESTRATOR, "orchestrator: {}\nmerge_gates:\n", {
    line: 2,
    message: "config/orchestrator.yaml:2: merge_gates: expected a list of gates, got null",
    hint: "write one gate per `- name: ...` item, or [] for no gates; delete the key to keep the default",
  });
});

Deno.test("duplicate gate names are refused at the second one", () => {
  const text = "merge_gates:\n  - name: tests\n    command: a\n  - name: tests\n    command: b\n";
  assertRefused(ORCHESTRATOR, text, {
    line: 4,
    message:
      'config/orchestrator.yaml:4: merge_gates[1].name: duplicate gate name "tests" (also merge_gates[0])',
    hint: "give each gate its own name",
  });
});

Deno.test("a shell gate without a command is refused", () => {
  assertRefused(ORCHESTRATOR, "merge_gates:\n  - name: tests\n    timeout: 60\n", {
    line: 2,
    message: "config/orchestrator.yaml:2: merge_gates[0]: a shell gate needs a command",
    hint: "add `command:` with the shell command to run, or set type: to secrets or file_size",
  });
});

Deno.test("max_bytes on a gate that is not file_size is refused", () => {
  assertRefused(ORCHESTRATOR, "merge_gates:\n  - name: tests\n    command: make test\n    max_bytes: 100\n", {
    line: 4,
    message:
      "config/orchestrator.yaml:4: merge_gates[0].max_bytes: only file_size gates take max_bytes, this one is shell",
    hint: "delete max_bytes:, or set type: file_size",
  });
});

Deno.test("a command on a gate that is not shell is refused", () => {
  assertRefused(ORCHESTRATOR, "merge_gates:\n  - name: keys\n    type: secrets\n    command: ls\n", {
    line: 4,
    message:
      "config/orchestrator.yaml:4: merge_gates[0].command: only shell gates take a command, this one is secrets",
    hint: "delete command:, or set type: shell",
  });
});

Deno.test("an unknown gate type lists the known ones", () => {
  assertRefused(ORCHESTRATOR, "merge_gates:\n  - name: x\n    type: lint\n", {
    line: 3,
    message:
      'config/orchestrator.yaml:3: merge_gates[0].type: expected one of "shell", "secrets", "file_size", got "lint"',
    hint: "set it to shell, secrets or file_size, or delete it for shell",
  });
});

Deno.test("a misspelt gate key suggests the right one", () => {
  assertRefused(ORCHESTRATOR, "merge_gates:\n  - name: x\n    command: ls\n    requird: false\n", {
    line: 4,
    message: 'config/orchestrator.yaml:4: merge_gates[0]: unknown key "requird"',
    hint:
      'did you mean "required"? known keys: name, type, command, required, timeout, retries, parallel, allow, exclude, max_bytes',
  });
});

Deno.test("a gate name with a space is refused", () => {
  assertRefused(ORCHESTRATOR, "merge_gates:\n  - name: unit tests\n    command: ls\n", {
    line: 2,
    message:
      'config/orchestrator.yaml:2: merge_gates[0].name: expected a name made of letters, digits, _ . and -, got "unit tests"',
    hint: 'set it to a short name such as "test_suite"',
  });
});

Deno.test("allowed_tools given as one word rather than a list is refused", () => {
  const text = "roles:\n  bug-catcher:\n    description: Fix bugs\n\n    allowed_tools: pytest\n";
  assertRefused(ROLES, text, {
    line: 5,
    message:
      'config/agent_roles.yaml:5: roles.bug-catcher.allowed_tools: expected a list of strings, got "pytest"',
    hint: "list the tools the role may use, such as [bash, git], or [] for none",
  });
});

Deno.test("a tool that is not a string is refused at its place in the list", () => {
  assertRefused(
    ROLES,
    "roles:\n  bug-catcher:\n    description: Fix bugs\n    allowed_tools:\n      - bash\n      - 3\n",
    {
      line: 6,
      message:
        "config/agent_roles.yaml:6: roles.bug-catcher.allowed_tools[1]: expected a non-empty string (a tool name), got 3",
      hint: "list the tools the role may use, such as [bash, git]",
    },
  );
});

Deno.test("a role without a description is refused at the role's name", () => {
  assertRefused(ROLES, "roles:\n  bug-catcher:\n    allowed_tools: [bash]\n", {
    line: 2,
    message: 'config/agent_roles.yaml:2: roles.bug-catcher: missing key "description"',
    hint: "add description: with a non-empty string",
  });
});

Deno.test("a role name with a space is refused", () => {
  assertRefused(ROLES, "roles:\n  bug catcher:\n    description: Fix bugs\n    allowed_tools: []\n", {
    line: 2,
    message: 'config/agent_roles.yaml:2: roles: invalid role name "bug catcher"',
    hint:
      "name roles with letters, digits, - and _ (matching ^[A-Za-z0-9][A-Za-z0-9_-]*$), such as bug-catcher",
  });
});

Deno.test("a forbidden pattern that does not compile names its index and line", () => {
  assertRefused(ROLES, "forbidden_patterns:\n  - 'a'\n  - 'b'\n  - 'rm (-rf'\n", {
    line: 4,
    message:
      "config/agent_roles.yaml:4: forbidden_patterns[2]: not a valid regular expression: Unterminated group",
    hint:
      "fix the pattern (JavaScript RegExp syntax); escape a literal character such as ( or [ with a backslash",
  });
});

Deno.test("a role's own forbidden pattern must compile too", () => {
  const text = "roles:\n  x:\n    description: d\n    allowed_tools: []\n    forbidden_patterns: ['[a-']\n";
  assertRefused(ROLES, text, {
    line: 5,
    message:
      "config/agent_roles.yaml:5: roles.x.forbidden_patterns[0]: not a valid regular expression: Unterminated character class",
    hint:
      "fix the pattern (JavaScript RegExp syntax); escape a literal character such as ( or [ with a backslash",
  });
});

Deno.test("a glob of a built-in gate that is not a non-empty string is refused with the glob's place and a fix", () => {
  const gate = (key: string, value: string) =>
    `merge_gates:\n  - name: g\n    type: ${
      key === "allow" ? "secrets" : "file_size"
    }\n    ${key}: ${value}\n`;
  assertRefused(ORCHESTRATOR, gate("allow", "[5]"), {
    line: 4,
    message:
      "config/orchestrator.yaml:4: merge_gates[0].allow[0]: expected a non-empty glob (a string), got 5",
    hint:
      "write each glob as text, such as tests/fixtures/** (quote it if it starts with * or holds a colon)",
  });
  assertRefused(ORCHESTRATOR, gate("exclude", '["assets/**", ""]'), {
    line: 4,
    message:
      'config/orchestrator.yaml:4: merge_gates[0].exclude[1]: expected a non-empty glob (a string), got ""',
    hint: "write each glob as text, such as assets/** (quote it if it starts with * or holds a colon)",
  });
});

Deno.test("environment and sandbox_writable are read as written", () => {
  assert.deepEqual(
    parseConfigText(
      ORCHESTRATOR,
      "orchestrator:\n  sandbox_writable: [~/.claude, ~/.claude.json, /opt/state]\n" +
        "environment:\n  setup: npm ci\n  inputs: [package-lock.json, ./packages/a/]\n  copy: [.env]\n" +
        "  timeout: 60\n",
    ),
    {
      orchestrator: { sandbox_writable: ["~/.claude", "~/.claude.json", "/opt/state"] },
      environment: {
        setup: "npm ci",
        inputs: ["package-lock.json", "./packages/a/"],
        copy: [".env"],
        timeout: 60,
      },
    },
  );
  assert.deepEqual(
    parseConfigText(
      ROLES,
      "roles:\n  agent:\n    description: d\n    allowed_tools: []\n" +
        "    sandbox_writable: [~/.codex]\n",
    ).roles?.agent?.sandbox_writable,
    ["~/.codex"],
  );
});

Deno.test("bad environment and sandbox_writable values name the key, the value and the fix", () => {
  const cases: [string, number, string, string][] = [
    [
      "orchestrator:\n  sandbox_writable: [.claude]\n",
      2,
      'orchestrator.sandbox_writable[0]: ".claude" is not an absolute path or one starting with ~/',
      'write the path whole, such as "~/.claude" or "/opt/agent/state"',
    ],
    [
      "orchestrator:\n  sandbox_writable: ~/.claude\n",
      2,
      'orchestrator.sandbox_writable: expected a list of paths, got "~/.claude"',
      'list the paths agents keep their state in, such as ["~/.claude", "~/.codex"], or [] for none',
    ],
    [
      "environment:\n  inputs: [../package-lock.json]\n",
      2,
      'environment.inputs[0]: "../package-lock.json" is not a path inside the repository',
      'write it relative to the repository\'s top, without .. or .git, and outside .ork/, such as "package-lock.json"',
    ],
    [
      "environment:\n  copy: [/etc/passwd]\n",
      2,
      'environment.copy[0]: "/etc/passwd" is not a path inside the repository',
      'write it relative to the repository\'s top, without .. or .git, and outside .ork/, such as "package-lock.json"',
    ],
    [
      "environment:\n  copy: [.git/config]\n",
      2,
      'environment.copy[0]: ".git/config" is not a path inside the repository',
      'write it relative to the repository\'s top, without .. or .git, and outside .ork/, such as "package-lock.json"',
    ],
    [
      "environment:\n  setup: ''\n",
      2,
      'environment.setup: expected a non-empty command or null, got ""',
      'set it to the command that prepares a worktree, such as "npm ci", or null for none',
    ],
    [
      "environment:\n  timeout: 0\n",
      2,
      "environment.timeout: expected a number of seconds > 0, got 0",
      "set it to a number of seconds such as 900 (15 minutes)",
    ],
    [
      "environment:\n  setup: npm ci\n  input: [package-lock.json]\n",
      3,
      'environment: unknown key "input"',
      'did you mean "inputs"? known keys: setup, inputs, copy, timeout',
    ],
  ];
  for (const [text, line, message, hint] of cases) {
    assertRefused(ORCHESTRATOR, text, { line, message: `${ORCHESTRATOR}:${line}: ${message}`, hint });
  }
  assertRefused(
    ROLES,
    "roles:\n  agent:\n    description: d\n    allowed_tools: []\n    sandbox_writable: [codex]\n",
    {
      line: 5,
      message:
        `${ROLES}:5: roles.agent.sandbox_writable[0]: "codex" is not an absolute path or one starting with ~/`,
      hint: 'write the path whole, such as "~/.claude" or "/opt/agent/state"',
    },
  );
});

Deno.test("agents: presets are read with their defaults; bad ones name the key and the fix", () => {
  assert.deepEqual(
    parseConfigText(ORCHESTRATOR, 'agents:\n  mine:\n    command: my-agent --task "${ORK_PROMPT}"\n'),
    { agents: { mine: { command: 'my-agent --task "${ORK_PROMPT}"', writable: [], env: {} } } },
  );
  const cases: [string, number, string, string][] = [
    [
      "agents:\n  mine:\n    command: my-agent --task fix\n",
      3,
      "agents.mine.command: the command never reads $ORK_PROMPT, so the agent would not get the prompt",
      'pass "$ORK_PROMPT" where the agent takes its prompt, such as claude -p "$ORK_PROMPT"',
    ],
    [
      'agents:\n  bad name:\n    command: x "$ORK_PROMPT"\n',
      2,
      'agents: invalid agent name "bad name"',
      "name agents with letters, digits, - and _ (matching ^[A-Za-z0-9][A-Za-z0-9_-]*$), such as my-agent",
    ],
    [
      'agents:\n  mine:\n    command: x "$ORK_PROMPT"\n    env:\n      1BAD: x\n',
      5,
      'agents.mine.env: invalid variable name "1BAD"',
      "name variables with letters, digits and _ (matching ^[A-Za-z_][A-Za-z0-9_]*$), such as MY_TOKEN",
    ],
    [
      'agents:\n  mine:\n    command: x "$ORK_PROMPT"\n    writable: [state]\n',
      4,
      'agents.mine.writable[0]: "state" is not an absolute path or one starting with ~/',
      'write the path whole, such as "~/.claude" or "/opt/agent/state"',
    ],
    [
      'agents:\n  mine:\n    command: x "$ORK_PROMPT"\n    env:\n      ORK_JOB_ID: x\n',
      5,
      "agents.mine.env.ORK_JOB_ID: ORK_JOB_ID is ork's to set",
      "set it where ork runs (HOME), or leave it to ork (ORK_*); give the agent variables of its own",
    ],
    [
      'agents:\n  mine:\n    command: x "$ORK_PROMPT"\n    writeable: []\n',
      4,
      'agents.mine: unknown key "writeable"',
      'did you mean "writable"? known keys: command, writable, env',
    ],
    [
      "agents:\n  mine:\n    writable: []\n",
      2,
      'agents.mine: missing key "command"',
      "add command: with a command line that reads $ORK_PROMPT",
    ],
  ];
  for (const [text, line, message, hint] of cases) {
    assertRefused(ORCHESTRATOR, text, { line, message: `${ORCHESTRATOR}:${line}: ${message}`, hint });
  }
});

Deno.test("agents in the file replace the built-in of their name; the other built-ins stay", () => {
  const config = mergeConfig([parseConfigText(
    ORCHESTRATOR,
    'agents:\n  claude:\n    command: claude -p "$ORK_PROMPT"\n    writable: [~/.claude]\n',
  )]);
  assert.deepEqual(config.agents.claude, {
    command: 'claude -p "$ORK_PROMPT"',
    writable: ["~/.claude"],
    env: {},
  });
  assert.deepEqual(Object.keys(config.agents), ["claude", "codex", "gemini", "qwen", "aider"]);
});

Deno.test("a key named __proto__ is refused with its line, wherever it is", () => {
  for (
    const [file, text, line] of [
      [ORCHESTRATOR, 'agents:\n  __proto__:\n    command: x "$ORK_PROMPT"\n', 2],
      [ROLES, "roles:\n  tester:\n    description: d\n    allowed_tools: []\n  __proto__: {}\n", 5],
    ] as const
  ) {
    assertRefused(file, text, {
      line,
      message: `${file}:${line}: a key named "__proto__" is not allowed`,
      hint: "rename the key",
    });
  }
});

Deno.test("the merge train's keys: landing.parallel, and a gate's retries and parallel, are read as written", () => {
  const text =
    "landing:\n  parallel: 3\n  batch: 4\nmerge_gates:\n  - name: db\n    command: make db-test\n" +
    "    retries: 2\n    parallel: false\n";
  assert.deepEqual(parseConfigText(ORCHESTRATOR, text), {
    landing: { parallel: 3, batch: 4 },
    merge_gates: [
      {
        name: "db",
        type: "shell",
        command: "make db-test",
        required: true,
        timeout: 300,
        retries: 2,
        parallel: false,
      },
    ],
  });
  assert.deepEqual(parseConfigText(ORCHESTRATOR, "landing:\n  parallel: null\n"), {
    landing: { parallel: null },
  });
});

Deno.test("a landing.parallel below 1, an unknown landing.approve, a bad rate_limit value, or a gate's retries or parallel of the wrong kind, is refused naming the key", () => {
  for (
    const [text, line, message, hint] of [
      [
        "landing:\n  parallel: 0\n",
        2,
        "config/orchestrator.yaml:2: landing.parallel: expected an integer >= 1 (or null), got 0",
        "set it to how many candidates may run their gates at once, such as 4, or null for the number of workers",
      ],
      [
        "landing:\n  batch: 0\n",
        2,
        "config/orchestrator.yaml:2: landing.batch: expected an integer >= 1, got 0",
        "set it to how many waiting jobs one candidate may hold when the train is long, such as 4, or 1 for none",
      ],
      [
        "landing:\n  batch: 33\n",
        2,
        "config/orchestrator.yaml:2: landing.batch: expected an integer >= 1 and <= 32, got 33",
        "set it to how many waiting jobs one candidate may hold when the train is long, such as 4, or 1 for none",
      ],
      [
        "rate_limit:\n  exit_codes: [0]\n",
        2,
        "config/orchestrator.yaml:2: rate_limit.exit_codes[0]: expected an integer >= 1, got 0",
        "an exit code, such as 75",
      ],
      [
        "rate_limit:\n  exit_codes: [256]\n",
        2,
        "config/orchestrator.yaml:2: rate_limit.exit_codes[0]: expected an integer >= 1 and <= 255, got 256",
        "an exit code, such as 75",
      ],
      [
        "rate_limit:\n  patterns: ['^(\\w+\\s?)+limit$']\n",
        2,
        "config/orchestrator.yaml:2: rate_limit.patterns[0]: too slow a regular expression: a repeated group " +
        "with a repetition inside can take exponential time on a line that almost matches",
        "repeat a plain class instead, such as [\\w ]+",
      ],
      [
        "rate_limit:\n  patterns: ['x*']\n",
        2,
        "config/orchestrator.yaml:2: rate_limit.patterns[0]: the pattern matches empty text, so every failed " +
        "command would look like a usage limit",
        "name words the agent prints, such as 'usage limit reached'",
      ],
      [
        "rate_limit:\n  patterns: ['(unclosed']\n",
        2,
        "config/orchestrator.yaml:2: rate_limit.patterns[0]: not a valid regular expression: Unterminated group",
        "fix the pattern (JavaScript RegExp syntax); escape a literal character such as ( or [ with a backslash",
      ],
      [
        "rate_limit:\n  wait: 0\n",
        2,
        "config/orchestrator.yaml:2: rate_limit.wait: expected a number of seconds > 0, got 0",
        "set it to a number of seconds such as 900 (15 minutes)",
      ],
      [
        "landing:\n  approve: sometimes\n",
        2,
        'config/orchestrator.yaml:2: landing.approve: expected auto or manual, got "sometimes"',
        "auto (jobs land once their gates pass) or manual (they wait for ork approve)",
      ],
      [
        "merge_gates:\n  - name: t\n    command: make\n    retries: 11\n",
        4,
        "config/orchestrator.yaml:4: merge_gates[0].retries: expected an integer >= 0 and <= 10, got 11",
        "set it to how many times a failed run is tried again on the same tree, such as 1, or 0",
      ],
      [
        "merge_gates:\n  - name: t\n    command: make\n    parallel: sometimes\n",
        4,
        'config/orchestrator.yaml:4: merge_gates[0].parallel: expected true or false, got "sometimes"',
        "set it to false when two runs of the gate cannot share the machine (a shared database), else true",
      ],
    ] as const
  ) {
    assertRefused(ORCHESTRATOR, text, { line, message, hint });
  }
});

Deno.test("queue_dir and worktree_base outside a folder of their own below .ork/ are refused naming the key", () => {
  for (
    const [key, value] of [["queue_dir", "."], ["queue_dir", "../x"], ["worktree_base", "src"], [
      "queue_dir",
      ".ork/locks",
    ]]
  ) {
    assertRefused(ORCHESTRATOR, `orchestrator:\n  ${key}: ${value}\n`, {
      line: 2,
      message:
        `config/orchestrator.yaml:2: orchestrator.${key}: "${value}" is not a folder of its own below .ork/`,
      hint:
        "keep ork's state below .ork/, in a folder of its own such as the default; ork moves and deletes what " +
        "it finds there (.ork/archive, .ork/quarantine, .ork/locks, .ork/logs, .ork/env, .ork/cache, .ork/trains " +
        "are taken)",
    });
  }
  assert.deepEqual(parseConfigText(ORCHESTRATOR, "orchestrator:\n  queue_dir: .ork/jobs\n"), {
    orchestrator: { queue_dir: ".ork/jobs" },
  });
});

Deno.test("a queue_dir and a worktree_base that overlap (one inside the other, or the same) are refused naming the key", () => {
  const hint =
    "give the queue and the worktrees a folder each, such as the defaults .ork/queue and .ork/worktrees";
  for (
    const [text, line, message] of [
      [
        "orchestrator:\n  queue_dir: .ork/worktrees/jobs\n",
        2,
        'orchestrator.queue_dir: ".ork/worktrees/jobs" overlaps worktree_base (".ork/worktrees")',
      ],
      [
        "orchestrator:\n  worktree_base: .ork/Queue\n",
        2,
        'orchestrator.worktree_base: ".ork/Queue" overlaps queue_dir (".ork/queue")',
      ],
      [
        "orchestrator:\n  worktree_base: .ork/w\n  queue_dir: ./.ork/w/\n",
        3,
        'orchestrator.queue_dir: "./.ork/w/" overlaps worktree_base (".ork/w")',
      ],
    ] as const
  ) {
    assertRefused(ORCHESTRATOR, text, {
      line,
      message: `config/orchestrator.yaml:${line}: ${message}`,
      hint,
    });
  }
  // A shared prefix of names is no overlap.
  assert.deepEqual(
    parseConfigText(ORCHESTRATOR, "orchestrator:\n  queue_dir: .ork/q\n  worktree_base: .ork/qq\n"),
    { orchestrator: { queue_dir: ".ork/q", worktree_base: ".ork/qq" } },
  );
});
