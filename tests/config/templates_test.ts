import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CONFIG_FILES,
  configTemplates,
  DEFAULT_CONFIG,
  loadConfig,
  mergeConfig,
} from "../../src/config/mod.ts";
import { parseConfigText } from "../../src/config/parse.ts";
import { CHECKOUT, tempDir } from "../helpers/mod.ts";

Deno.test("there is a template for each config file", () => {
  assert.deepEqual(Object.keys(configTemplates()), [CONFIG_FILES.orchestrator, CONFIG_FILES.roles]);
});

Deno.test("the repository's config files are byte-equal to the embedded templates", async () => {
  for (const [file, text] of Object.entries(configTemplates())) {
    const onDisk = await Deno.readFile(join(CHECKOUT, file));
    assert.deepEqual(
      onDisk,
      new TextEncoder().encode(text),
      `${file} differs from its template; regenerate it`,
    );
  }
});

Deno.test("each template parses on its own to exactly the defaults of its keys", () => {
  const templates = configTemplates();
  assert.deepEqual(parseConfigText(CONFIG_FILES.orchestrator, templates[CONFIG_FILES.orchestrator] ?? ""), {
    orchestrator: DEFAULT_CONFIG.orchestrator,
    landing: DEFAULT_CONFIG.landing,
    environment: DEFAULT_CONFIG.environment,
    hooks: DEFAULT_CONFIG.hooks,
    // The built-in patterns are only named in a comment: the key keeps its default.
    rate_limit: {
      exit_codes: DEFAULT_CONFIG.rate_limit.exit_codes,
      wait: DEFAULT_CONFIG.rate_limit.wait,
      max_waits: DEFAULT_CONFIG.rate_limit.max_waits,
    },
    merge_gates: [],
  });
  assert.deepEqual(parseConfigText(CONFIG_FILES.roles, templates[CONFIG_FILES.roles] ?? ""), {
    roles: DEFAULT_CONFIG.roles,
    forbidden_patterns: DEFAULT_CONFIG.forbidden_patterns,
  });
});

Deno.test("the templates written to a repository load back as the defaults", async () => {
  await using tmp = await tempDir();
  await Deno.mkdir(join(tmp.dir, "config"));
  for (const [file, text] of Object.entries(configTemplates())) {
    await Deno.writeTextFile(join(tmp.dir, file), text);
  }
  assert.deepEqual(await loadConfig(tmp.dir), DEFAULT_CONFIG);
});

Deno.test("the commented-out example gates in the template are valid once uncommented", () => {
  const template = configTemplates()[CONFIG_FILES.orchestrator] ?? "";
  const start = template.indexOf("# merge_gates:\n");
  const end = template.indexOf("merge_gates: []\n");
  assert.ok(start > 0 && end > start);
  const uncommented = template.slice(start, end).replaceAll(/^# ?/gm, "");
  const layer = parseConfigText(CONFIG_FILES.orchestrator, uncommented);
  assert.deepEqual(
    mergeConfig([layer]).merge_gates.map((gate) => `${gate.name}:${gate.type}`),
    [
      "style_check:shell",
      "test_suite:shell",
      "integration_tests:shell",
      "no_secrets:secrets",
      "no_large_files:file_size",
    ],
  );
});

Deno.test("the templates mention every key they accept", () => {
  const templates = configTemplates();
  const orchestrator = templates[CONFIG_FILES.orchestrator] ?? "";
  for (const key of Object.keys(DEFAULT_CONFIG.orchestrator)) {
    assert.match(orchestrator, new RegExp(`^  ${key}:`, "m"));
  }
  for (const key of ["name", "type", "command", "required", "timeout", "max_bytes"]) {
    assert.match(orchestrator, new RegExp(`^#   ${key}: `, "m"));
  }
  const roles = templates[CONFIG_FILES.roles] ?? "";
  for (const key of ["description", "allowed_tools", "forbidden_patterns"]) {
    assert.match(roles, new RegExp(`^#   ${key}: `, "m"));
  }
});
