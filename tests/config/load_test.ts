import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../src/errors/mod.ts";
import { CONFIG_FILES, DEFAULT_CONFIG, loadConfig } from "../../src/config/mod.ts";
import { tempDir } from "../helpers/mod.ts";

/** Writes config files (relative path -> text) under `root`. */
async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  await Deno.mkdir(join(root, "config"), { recursive: true });
  for (const [file, text] of Object.entries(files)) await Deno.writeTextFile(join(root, file), text);
}

/** Loads `root`'s config expecting one ConfigError, and returns it. */
async function loadError(root: string): Promise<ConfigError> {
  try {
    await loadConfig(root);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.equal(error.code, "config-invalid");
    return error;
  }
  assert.fail("expected loadConfig to throw");
}

Deno.test("a repository without config files gets the defaults", async () => {
  await using tmp = await tempDir();
  assert.deepEqual(await loadConfig(tmp.dir), DEFAULT_CONFIG);
});

Deno.test("the loaded config is a copy the caller may change", async () => {
  await using tmp = await tempDir();
  const config = await loadConfig(tmp.dir);
  config.orchestrator.max_concurrent = 99;
  config.roles["bug-catcher"]?.allowed_tools.push("rm");
  assert.equal(DEFAULT_CONFIG.orchestrator.max_concurrent, 3);
  assert.deepEqual(
    (await loadConfig(tmp.dir)).roles["bug-catcher"]?.allowed_tools,
    DEFAULT_CONFIG.roles["bug-catcher"]?.allowed_tools,
  );
  assert.equal(DEFAULT_CONFIG.roles["bug-catcher"]?.allowed_tools.includes("rm"), false);
});

Deno.test("empty and comment-only files mean the defaults", async () => {
  await using tmp = await tempDir();
  await writeFiles(tmp.dir, {
    [CONFIG_FILES.orchestrator]: "",
    [CONFIG_FILES.roles]: "# nothing here yet\n\n  # indented comment\n",
  });
  assert.deepEqual(await loadConfig(tmp.dir), DEFAULT_CONFIG);
});

Deno.test("overriding one orchestrator key keeps the other defaults", async () => {
  await using tmp = await tempDir();
  await writeFiles(tmp.dir, { [CONFIG_FILES.orchestrator]: "orchestrator:\n  max_concurrent: 8\n" });
  const config = await loadConfig(tmp.dir);
  assert.deepEqual(config, {
    ...DEFAULT_CONFIG,
    orchestrator: { ...DEFAULT_CONFIG.orchestrator, max_concurrent: 8 },
  });
});

Deno.test("roles in the file replace the default roles wholesale", async () => {
  await using tmp = await tempDir();
  await writeFiles(tmp.dir, {
    [CONFIG_FILES.roles]: "roles:\n  reviewer:\n    description: Review changes\n    allowed_tools: [git]\n",
  });
  const config = await loadConfig(tmp.dir);
  assert.deepEqual(config.roles, {
    reviewer: {
      description: "Review changes",
      allowed_tools: ["git"],
      forbidden_patterns: [],
      sandbox_writable: [],
    },
  });
  assert.deepEqual(config.forbidden_patterns, DEFAULT_CONFIG.forbidden_patterns);
  assert.deepEqual(config.orchestrator, DEFAULT_CONFIG.orchestrator);
});

Deno.test("forbidden_patterns in the file replace the default patterns wholesale", async () => {
  await using tmp = await tempDir();
  await writeFiles(tmp.dir, { [CONFIG_FILES.roles]: "forbidden_patterns: ['\\bshutdown\\b']\n" });
  const config = await loadConfig(tmp.dir);
  assert.deepEqual(config.forbidden_patterns, [String.raw`\bshutdown\b`]);
  assert.deepEqual(config.roles, DEFAULT_CONFIG.roles);
});

Deno.test("gates and settings from one file and roles from the other all apply", async () => {
  await using tmp = await tempDir();
  await writeFiles(tmp.dir, {
    [CONFIG_FILES.orchestrator]:
      "orchestrator:\n  target_branch: trunk\nmerge_gates:\n  - name: tests\n    command: make test\n",
    [CONFIG_FILES.roles]: "roles: {}\n",
  });
  const config = await loadConfig(tmp.dir);
  assert.deepEqual(config, {
    orchestrator: { ...DEFAULT_CONFIG.orchestrator, target_branch: "trunk" },
    landing: DEFAULT_CONFIG.landing,
    environment: DEFAULT_CONFIG.environment,
    hooks: DEFAULT_CONFIG.hooks,
    rate_limit: DEFAULT_CONFIG.rate_limit,
    agents: DEFAULT_CONFIG.agents,
    merge_gates: [{ name: "tests", type: "shell", command: "make test", required: true, timeout: 300 }],
    roles: {},
    forbidden_patterns: DEFAULT_CONFIG.forbidden_patterns,
  });
});

Deno.test("a bad value in the orchestrator file names that file and its line", async () => {
  await using tmp = await tempDir();
  await writeFiles(tmp.dir, { [CONFIG_FILES.orchestrator]: "orchestrator:\n\n  max_concurrent: three\n" });
  const error = await loadError(tmp.dir);
  assert.equal(error.file, "config/orchestrator.yaml");
  assert.equal(error.line, 3);
  assert.equal(
    error.message,
    'config/orchestrator.yaml:3: orchestrator.max_concurrent: expected an integer >= 1, got "three"',
  );
  assert.equal(error.hint, "set it to a whole number such as 3");
});

Deno.test("a bad value in the roles file names that file and its line", async () => {
  await using tmp = await tempDir();
  await writeFiles(tmp.dir, {
    [CONFIG_FILES.orchestrator]: "orchestrator:\n  max_concurrent: 2\n",
    [CONFIG_FILES.roles]: "roles:\n  bug-catcher:\n    description: Fix bugs\n    allowed_tools: pytest\n",
  });
  const error = await loadError(tmp.dir);
  assert.equal(error.file, "config/agent_roles.yaml");
  assert.equal(error.line, 4);
  assert.equal(
    error.message,
    'config/agent_roles.yaml:4: roles.bug-catcher.allowed_tools: expected a list of strings, got "pytest"',
  );
});

Deno.test("a config path that cannot be read is reported without a line", async () => {
  await using tmp = await tempDir();
  await Deno.mkdir(join(tmp.dir, CONFIG_FILES.orchestrator), { recursive: true });
  const error = await loadError(tmp.dir);
  assert.equal(error.file, "config/orchestrator.yaml");
  assert.equal(error.line, undefined);
  assert.match(error.message, /^config\/orchestrator\.yaml: cannot read: /);
  assert.equal(error.hint, "make config/orchestrator.yaml a readable file, or delete it to use the defaults");
});

Deno.test("landing.strategy is merge by default and squash when the file says so", async () => {
  await using tmp = await tempDir();
  assert.equal((await loadConfig(tmp.dir)).landing.strategy, "merge");
  await writeFiles(tmp.dir, { [CONFIG_FILES.orchestrator]: "landing:\n  strategy: squash\n" });
  assert.equal((await loadConfig(tmp.dir)).landing.strategy, "squash");
  await writeFiles(tmp.dir, { [CONFIG_FILES.orchestrator]: "landing:\n  strategy: rebase\n" });
  await assert.rejects(
    loadConfig(tmp.dir),
    /^ConfigError: config\/orchestrator\.yaml:2: landing\.strategy: expected merge or squash/,
  );
});

Deno.test("sandbox is auto by default; allow and exclude belong to secrets and file_size gates only", async () => {
  await using tmp = await tempDir();
  assert.equal((await loadConfig(tmp.dir)).orchestrator.sandbox, "auto");
  await writeFiles(tmp.dir, {
    [CONFIG_FILES.orchestrator]:
      "orchestrator:\n  sandbox: required\nmerge_gates:\n  - name: s\n    type: secrets\n    allow: ['tests/fixtures/**']\n",
  });
  const config = await loadConfig(tmp.dir);
  assert.equal(config.orchestrator.sandbox, "required");
  assert.deepEqual(config.merge_gates[0]?.allow, ["tests/fixtures/**"]);
  await writeFiles(tmp.dir, {
    [CONFIG_FILES.orchestrator]: "merge_gates:\n  - name: t\n    command: make\n    exclude: ['x']\n",
  });
  await assert.rejects(
    loadConfig(tmp.dir),
    /merge_gates\[0\]\.exclude: only file_size gates take exclude, this one is shell/,
  );
});
